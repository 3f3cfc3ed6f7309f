import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import {
  createServer,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';
import { eventually, jwksRejections, whoami } from '../testing/requests';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
  startupErrorOf,
  testBackendConfig,
} from '../testing/startGatehouseTestBackend';
import {
  startTestIdentityProvider,
  TestIdentityProvider,
} from '../testing/testIdentityProvider';

const b64 = (value: unknown) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/** C0 and C1 controls, bidi and zero-width characters: none may reach a log line. */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; requests: () => number; close(): void }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests += 1;
    handler(req, res);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => server.close(),
  };
}

/** Findings of an adversarial review of gatehouse-jwks, each through a real backend. */
describe('gatehouse-jwks hardening', () => {
  let idp: TestIdentityProvider;
  let backend: GatehouseTestBackend | undefined;

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
  });
  afterAll(() => idp.stop());
  afterEach(async () => {
    await backend?.stop();
    backend = undefined;
    await idp.setFault('jwks', 'ok');
    await idp.setFault('discovery', 'ok');
  });

  const start = async (externalAccess: unknown[]) => {
    backend = await startGatehouseTestBackend({ externalAccess });
    return backend;
  };
  const entry = (options: Record<string, unknown>, more = {}) => ({
    type: 'gatehouse-jwks',
    options: { issuer: idp.issuer, audience: 'backstage-api', ...options },
    ...more,
  });

  describe('cached acceptances', () => {
    it('stop once the keys are older than jwksMaxStale, as a fresh verification would', async () => {
      const b = await start([
        entry({
          jwksCacheMaxAge: '100ms',
          jwksMaxStale: '1s',
          jwksCooldown: '100ms',
        }),
      ]);
      const token = await idp.getToken();
      // The keys' age counts from their last fetch, which is no earlier than
      // one jwksCacheMaxAge before this request (an older set is refreshed by
      // it): the lower bound below starts here, not when the provider goes
      // down, since the two fault calls take time of their own.
      const keysSeen = Date.now();
      expect((await whoami(b, token)).status).toBe(200);
      await idp.setFault('jwks', 'down');
      await idp.setFault('discovery', 'down');
      // Within jwksMaxStale the known keys (and the cache) still serve.
      expect((await whoami(b, token)).status).toBe(200);
      await eventually(async () => {
        expect((await whoami(b, token)).status).toBe(401);
      }, 4000);
      expect(Date.now() - keysSeen).toBeGreaterThanOrEqual(1000 - 100);
      expect(jwksRejections(b).at(-1)).toBe('jwks_unavailable');

      // The provider answers again: the same token is accepted again.
      await idp.setFault('jwks', 'ok');
      await idp.setFault('discovery', 'ok');
      await eventually(async () => {
        expect((await whoami(b, token)).status).toBe(200);
      }, 3000);
    });
  });

  describe('key set locations', () => {
    it('refuses a JWKS URL that redirects, and says why', async () => {
      const attacker = await generateKeyPair('ES256', { extractable: true });
      const attackerJwks = await listen((_req, res) => {
        void exportJWK(attacker.publicKey).then(jwk => {
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({ keys: [{ ...jwk, kid: 'evil', alg: 'ES256' }] }),
          );
        });
      });
      const redirector = await listen((_req, res) => {
        res.writeHead(302, { location: `${attackerJwks.url}/keys?sig=SECRET` });
        res.end();
      });
      try {
        const b = await start([
          entry({
            url: `${redirector.url}/jwks`,
            issuer: 'https://idp.example',
          }),
        ]);
        const iat = Math.floor(Date.now() / 1000);
        const token = await new SignJWT({ sub: 'attacker' })
          .setProtectedHeader({ alg: 'ES256', kid: 'evil' })
          .setIssuer('https://idp.example')
          .setAudience('backstage-api')
          .setIssuedAt(iat)
          .setExpirationTime(iat + 300)
          .sign(attacker.privateKey);
        expect((await whoami(b, token)).status).toBe(401);
        expect(jwksRejections(b)).toEqual(['jwks_unavailable']);
        expect(attackerJwks.requests()).toBe(0);
        const [warning] = b.logs.matching('warn', /cannot fetch the key set/);
        expect(warning.message).toContain(
          `answered HTTP 302, a redirect to '${attackerJwks.url}/keys?sig=***'; Gatehouse does not follow redirects for keys`,
        );
      } finally {
        attackerJwks.close();
        redirector.close();
      }
    });

    it('warns at start-up about discovery over plain http to another host', async () => {
      const b = await start([entry({ issuer: 'http://idp.internal.example' })]);
      expect(
        b.logs.matching(
          'warn',
          /externalAccess\[0\]\.options\.issuer: the discovery document \(and so the JWKS URL\) is fetched over plain http/,
        ),
      ).toHaveLength(1);
    });

    it('never logs credentials in a JWKS URL, in its user information or query string', async () => {
      const withQuery = `${idp.jwksUri}?api_key=SECRETKEY123`;
      const withUser = idp.jwksUri.replace(
        'http://',
        'http://svc:SECRETPW456@',
      );
      const b = await start([
        entry({ url: withQuery, subjectPrefix: 'a' }),
        entry({ url: withUser, subjectPrefix: 'b', audience: 'other' }),
      ]);
      // The URL with a query string works (the provider ignores the key).
      expect((await whoami(b, await idp.getToken())).status).toBe(200);
      // undici refuses URLs with credentials; the reason is logged, not them.
      await whoami(b, await idp.getToken({ audience: 'other' }));
      await eventually(() => {
        expect(b.logs.text()).toContain('http://***@127.0.0.1');
      }, 3000);
      expect(b.logs.text()).toContain('/jwks?api_key=***');
      expect(b.logs.text()).not.toMatch(/SECRETKEY123|SECRETPW456/);
    });
    it('warns once per distinct failure, naming the config key, the URL tried, the error and what to check', async () => {
      const failing = await listen((_req, res) => {
        res.writeHead(503);
        res.end();
      });
      try {
        const b = await start([
          entry({ url: idp.jwksUri, subjectPrefix: 'up' }),
          entry({
            issuer: `${failing.url}/realms/ci`,
            subjectPrefix: 'down',
            jwksCooldown: '100ms',
          }),
        ]);
        const token = await new SignJWT({ sub: 'x' })
          .setProtectedHeader({ alg: 'ES256', kid: 'k' })
          .setIssuer(`${failing.url}/realms/ci`)
          .setAudience('backstage-api')
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign((await generateKeyPair('ES256')).privateKey);
        for (let i = 0; i < 4; i++) {
          expect((await whoami(b, token)).status).toBe(401);
          await new Promise(r => setTimeout(r, 150)); // past the cooldown
        }
        expect(failing.requests()).toBeGreaterThanOrEqual(4);
        const warnings = b.logs.matching('warn', /cannot fetch the key set/);
        expect(warnings.map(w => w.message)).toEqual([
          `gatehouse-jwks cannot fetch the key set of ${failing.url}/realms/ci (OIDC discovery), named at backend.auth.externalAccess[1].options.issuer. GET ${failing.url}/realms/ci/.well-known/openid-configuration: answered HTTP 503. Check: the provider fails: check its health. Until it answers, its tokens are rejected (jwks_unavailable).`,
        ]);
      } finally {
        failing.close();
      }
    });
  });

  describe('text from tokens', () => {
    it('is escaped and bounded in every log line', async () => {
      const b = await start([entry({ claims: { env: 'prod' } })]);
      const forged =
        'x\n2026-11-27T00:00:00.000Z info gatehouse-jwks accepted\r\u001b[2J\u202eevil\u2028';
      const iat = Math.floor(Date.now() / 1000);
      const base = { aud: 'backstage-api', sub: 's', iat, exp: iat + 60 };
      const unsigned = (
        header: Record<string, unknown>,
        payload: Record<string, unknown>,
      ) => `${b64(header)}.${b64(payload)}.c2ln`;
      const kid = (await idp.keys())[0].kid;
      for (const token of [
        unsigned({ alg: 'RS256' }, { ...base, iss: forged }),
        unsigned({ alg: forged }, { ...base, iss: idp.issuer }),
        unsigned({ alg: 'RS256', typ: forged }, { ...base, iss: idp.issuer }),
        unsigned({ alg: 'RS256' }, { ...base, iss: idp.issuer, aud: forged }),
        unsigned(
          { alg: 'RS256' },
          { ...base, iss: idp.issuer, env: forged.repeat(60) },
        ),
        unsigned(
          { alg: 'RS256', kid: forged },
          { ...base, iss: idp.issuer, env: 'prod' },
        ),
        unsigned(
          { alg: 'RS256', kid, crit: [forged], [forged]: 1 },
          { ...base, iss: idp.issuer, env: 'prod' },
        ),
      ]) {
        expect((await whoami(b, token)).status).toBe(401);
      }
      expect(jwksRejections(b)).toEqual([
        'issuer_mismatch',
        'alg_not_allowed',
        'typ_mismatch',
        'audience_mismatch',
        'claim_mismatch',
        'unknown_kid',
        'malformed',
      ]);
      const lines = b.logs.entries.filter(e =>
        e.message.includes('rejected a token'),
      );
      expect(lines.length).toBeGreaterThanOrEqual(7);
      for (const line of lines) {
        expect(line.message).not.toMatch(UNSAFE);
        expect(line.message.length).toBeLessThan(1200);
      }
      expect(lines.map(l => l.message).join('\n')).toContain(
        '\\u{a}2026-11-27T00:00:00.000Z info gatehouse-jwks accepted\\u{d}\\u{1b}[2J\\u{202e}evil\\u{2028}',
      );
    });

    it('may not make subjects with hidden characters or numbers that lose precision', async () => {
      const b = await start([entry({})]);
      for (const sub of [
        'ci\u202eenip',
        'ci\u200bpipeline',
        2 ** 53 + 2,
        1.5,
      ]) {
        expect(
          (await whoami(b, await idp.getToken({ claims: { sub } }))).status,
        ).toBe(401);
      }
      expect(jwksRejections(b)).toEqual(Array(4).fill('claim_mismatch'));
      const ok = await whoami(b, await idp.getToken({ claims: { sub: 42 } }));
      expect(ok.body.principal.subject).toBe('external:42');
    });
  });

  describe('subjects of different entries', () => {
    it('cannot collide: a missing or nested prefix beside another prefix fails start-up', async () => {
      expect(
        await startupErrorOf([
          entry({ subjectPrefix: 'github' }),
          entry({ audience: 'other' }),
          {
            type: 'jwks',
            options: { url: idp.jwksUri, subjectPrefix: 'github:acme' },
          },
        ]),
      ).toMatchInlineSnapshot(`
       "Invalid backend.auth.externalAccess configuration:
         - backend.auth.externalAccess[1].options.subjectPrefix: is missing while backend.auth.externalAccess[0] has 'github', so a token here whose claim is 'github:<name>' would get the subject 'external:github:<name>' of that entry's callers; give every JWT entry a subjectPrefix
         - backend.auth.externalAccess[2].options.subjectPrefix: 'github:acme' starts with 'github:', the prefix of backend.auth.externalAccess[0], so the two entries can make the same subjects; choose prefixes that are not '<other prefix>:...'"
      `);
    });

    it('may share a namespace, with a warning when the key sets differ', async () => {
      const b = await start([
        entry({ subjectPrefix: 'ci' }),
        entry({ subjectPrefix: 'ci', audience: 'other' }),
        entry({ subjectPrefix: 'ci', url: 'http://127.0.0.1:9/jwks' }),
      ]);
      expect(b.logs.matching('warn', /same subjectPrefix/).map(e => e.message))
        .toMatchInlineSnapshot(`
       [
         "gatehouse-jwks: backend.auth.externalAccess[2]: has the same subjectPrefix as backend.auth.externalAccess[0] ('ci') but other keys, so the callers of two identity providers share one namespace of subjects; give each provider its own subjectPrefix unless they issue the same identities",
       ]
      `);
    });
  });

  describe('configuration reloads', () => {
    it('apply new options to the running entries, and drop what the old ones accepted', async () => {
      const access = (env: string[]) => [entry({ claims: { env } })];
      const b = await start(access(['prod', 'dev']));
      const dev = await idp.getToken({ claims: { env: 'dev' } });
      expect((await whoami(b, dev)).status).toBe(200);

      b.updateConfig(await testBackendConfig(access(['prod'])));
      await eventually(() => {
        expect(
          b.logs.matching(
            'info',
            /gatehouse-jwks applied a configuration change/,
          ),
        ).toHaveLength(1);
      }, 2000);
      expect((await whoami(b, dev)).status).toBe(401);
      expect(jwksRejections(b)).toEqual(['claim_mismatch']);
      const prod = await idp.getToken({ claims: { env: 'prod' } });
      expect((await whoami(b, prod)).status).toBe(200);
    });

    it('keep the running entries when the layout changes, and say once that a restart is needed', async () => {
      const b = await start([entry({})]);
      const token = await idp.getToken();
      const moved = await testBackendConfig([
        {
          type: 'static',
          options: { token: 'gth_static-token-0123456789abcdef', subject: 's' },
        },
        entry({ claims: { env: 'prod' } }),
      ]);
      b.updateConfig(moved);
      b.updateConfig({ ...moved, unrelated: { change: true } });
      await eventually(() => {
        expect(
          b.logs.matching(
            'error',
            /gatehouse-jwks ignored a configuration change/,
          ),
        ).toHaveLength(1);
      }, 2000);
      expect(
        b.logs.matching('error', /gatehouse-jwks ignored/)[0].message,
      ).toContain(
        'backend.auth.externalAccess has 2 entries instead of 1; backend.auth.externalAccess[0]: its type changed from gatehouse-jwks to static',
      );
      expect((await whoami(b, token)).status).toBe(200);
    });
  });

  describe('entries of other types after the last gatehouse-jwks entry', () => {
    it('may accept what gatehouse-jwks rejected: that is not logged or counted as a rejection', async () => {
      const b = await start([
        entry({ claims: { env: 'prod' }, subjectPrefix: 'gh' }),
        {
          type: 'jwks',
          options: {
            url: idp.jwksUri,
            issuer: idp.issuer,
            audience: 'backstage-api',
            subjectPrefix: 'builtin',
          },
        },
      ]);
      const dev = await idp.getToken({ claims: { env: 'dev' } });
      const accepted = await whoami(b, dev);
      expect(accepted.status).toBe(200);
      expect(accepted.body.principal.subject).toBe(
        'external:builtin:rs256-client',
      );
      expect(jwksRejections(b)).toEqual([]);
      expect(b.logs.matching('warn', /rejected a token/)).toEqual([]);

      // A token no entry takes is still reported, with gatehouse-jwks's reason.
      const other = await idp.getToken({ audience: 'other-api' });
      expect((await whoami(b, other)).status).toBe(401);
      expect(jwksRejections(b)).toEqual(['audience_mismatch']);
    });
  });
});
