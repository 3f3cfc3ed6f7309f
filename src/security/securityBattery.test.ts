import fc from 'fast-check';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { jwksRejections, whoami } from '../testing/requests';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from '../testing/startGatehouseTestBackend';
import {
  startTestIdentityProvider,
  TestIdentityProvider,
} from '../testing/testIdentityProvider';
import { hashStaticToken } from '../static/staticTokenFormat';
import { HostileToken, hostileJwts, staticProbes } from './hostileTokens';

const STATIC_TOKEN = 'gth_battery-static-token-0123456789abcdefghij';
const HASHED_TOKEN = 'gth_battery-hashed-token-0123456789abcdefghij';
const BUILTIN_TOKEN = 'battery-builtin-static-token-0123456789';

/**
 * The security battery: a corpus of hostile tokens through a real backend
 * with every kind of entry (Gatehouse's and Backstage's built-in ones). Every
 * token must be refused with 401 or 403, never accepted, never a 5xx; nothing
 * secret may reach the logs; no URL named in a token may be fetched.
 */
describe('security battery', () => {
  let idp: TestIdentityProvider;
  let backend: GatehouseTestBackend;
  let corpus: HostileToken[];
  let validJwt: string;
  let privateKeyMaterial: string[];
  const spy = { requests: 0, url: '', close: () => {} };

  beforeAll(async () => {
    const server = createServer((_req, res) => {
      spy.requests += 1;
      res.end('{"keys":[]}');
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    spy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
    spy.close = () => server.close();

    idp = await startTestIdentityProvider();
    const keys = await idp.signingKeys();
    const providerRsa = keys.find(k => k.alg === 'RS256')!;
    const providerEc = keys.find(k => k.alg === 'ES256')!;
    privateKeyMaterial = keys.map(k => String(k.d));
    backend = await startGatehouseTestBackend({
      externalAccess: [
        {
          type: 'gatehouse-static',
          options: {
            subject: 'static-caller',
            token: STATIC_TOKEN,
            tokens: [{ hash: hashStaticToken(HASHED_TOKEN) }],
          },
        },
        {
          type: 'static',
          options: { token: BUILTIN_TOKEN, subject: 'builtin-caller' },
        },
        {
          type: 'gatehouse-jwks',
          options: {
            issuer: idp.issuer,
            audience: 'backstage-api',
            jwksCooldown: '1s',
          },
        },
        {
          type: 'jwks',
          options: {
            url: idp.jwksUri,
            issuer: idp.issuer,
            audience: 'builtin-api',
          },
        },
      ],
    });
    validJwt = await idp.getToken();
    corpus = [
      ...(await hostileJwts({
        issuer: idp.issuer,
        audience: 'backstage-api',
        providerRsa: providerRsa as never,
        providerEc: providerEc as never,
        spyUrl: spy.url,
      })),
      ...staticProbes(STATIC_TOKEN, hashStaticToken(HASHED_TOKEN)),
    ];
  });

  afterAll(async () => {
    await backend.stop();
    await idp.stop();
    spy.close();
  });

  it('accepts the legitimate tokens (the control case)', async () => {
    for (const token of [STATIC_TOKEN, HASHED_TOKEN, BUILTIN_TOKEN, validJwt]) {
      expect((await whoami(backend, token)).status).toBe(200);
    }
  });

  it('refuses every hostile token with 401, for the reason expected', async () => {
    const outcomes: string[] = [];
    for (const { attack, token, jwksReason } of corpus) {
      const before = jwksRejections(backend).length;
      const response = await whoami(backend, token);
      outcomes.push(`${response.status} ${attack}`);
      expect({ attack, status: response.status }).toEqual({
        attack,
        status: 401,
      });
      if (jwksReason) {
        expect({
          attack,
          reasons: jwksRejections(backend).slice(before),
        }).toEqual({
          attack,
          reasons: [jwksReason],
        });
      }
    }
    expect(outcomes.length).toBeGreaterThanOrEqual(55);
  });

  it('refuses malformed Authorization headers without a 5xx', async () => {
    const headers = [
      'Bearer ',
      'Bearer      ',
      `Bearer ${STATIC_TOKEN} extra`,
      `bearer${STATIC_TOKEN}`,
      `Basic ${Buffer.from(`user:${STATIC_TOKEN}`).toString('base64')}`,
    ];
    for (const header of headers) {
      const response = await request(backend.server)
        .get('/api/demo/whoami')
        .set('Authorization', header);
      expect({ header: header.slice(0, 20), status: response.status }).toEqual({
        header: header.slice(0, 20),
        status: 401,
      });
    }
    // 100 KB never reaches Backstage: Node's HTTP parser refuses headers over
    // 16 KiB. Node 20 and 22 answer 431; Node 24 answers 431 and closes the
    // socket while the client is still sending, so the client may see a reset.
    const huge = await request(backend.server)
      .get('/api/demo/whoami')
      .set('Authorization', `Bearer ${'a'.repeat(100_000)}`)
      .then(
        response => response.status,
        (error: NodeJS.ErrnoException) => error.code,
      );
    expect([431, 'ECONNRESET', 'EPIPE']).toContain(huge);
  });

  it('answers fuzzed bytes and mutated valid tokens with 401, never 200 or 5xx', async () => {
    const valid = [STATIC_TOKEN, HASHED_TOKEN, BUILTIN_TOKEN, validJwt];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc
            .uint8Array({ minLength: 1, maxLength: 2000 })
            .map(bytes => Buffer.from(bytes).toString('latin1')),
          fc
            .tuple(fc.constantFrom(...valid), fc.nat(), fc.nat(255))
            .map(([token, at, byte]) => {
              const i = at % token.length;
              return (
                token.slice(0, i) +
                String.fromCharCode(byte) +
                token.slice(i + 1)
              );
            }),
          fc
            .tuple(fc.constantFrom(...valid), fc.nat(), fc.nat())
            .map(([token, a, b]) => {
              const [i, j] = [a % token.length, b % token.length].sort(
                (x, y) => x - y,
              );
              return token.slice(0, i) + token.slice(j);
            }),
        ),
        async value => {
          // Only what an HTTP client can send in a header is an input.
          fc.pre(/^[\x21-\x7e]+$/.test(value) && !valid.includes(value));
          expect((await whoami(backend, value)).status).toBe(401);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fetched no URL named in a token, and logged nothing secret', () => {
    expect(spy.requests).toBe(0);
    const logs = backend.logs.text();
    for (const secret of [
      STATIC_TOKEN,
      HASHED_TOKEN,
      BUILTIN_TOKEN,
      ...privateKeyMaterial,
    ]) {
      expect(logs).not.toContain(secret);
    }
    for (const { attack, token } of corpus) {
      // No token is written whole; fingerprints name them.
      if (token.length > 20) {
        expect({ attack, logged: logs.includes(token) }).toEqual({
          attack,
          logged: false,
        });
      }
    }
    expect(logs).not.toContain(validJwt);
  });
});
