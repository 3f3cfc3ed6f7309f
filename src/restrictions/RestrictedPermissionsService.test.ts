import { AuthorizeResult } from '@backstage/plugin-permission-common';
import fc from 'fast-check';
import request from 'supertest';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from '../testing/startGatehouseTestBackend';
import {
  startTestIdentityProvider,
  TestIdentityProvider,
} from '../testing/testIdentityProvider';
import { authBackendForTests, getUserToken } from '../testing/userTokens';
import { guardedPlugin } from '../testing/guardedPlugin';
import { testPolicy } from '../testing/testPolicy';

const ACTIONS = ['create', 'read', 'update', 'delete'] as const;
const NAMES = [
  'catalog.entity.read',
  'catalog.entity.create',
  'catalog.entity.delete',
  'catalog.location.create',
  'scaffolder.action.execute',
  'guarded.thing.use',
];
const PATTERNS = [
  ...NAMES,
  'catalog.*',
  'catalog.entity.*',
  '*.create',
  '*',
  'scaffolder.*',
];

type Restriction = {
  permission?: string[];
  permissionAttribute?: { action: string[] };
};

/** The model: Backstage's rule with `*` as "any run of characters". */
function modelAllows(r: Restriction, name: string, action?: string): boolean {
  const match = (p: string) =>
    new RegExp(
      `^${p
        .split('*')
        .map(s => s.replace(/[.]/g, '\\.'))
        .join('.*')}$`,
    ).test(name);
  if (r.permission && !r.permission.some(match)) return false;
  return (
    !r.permissionAttribute ||
    (action !== undefined && r.permissionAttribute.action.includes(action))
  );
}

// Restrictions for 16 entries, drawn once with a fixed seed so the backend config is stable.
const RESTRICTIONS: Restriction[] = fc.sample(
  fc.record(
    {
      permission: fc.subarray(PATTERNS, { minLength: 1, maxLength: 3 }),
      permissionAttribute: fc.record({
        action: fc.subarray([...ACTIONS], { minLength: 1 }),
      }),
    },
    { requiredKeys: [] },
  ),
  { numRuns: 16, seed: 42 },
);
const tokenOf = (i: number) =>
  `gth_restriction-test-token-${String(i).padStart(4, '0')}-abcdefghij`;

describe('access restrictions through a real backend', () => {
  let backend: GatehouseTestBackend;

  beforeAll(async () => {
    backend = await startGatehouseTestBackend({
      features: [guardedPlugin],
      externalAccess: [
        ...RESTRICTIONS.map((r, i) => ({
          type: 'gatehouse-static',
          options: { subject: `caller-${i}`, token: tokenOf(i) },
          accessRestrictions: [{ plugin: 'guarded', ...r }],
        })),
        {
          type: 'gatehouse-static',
          options: { subject: 'unrestricted', token: tokenOf(99) },
        },
      ],
    });
  });
  afterAll(() => backend.stop());

  const authorize = (token: string, body: object) =>
    request(backend.server)
      .post('/api/guarded/authorize')
      .set('Authorization', `Bearer ${token}`)
      .send(body);

  it('decides like the model for random restrictions and permissions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(RESTRICTIONS.length - 1),
        fc.constantFrom(...NAMES),
        fc.option(fc.constantFrom(...ACTIONS), { nil: undefined }),
        fc.boolean(),
        async (i, name, action, conditional) => {
          const response = await authorize(tokenOf(i), {
            name,
            action,
            conditional,
            resourceType: conditional ? 'catalog-entity' : undefined,
          });
          expect(response.status).toBe(200);
          expect(response.body).toEqual({
            result: modelAllows(RESTRICTIONS[i], name, action)
              ? AuthorizeResult.ALLOW
              : AuthorizeResult.DENY,
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('allows everything to a service principal without restrictions, and never answers CONDITIONAL', async () => {
    for (const name of NAMES) {
      const response = await authorize(tokenOf(99), {
        name,
        resourceType: 'catalog-entity',
        conditional: true,
      });
      expect(response.body).toEqual({ result: AuthorizeResult.ALLOW });
    }
  });

  it('audits each denial with the subject, plugin, permission, action and failed restriction', async () => {
    const i = RESTRICTIONS.findIndex(
      r =>
        r.permissionAttribute &&
        !r.permissionAttribute.action.includes('delete'),
    );
    backend.logs.clear();
    const response = await authorize(tokenOf(i), {
      name: 'catalog.entity.delete',
      action: 'delete',
    });
    expect(response.body).toEqual({ result: AuthorizeResult.DENY });
    const events = backend.logs.entries.filter(
      e => e.meta.eventId === 'access-restriction-denial',
    );
    expect(events.map(e => e.meta.status)).toEqual(['initiated', 'failed']);
    const failed = events[1];
    expect(failed.meta).toMatchObject({
      isAuditEvent: true,
      plugin: 'guarded',
      severityLevel: 'medium',
      // The auditor takes the actor from a request; a permission check only
      // has credentials, so the actor is the plugin and the caller is in meta.
      actor: expect.objectContaining({ actorId: 'plugin:guarded' }),
      meta: {
        subject: `caller-${i}`,
        plugin: 'guarded',
        permission: 'catalog.entity.delete',
        action: 'delete',
        restriction: expect.stringMatching(/^(permission|action)$/),
      },
    });
    expect(failed.message).toBe('guarded.access-restriction-denial');
    expect((failed.meta.error as Error).message).toMatch(
      new RegExp(
        `^Access restrictions of 'caller-${i}' deny it: (permission|action) '[^']+' (of permission '[^']+' )?is not in the token's (permissions|actions) \\[`,
      ),
    );
    // Backstage's default mapping logs medium-severity audit events at info level.
    expect(failed.level).toBe('info');
  });

  it('denies malformed permissions instead of throwing, for restricted and unrestricted callers', async () => {
    backend.logs.clear();
    const malformed = [
      null,
      'catalog.entity.read',
      {},
      { type: 'basic', name: 5 },
      { type: 'basic', name: 'x', attributes: null },
      { type: 'basic', name: 'x', attributes: { action: ['read'] } },
      { type: 'other', name: 'catalog.entity.read', attributes: {} },
    ];
    for (const token of [tokenOf(0), tokenOf(99)]) {
      for (const raw of malformed) {
        for (const conditional of [false, true]) {
          const response = await authorize(token, { raw, conditional });
          expect(response.status).toBe(200);
          expect(response.body).toEqual({ result: AuthorizeResult.DENY });
        }
      }
    }
    const events = backend.logs.entries.filter(
      e =>
        e.meta.eventId === 'access-restriction-denial' &&
        e.meta.status === 'failed',
    );
    expect(events).toHaveLength(malformed.length * 4);
    expect(events[0].meta.meta).toMatchObject({
      permission: '(malformed)',
      restriction: 'malformed',
    });
  });

  it('adds nothing for allowed checks', async () => {
    backend.logs.clear();
    await authorize(tokenOf(99), {
      name: 'catalog.entity.read',
      action: 'read',
    });
    expect(
      backend.logs.entries.filter(
        e => e.meta.eventId === 'access-restriction-denial',
      ),
    ).toEqual([]);
  });
});

/** A permission policy that denies deleting entities and allows the rest. */
const deleteDeniedPolicy = testPolicy('test-policy', query =>
  query.permission.name === 'catalog.entity.delete'
    ? AuthorizeResult.DENY
    : AuthorizeResult.ALLOW,
);

describe('users and services side by side', () => {
  let backend: GatehouseTestBackend;
  const authBackend = authBackendForTests();

  beforeAll(async () => {
    backend = await startGatehouseTestBackend({
      features: [
        guardedPlugin,
        ...authBackend.features,
        import('@backstage/plugin-permission-backend'),
        deleteDeniedPolicy,
      ] as never,
      extraConfig: { ...authBackend.config, permission: { enabled: true } },
      externalAccess: [
        {
          type: 'gatehouse-static',
          options: { subject: 'deleter', token: tokenOf(1000) },
          accessRestrictions: [
            { plugin: 'guarded', permission: 'catalog.entity.*' },
          ],
        },
      ],
    });
  });
  afterAll(() => backend.stop());

  const authorize = (token: string, name: string) =>
    request(backend.server)
      .post('/api/guarded/authorize')
      .set('Authorization', `Bearer ${token}`)
      .send({ name });

  it('leaves users to the permission policy, and services to their restrictions', async () => {
    const { token: userToken } = await getUserToken(backend.server);
    // Decisions for users come from the permission backend (they carry its
    // request id); decisions for services are made locally (no id).
    expect((await authorize(userToken, 'catalog.entity.delete')).body).toEqual({
      id: expect.any(String),
      result: AuthorizeResult.DENY,
    });
    expect((await authorize(userToken, 'catalog.entity.read')).body).toEqual({
      id: expect.any(String),
      result: AuthorizeResult.ALLOW,
    });
    expect(
      (await authorize(userToken, 'scaffolder.action.execute')).body,
    ).toEqual({ id: expect.any(String), result: AuthorizeResult.ALLOW });

    // The policy never sees service principals: their restrictions decide.
    expect(
      (await authorize(tokenOf(1000), 'catalog.entity.delete')).body,
    ).toEqual({ result: AuthorizeResult.ALLOW });
    expect(
      (await authorize(tokenOf(1000), 'scaffolder.action.execute')).body,
    ).toEqual({ result: AuthorizeResult.DENY });

    // Only the service denial is Gatehouse's to audit.
    const denials = backend.logs.entries.filter(
      e =>
        e.meta.eventId === 'access-restriction-denial' &&
        e.meta.status === 'failed',
    );
    expect(
      denials.map(e => (e.meta.meta as { subject: string }).subject),
    ).toEqual(['deleter']);
  });

  it("denies a user's malformed permissions without asking the policy", async () => {
    const { token: userToken } = await getUserToken(backend.server);
    for (const raw of [null, { type: 'basic', name: 5 }, { name: 'x' }]) {
      const response = await request(backend.server)
        .post('/api/guarded/authorize')
        .set('Authorization', `Bearer ${userToken}`)
        .send({ raw });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ result: AuthorizeResult.DENY });
    }
  });
});

describe('the same restrictions on every entry type', () => {
  let backend: GatehouseTestBackend;
  let idp: TestIdentityProvider;
  const restriction = {
    plugin: 'guarded',
    permission: ['catalog.entity.*', 'scaffolder.action.execute'],
    permissionAttribute: { action: ['read', 'update'] },
  };

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    backend = await startGatehouseTestBackend({
      features: [guardedPlugin],
      externalAccess: [
        {
          type: 'static',
          options: { subject: 'builtin-static', token: tokenOf(2000) },
          accessRestrictions: [restriction],
        },
        {
          type: 'gatehouse-static',
          options: { subject: 'gatehouse-static', token: tokenOf(2001) },
          accessRestrictions: [restriction],
        },
        {
          type: 'jwks',
          options: {
            url: idp.jwksUri,
            issuer: idp.issuer,
            audience: 'builtin-api',
          },
          accessRestrictions: [restriction],
        },
        {
          type: 'gatehouse-jwks',
          options: { issuer: idp.issuer, audience: 'gatehouse-api' },
          accessRestrictions: [restriction],
        },
      ],
    });
  });
  afterAll(async () => {
    await backend.stop();
    await idp.stop();
  });

  it('gives the same decision whatever the type of the entry', async () => {
    const tokens = [
      tokenOf(2000),
      tokenOf(2001),
      await idp.getToken({ audience: 'builtin-api' }),
      await idp.getToken({ audience: 'gatehouse-api' }),
    ];
    for (const name of NAMES) {
      for (const action of [...ACTIONS, undefined]) {
        const results = await Promise.all(
          tokens.map(async token => {
            const response = await request(backend.server)
              .post('/api/guarded/authorize')
              .set('Authorization', `Bearer ${token}`)
              .send({ name, action });
            return response.body.result;
          }),
        );
        const expected = modelAllows(
          {
            permission: restriction.permission,
            permissionAttribute: restriction.permissionAttribute,
          },
          name,
          action,
        )
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY;
        expect(results).toEqual([expected, expected, expected, expected]);
      }
    }
  });
});
