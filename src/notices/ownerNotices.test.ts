import notificationsPlugin from '@backstage/plugin-notifications-backend';
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import request from 'supertest';
import { createManagedToken, eventually } from '../testing/requests';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from '../testing/startGatehouseTestBackend';
import {
  signInEveryone,
  teamsBackend,
  TeamUser,
} from '../testing/teamsBackend';

/**
 * Owners are told what they must act on, through the real notifications
 * backend, which resolves a group to its members in the real catalog: each
 * notice once, however many times the check runs.
 */

const ADMIN = 'gth_notices-admin-0123456789abcdefghijklm';
const DAY = 24 * 60 * 60_000;
const inDays = (days: number) =>
  new Date(Date.now() + days * DAY).toISOString();

/** Team A's static tokens: expiring in 2 days, expired yesterday, good for 90 days. */
const teamA = (tokens: object[]) => ({
  type: 'gatehouse-static',
  options: { owner: 'group:default/team-a', tokens },
});
const TEAM_A_TOKENS = [
  {
    subject: 'a-expiring',
    token: 'gth_notices-a-expiring-0123456789abcdef',
    expiresAt: inDays(2),
  },
  {
    subject: 'a-expired',
    token: 'gth_notices-a-expired-0123456789abcdefg',
    expiresAt: inDays(-1),
  },
  {
    subject: 'a-later',
    token: 'gth_notices-a-later-0123456789abcdefghi',
    expiresAt: inDays(90),
  },
];

/** Owned by a group the catalog does not have: its notice is held, not lost. */
const PLACEHOLDER = {
  subject: 'placeholder',
  owner: 'group:default/nobody-here',
  token: 'gth_notices-placeholder-0123456789abcde',
  expiresAt: inDays(1),
};

const ACCESS: unknown[] = [
  { type: 'gatehouse-static', options: { subject: 'admin', token: ADMIN } },
  // Expires tomorrow, and nobody owns it: nobody is told.
  {
    type: 'gatehouse-static',
    options: {
      tokens: [
        {
          subject: 'nobodys',
          token: 'gth_notices-nobodys-0123456789abcdefghi',
          expiresAt: inDays(1),
        },
      ],
    },
  },
  { type: 'gatehouse-managed', options: {} },
];

describe("owners' notices", () => {
  let backend: GatehouseTestBackend;
  let tokens: Record<TeamUser, string>;

  beforeAll(async () => {
    const teams = teamsBackend();
    backend = await startGatehouseTestBackend({
      features: [
        ...teams.features,
        notificationsPlugin,
        // startTestBackend's scheduler is a mock that runs nothing by itself.
        schedulerServiceFactory,
        actionsServiceFactory,
        actionsRegistryServiceFactory,
      ] as never,
      extraConfig: {
        ...teams.config,
        gatehouse: {
          notifications: { interval: '1s', unused: { for: '4s' } },
        },
      },
      // Until the catalog has read the teams, team A's entry holds one token
      // of a group the catalog does not have.
      externalAccess: [...ACCESS, teamA([PLACEHOLDER])],
    });
    tokens = await signInEveryone(backend.server);
    // Once the catalog knows team A's members (the notifications backend
    // sends a group's notices to the members it finds then), team A's
    // tokens arrive, as a change of its tokens in config does.
    backend.updateExternalAccess([
      ...ACCESS,
      teamA([...TEAM_A_TOKENS, PLACEHOLDER]),
    ]);
  }, 60_000);
  afterAll(() => backend?.stop());

  const notificationsOf = async (user: TeamUser) => {
    const response = await request(backend.server)
      .get('/api/notifications/notifications')
      .set('Authorization', `Bearer ${tokens[user]}`);
    expect(response.status).toBe(200);
    return (
      response.body.notifications as {
        payload: { title: string; link: string; severity: string };
      }[]
    ).map(n => n.payload);
  };

  it("tells a team's members once what expires, has expired and goes unused; nobody about what nobody owns", async () => {
    // Tokens of bob's: one made for two days, short-lived by design, not
    // "expiring"; a revoked one is due nothing.
    await createManagedToken(backend, ADMIN, {
      subject: 'b-short',
      owner: 'user:default/bob',
      description: 'two days',
      expiresIn: '2d',
    });
    const revoked = await createManagedToken(backend, ADMIN, {
      subject: 'b-revoked',
      owner: 'user:default/bob',
      description: 'revoked at once',
    });
    await request(backend.server)
      .delete(`/api/gatehouse/tokens/${revoked.id}`)
      .set('Authorization', `Bearer ${ADMIN}`)
      .expect(200);
    await eventually(async () => {
      const titles = (await notificationsOf('alice')).map(n => n.title).sort();
      expect(titles).toEqual([
        'Credential a-expired has expired',
        'Credential a-expiring expires within 3 days',
        'Credential a-expiring has not been used for 4 seconds',
        'Credential a-later has not been used for 4 seconds',
      ]);
    }, 20_000);
    const expiring = (await notificationsOf('alice')).find(n =>
      n.title.includes('expires within'),
    )!;
    expect(expiring.severity).toBe('high');
    expect(expiring.link).toMatch(
      /^\/gatehouse\?credential=gatehouse-static%3A[0-9a-f]{8}$/,
    );

    // Runs go on every second: nothing is sent twice.
    await new Promise(resolve => setTimeout(resolve, 3000));
    expect(await notificationsOf('alice')).toHaveLength(4);
    // bob's token was made for two days; the other team hears nothing of A's.
    expect((await notificationsOf('bob')).map(n => n.title).sort()).toEqual([
      'Credential b-short has not been used for 4 seconds',
    ]);
    expect(await notificationsOf('carol')).toEqual([]);

    // The notice of a group the catalog does not have is held (the
    // notifications backend would deliver it to nobody), and said so.
    const held = backend.logs.entries.filter(e =>
      e.message.startsWith(
        'Gatehouse holds notices for owners the catalog does not know: group:default/nobody-here (1)',
      ),
    );
    expect(held.length).toBeGreaterThanOrEqual(1);
    expect(held[0].level).toBe('warn');
    expect(
      backend.logs.entries.filter(
        e =>
          e.meta.eventId === 'credential-owner-notice' &&
          e.meta.owner === 'group:default/nobody-here',
      ),
    ).toEqual([]);

    // Each notice is audited, never with a token.
    const audited = backend.logs.entries.filter(
      e => e.meta.eventId === 'credential-owner-notice',
    );
    expect(audited.length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(backend.logs.entries)).not.toContain(
      'gth_notices-a-expiring',
    );
  });
});
