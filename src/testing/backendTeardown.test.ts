import { createHook } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { whoami } from './requests';
import { startGatehouseTestBackend } from './startGatehouseTestBackend';
import { startRealBackend } from './startRealBackend';

/** Async resources that keep a process alive while they exist and are ref'd. */
const KEEPING_ALIVE = new Set([
  'Timeout',
  'TCPWRAP',
  'TCPSERVERWRAP',
  'PIPEWRAP',
  'PIPESERVERWRAP',
  'PROCESSWRAP',
  'UDPWRAP',
  'SIGNALWRAP',
  'FSEVENTWRAP',
  'STATWATCHER',
]);

/**
 * The timers, sockets, servers and child processes made while `run` ran that
 * still keep the process alive a moment after it returned, each with the
 * stack that made it. A Jest worker with one of them cannot exit by itself.
 */
async function leftAlive(run: () => Promise<void>): Promise<string[]> {
  let tracking = true;
  const made = new Map<
    number,
    { type: string; resource: { hasRef?(): boolean }; stack: string }
  >();
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      if (tracking && KEEPING_ALIVE.has(type)) {
        made.set(asyncId, {
          type,
          resource: resource as { hasRef?(): boolean },
          stack: new Error().stack ?? '',
        });
      }
    },
    destroy(asyncId) {
      made.delete(asyncId);
    },
  });
  hook.enable();
  try {
    await run();
    tracking = false;
    // Closed sockets and cleared timers are destroyed on a later tick.
    await sleep(300);
  } finally {
    hook.disable();
  }
  return [...made.values()]
    .filter(({ resource }) => resource.hasRef?.() ?? true)
    .map(({ type, stack }) =>
      [
        type,
        ...stack
          .split('\n')
          .filter(line => / at (?!AsyncHook\.init |emitInit)/.test(line))
          .slice(0, 12),
      ].join('\n'),
    );
}

/**
 * The test helpers' backends, once stopped, leave nothing running: Backstage
 * never destroys SQLite pools at shutdown (knex's pool reaper is a ref'd
 * interval), so the helpers bring closingSqliteDatabaseServiceFactory; a
 * helper without it, or a Gatehouse timer that is neither unref'd nor cleared
 * at shutdown, keeps the Jest worker alive after the tests.
 */
describe('a stopped test backend', () => {
  it('leaves nothing running: startGatehouseTestBackend', async () => {
    const left = await leftAlive(async () => {
      const backend = await startGatehouseTestBackend({
        externalAccess: [{ type: 'gatehouse-managed', options: {} }],
      });
      expect((await whoami(backend, 'x'.repeat(40))).status).toBe(401);
      await backend.stop();
    });
    expect(left).toEqual([]);
  });

  it('leaves nothing running: startRealBackend', async () => {
    const left = await leftAlive(async () => {
      const backend = await startRealBackend({
        externalAccess: [{ type: 'gatehouse-managed', options: {} }],
      });
      const response = await fetch(`${backend.baseUrl}/api/gatehouse/tokens`, {
        headers: { Authorization: `Bearer ${'x'.repeat(40)}` },
      });
      expect(response.status).toBe(401);
      await backend.stop();
    });
    expect(left).toEqual([]);
  });
});
