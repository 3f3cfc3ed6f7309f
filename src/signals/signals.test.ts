import notificationsPlugin from '@backstage/plugin-notifications-backend';
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import request from 'supertest';
import { fingerprintOf } from '../lib/tokenDigest';
import {
  createManagedToken,
  eventually,
  gatehouseApi,
  whoami,
} from '../testing/requests';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from '../testing/startGatehouseTestBackend';
import {
  signInEveryone,
  teamsBackend,
  TeamUser,
} from '../testing/teamsBackend';

const ADMIN = 'gth_signals-admin-0123456789abcdefghijklm';
const LEARNER = 'gth_signals-learner-0123456789abcdefghijk';
const STEADY = 'gth_signals-steady-0123456789abcdefghijkl';
const SLEEPER = 'gth_signals-sleeper-0123456789abcdefghijk';
const EXPIRED = 'gth_signals-expired-0123456789abcdefghijk';
const SPRAYED = 'gth_signals-not-a-token-0123456789abcdefg';
const RETRIED = 'gth_signals-not-a-token-either-0123456789a';

const LEARNING_MS = 2_000;
const DORMANT_MS = 3_000;
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

const teamA = {
  type: 'gatehouse-static',
  options: {
    owner: 'group:default/team-a',
    tokens: [
      { subject: 'a-learner', token: LEARNER },
      { subject: 'a-steady', token: STEADY },
      { subject: 'a-sleeper', token: SLEEPER },
      {
        subject: 'a-expired',
        token: EXPIRED,
        expiresAt: new Date(Date.now() - 60_000).toISOString(),
      },
    ],
  },
};

/**
 * Unusual use, noticed through a real backend: usage written every 200 ms
 * to SQLite, signals read from it, claimed there, raised as audit events,
 * log lines and notices to the owners through the real notifications
 * backend and catalog. Each signal fires once; normal use raises nothing.
 */
describe('signals of unusual use', () => {
  let backend: GatehouseTestBackend;
  let users: Record<TeamUser, string>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const teams = teamsBackend();
    backend = await startGatehouseTestBackend({
      features: [
        ...teams.features,
        notificationsPlugin,
        actionsServiceFactory,
        actionsRegistryServiceFactory,
      ] as never,
      extraConfig: {
        ...teams.config,
        gatehouse: {
          usage: { flushInterval: { milliseconds: 200 } },
          notifications: { enabled: false },
          signals: {
            learningPeriod: `${LEARNING_MS / 1000}s`,
            dormantFor: `${DORMANT_MS / 1000}s`,
            burst: { window: '10m', perFingerprint: 5 },
          },
        },
      },
      externalAccess: [
        {
          type: 'gatehouse-static',
          options: { subject: 'admin', token: ADMIN },
        },
        teamA,
        { type: 'gatehouse-managed', options: {} },
      ],
    });
    users = await signInEveryone(backend.server);
    const rows = (await gatehouseApi(backend, 'get', '/inventory', ADMIN)).body
      .items as Array<{ id: string; subject: string }>;
    for (const row of rows) ids[row.subject] = row.id;
  }, 60_000);
  afterAll(() => backend?.stop());

  /** The signals raised so far (their audit events), as `kind credential`. */
  const raised = () =>
    backend.logs.entries
      .filter(
        e =>
          e.meta.isAuditEvent &&
          e.meta.eventId === 'credential-signal' &&
          e.meta.status === 'succeeded',
      )
      .map(e => {
        const meta = e.meta.meta as { signal: string; credential?: string };
        return `${meta.signal} ${meta.credential ?? '-'}`;
      });
  const flushed = () => sleep(600);

  it('new plugin after the learning period: raised once, logged, shown with the credential and told to its owner; a credential calling its usual plugins stays quiet', async () => {
    expect((await whoami(backend, LEARNER)).status).toBe(200);
    expect((await whoami(backend, STEADY)).status).toBe(200);
    expect((await whoami(backend, STEADY, 'other')).status).toBe(200);
    await flushed();
    // Through the learning period and after it, both keep calling their
    // usual plugins: normal use, never dormant (however slow the machine).
    const until = Date.now() + LEARNING_MS + 200;
    for (let i = 0; Date.now() < until; i++) {
      expect((await whoami(backend, LEARNER)).status).toBe(200);
      expect(
        (await whoami(backend, STEADY, i % 2 ? 'demo' : 'other')).status,
      ).toBe(200);
      await sleep(200);
    }
    expect((await whoami(backend, LEARNER, 'other')).status).toBe(200);
    expect((await whoami(backend, LEARNER, 'other')).status).toBe(200);
    await eventually(
      () => expect(raised()).toContain(`new_plugin ${ids['a-learner']}`),
      3_000,
    );
    await flushed();
    expect(raised().filter(r => r.startsWith('new_plugin'))).toEqual([
      `new_plugin ${ids['a-learner']}`,
    ]);
    const warning = backend.logs.matching('warn', /unusual use \(new_plugin\)/);
    expect(warning.map(e => e.message)).toEqual([
      expect.stringMatching(
        /^Gatehouse noticed unusual use \(new_plugin\): gatehouse-static:[0-9a-f]{8} called plugin 'other', which it had not called in the \d+ s it has been used$/,
      ),
    ]);
    // On the credential's row, for its details on the page.
    const [row] = (
      await gatehouseApi(backend, 'get', '/inventory?subject=a-learner', ADMIN)
    ).body.items;
    expect(row.signals).toEqual([
      {
        kind: 'new_plugin',
        at: expect.any(String),
        detail: warning[0].message.replace(
          'Gatehouse noticed unusual use (new_plugin): ',
          '',
        ),
      },
    ]);
    // Its owner's members are told.
    await eventually(async () => {
      const response = await request(backend.server)
        .get('/api/notifications/notifications')
        .set('Authorization', `Bearer ${users.alice}`);
      expect(
        response.body.notifications.map(
          (n: { payload: { title: string; link: string } }) => n.payload,
        ),
      ).toContainEqual(
        expect.objectContaining({
          title: 'A credential called a plugin it never called before',
          link: `/gatehouse?credential=${encodeURIComponent(ids['a-learner'])}`,
        }),
      );
    }, 5_000);
  });

  it('dormant credential used again: raised once; one in steady use stays quiet', async () => {
    // Both start now (the steady one may have been idle since the last test).
    expect((await whoami(backend, SLEEPER)).status).toBe(200);
    expect((await whoami(backend, STEADY)).status).toBe(200);
    // Twice the wait: the steady one's own return (if it was idle since the
    // last test) is raised before the count is taken, however busy CI is.
    await flushed();
    await flushed();
    const earlier = raised().length;
    const until = Date.now() + DORMANT_MS + 200;
    while (Date.now() < until) {
      expect((await whoami(backend, STEADY)).status).toBe(200);
      await sleep(250);
    }
    expect((await whoami(backend, SLEEPER)).status).toBe(200);
    expect((await whoami(backend, SLEEPER)).status).toBe(200);
    await eventually(
      () => expect(raised()).toContain(`dormant_reuse ${ids['a-sleeper']}`),
      3_000,
    );
    await flushed();
    expect(
      raised()
        .slice(earlier)
        .filter(r => r.startsWith('dormant_reuse')),
    ).toEqual([`dormant_reuse ${ids['a-sleeper']}`]);
  });

  it('an expired, a revoked or a compromised credential still presented: raised once a day each', async () => {
    const managed = await createManagedToken(backend, ADMIN, {
      subject: 'soon-revoked',
      description: 'revoked in this test',
    });
    expect(
      (await gatehouseApi(backend, 'delete', `/tokens/${managed.id}`, ADMIN))
        .status,
    ).toBe(200);
    expect(
      (
        await gatehouseApi(backend, 'post', '/leaks', ADMIN).send({
          token: LEARNER,
        })
      ).status,
    ).toBe(201);
    for (let i = 0; i < 3; i++) {
      expect((await whoami(backend, EXPIRED)).status).toBe(401);
      expect((await whoami(backend, managed.token)).status).toBe(401);
      expect((await whoami(backend, LEARNER)).status).toBe(401);
    }
    const expected = [
      `retired_presented ${ids['a-expired']}`,
      `retired_presented ${ids['a-learner']}`,
      `retired_presented gatehouse-managed:${managed.id}`,
    ].sort();
    await eventually(
      () => expect(raised()).toEqual(expect.arrayContaining(expected)),
      3_000,
    );
    await whoami(backend, EXPIRED);
    await flushed();
    expect(
      raised()
        .filter(r => r.startsWith('retired_presented'))
        .sort(),
    ).toEqual(expected);
    expect(
      backend.logs
        .matching('warn', /unusual use \(retired_presented\)/)
        .map(e => e.message),
    ).toContainEqual(
      expect.stringContaining('is marked compromised and still presented'),
    );
    expect(raised()).not.toContain(`retired_presented ${ids['a-steady']}`);
  });

  it('a burst of rejections of one token: raised once; a few retries stay quiet', async () => {
    for (let i = 0; i < 4; i++) {
      expect((await whoami(backend, RETRIED)).status).toBe(401);
    }
    for (let i = 0; i < 8; i++) {
      expect((await whoami(backend, SPRAYED)).status).toBe(401);
    }
    await eventually(
      () => expect(raised()).toContain(`rejection_burst -`),
      3_000,
    );
    await flushed();
    const bursts = backend.logs
      .matching('warn', /unusual use \(rejection_burst\)/)
      .map(e => e.message);
    expect(bursts).toEqual([
      expect.stringContaining(
        `rejections of the token with fingerprint ${fingerprintOf(SPRAYED)} within 10 minutes`,
      ),
    ]);
    expect(bursts.join()).not.toContain(fingerprintOf(RETRIED));
    expect(backend.logs.text()).not.toContain(SPRAYED);
  });
});
