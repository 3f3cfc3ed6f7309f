import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MAX_JWT_LENGTH } from './JwtDecoder';
import { whoami } from '../testing/requests';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from '../testing/startGatehouseTestBackend';
import {
  startTestIdentityProvider,
  TestIdentityProvider,
} from '../testing/testIdentityProvider';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Heap in use after garbage collection, in MiB, without the test's own
 * record of log lines (each request adds an audit line to it).
 */
async function heapMiB(backend: GatehouseTestBackend): Promise<number> {
  backend.logs.clear();
  for (let i = 0; i < 3; i += 1) {
    gc();
    await new Promise(resolve => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed / 2 ** 20;
}

const b64 = (value: string) => Buffer.from(value).toString('base64url');

/**
 * An unsigned token of nearly 8 KiB whose payload is as many nested empty
 * arrays as fit: the shape that takes most heap once parsed (about 165 KiB).
 */
function nestedArraysToken(i: number): string {
  const header = b64(JSON.stringify({ alg: 'RS256' }));
  const room = Math.floor(((MAX_JWT_LENGTH - header.length - 10) * 3) / 4);
  const depth = Math.floor((room - 20) / 2);
  const payload = `{"n":${i},"a":${'['.repeat(depth)}${']'.repeat(depth)}}`;
  return `${header}.${b64(payload)}.c2ln`;
}

/**
 * Memory an unauthenticated caller (or plain valid traffic) can pin in
 * gatehouse-jwks, measured on the backend's own heap: it runs in this
 * process.
 */
describe('gatehouse-jwks memory', () => {
  let idp: TestIdentityProvider;
  let backend: GatehouseTestBackend | undefined;

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
  });
  afterAll(() => idp.stop());
  afterEach(async () => {
    await backend?.stop();
    backend = undefined;
  });

  it('holds at most 24 MiB of decoded tokens however they are crafted', async () => {
    backend = await startGatehouseTestBackend({
      externalAccess: [
        {
          type: 'gatehouse-jwks',
          options: { issuer: idp.issuer, audience: 'backstage-api' },
        },
      ],
    });
    const before = await heapMiB(backend);
    for (let i = 0; i < 1024; i += 1) {
      const token = nestedArraysToken(i);
      expect(token.length).toBeLessThanOrEqual(MAX_JWT_LENGTH);
      expect((await whoami(backend, token)).status).toBe(401);
    }
    const growth = (await heapMiB(backend)) - before;
    // Unbounded by bytes, the 1,024 tokens held about 165 MiB.
    expect(growth).toBeLessThan(40);
  }, 90_000);

  it('does not grow with each request when an entry between gatehouse-jwks entries accepts', async () => {
    backend = await startGatehouseTestBackend({
      externalAccess: [
        {
          type: 'gatehouse-jwks',
          options: {
            issuer: idp.issuer,
            audience: 'backstage-api',
            subjectPrefix: 'prod',
            claims: { env: 'prod' },
          },
        },
        {
          type: 'jwks',
          options: {
            url: idp.jwksUri,
            issuer: idp.issuer,
            subjectPrefix: 'any',
          },
        },
        {
          type: 'gatehouse-jwks',
          options: { issuer: 'https://other.example', subjectPrefix: 'other' },
        },
      ],
    });
    // Valid traffic: the built-in entry accepts it after the first
    // gatehouse-jwks entry rejected it (claim_mismatch, quoting the claim),
    // so the last gatehouse-jwks entry, which would report and forget the
    // rejection, never runs.
    const token = await idp.getToken({ claims: { env: 'x'.repeat(4000) } });
    const send = async (n: number) => {
      for (let i = 0; i < n; i += 1) {
        expect((await whoami(backend!, token)).status).toBe(200);
      }
    };
    await send(200);
    const before = await heapMiB(backend);
    await send(2000);
    const growth = (await heapMiB(backend)) - before;
    // One remembered rejection per request held about 4 KB each: 8 MiB here.
    expect(growth).toBeLessThan(4);
    // 2,200 requests through the built-in handler take 10-15 s alone on a
    // 2-core machine; a memory test, not a timed one.
  }, 90_000);
});
