import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
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
  gatehouseApi,
  TEST_OWNER,
  whoami,
} from '../testing/requests';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from '../testing/startGatehouseTestBackend';
import { testPolicy } from '../testing/testPolicy';
import { authBackendForTests, getUserToken } from '../testing/userTokens';

/**
 * A managed token is a delegation: it may never do what whoever made it
 * could not, outlive it, pass for another credential, or survive its
 * revocation. Each case here is one an adversarial review found working
 * (issue 21); each fails on the code before the fix.
 */

const ADMIN = 'gth_delegation-admin-0123456789abcdefghij';
/** May create and read tokens, within `guarded` entity permissions. */
const NARROW = 'gth_delegation-narrow-0123456789abcdefghi';
/** May create tokens, not revoke them. */
const CREATE_ONLY = 'gth_delegation-create-only-0123456789abcd';
/** May revoke tokens, nothing else. */
const REVOKE_ONLY = 'gth_delegation-revoke-only-0123456789abcd';
const DEV_ADMIN = 'gth_delegation-dev-admin-0123456789abcdef';

const ACCESS = [
  { type: 'gatehouse-static', options: { subject: 'admin', token: ADMIN } },
  {
    type: 'gatehouse-static',
    options: { subject: 'dev-admin', token: DEV_ADMIN },
  },
  {
    type: 'gatehouse-static',
    options: { subject: 'narrow-service', token: NARROW },
    accessRestrictions: [
      {
        plugin: 'gatehouse',
        permission: ['gatehouse.token.create', 'gatehouse.token.read'],
      },
      { plugin: 'guarded', permission: ['guarded.entity.*'] },
    ],
  },
  {
    type: 'gatehouse-static',
    options: { subject: 'creator', token: CREATE_ONLY },
    accessRestrictions: [
      { plugin: 'gatehouse', permission: ['gatehouse.token.create'] },
      { plugin: 'demo' },
    ],
  },
  {
    type: 'gatehouse-static',
    options: { subject: 'revoker', token: REVOKE_ONLY },
    accessRestrictions: [
      { plugin: 'gatehouse', permission: ['gatehouse.token.revoke'] },
    ],
  },
  { type: 'gatehouse-managed', options: { maxLifetime: '30d' } },
];

/**
 * Whether a restricted service's credentials say what it may do on every
 * plugin (Backstage's `allAccessRestrictions`, from backend-defaults 0.17.8):
 * only then can Gatehouse tell whether a token it makes or revokes is within
 * its own scope. On earlier lines a restricted service is refused instead
 * (the last test of the first describe).
 */
const itWithEveryPluginsRestrictions = BACKSTAGE_GUARDS_DELEGATION
  ? it
  : it.skip;
const itWithoutThem = BACKSTAGE_GUARDS_DELEGATION ? it.skip : it;

/** What a minter may hand on: the gatehouse API and guarded entities. */
const MINTER_SCOPE = [
  { plugin: 'gatehouse', permission: ['gatehouse.token.*'] },
  { plugin: 'guarded', permission: ['guarded.entity.read'] },
];

describe('managed tokens made by services', () => {
  let backend: GatehouseTestBackend;

  beforeAll(async () => {
    backend = await startGatehouseTestBackend({
      features: [guardedPlugin],
      externalAccess: ACCESS,
    });
  });
  afterAll(() => backend?.stop());

  const api = (method: 'get' | 'post' | 'delete', path: string, as: string) =>
    gatehouseApi(backend, method, path, as);
  const create = (as: string, body: object) =>
    createManagedToken(backend, as, {
      description: 'made in the delegation test',
      ...body,
    });

  /** A managed token restricted to minting: what finding 2 started from. */
  const minter = (expiresIn = '1h') =>
    create(ADMIN, {
      subject: 'minter',
      expiresIn,
      accessRestrictions: MINTER_SCOPE,
    });

  itWithEveryPluginsRestrictions(
    'caps what a token makes at its own expiry',
    async () => {
      const parent = await minter('1h');
      const longer = await api('post', '/tokens', parent.token).send({
        owner: TEST_OWNER,
        subject: 'child',
        description: 'asks for 30 days',
        expiresIn: '30d',
        accessRestrictions: [
          { plugin: 'guarded', permission: ['guarded.entity.read'] },
        ],
      });
      expect(longer.status).toBe(400);
      expect(longer.body.error.message).toBe(
        `Invalid request: the token may not outlive the credential creating it, which expires at ${parent.expiresAt}; ask for a shorter lifetime, or leave it out to get that expiry`,
      );
      // Without a lifetime, the default (30 days here) is cut to the parent's.
      const child = await create(parent.token, {
        subject: 'child',
        accessRestrictions: [
          { plugin: 'guarded', permission: ['guarded.entity.read'] },
        ],
      });
      expect(child.expiresAt).toBe(parent.expiresAt);
    },
  );

  itWithEveryPluginsRestrictions(
    'names the credential that made a token, not only its self-chosen subject, in the row and the audit event',
    async () => {
      const parent = await minter();
      const child = await create(parent.token, {
        subject: 'second-generation',
        accessRestrictions: [
          { plugin: 'guarded', permission: ['guarded.entity.read'] },
        ],
      });
      expect(child).toMatchObject({
        createdBy: 'minter',
        createdByCredential: `gatehouse-managed:${parent.id}`,
        mintedBy: parent.id,
      });
      const fromStatic = await create(NARROW, {
        subject: 'from-static',
        accessRestrictions: [
          { plugin: 'guarded', permission: ['guarded.entity.read'] },
        ],
      });
      expect(fromStatic.createdBy).toBe('narrow-service');
      expect(fromStatic.createdByCredential).toMatch(
        /^gatehouse-static:[0-9a-f]{8}$/,
      );
      const audit = backend.logs.entries.find(
        e =>
          e.meta.eventId === 'managed-token-create' &&
          e.meta.status === 'succeeded' &&
          (e.meta.meta as { id?: string })?.id === child.id,
      );
      expect(audit?.meta.meta).toMatchObject({
        createdByCredential: `gatehouse-managed:${parent.id}`,
        mintedBy: parent.id,
      });
    },
  );

  it.each([
    ['dev-admin', "its subject reads like 'dev-admin'"],
    ['DEV-ADMIN', "its subject reads like 'dev-admin'"],
    // U+2010 HYPHEN and Cyrillic а: look-alikes of another service's name.
    ['dev\u2010\u0430dmin', "its subject reads like 'dev-admin'"],
    ['narrow-service', "its subject reads like 'narrow-service'"],
  ])(
    "refuses a restricted service a configured credential's subject: %s",
    async (subject, why) => {
      const refused = await api('post', '/tokens', NARROW).send({
        owner: TEST_OWNER,
        subject,
        description: 'a disguise',
        accessRestrictions: [
          { plugin: 'guarded', permission: ['guarded.entity.read'] },
        ],
      });
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toBe(
        `'narrow-service' may not create this token: ${why}, a configured credential's; choose another`,
      );
    },
  );

  it.each([
    ['plugin\uff1acatalog', "'plugin:'"], // fullwidth colon
    ['\u0440lugin:catalog', "'plugin:'"], // Cyrillic er
    ['pIugin:catalog', "'plugin:'"], // capital I for l
    ['\u0435xternal:ci:main', "'external:'"], // Cyrillic ie
    ['USER\ua789default/jane', "'user:'"], // modifier letter colon
  ])(
    'refuses a look-alike of a reserved prefix to everyone: %s',
    async (subject, prefix) => {
      const refused = await api('post', '/tokens', ADMIN).send({
        owner: TEST_OWNER,
        subject,
        description: 'a look-alike',
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toContain(
        `subject: must not start with ${prefix} or anything that reads like it`,
      );
    },
  );

  it("lets an unrestricted caller give a configured credential's subject (moving it to a managed token)", async () => {
    const moved = await create(ADMIN, { subject: 'dev-admin' });
    expect(moved.subject).toBe('dev-admin');
  });

  itWithEveryPluginsRestrictions(
    'revokes what a token made, and what those made, when it is revoked',
    async () => {
      const parent = await minter();
      const child = await create(parent.token, {
        subject: 'child',
        accessRestrictions: MINTER_SCOPE,
      });
      const grandchild = await create(child.token, {
        subject: 'grandchild',
        accessRestrictions: [
          { plugin: 'guarded', permission: ['guarded.entity.read'] },
        ],
      });
      const unrelated = await create(ADMIN, { subject: 'unrelated' });
      expect((await whoami(backend, grandchild.token, 'guarded')).status).toBe(
        404, // authenticated; guarded has no /whoami
      );
      const revoked = await api('delete', `/tokens/${parent.id}`, ADMIN).send({
        reason: 'the minter leaked',
      });
      expect(revoked.status).toBe(200);
      expect(
        revoked.body.alsoRevoked.map((r: { id: string }) => r.id).sort(),
      ).toEqual([child.id, grandchild.id].sort());
      for (const token of [parent, child, grandchild]) {
        expect((await whoami(backend, token.token, 'gatehouse')).status).toBe(
          401,
        );
        const row = await api('get', `/tokens/${token.id}`, ADMIN);
        expect(row.body).toMatchObject({
          status: 'revoked',
          revokedBy: 'admin',
        });
      }
      const row = await api('get', `/tokens/${child.id}`, ADMIN);
      expect(row.body.revokeReason).toBe(
        `revoked with ${parent.id}: the minter leaked`,
      );
      expect((await whoami(backend, unrelated.token)).status).toBe(200);
      // A revoked token makes nothing more.
      const after = await api('post', '/tokens', grandchild.token).send({
        owner: TEST_OWNER,
        subject: 'x',
        description: 'y',
      });
      expect(after.status).toBe(401);
    },
  );

  it('needs the revoke permission to rotate: with create alone, no takeover of another token', async () => {
    const victim = await create(ADMIN, {
      subject: 'victim',
      accessRestrictions: [{ plugin: 'demo' }],
    });
    const takeover = await api(
      'post',
      `/tokens/${victim.id}/rotate`,
      CREATE_ONLY,
    ).send({ overlap: '1m' });
    expect(takeover.status).toBe(403);
    expect(takeover.body.error.message).toBe(
      "'creator' may not use gatehouse.token.revoke",
    );
    expect((await whoami(backend, victim.token)).status).toBe(200);
  });

  itWithEveryPluginsRestrictions(
    'scopes revocation like creation: a revoke-only service cannot revoke wider tokens',
    async () => {
      const wide = await create(ADMIN, { subject: 'wide' });
      const refused = await api('delete', `/tokens/${wide.id}`, REVOKE_ONLY);
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toBe(
        "'revoker' may not revoke this token: a restricted service may only create tokens with access restrictions within its own",
      );
      expect((await whoami(backend, wide.token)).status).toBe(200);
      // Within its own scope, it may.
      const narrow = await create(ADMIN, {
        subject: 'narrow',
        accessRestrictions: [
          { plugin: 'gatehouse', permission: ['gatehouse.token.revoke'] },
        ],
      });
      const allowed = await api('delete', `/tokens/${narrow.id}`, REVOKE_ONLY);
      expect(allowed.status).toBe(200);
      // The audit event says which credential of 'revoker' it was.
      const audit = backend.logs.entries.find(
        e =>
          e.meta.eventId === 'managed-token-revoke' &&
          e.meta.status === 'succeeded' &&
          (e.meta.meta as { id?: string })?.id === narrow.id,
      );
      expect(audit?.meta).toMatchObject({
        actor: { actorId: 'revoker' },
        meta: {
          byCredential: expect.stringMatching(/^gatehouse-static:[0-9a-f]{8}$/),
        },
      });
    },
  );

  itWithoutThem(
    "refuses every restricted service where its credentials carry only the called plugin's restrictions (before backend-defaults 0.17.8)",
    async () => {
      const why =
        "its access restrictions cannot be read from this Backstage version's credentials";
      const parent = await minter();
      for (const [as, name] of [
        [parent.token, 'minter'],
        [NARROW, 'narrow-service'],
      ]) {
        const refused = await api('post', '/tokens', as).send({
          owner: TEST_OWNER,
          subject: 'child',
          description: 'within its maker',
          accessRestrictions: [
            { plugin: 'guarded', permission: ['guarded.entity.read'] },
          ],
        });
        expect({
          status: refused.status,
          message: refused.body.error?.message,
        }).toEqual({
          status: 403,
          message: `'${name}' may not create this token: ${why}`,
        });
      }
      // Revoking too, even a token within its own scope.
      const narrow = await create(ADMIN, {
        subject: 'narrow',
        accessRestrictions: [
          { plugin: 'gatehouse', permission: ['gatehouse.token.revoke'] },
        ],
      });
      const refused = await api('delete', `/tokens/${narrow.id}`, REVOKE_ONLY);
      expect({
        status: refused.status,
        message: refused.body.error?.message,
      }).toEqual({
        status: 403,
        message: `'revoker' may not revoke this token: ${why}`,
      });
      const row = await api('get', `/tokens/${narrow.id}`, ADMIN);
      expect(row.body.status).toBe('active');
    },
  );

  it('scopes rotation like revocation', async () => {
    const wide = await create(ADMIN, { subject: 'wide-rotated' });
    const refused = await api('post', `/tokens/${wide.id}/rotate`, NARROW).send(
      {},
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe(
      "'narrow-service' may not use gatehouse.token.revoke",
    );
  });

  it('revokes successors with their predecessor, and never leaves a successor of a revoked token active when rotate and revoke race', async () => {
    const chain = await create(ADMIN, { subject: 'chain' });
    const next = await api('post', `/tokens/${chain.id}/rotate`, ADMIN).send(
      {},
    );
    expect(next.status).toBe(201);
    await api('delete', `/tokens/${chain.id}`, ADMIN);
    expect((await whoami(backend, next.body.token)).status).toBe(401);

    for (let i = 0; i < 20; i++) {
      const token = await create(ADMIN, { subject: `race-${i}` });
      const [rotated, revoked] = await Promise.all([
        api('post', `/tokens/${token.id}/rotate`, ADMIN).send({}),
        api('delete', `/tokens/${token.id}`, ADMIN).send({}),
      ]);
      expect(revoked.status).toBe(200);
      if (rotated.status === 201) {
        const successor = await api('get', `/tokens/${rotated.body.id}`, ADMIN);
        expect(successor.body.status).toBe('revoked');
        expect((await whoami(backend, rotated.body.token)).status).toBe(401);
      } else {
        expect(rotated.status).toBe(409);
      }
      expect((await whoami(backend, token.token)).status).toBe(401);
    }
  });
});

/**
 * Users are asked of the permission policy; their tokens are not. So a
 * user's token may carry only permissions the policy gives that user
 * unconditionally, named one by one, unless the policy also gives
 * `gatehouse.token.unrestricted`.
 */
describe('managed tokens made by users', () => {
  let backend: GatehouseTestBackend;
  let userToken: string;
  /** What the policy gives the guest, beyond gatehouse.token.create. */
  let granted: Set<string>;
  const authBackend = authBackendForTests();

  const policy = testPolicy(
    'delegation-policy',
    (query): AuthorizeResult.ALLOW | AuthorizeResult.DENY | PolicyDecision => {
      const { name } = query.permission;
      if (name === 'guarded.entity.read' && granted.has(name)) {
        return {
          result: AuthorizeResult.CONDITIONAL,
          pluginId: 'guarded',
          resourceType: 'guarded-entity',
          conditions: {
            rule: 'IS_OWNER',
            resourceType: 'guarded-entity',
            params: {},
          },
        };
      }
      return name === 'gatehouse.token.create' || granted.has(name)
        ? AuthorizeResult.ALLOW
        : AuthorizeResult.DENY;
    },
  );

  beforeAll(async () => {
    backend = await startGatehouseTestBackend({
      features: [
        ...authBackend.features,
        import('@backstage/plugin-permission-backend'),
        policy,
        guardedPlugin,
      ] as never,
      extraConfig: { ...authBackend.config, permission: { enabled: true } },
      externalAccess: [
        {
          type: 'gatehouse-static',
          options: { subject: 'admin', token: ADMIN },
        },
        { type: 'gatehouse-managed', options: {} },
      ],
    });
    userToken = (await getUserToken(backend.server)).token;
  });
  afterAll(() => backend?.stop());
  beforeEach(() => {
    granted = new Set(['guarded.thing.read', 'guarded.entity.read']);
  });

  const asUser = (method: 'get' | 'post' | 'delete', path: string) =>
    request(backend.server)
      [method](`/api/gatehouse${path}`)
      .set('Authorization', `Bearer ${userToken}`);

  const attempt = (accessRestrictions?: unknown) =>
    asUser('post', '/tokens').send({
      subject: 'users-script',
      description: 'made by a user',
      ...(accessRestrictions ? { accessRestrictions } : {}),
    });

  it.each([
    [
      undefined,
      'a token without access restrictions needs gatehouse.token.unrestricted; name the permissions it may use',
    ],
    [
      [{ plugin: 'guarded' }],
      "a token for the whole of plugin 'guarded' needs gatehouse.token.unrestricted; name the permissions it may use there",
    ],
    [
      [{ plugin: 'guarded', permissionAttribute: { action: ['read'] } }],
      "a token for the whole of plugin 'guarded' needs gatehouse.token.unrestricted; name the permissions it may use there",
    ],
    [
      [{ plugin: 'guarded', permission: ['guarded.thing.*'] }],
      "the pattern 'guarded.thing.*' on plugin 'guarded' needs gatehouse.token.unrestricted; name each permission",
    ],
    [
      [{ plugin: 'guarded', permission: ['guarded.thing.delete'] }],
      "'user:development/guest' does not hold 'guarded.thing.delete'",
    ],
    [
      [{ plugin: 'gatehouse', permission: ['gatehouse.token.read'] }],
      "'user:development/guest' does not hold 'gatehouse.token.read'",
    ],
    [
      [{ plugin: 'guarded', permission: ['guarded.entity.read'] }],
      "'user:development/guest' holds 'guarded.entity.read' only under conditions (for some resources), which a token cannot carry",
    ],
    [
      [{ plugin: 'guarded', permission: ['guarded.made.up'] }],
      "'guarded.made.up' is not a permission any plugin of this backend registered, so Gatehouse cannot check that 'user:development/guest' holds it",
    ],
  ])(
    'refuses a user with create alone a token wider than the user (%#)',
    async (scope, why) => {
      const refused = await attempt(scope);
      expect({
        status: refused.status,
        message: refused.body.error?.message,
      }).toEqual({
        status: 403,
        message: `'user:development/guest' may not create this token: ${why}`,
      });
    },
  );

  it('gives a user a token of permissions the user holds, and that token can do nothing the policy denies the user', async () => {
    const created = await attempt([
      { plugin: 'guarded', permission: ['guarded.thing.read'] },
    ]);
    expect(created.status).toBe(201);
    expect(created.body.createdBy).toBe('user:development/guest');
    const { token } = created.body;
    const authorize = (name: string, action: string) =>
      request(backend.server)
        .post('/api/guarded/authorize')
        .set('Authorization', `Bearer ${token}`)
        .send({ name, action });
    expect((await authorize('guarded.thing.read', 'read')).body).toEqual({
      result: 'ALLOW',
    });
    expect((await authorize('guarded.thing.delete', 'delete')).body).toEqual({
      result: 'DENY',
    });
    // Not the token API, which the policy denies the user: another plugin.
    const list = await request(backend.server)
      .get('/api/gatehouse/tokens')
      .set('Authorization', `Bearer ${token}`);
    expect(list.status).toBe(403);
    // And the form is told to offer named permissions only.
    const options = await asUser('get', '/tokens/options');
    expect(options.body.anyScope).toBe(false);
  });

  it('lets a user name permissions from the CLI (--permission), and says why a whole plugin is refused', async () => {
    const { port } = backend.server.address() as AddressInfo;
    const cli = (...args: string[]) =>
      runBuiltGatehouseInProcess([
        'tokens',
        'create',
        '--backend-url',
        `http://127.0.0.1:${port}`,
        '--subject',
        'cli-script',
        '--description',
        'from the CLI',
        '--json',
        ...args,
      ]);
    await withGatehouseToken(userToken, async () => {
      const named = await cli('--permission', 'guarded:guarded.thing.read');
      expect(named.status).toBe(0);
      expect(JSON.parse(named.stdout).accessRestrictions).toEqual([
        { plugin: 'guarded', permission: ['guarded.thing.read'] },
      ]);
      const whole = await cli('--plugin', 'guarded');
      expect(whole.status).toBe(2);
      expect(whole.stderr).toContain(
        "gatehouse: 403: 'user:development/guest' may not create this token: a token for the whole of plugin 'guarded' needs gatehouse.token.unrestricted",
      );
      const malformed = await cli('--permission', 'guarded.thing.read');
      expect(malformed.status).toBe(2);
      expect(malformed.stderr).toContain(
        "--permission takes <plugin>:<permission>, e.g. catalog:catalog.entity.read; got 'guarded.thing.read'",
      );
    });
  });

  it('lets a user the policy gives gatehouse.token.unrestricted create any token', async () => {
    granted.add('gatehouse.token.unrestricted');
    const created = await attempt();
    expect(created.status).toBe(201);
    expect(created.body.accessRestrictions).toBeUndefined();
    expect((await asUser('get', '/tokens/options')).body.anyScope).toBe(true);
  });

  it('scopes a user’s revocations and rotations by the same rule', async () => {
    granted.add('gatehouse.token.revoke');
    const wide = await request(backend.server)
      .post('/api/gatehouse/tokens')
      .set('Authorization', `Bearer ${ADMIN}`)
      .send({
        owner: TEST_OWNER,
        subject: 'admins-token',
        description: 'unrestricted',
      });
    expect(wide.status).toBe(201);
    const revoke = await asUser('delete', `/tokens/${wide.body.id}`);
    expect(revoke.status).toBe(403);
    expect(revoke.body.error.message).toBe(
      "'user:development/guest' may not revoke this token: a token without access restrictions needs gatehouse.token.unrestricted; name the permissions it may use",
    );
    const rotate = await asUser('post', `/tokens/${wide.body.id}/rotate`).send(
      {},
    );
    expect(rotate.status).toBe(403);
    expect(rotate.body.error.message).toMatch(/may not rotate this token/);
    const own = await attempt([
      { plugin: 'guarded', permission: ['guarded.thing.read'] },
    ]);
    expect((await asUser('delete', `/tokens/${own.body.id}`)).status).toBe(200);
  });
});
