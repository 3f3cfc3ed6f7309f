import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from '../testing/startGatehouseTestBackend';
import {
  startTestIdentityProvider,
  TestIdentityProvider,
} from '../testing/testIdentityProvider';
import { eventually, jwksRejections, whoami } from '../testing/requests';

const now = () => Math.floor(Date.now() / 1000);

describe('gatehouse-jwks through a real backend and a real identity provider', () => {
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
    await idp.resetCounts();
  });

  async function start(
    options: Record<string, unknown>,
    extra: unknown[] = [],
  ) {
    backend = await startGatehouseTestBackend({
      externalAccess: [{ type: 'gatehouse-jwks', options }, ...extra],
    });
    return backend;
  }

  /**
   * Waits for the background key fetches of start-up (one per key source of
   * this provider), then zeroes the counters.
   */
  async function settle(keySources = 1) {
    await eventually(async () => {
      expect((await idp.requestCounts()).jwks).toBeGreaterThanOrEqual(
        keySources,
      );
    }, 5000);
    await idp.resetCounts();
  }

  describe('discovery and subjects', () => {
    it('finds the keys from the issuer alone and accepts RS256 and ES256 access tokens', async () => {
      const b = await start({ issuer: idp.issuer, audience: 'backstage-api' });
      for (const client of ['rs256-client', 'es256-client'] as const) {
        const response = await whoami(b, await idp.getToken({ client }));
        expect(response.status).toBe(200);
        expect(response.body.principal).toEqual({
          type: 'service',
          subject: `external:${client}`,
        });
      }
      const counts = await idp.requestCounts();
      expect(counts.discovery).toBe(1);
      expect(counts.jwks).toBe(1);
      // The subject is also the audit actor.
      const audit = b.logs.entries.find(
        e => e.meta.isAuditEvent && e.meta.status === 'succeeded',
      );
      expect(audit?.meta.actor).toMatchObject({
        actorId: 'external:rs256-client',
      });
    });

    it('accepts a url instead of discovery, with subjectClaim and subjectPrefix', async () => {
      const b = await start({
        url: idp.jwksUri,
        issuer: idp.issuer,
        audience: 'backstage-api',
        subjectClaim: 'repository_owner',
        subjectPrefix: 'ci',
      });
      const response = await whoami(b, await idp.getToken());
      expect(response.body.principal.subject).toBe('external:ci:my-org');
      expect((await idp.requestCounts()).discovery).toBe(0);
    });

    it('refuses a discovery document that names another issuer', async () => {
      await idp.setFault('discovery', 'custom', {
        body: JSON.stringify({
          issuer: 'https://evil.example.com',
          jwks_uri: idp.jwksUri,
        }),
        contentType: 'application/json',
      });
      const b = await start({ issuer: idp.issuer, audience: 'backstage-api' });
      expect((await whoami(b, await idp.getToken())).status).toBe(401);
      expect(jwksRejections(b)).toEqual(['jwks_unavailable']);
      expect(b.logs.text()).toContain(
        "names issuer 'https://evil.example.com'",
      );
    });
  });

  describe('each option', () => {
    const base = () => ({ issuer: idp.issuer, audience: 'backstage-api' });

    it.each([
      ['audience', { audience: 'other-api' }, {}, 'audience_mismatch'],
      ['algorithm', { algorithm: 'ES256' }, {}, 'alg_not_allowed'],
      [
        'claims (exact)',
        { claims: { repository_owner: 'other-org' } },
        {},
        'claim_mismatch',
      ],
      [
        'claims (wildcard)',
        { claims: { ref: 'refs/tags/v*' } },
        {},
        'claim_mismatch',
      ],
      ['claims (number)', { claims: { run_number: 43 } }, {}, 'claim_mismatch'],
      [
        'claims (list claim)',
        { claims: { groups: 'c' } },
        {},
        'claim_mismatch',
      ],
      ['typ', { typ: 'JWT' }, {}, 'typ_mismatch'],
      ['subjectClaim', { subjectClaim: 'no_such_claim' }, {}, 'claim_mismatch'],
      ['exp is required', {}, { claims: { exp: null } }, 'claim_mismatch'],
      ['exp', {}, { claims: { exp: now() - 10 } }, 'expired'],
      ['nbf', {}, { claims: { nbf: now() + 120 } }, 'not_yet_valid'],
      [
        'iat in the future',
        {},
        { claims: { iat: now() + 120 } },
        'not_yet_valid',
      ],
      [
        'maxTokenAge',
        { maxTokenAge: '1h' },
        { claims: { iat: now() - 7200 } },
        'too_old',
      ],
      ['default typ', {}, { header: { typ: 'secevent+jwt' } }, 'typ_mismatch'],
      // Backstage's own handlers intercept its plugin and user token types; any other is refused here.
      [
        'a vnd.backstage typ',
        {},
        { header: { typ: 'vnd.backstage.other' } },
        'typ_mismatch',
      ],
    ])(
      'rejects by %s with 401 and logs the reason',
      async (_name, options, tokenOptions, reason) => {
        const b = await start({ ...base(), ...options });
        const response = await whoami(b, await idp.getToken(tokenOptions));
        expect(response.status).toBe(401);
        expect(response.body.error).toEqual({
          name: 'AuthenticationError',
          message: 'Illegal token',
        });
        expect(jwksRejections(b)).toEqual([reason]);
      },
    );

    it.each([
      [
        'claims of every kind',
        {
          claims: {
            repository_owner: 'my-org',
            ref: ['refs/tags/v*', 'refs/heads/*'],
            run_number: 42,
            protected: 'true',
            groups: 'b',
          },
        },
        {},
      ],
      [
        'clockTolerance',
        { clockTolerance: '30s' },
        { claims: { exp: now() - 10 } },
      ],
      ['maxTokenAge', { maxTokenAge: 3600 }, {}],
      [
        'typ with application/ prefix',
        { typ: 'at+jwt' },
        { header: { typ: 'application/AT+JWT' } },
      ],
      ['absent typ', {}, { header: { typ: null } }],
      [
        'audience lists',
        { audience: ['x', 'backstage-api'] },
        { audience: 'backstage-api' },
      ],
    ])('accepts with %s', async (_name, options, tokenOptions) => {
      const b = await start({ ...base(), ...options });
      expect((await whoami(b, await idp.getToken(tokenOptions))).status).toBe(
        200,
      );
    });

    it('skips an entry for another issuer without any key fetch, and reports the entry that got furthest', async () => {
      const b = await start(
        { issuer: 'https://other-idp.example.com', url: idp.jwksUri },
        [
          {
            type: 'gatehouse-jwks',
            options: {
              issuer: idp.issuer,
              audience: 'backstage-api',
              claims: { ref: 'refs/heads/release' },
            },
          },
        ],
      );
      // Two key sources of this provider: the url, and the issuer's discovery.
      await settle(2);
      expect((await whoami(b, await idp.getToken())).status).toBe(401);
      expect(jwksRejections(b)).toEqual(['claim_mismatch']);
      expect(
        b.logs.matching('warn', /gatehouse-jwks rejected a token/)[0].message,
      ).toContain(
        `claim 'ref' is 'refs/heads/main' but must match "refs/heads/release"`,
      );
      expect(await idp.requestCounts()).toMatchObject({
        jwks: 0,
        discovery: 0,
      });
    });

    it('uses the first entry that accepts, with its access restrictions', async () => {
      const b = await start(
        {
          ...base(),
          claims: { repository_owner: 'my-org' },
          subjectPrefix: 'org',
        },
        [
          {
            type: 'gatehouse-jwks',
            options: { ...base(), subjectPrefix: 'any' },
          },
        ],
      );
      expect(
        (await whoami(b, await idp.getToken())).body.principal.subject,
      ).toBe('external:org:rs256-client');
      const other = await idp.getToken({
        claims: { repository_owner: 'someone-else' },
      });
      expect((await whoami(b, other)).body.principal.subject).toBe(
        'external:any:rs256-client',
      );
    });

    it('applies accessRestrictions: 403 for another plugin', async () => {
      backend = await startGatehouseTestBackend({
        externalAccess: [
          {
            type: 'gatehouse-jwks',
            options: base(),
            accessRestrictions: [{ plugin: 'other' }],
          },
        ],
      });
      const token = await idp.getToken();
      expect((await whoami(backend, token, 'demo')).status).toBe(403);
      expect((await whoami(backend, token, 'other')).status).toBe(200);
    });

    it('warns at start-up about the backstage audience and unbound entries', async () => {
      const b = await start({ url: idp.jwksUri, audience: 'backstage' }, [
        { type: 'gatehouse-jwks', options: { url: idp.jwksUri } },
      ]);
      expect(
        b.logs.matching(
          'warn',
          /'backstage' is the audience of Backstage's own user tokens/,
        ),
      ).toHaveLength(1);
      expect(
        b.logs.matching('warn', /neither 'issuer' nor 'audience' is set/),
      ).toHaveLength(1);
    });
  });

  describe('keys', () => {
    const options = () => ({
      issuer: idp.issuer,
      audience: 'backstage-api',
      jwksCooldown: '100ms',
      jwksCacheMaxAge: '300ms',
      jwksTimeout: '500ms',
    });

    it('follows a key rotation at the provider without restart', async () => {
      const b = await start(options());
      const before = await idp.getToken();
      expect((await whoami(b, before)).status).toBe(200);
      const [oldKid] = (await idp.keys())
        .filter(k => k.alg === 'RS256')
        .map(k => k.kid);

      const newKid = await idp.rotate('RS256');
      const after = await idp.getToken();
      await new Promise(r => setTimeout(r, 150)); // past the cooldown of the start-up fetch
      expect((await whoami(b, after)).status).toBe(200);
      expect((await whoami(b, before)).status).toBe(200); // still published

      await idp.removeKey(oldKid);
      await eventually(async () => {
        expect((await whoami(b, before)).status).toBe(401);
      }, 3000);
      expect(jwksRejections(b)).toContain('unknown_kid');
      expect((await whoami(b, after)).status).toBe(200);
      expect(newKid).not.toBe(oldKid);
    });

    it('keeps serving known keys while the provider is down, slow or answers garbage, and recovers', async () => {
      const b = await start(options());
      const known = await idp.getToken();
      expect((await whoami(b, known)).status).toBe(200);

      for (const fault of [
        'down',
        'http500',
        'garbage',
        'garbage-json',
        'huge',
      ] as const) {
        await idp.setFault('jwks', fault);
        await new Promise(r => setTimeout(r, 350)); // keys now older than jwksCacheMaxAge
        const fresh = await idp.getToken(); // a new token, same known kid
        expect((await whoami(b, fresh)).status).toBe(200);
      }
      await idp.setFault('jwks', 'slow', { delayMs: 3000 });
      await idp.rotate('RS256');
      const newKid = await idp.getToken();
      const started = Date.now();
      expect((await whoami(b, newKid)).status).toBe(401);
      expect(Date.now() - started).toBeLessThan(2000); // bounded by jwksTimeout
      expect(jwksRejections(b).at(-1)).toBe('jwks_unavailable');
      expect(
        (await whoami(b, await idp.getToken({ client: 'es256-client' })))
          .status,
      ).toBe(200);
      expect(
        b.logs.matching(
          'warn',
          /cannot fetch the key set .* Meanwhile the keys fetched at .* serve/,
        ).length,
      ).toBeGreaterThan(0);

      await idp.setFault('jwks', 'ok');
      await eventually(async () => {
        expect((await whoami(b, newKid)).status).toBe(200);
      }, 3000);
      expect(b.logs.matching('info', /answers again/)).toHaveLength(1);
    });

    it('survives the provider process going away entirely, and picks it up again', async () => {
      const b = await start(options());
      const known = await idp.getToken();
      expect((await whoami(b, known)).status).toBe(200);
      const keys = await idp.signingKeys();
      const port = idp.port;
      await idp.stop();
      expect((await whoami(b, known)).status).toBe(200);
      await new Promise(r => setTimeout(r, 350));
      expect((await whoami(b, known)).status).toBe(200);

      idp = await startTestIdentityProvider({ port, signingKeys: keys });
      await idp.rotate('ES256');
      await eventually(async () => {
        expect(
          (await whoami(b, await idp.getToken({ client: 'es256-client' })))
            .status,
        ).toBe(200);
      }, 3000);
    });

    it('starts without waiting for an unreachable provider, and rejects its tokens with jwks_unavailable', async () => {
      const started = Date.now();
      const b = await start(
        {
          issuer: 'http://127.0.0.1:9',
          audience: 'backstage-api',
          jwksTimeout: '300ms',
        },
        [
          {
            type: 'gatehouse-jwks',
            options: { issuer: idp.issuer, audience: 'backstage-api' },
          },
        ],
      );
      expect(Date.now() - started).toBeLessThan(3000);
      const forUnreachable = await idp.getToken({
        claims: { iss: 'http://127.0.0.1:9' },
      });
      expect((await whoami(b, forUnreachable)).status).toBe(401);
      expect(jwksRejections(b)).toEqual(['jwks_unavailable']);
      // The other provider is not affected.
      expect((await whoami(b, await idp.getToken())).status).toBe(200);
    });

    it('fetches at most once per cooldown under a flood of random kids', async () => {
      const b = await start({
        issuer: idp.issuer,
        audience: 'backstage-api',
        jwksCooldown: '1s',
      });
      await settle();
      const started = Date.now();
      const tokens = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          idp.getToken({ header: { kid: `random-${i}-${Math.random()}` } }),
        ),
      );
      for (let round = 0; round < 6; round++) {
        const statuses = await Promise.all(
          tokens.map(t => whoami(b, t).then(r => r.status)),
        );
        expect(new Set(statuses)).toEqual(new Set([401]));
        await new Promise(r => setTimeout(r, 400));
      }
      const seconds = (Date.now() - started) / 1000;
      const { jwks } = await idp.requestCounts();
      expect(jwks).toBeGreaterThanOrEqual(1);
      expect(jwks).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
      expect(new Set(jwksRejections(b))).toEqual(new Set(['unknown_kid']));
    });

    it('causes no key fetches at other providers for valid traffic', async () => {
      const second = await startTestIdentityProvider();
      try {
        const b = await start(
          { issuer: idp.issuer, audience: 'backstage-api' },
          [
            {
              type: 'gatehouse-jwks',
              options: { issuer: second.issuer, audience: 'backstage-api' },
            },
          ],
        );
        await settle();
        await eventually(async () => {
          expect((await second.requestCounts()).jwks).toBe(1);
        }, 5000);
        await second.resetCounts();
        for (let i = 0; i < 20; i++) {
          expect((await whoami(b, await second.getToken())).status).toBe(200);
        }
        expect((await idp.requestCounts()).jwks).toBe(0);
        expect((await second.requestCounts()).jwks).toBe(0);
      } finally {
        await second.stop();
      }
    });
  });
});
