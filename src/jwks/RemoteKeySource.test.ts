import { mockServices } from '@backstage/backend-test-utils';
import { exportJWK, generateKeyPair, JWK } from 'jose';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { KEY_SET_DEFAULTS } from './jwksOptions';
import { KeyResolutionError, RemoteKeySource } from './RemoteKeySource';

type Fault = 'ok' | 'down' | 'http500' | 'garbage' | 'slow' | 'huge' | 'empty';

/** A key set server whose answers the test controls and whose requests it counts. */
async function startKeyServer() {
  const state = {
    keys: [] as JWK[],
    fault: 'ok' as Fault,
    requests: 0,
    issuer: '',
  };
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          issuer: state.issuer,
          jwks_uri: `${state.issuer}/jwks`,
        }),
      );
      return;
    }
    state.requests += 1;
    switch (state.fault) {
      case 'down':
        req.socket.destroy();
        return;
      case 'http500':
        res.statusCode = 500;
        res.end('oops');
        return;
      case 'garbage':
        res.end('<html>not json</html>');
        return;
      case 'empty':
        res.end(JSON.stringify({ keys: [] }));
        return;
      case 'huge':
        res.end(
          JSON.stringify({ keys: state.keys, padding: 'x'.repeat(2_000_000) }),
        );
        return;
      case 'slow':
        setTimeout(
          () => res.end(JSON.stringify({ keys: state.keys })),
          2000,
        ).unref();
        return;
      default:
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: state.keys }));
    }
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.issuer = base;
  return {
    state,
    base,
    url: `${base}/jwks`,
    stop: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function publicKey(kid: string): Promise<JWK> {
  const { publicKey: key } = await generateKeyPair('ES256');
  return { ...(await exportJWK(key)), kid, alg: 'ES256' };
}

describe('RemoteKeySource', () => {
  let server: Awaited<ReturnType<typeof startKeyServer>>;
  let now: number;
  const logger = mockServices.logger.mock();

  beforeEach(async () => {
    server = await startKeyServer();
    server.state.keys = [await publicKey('k1')];
    now = Date.now();
  });
  afterEach(() => server.stop());

  function source(
    settings: Partial<typeof KEY_SET_DEFAULTS> = {},
    byDiscovery = false,
  ) {
    return RemoteKeySource.create({
      url: byDiscovery ? undefined : server.url,
      issuer: byDiscovery ? server.base : undefined,
      settings: { ...KEY_SET_DEFAULTS, timeoutMs: 500, ...settings },
      logger,
      now: () => now,
    });
  }

  const reasonFor = (keys: RemoteKeySource, kid: string) =>
    keys.getKey({ alg: 'ES256', kid }).then(
      () => 'found',
      (e: KeyResolutionError) => e.reason,
    );

  it('fetches once for any number of concurrent requests, then serves from memory', async () => {
    const keys = source();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => reasonFor(keys, 'k1')),
    );
    expect(new Set(results)).toEqual(new Set(['found']));
    expect(server.state.requests).toBe(1);
    await reasonFor(keys, 'k1');
    expect(server.state.requests).toBe(1);
  });

  it('refetches for an unknown kid at most once per cooldown, and picks up new keys', async () => {
    const keys = source({ cooldownMs: 5000 });
    await reasonFor(keys, 'k1');
    expect(await reasonFor(keys, 'fresh-kid')).toBe('unknown_kid'); // just fetched: cooling down
    expect(server.state.requests).toBe(1);
    now += 5000;
    const flood = await Promise.all(
      Array.from({ length: 100 }, (_, i) => reasonFor(keys, `random-${i}`)),
    );
    expect(new Set(flood)).toEqual(new Set(['unknown_kid']));
    expect(server.state.requests).toBe(2);

    server.state.keys.push(await publicKey('k2'));
    expect(await reasonFor(keys, 'k2')).toBe('unknown_kid'); // still cooling down
    now += 5000;
    expect(await reasonFor(keys, 'k2')).toBe('found');
    expect(server.state.requests).toBe(3);
  });

  it('serves the last good keys while the provider fails, for at most maxStale', async () => {
    const keys = source({ cacheMaxAgeMs: 60_000, maxStaleMs: 3_600_000 });
    await reasonFor(keys, 'k1');
    const versionBefore = keys.version;
    for (const fault of [
      'down',
      'http500',
      'garbage',
      'empty',
      'huge',
      'slow',
    ] as const) {
      server.state.fault = fault;
      now += 120_000; // older than cacheMaxAge: a background refresh is due
      expect(await reasonFor(keys, 'k1')).toBe('found');
      await keys.settled();
      expect(keys.status().lastError).toBeTruthy();
      expect(await reasonFor(keys, 'unknown')).toBe('jwks_unavailable');
    }
    expect(keys.version).toBe(versionBefore);
    expect(logger.warn.mock.calls.map(c => c[0]).join('\n')).toMatch(
      /Meanwhile the keys fetched at .* serve/,
    );

    now += 3_600_000;
    expect(await reasonFor(keys, 'k1')).toBe('jwks_unavailable');
    expect(keys.version).toBe(versionBefore + 1);

    server.state.fault = 'ok';
    now += 5000;
    expect(await reasonFor(keys, 'k1')).toBe('found');
  });

  it('bounds a slow provider by the timeout', async () => {
    server.state.fault = 'slow';
    const keys = source({ timeoutMs: 300 });
    const started = Date.now();
    expect(await reasonFor(keys, 'k1')).toBe('jwks_unavailable');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(keys.status().lastError).toBe('no complete answer within 300 ms');
  });

  it('finds the key set by discovery, and refuses a document for another issuer', async () => {
    const keys = source({}, true);
    expect(await reasonFor(keys, 'k1')).toBe('found');
    expect(keys.status().jwksUrl).toBe(server.url);

    const wrong = RemoteKeySource.create({
      issuer: `${server.base}/`,
      settings: KEY_SET_DEFAULTS,
      logger,
    });
    expect(await reasonFor(wrong, 'k1')).toBe('jwks_unavailable');
    expect(wrong.status().lastError).toContain(
      `names issuer '${server.base}', not '${server.base}/'`,
    );
  });
});
