import permissionPlugin from '@backstage/plugin-permission-backend';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { ownerPolicyModule } from '../../docs/examples/owner-policy';
import {
  signInEveryone,
  teamsBackend,
  TeamUser,
} from '../testing/teamsBackend';
import {
  runBuiltGatehouseInProcess,
  withGatehouseToken,
} from '../testing/runCli';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from '../testing/startGatehouseTestBackend';

/**
 * Teams manage their own credentials: a real catalog says who belongs to
 * which team, the real auth backend signs them in, the real permission
 * backend runs the policy module of docs/examples/owner-policy.ts (as
 * docs/ownership.md tells adopters to add it), whose conditional decisions
 * Gatehouse applies to every list and every change.
 */

const ADMIN = 'gth_ownership-admin-0123456789abcdefghijk';
const TEAM_A_CI = 'gth_ownership-team-a-ci-0123456789abcdef';

describe('credentials owned by teams, under a conditional policy', () => {
  let backend: GatehouseTestBackend;
  let baseUrl: string;
  let tokens: Record<TeamUser, string>;

  beforeAll(async () => {
    const teams = teamsBackend();
    backend = await startGatehouseTestBackend({
      features: [
        ...teams.features,
        permissionPlugin,
        ownerPolicyModule({ admins: ['group:default/platform-team'] }),
      ] as never,
      extraConfig: { ...teams.config, permission: { enabled: true } },
      externalAccess: [
        {
          type: 'gatehouse-static',
          options: { subject: 'admin', token: ADMIN },
        },
        {
          type: 'gatehouse-static',
          options: {
            subject: 'team-a-ci',
            owner: 'group:default/team-a',
            token: TEAM_A_CI,
          },
          accessRestrictions: [{ plugin: 'demo' }],
        },
        { type: 'gatehouse-managed', options: {} },
      ],
    });
    baseUrl = `http://127.0.0.1:${(backend.server.address() as AddressInfo).port}`;
    tokens = await signInEveryone(backend.server);
  }, 60_000);
  afterAll(() => backend?.stop());

  const as = (
    user: TeamUser,
    method: 'get' | 'post' | 'patch' | 'delete',
    path: string,
  ) =>
    request(backend.server)
      [method](`/api/gatehouse${path}`)
      .set('Authorization', `Bearer ${tokens[user]}`);

  const create = async (user: TeamUser, body: object) => {
    const response = await as(user, 'post', '/tokens').send({
      description: 'a team token',
      accessRestrictions: [
        { plugin: 'catalog', permission: ['catalog.entity.read'] },
      ],
      ...body,
    });
    expect({ status: response.status, body: response.body }).toMatchObject({
      status: 201,
    });
    return response.body as { id: string; token: string; owner: string };
  };

  const subjectsIn = async (user: TeamUser, query = '') => {
    const response = await as(user, 'get', `/inventory${query}`);
    expect(response.status).toBe(200);
    return (response.body.items as { subject: string }[])
      .map(item => item.subject)
      .sort();
  };

  it("lets a team member create, see, rotate and revoke the team's tokens, and not another team's", async () => {
    const mine = await create('alice', {
      subject: 'a-deployer',
      owner: 'group:default/team-a',
    });
    expect(mine.owner).toBe('group:default/team-a');
    const theirs = await create('bob', {
      subject: 'b-deployer',
      owner: 'team-b',
    });
    expect(theirs.owner).toBe('group:default/team-b');

    // Seeing: the list, the inventory (config-owned credentials too), one token.
    const listed = await as('alice', 'get', '/tokens');
    expect(listed.body.items.map((t: { id: string }) => t.id)).toEqual([
      mine.id,
    ]);
    expect(await subjectsIn('alice')).toEqual(['a-deployer', 'team-a-ci']);
    expect(await subjectsIn('bob')).toEqual(['b-deployer']);
    expect(await subjectsIn('alice', '?owner=mine')).toEqual([
      'a-deployer',
      'team-a-ci',
    ]);
    const everything = await subjectsIn('carol');
    expect(everything).toEqual(
      expect.arrayContaining(['a-deployer', 'admin', 'b-deployer']),
    );
    expect(await subjectsIn('carol', '?owner=none')).toEqual(['admin']);

    // Another team's token is answered as one that does not exist.
    for (const [method, path] of [
      ['get', `/tokens/${theirs.id}`],
      ['delete', `/tokens/${theirs.id}`],
      ['post', `/tokens/${theirs.id}/rotate`],
      ['patch', `/tokens/${theirs.id}`],
    ] as const) {
      const refused = await as('alice', method, path).send(
        method === 'patch' ? { owner: 'team-a' } : {},
      );
      expect({ method, path, status: refused.status }).toEqual({
        method,
        path,
        status: 404,
      });
    }
    expect(
      (
        await request(backend.server)
          .get('/api/catalog/entities')
          .set('Authorization', `Bearer ${theirs.token}`)
      ).status,
    ).toBe(200);

    // Nor can a token be made for, or handed to, a team one is not in.
    const forOthers = await as('bob', 'post', '/tokens').send({
      subject: 'b-for-a',
      owner: 'group:default/team-a',
      description: 'x',
      accessRestrictions: [
        { plugin: 'catalog', permission: ['catalog.entity.read'] },
      ],
    });
    expect(forOthers.status).toBe(403);
    expect(forOthers.body.error.message).toBe(
      "'user:default/bob' may not create a token owned by group:default/team-a: gatehouse.token.create is not granted on a token owned by group:default/team-a",
    );
    const handedOver = await as('bob', 'patch', `/tokens/${theirs.id}`).send({
      owner: 'group:default/team-a',
    });
    expect(handedOver.status).toBe(403);
    expect(handedOver.body.error.message).toBe(
      "'user:default/bob' may not give this token to group:default/team-a: gatehouse.token.update is not granted on a token owned by group:default/team-a",
    );

    // The page's actions: what the policy allows on each row.
    const rows = (await as('alice', 'get', '/inventory')).body.items as {
      subject: string;
      actions: string[];
    }[];
    expect(Object.fromEntries(rows.map(r => [r.subject, r.actions]))).toEqual({
      // The team's static token: only marking it compromised.
      'a-deployer': ['compromise', 'rotate', 'revoke', 'update'],
      'team-a-ci': ['compromise'],
    });
    expect((await as('alice', 'get', '/access')).body).toEqual({
      read: 'some',
      create: 'some',
      revoke: 'some',
      update: 'some',
      compromise: 'some',
    });
    expect((await as('carol', 'get', '/access')).body).toEqual({
      read: 'all',
      create: 'all',
      revoke: 'all',
      update: 'all',
      compromise: 'all',
    });

    // Another team's token cannot be marked compromised either, whichever
    // way it is named; the owner's policy decides, not who holds the token.
    for (const body of [
      { token: theirs.token },
      { credential: `gatehouse-managed:${theirs.id}` },
    ]) {
      const refused = await as('alice', 'post', '/leaks').send(body);
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toBe(
        "'user:default/alice' may not mark this credential compromised: gatehouse.token.compromise is not granted on it",
      );
    }
    expect(
      (
        await request(backend.server)
          .get('/api/catalog/entities')
          .set('Authorization', `Bearer ${theirs.token}`)
      ).status,
    ).toBe(200);

    // Managing the team's own: rotate, describe, revoke.
    const rotated = await as('alice', 'post', `/tokens/${mine.id}/rotate`).send(
      {},
    );
    expect(rotated.status).toBe(201);
    expect(rotated.body.owner).toBe('group:default/team-a');
    const described = await as(
      'alice',
      'patch',
      `/tokens/${rotated.body.id}`,
    ).send({ description: 'deploys team A' });
    expect(described.body.description).toBe('deploys team A');
    const revoked = await as('alice', 'delete', `/tokens/${rotated.body.id}`);
    expect(revoked.status).toBe(200);
    expect(
      (
        await request(backend.server)
          .get('/api/catalog/entities')
          .set('Authorization', `Bearer ${rotated.body.token}`)
      ).status,
    ).toBe(401);

    // The platform team manages every team's.
    expect((await as('carol', 'delete', `/tokens/${theirs.id}`)).status).toBe(
      200,
    );
  });

  it("answers the permission backend about one credential, as a browser's permission API asks", async () => {
    const mine = await create('alice', {
      subject: 'a-reader',
      owner: 'team-a',
    });
    const theirs = await create('bob', {
      subject: 'b-reader',
      owner: 'team-b',
    });
    const decide = async (resourceRef: string) => {
      const response = await request(backend.server)
        .post('/api/permission/authorize')
        .set('Authorization', `Bearer ${tokens.alice}`)
        .send({
          items: [
            {
              id: '1',
              resourceRef,
              permission: {
                type: 'resource',
                name: 'gatehouse.token.revoke',
                attributes: { action: 'delete' },
                resourceType: 'gatehouse-credential',
              },
            },
          ],
        });
      expect(response.status).toBe(200);
      return response.body.items[0].result;
    };
    expect(await decide(`gatehouse-managed:${mine.id}`)).toBe('ALLOW');
    expect(await decide(`gatehouse-managed:${theirs.id}`)).toBe('DENY');
    expect(await decide('gatehouse-managed:no-such-token')).toBe('DENY');
  });

  it('gives no authority with ownership: grants stay what the member holds unconditionally', async () => {
    const conditional = await as('alice', 'post', '/tokens').send({
      subject: 'a-token-reader',
      owner: 'team-a',
      description: 'x',
      accessRestrictions: [
        { plugin: 'gatehouse', permission: ['gatehouse.token.read'] },
      ],
    });
    expect(conditional.status).toBe(403);
    expect(conditional.body.error.message).toBe(
      "'user:default/alice' may not create this token: 'user:default/alice' holds 'gatehouse.token.read' only under conditions (for some resources), which a token cannot carry",
    );
    const unrestricted = await as('alice', 'post', '/tokens').send({
      subject: 'a-everything',
      owner: 'team-a',
      description: 'x',
    });
    expect(unrestricted.status).toBe(403);
    expect(unrestricted.body.error.message).toContain(
      'a token without access restrictions needs gatehouse.token.unrestricted',
    );
  });

  it("owns a user's token by the user when it names no owner; a service must name one", async () => {
    const own = await create('alice', { subject: 'alices-script' });
    expect(own.owner).toBe('user:default/alice');
    expect(await subjectsIn('alice', '?owner=user:default/alice')).toEqual([
      'alices-script',
    ]);
    const service = await request(backend.server)
      .post('/api/gatehouse/tokens')
      .set('Authorization', `Bearer ${ADMIN}`)
      .send({ subject: 'svc', description: 'x' });
    expect(service.status).toBe(400);
    expect(service.body.error.message).toBe(
      "Invalid request: owner: is required when a service creates a token; name the group that looks after it, such as 'group:default/payments'",
    );
    const badOwner = await as('alice', 'post', '/tokens').send({
      subject: 'x',
      owner: 'component:default/web',
      description: 'x',
    });
    expect(badOwner.status).toBe(400);
    expect(badOwner.body.error.message).toContain(
      'owner: must be a catalog entity ref of a group or a user',
    );
  });

  it('shows each user only their teams\u2019 credentials in the CLI', async () => {
    await create('bob', { subject: 'b-cli', owner: 'team-b' });
    await withGatehouseToken(tokens.bob, async () => {
      const listed = await runBuiltGatehouseInProcess([
        'tokens',
        'list',
        '--backend-url',
        baseUrl,
      ]);
      expect(listed.status).toBe(0);
      expect(listed.stdout).toContain('  b-cli  owner group:default/team-b  ');
      expect(listed.stdout).not.toContain('team-a');
      const inventory = await runBuiltGatehouseInProcess([
        'inventory',
        '--owner',
        'mine',
        '--backend-url',
        baseUrl,
      ]);
      expect(inventory.status).toBe(0);
      expect(inventory.stdout).toMatch(/ b-cli +group:default\/team-b /);
      expect(inventory.stdout).not.toContain('team-a');
    });
  });
});
