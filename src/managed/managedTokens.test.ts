import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  runBuiltGatehouseInProcess,
  withGatehouseToken,
} from '../testing/runCli';
import { BACKSTAGE_GUARDS_DELEGATION } from '../testing/backstageLine';
import { guardedPlugin } from '../testing/guardedPlugin';
import {
  createManagedToken,
  TEST_OWNER,
  eventually,
  gatehouseApi,
  whoami,
} from '../testing/requests';
import { testPolicy } from '../testing/testPolicy';
import { authBackendForTests, getUserToken } from '../testing/userTokens';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
  startupErrorOf,
  testBackendConfig,
} from '../testing/startGatehouseTestBackend';

const ADMIN = 'gth_managed-test-admin-0123456789abcdefgh';
const GATEHOUSE_ONLY = 'gth_managed-test-gatehouse-only-01234567';
const READ_ONLY = 'gth_managed-test-read-only-0123456789abc';

const ACCESS = [
  {
    type: 'gatehouse-static',
    options: { subject: 'admin', token: ADMIN },
  },
  {
    type: 'gatehouse-static',
    options: { subject: 'narrow-service', token: GATEHOUSE_ONLY },
    accessRestrictions: [
      { plugin: 'gatehouse' },
      {
        plugin: 'guarded',
        permission: ['catalog.entity.*'],
        permissionAttribute: { action: ['read', 'delete'] },
      },
    ],
  },
  { type: 'gatehouse-managed', options: { maxLifetime: '30d' } },
  {
    type: 'gatehouse-static',
    options: { subject: 'reviewer', token: READ_ONLY },
    accessRestrictions: [
      { plugin: 'gatehouse', permission: ['gatehouse.token.read'] },
    ],
  },
];

/**
 * Managed tokens through a real backend: Gatehouse's plugin with its real
 * SQLite database, real auth and httpAuth, the demo plugins, and a static
 * admin token to manage them with.
 */
describe('gatehouse-managed', () => {
  let backend: GatehouseTestBackend;

  beforeAll(async () => {
    backend = await startGatehouseTestBackend({
      features: [guardedPlugin],
      externalAccess: ACCESS,
    });
  });
  afterAll(() => backend?.stop());

  const api = (method: 'get' | 'post' | 'delete', path: string, as = ADMIN) =>
    gatehouseApi(backend, method, path, as);
  const create = (body: object) => createManagedToken(backend, ADMIN, body);

  it('contract: this Backstage applies the restrictions a handler returns (the start-up self-check passed)', () => {
    expect(
      backend.logs.matching('error', /gatehouse-managed/).map(e => e.message),
    ).toEqual([]);
  });

  it('issues a token shown once, whose own restrictions Backstage applies', async () => {
    const created = await create({
      subject: 'deploy-bot',
      description: 'deploys the demo',
      expiresIn: '7d',
      accessRestrictions: [
        { plugin: 'demo', permissionAttribute: { action: ['read'] } },
      ],
    });
    expect(created.token).toMatch(/^gthm_[0-9A-Za-z]{49}$/);
    expect(created).toMatchObject({
      subject: 'deploy-bot',
      createdBy: 'admin',
      status: 'active',
      accessRestrictions: [
        { plugin: 'demo', permissionAttribute: { action: ['read'] } },
      ],
    });

    const ok = await whoami(backend, created.token);
    expect(ok.status).toBe(200);
    // Accepted by the managed entry: no earlier entry logs it as rejected.
    expect(
      backend.logs.entries.filter(
        e =>
          /rejected a token/.test(e.message) &&
          e.meta.fingerprint === created.fingerprint,
      ),
    ).toEqual([]);
    expect(ok.body.principal).toEqual({
      type: 'service',
      subject: 'deploy-bot',
      accessRestrictions: { permissionAttributes: { action: ['read'] } },
    });
    const elsewhere = await whoami(backend, created.token, 'other');
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.error.message).toBe(
      "This token's access is restricted to plugin(s) 'demo'",
    );

    // Shown once: the inventory has metadata only.
    const listed = await api('get', '/tokens');
    expect(listed.status).toBe(200);
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(created.token);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
    expect(listed.body.items.map((t: { id: string }) => t.id)).toContain(
      created.id,
    );
    const one = await api('get', `/tokens/${created.id}`);
    expect(one.body).toEqual(
      Object.fromEntries(
        Object.entries(created).filter(([key]) => key !== 'token'),
      ),
    );
  });

  it("enforces a managed token's permission restrictions, with wildcards, and audits denials", async () => {
    const { token } = await create({
      subject: 'entity-reader',
      description: 'reads entities',
      accessRestrictions: [
        {
          plugin: 'guarded',
          permission: ['catalog.entity.*'],
          permissionAttribute: { action: ['read'] },
        },
      ],
    });
    const authorize = (name: string, action?: string) =>
      request(backend.server)
        .post('/api/guarded/authorize')
        .set('Authorization', `Bearer ${token}`)
        .send({ name, action });
    expect((await authorize('catalog.entity.read', 'read')).body).toEqual({
      result: 'ALLOW',
    });
    expect((await authorize('catalog.entity.delete', 'delete')).body).toEqual({
      result: 'DENY',
    });
    expect((await authorize('catalog.location.read', 'read')).body).toEqual({
      result: 'DENY',
    });
    const denial = backend.logs.entries.find(
      e =>
        e.meta.eventId === 'access-restriction-denial' &&
        JSON.stringify(e.meta).includes('entity-reader'),
    );
    expect(denial).toBeDefined();
  });

  it('revokes at once, and keeps the revocation in the inventory', async () => {
    const created = await create({
      subject: 'short-lived',
      description: 'revoked in this test',
    });
    expect((await whoami(backend, created.token)).status).toBe(200);
    const revoked = await api('delete', `/tokens/${created.id}`).send({
      reason: 'leaked in a build log',
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({
      status: 'revoked',
      revokedBy: 'admin',
      revokeReason: 'leaked in a build log',
    });
    const refused = await whoami(backend, created.token);
    expect(refused.status).toBe(401);
    // The holder learns why, instead of Backstage's bare "Illegal token".
    expect(refused.body.error.message).toBe(
      `This is a managed token that is not active: never issued here, revoked or expired (fingerprint ${created.fingerprint})`,
    );
    const audit = backend.logs.entries.filter(
      e => e.meta.isAuditEvent && e.meta.eventId === 'managed-token-revoke',
    );
    expect(audit.map(e => e.meta.status)).toEqual(['initiated', 'succeeded']);
    expect(audit[1].meta).toMatchObject({
      actor: { actorId: 'admin' },
      meta: {
        id: created.id,
        subject: 'short-lived',
        reason: 'leaked in a build log',
      },
    });
    expect(backend.logs.text()).not.toContain(created.token);
  });

  it('rotates: the successor has the same subject and scope, the predecessor ends after the overlap', async () => {
    const first = await create({
      subject: 'rotating',
      description: 'rotated in this test',
      accessRestrictions: [{ plugin: 'demo' }],
    });
    const rotated = await api('post', `/tokens/${first.id}/rotate`).send({
      overlap: '1m',
    });
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({
      subject: 'rotating',
      accessRestrictions: [{ plugin: 'demo' }],
      rotatedFrom: first.id,
      previous: { id: first.id, status: 'active', rotatedTo: rotated.body.id },
    });
    const overlapEnd = Date.parse(rotated.body.previous.expiresAt);
    expect(overlapEnd - Date.now()).toBeGreaterThan(50_000);
    expect(overlapEnd - Date.now()).toBeLessThanOrEqual(60_000);
    expect((await whoami(backend, rotated.body.token)).status).toBe(200);
    expect((await whoami(backend, first.token)).status).toBe(200);

    // One successor per token: a second rotation is refused.
    const again = await api('post', `/tokens/${first.id}/rotate`).send({});
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe(
      `Managed token '${first.id}' was rotated already, to '${rotated.body.id}'; rotate that one instead`,
    );
    // A rotation never stops a token at once: that is a revocation.
    const instant = await api('post', `/tokens/${rotated.body.id}/rotate`).send(
      { overlap: 0 },
    );
    expect(instant.status).toBe(400);
    expect(instant.body.error.message).toContain(
      'overlap: must be at least 1 minute',
    );
  });

  it.each([
    [{ subject: 'a', description: 'x', scope: 'all' }, "unknown key 'scope'"],
    [{ description: 'x' }, 'subject: is required'],
    [
      { subject: 'plugin:catalog', description: 'x' },
      "must not start with 'plugin:'",
    ],
    [
      { subject: 'a b', description: 'x' },
      'subject: must be a non-empty string without white space',
    ],
    [
      { subject: 'a', description: 'x', expiresIn: '60d' },
      'expiresIn: the lifetime may be at most 30 days',
    ],
    [
      { subject: 'a', description: 'x', expiresAt: '2020-01-01T00:00:00Z' },
      'expiresAt: must be in the future',
    ],
    [
      { subject: 'a', description: 'x', accessRestrictions: [] },
      'accessRestrictions: must name at least one plugin',
    ],
    [
      {
        subject: 'a',
        description: 'x',
        accessRestrictions: [{ plugin: 'demo', permission: [] }],
      },
      'accessRestrictions[0].permission: must name at least one permission',
    ],
    [
      {
        subject: 'a',
        description: 'x',
        accessRestrictions: [{ plugin: 'demo' }, { plugin: 'demo' }],
      },
      "plugin 'demo' is named twice",
    ],
    [{ subject: 'a', description: 'x'.repeat(20_000) }, 'larger than 16 KiB'],
    // Text people read in the inventory, the page, logs and terminals.
    [
      { subject: 'a', description: 'clears \u001b[2J the screen' },
      'description: must not contain control characters, line breaks, bidi or zero-width characters',
    ],
    [
      { subject: 'a', description: 'deploys \u202egnp.exe' },
      'description: must not contain control characters',
    ],
    [
      { subject: 'a', description: 'zero\u200bwidth' },
      'description: must not contain control characters',
    ],
    [
      { subject: 'a', description: '   ' },
      'description: must say what the token is for',
    ],
  ])('answers 400 naming the field (%#)', async (body, message) => {
    const response = await api('post', '/tokens').send(body);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain(message);
  });

  it('refuses a revocation reason with control or format characters', async () => {
    const { id } = await create({ subject: 'reasoned', description: 'x' });
    for (const reason of [
      'line\nbreak',
      'title \u001b]0;pwned\u0007',
      '\u009b2J',
    ]) {
      const refused = await api('delete', `/tokens/${id}`).send({ reason });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toBe(
        'Invalid request: reason: must not contain control characters, line breaks, bidi or zero-width characters',
      );
    }
    expect((await api('get', `/tokens/${id}`)).body.status).toBe('active');
  });

  it('answers 400 for a body that is not JSON, and 404 for an unknown id', async () => {
    const notJson = await api('post', '/tokens')
      .set('Content-Type', 'application/json')
      .send('{"subject":');
    expect(notJson.status).toBe(400);
    expect((await api('get', '/tokens/nope')).status).toBe(404);
    expect((await api('delete', '/tokens/nope')).status).toBe(404);
  });

  // Only where its credentials say what it may do on every plugin
  // (backend-defaults 0.17.8 and later); before, it is refused (next test).
  (BACKSTAGE_GUARDS_DELEGATION ? it : it.skip)(
    'lets a restricted service create only tokens within its own scope',
    async () => {
      const attempt = (accessRestrictions?: unknown) =>
        api('post', '/tokens', GATEHOUSE_ONLY).send({
          owner: TEST_OWNER,
          subject: 'delegated',
          description: 'made by a restricted service',
          ...(accessRestrictions ? { accessRestrictions } : {}),
        });
      expect((await api('get', '/tokens', GATEHOUSE_ONLY)).status).toBe(200);
      const within = await attempt([
        {
          plugin: 'guarded',
          permission: ['catalog.entity.read', 'catalog.entity.d*'],
          permissionAttribute: { action: ['read'] },
        },
      ]);
      expect(within.status).toBe(201);
      expect(within.body.createdBy).toBe('narrow-service');
      for (const [scope, why] of [
        [
          undefined,
          'a restricted service may only create tokens with access restrictions within its own',
        ],
        [
          [{ plugin: 'demo' }],
          "plugin 'demo' is not in its own access restrictions",
        ],
        [
          [{ plugin: 'guarded', permissionAttribute: { action: ['read'] } }],
          "on plugin 'guarded' it may only give permissions within [catalog.entity.*]",
        ],
        [
          [
            {
              plugin: 'guarded',
              permission: ['catalog.*'],
              permissionAttribute: { action: ['read'] },
            },
          ],
          "permission 'catalog.*' on plugin 'guarded' is not within its own [catalog.entity.*]",
        ],
        [
          [
            {
              plugin: 'guarded',
              permission: ['catalog.entity.read'],
              permissionAttribute: { action: ['create'] },
            },
          ],
          "action 'create' on plugin 'guarded' is not within its own [read, delete]",
        ],
      ] as const) {
        const refused = await attempt(scope);
        expect({
          status: refused.status,
          message: refused.body.error?.message,
        }).toEqual({
          status: 403,
          message: `'narrow-service' may not create this token: ${why}`,
        });
      }
    },
  );

  (BACKSTAGE_GUARDS_DELEGATION ? it.skip : it)(
    "refuses a restricted service any token where its credentials carry only the called plugin's restrictions (before backend-defaults 0.17.8)",
    async () => {
      expect((await api('get', '/tokens', GATEHOUSE_ONLY)).status).toBe(200);
      const refused = await api('post', '/tokens', GATEHOUSE_ONLY).send({
        owner: TEST_OWNER,
        subject: 'delegated',
        description: 'made by a restricted service',
        accessRestrictions: [
          {
            plugin: 'guarded',
            permission: ['catalog.entity.read'],
            permissionAttribute: { action: ['read'] },
          },
        ],
      });
      expect({
        status: refused.status,
        message: refused.body.error?.message,
      }).toEqual({
        status: 403,
        message:
          "'narrow-service' may not create this token: its access restrictions cannot be read from this Backstage version's credentials",
      });
    },
  );

  it('is managed with the gatehouse tokens CLI, as the caller in GATEHOUSE_TOKEN', async () => {
    const { port } = backend.server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    await withGatehouseToken(ADMIN, async () => {
      const created = await runBuiltGatehouseInProcess([
        'tokens',
        'create',
        '--backend-url',
        base,
        '--subject',
        'from-cli',
        '--owner',
        'platform',
        '--description',
        'made with the CLI',
        '--plugin',
        'demo',
        '--json',
      ]);
      expect(created.status).toBe(0);
      const { id, token } = JSON.parse(created.stdout);
      expect((await whoami(backend, token)).status).toBe(200);
      const listed = await runBuiltGatehouseInProcess([
        'tokens',
        'list',
        '--backend-url',
        base,
      ]);
      expect(listed.stdout).toMatch(
        new RegExp(
          `^${id}  active  [0-9a-f]{8}  from-cli  owner group:default/platform  expires .*  demo: everything  made with the CLI$`,
          'm',
        ),
      );
      expect(listed.stdout).not.toContain(token);
      const moved = await runBuiltGatehouseInProcess([
        'tokens',
        'update',
        id,
        '--owner',
        'group:default/payments',
        '--backend-url',
        base,
      ]);
      expect(moved.stdout).toMatch(
        new RegExp(
          `^Updated: ${id}  active  .*  owner group:default/payments  `,
        ),
      );
      const rotated = await runBuiltGatehouseInProcess([
        'tokens',
        'rotate',
        id,
        '--overlap',
        '1m',
        '--backend-url',
        base,
      ]);
      expect(rotated.stdout).toContain('New token (shown once):');
      const next = /^  (gthm_\S+)$/m.exec(rotated.stdout)![1];
      expect((await whoami(backend, next)).status).toBe(200);
      // The old one works for the overlap.
      expect((await whoami(backend, token)).status).toBe(200);
      const nextId = rotated.stdout
        .split('\n')
        .find(l => l.includes('from-cli'))!
        .split(' ')[0];
      const revoked = await runBuiltGatehouseInProcess([
        'tokens',
        'revoke',
        nextId,
        '--reason',
        'done',
        '--backend-url',
        base,
      ]);
      expect(revoked.stdout).toMatch(/^Revoked: .* revoked /);
      expect((await whoami(backend, next)).status).toBe(401);
      // Revoking a token revokes its rotation chain: the old one too.
      expect((await whoami(backend, token)).status).toBe(401);
      process.env.GATEHOUSE_TOKEN = GATEHOUSE_ONLY;
      const refused = await runBuiltGatehouseInProcess([
        'tokens',
        'create',
        '--backend-url',
        base,
        '--subject',
        'x',
        '--owner',
        'platform',
        '--description',
        'y',
      ]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain(
        "gatehouse: 403: 'narrow-service' may not create this token",
      );
      delete process.env.GATEHOUSE_TOKEN;
      const unset = await runBuiltGatehouseInProcess([
        'tokens',
        'list',
        '--backend-url',
        base,
      ]);
      expect(unset.stderr).toContain('Set GATEHOUSE_TOKEN');
    });
  });

  it('tells the new-token form its lifetimes and every plugin with its permissions', async () => {
    const response = await api('get', '/tokens/options');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      maxLifetimeMs: 30 * 86_400_000,
      // Unset, half of maxLifetime (30d): never the maximum.
      defaultLifetimeMs: 15 * 86_400_000,
    });
    const plugins = Object.fromEntries(
      response.body.plugins.map(
        (p: { pluginId: string; permissions: { name: string }[] }) => [
          p.pluginId,
          p.permissions.map(x => x.name),
        ],
      ),
    );
    expect(Object.keys(plugins)).toEqual(
      expect.arrayContaining(['demo', 'other', 'gatehouse', 'guarded']),
    );
    expect(plugins.gatehouse).toEqual([
      'gatehouse.token.compromise',
      'gatehouse.token.create',
      'gatehouse.token.read',
      'gatehouse.token.revoke',
      'gatehouse.token.unrestricted',
      'gatehouse.token.update',
    ]);
    // The admin (unrestricted) may give any scope; the narrow service only
    // what is within its own.
    expect(response.body.anyScope).toBe(true);
    expect(
      (await api('get', '/tokens/options', GATEHOUSE_ONLY)).body.anyScope,
    ).toBe(false);
    // A plugin that registers no permissions is offered as a whole.
    expect(plugins.demo).toEqual([]);
    // Needs gatehouse.token.create, like creating a token.
    expect((await api('get', '/tokens/options', GATEHOUSE_ONLY)).status).toBe(
      200,
    );
    const reviewer = await api('get', '/tokens/options', READ_ONLY);
    expect(reviewer.status).toBe(403);
    expect(reviewer.body.error.message).toMatch(/gatehouse\.token\.create/);
  });

  it('keeps the options it started with when a reload changes them, and says so once', async () => {
    const widened = ACCESS.map(entry =>
      entry.type === 'gatehouse-managed'
        ? { ...entry, options: { maxLifetime: '365d' } }
        : entry,
    );
    backend.updateConfig(await testBackendConfig(widened));
    backend.updateConfig({
      ...(await testBackendConfig(widened)),
      unrelated: { change: true },
    });
    await eventually(() => {
      expect(
        backend.logs
          .matching('warn', /gatehouse-managed: the options/)
          .map(e => e.message),
      ).toEqual([
        'gatehouse-managed: the options at backend.auth.externalAccess[2].options changed; they are read at start-up only, so this replica keeps its running values. Restart each replica to apply them.',
      ]);
    }, 2000);
    const response = await api('post', '/tokens').send({
      subject: 'long-lived',
      description: 'x',
      expiresIn: '60d',
    });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('at most 30 days');
    backend.updateConfig(await testBackendConfig(ACCESS));
  });

  it('rejects a mistyped or unknown managed token with 401', async () => {
    const { token } = await create({ subject: 'typo', description: 'x' });
    const mistyped = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    const typo = await whoami(backend, mistyped);
    expect(typo.status).toBe(401);
    expect(typo.body.error.message).toMatch(
      /^This is shaped like a managed token, but its checksum is wrong: mistyped or cut \(fingerprint [0-9a-f]{8}\)$/,
    );
    expect((await whoami(backend, `gthm_${'0'.repeat(49)}`)).status).toBe(401);
  });
});

describe('gatehouse-managed start-up checks', () => {
  it('refuses a lifetime too short to issue any token', async () => {
    expect(
      await startupErrorOf([
        {
          type: 'gatehouse-managed',
          options: { maxLifetime: '0s', defaultLifetime: '30s' },
        },
      ]),
    ).toMatchInlineSnapshot(`
     "Invalid backend.auth.externalAccess configuration:
       - backend.auth.externalAccess[0].options.maxLifetime: must be at least 1 minute (e.g. 30d, 12h)
       - backend.auth.externalAccess[0].options.defaultLifetime: must be at least 1 minute (e.g. 30d, 12h)"
    `);
  });

  it('refuses entry-level restrictions, a second entry and unknown options', async () => {
    expect(
      await startupErrorOf([
        {
          type: 'gatehouse-managed',
          options: { maxLifetme: '30d' },
          accessRestrictions: [{ plugin: 'catalog' }],
        },
        { type: 'gatehouse-managed', options: {} },
      ]),
    ).toMatchInlineSnapshot(`
     "Invalid backend.auth.externalAccess configuration:
       - backend.auth.externalAccess[0].options.maxLifetme: unknown key 'maxLifetme'; did you mean 'maxLifetime'?
       - backend.auth.externalAccess[0].accessRestrictions: not allowed on the gatehouse-managed entry: each managed token has its own restrictions, which entry-level ones would replace; remove it
       - backend.auth.externalAccess[1]: a second gatehouse-managed entry; one turns managed tokens on for the whole backend, remove this one"
    `);
  });
});

/** Users may create and read managed tokens, not revoke them. */
const tokenPolicy = testPolicy('managed-token-policy', query =>
  query.permission.name === 'gatehouse.token.revoke'
    ? AuthorizeResult.DENY
    : AuthorizeResult.ALLOW,
);

describe('gatehouse-managed for users, by the permission policy', () => {
  let backend: GatehouseTestBackend;
  const authBackend = authBackendForTests();

  beforeAll(async () => {
    backend = await startGatehouseTestBackend({
      features: [
        ...authBackend.features,
        import('@backstage/plugin-permission-backend'),
        tokenPolicy,
      ] as never,
      extraConfig: { ...authBackend.config, permission: { enabled: true } },
      externalAccess: [{ type: 'gatehouse-managed', options: {} }],
    });
  });
  afterAll(() => backend?.stop());

  it('lets a user create and read as the policy grants, and refuses what it denies', async () => {
    const { token: userToken } = await getUserToken(backend.server);
    const created = await request(backend.server)
      .post('/api/gatehouse/tokens')
      .set('Authorization', `Bearer ${userToken}`)
      .send({ subject: 'my-script', description: 'made by a user' });
    expect(created.status).toBe(201);
    expect(created.body.createdBy).toBe('user:development/guest');
    expect((await whoami(backend, created.body.token)).status).toBe(200);
    const listed = await request(backend.server)
      .get('/api/gatehouse/tokens')
      .set('Authorization', `Bearer ${userToken}`);
    expect(listed.status).toBe(200);
    const revoked = await request(backend.server)
      .delete(`/api/gatehouse/tokens/${created.body.id}`)
      .set('Authorization', `Bearer ${userToken}`);
    expect(revoked.status).toBe(403);
    expect(revoked.body.error.message).toBe(
      "'user:development/guest' may not use gatehouse.token.revoke",
    );
    const audit = backend.logs.entries.filter(
      e => e.meta.eventId === 'managed-token-create',
    );
    expect(audit.at(-1)?.meta).toMatchObject({
      status: 'succeeded',
      actor: { actorId: 'user:development/guest' },
    });
  });
});
