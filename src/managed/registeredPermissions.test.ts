import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PluginRequestService } from '../pluginRequest/PluginRequestService';
import { createRegisteredPermissions } from './registeredPermissions';
import { createTokenOptions } from './tokenOptions';

/**
 * The permissions of plugins over real HTTP on loopback, and the new-token
 * form's options made of them:
 * one that answers, one that never does, one that fails and one that sends
 * junk. The through-the-backend case (real plugins, real permissions
 * registry) is in managedTokens.test.ts.
 */
describe('createRegisteredPermissions', () => {
  let server: Server;
  let base: string;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const plugin = req.url!.split('/')[1];
      requests.push(plugin);
      if (plugin === 'slow') return; // never answers
      if (plugin === 'broken') {
        res.statusCode = 500;
        res.end('{"error":{"name":"Error","message":"down"}}');
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(
        plugin === 'junk'
          ? '{"permissions":{"not":"a list"}}'
          : JSON.stringify({
              permissions: [
                {
                  type: 'basic',
                  name: 'fast.thing.read',
                  attributes: { action: 'read' },
                },
                { name: 42 },
                { name: 'fast.other' },
                {
                  type: 'resource',
                  name: 'fast.entity.delete',
                  attributes: { action: 'delete' },
                  resourceType: 'fast-entity',
                },
                { type: 'resource', name: 'fast.no.type' },
              ],
            }),
      );
    });
    await new Promise<void>(done => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise(done => server.close(done));
  });

  // What the real service does with a target and a path: fetch it, and
  // throw on an error status (ResponseError), honouring init's signal.
  const pluginRequest = {
    async fetch(
      pluginId: string,
      path: string,
      options?: { init?: RequestInit },
    ) {
      const response = await fetch(`${base}/${pluginId}${path}`, options?.init);
      if (!response.ok) throw new Error(`${response.status}`);
      return response;
    },
  } as unknown as PluginRequestService;

  function registered(now: () => number) {
    return createRegisteredPermissions({
      instance: {
        getInstalledPlugins: async () =>
          ['slow', 'fast', 'junk', 'broken'].map(pluginId => ({ pluginId })),
      } as never,
      pluginRequest,
      now,
      metadataTimeoutMs: 300,
    });
  }

  it('lists each plugin, with the permissions of those that answer in time', async () => {
    // Without the timeout, 'slow' would hold this past Jest's 5 s limit.
    const result = await registered(Date.now)();
    expect(result).toEqual([
      { pluginId: 'broken', permissions: [], read: false },
      {
        pluginId: 'fast',
        permissions: [
          {
            type: 'resource',
            name: 'fast.entity.delete',
            attributes: { action: 'delete' },
            resourceType: 'fast-entity',
          },
          { type: 'basic', name: 'fast.other', attributes: {} },
          {
            type: 'basic',
            name: 'fast.thing.read',
            attributes: { action: 'read' },
          },
        ],
        read: true,
      },
      { pluginId: 'junk', permissions: [], read: false },
      { pluginId: 'slow', permissions: [], read: false },
    ]);
  });

  it('offers the new-token form the lifetimes and each permission with its action', async () => {
    const result = await createTokenOptions({
      entry: {
        maxLifetimeMs: 30 * 86_400_000,
        defaultLifetimeMs: 7 * 86_400_000,
        rotationOverlapMs: 3_600_000,
      } as never,
      registeredPermissions: registered(Date.now),
    })();
    expect(result).toEqual({
      maxLifetimeMs: 30 * 86_400_000,
      defaultLifetimeMs: 7 * 86_400_000,
      rotationOverlapMs: 3_600_000,
      plugins: [
        { pluginId: 'broken', permissions: [] },
        {
          pluginId: 'fast',
          permissions: [
            { name: 'fast.entity.delete', action: 'delete' },
            { name: 'fast.other' },
            { name: 'fast.thing.read', action: 'read' },
          ],
        },
        { pluginId: 'junk', permissions: [] },
        { pluginId: 'slow', permissions: [] },
      ],
    });
  });

  it('asks the plugins again only after a minute', async () => {
    let at = 1_000_000;
    const get = registered(() => at);
    await get();
    const asked = requests.length;
    at += 59_000;
    await get();
    expect(requests.length).toBe(asked);
    at += 2_000;
    await get();
    expect(requests.length).toBe(asked + 4);
  });
});
