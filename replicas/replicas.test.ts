/**
 * Two Gatehouse backends ("replicas" A and B) on one PostgreSQL database with
 * the default database plugin key store, as a production deployment behind a
 * load balancer runs them. Not a Jest test (`npm test` needs no PostgreSQL):
 * replicas/run.sh starts PostgreSQL and runs this with
 * `node --import tsx replicas/replicas.test.ts`; it exits non-zero on the
 * first failed check.
 *
 * Environment: REPLICAS_PG_HOST, REPLICAS_PG_PORT, REPLICAS_PG_USER,
 * REPLICAS_PG_PASSWORD (a role that may create databases), and optionally
 * REPLICAS_WORK_DIR (configs, tokens file and logs; default: a temp dir).
 */
import { decodeProtectedHeader } from 'jose';
import knex from 'knex';
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { stringify } from 'yaml';
import { ManagedTokenStore } from '../src/managed/ManagedTokenStore';
import { createStaticToken } from '../src/static/staticTokenFormat';
import {
  startTestIdentityProvider,
  TestIdentityProvider,
} from '../src/testing/testIdentityProvider';
import { freePort, isListening, Replica, startReplica } from './replicaProcess';

/** docs/static-tokens.md: a tokensFile change applies within 2 s; allow for a slow machine. */
const TOKENS_FILE_DEADLINE_MS = 10_000;

interface Whoami {
  status: number;
  subject?: string;
  body: string;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run replicas/run.sh)`);
  return value;
}

function fail(message: string): never {
  throw new Error(message);
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

async function check(label: string, run: () => Promise<void>): Promise<void> {
  const t0 = Date.now();
  try {
    await run();
  } catch (error) {
    throw new Error(`${label}: ${(error as Error).message}`);
  }
  console.log(`ok   ${label} (${Date.now() - t0} ms)`);
}

async function get(url: string, token: string): Promise<Whoami> {
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = await response.text();
  let subject: string | undefined;
  try {
    subject = JSON.parse(body).principal?.subject;
  } catch {
    // not JSON: the status and body are in the failure message
  }
  return { status: response.status, subject, body };
}

function whoami(replica: Replica, token: string, plugin = 'demo') {
  return get(`${replica.baseUrl}/api/${plugin}/whoami`, token);
}

/** 200 with this subject, or a message saying what came back instead. */
async function expectSubject(
  replica: Replica,
  token: string,
  subject: string,
  plugin = 'demo',
): Promise<void> {
  const answer = await whoami(replica, token, plugin);
  if (answer.status !== 200 || answer.subject !== subject) {
    fail(
      `replica ${replica.name} /api/${plugin}/whoami: expected 200 as ${subject}, got ${answer.status} ${answer.body.slice(0, 300)}`,
    );
  }
}

async function expectRejected(replica: Replica, token: string): Promise<void> {
  const answer = await whoami(replica, token);
  if (answer.status !== 401) {
    fail(
      `replica ${replica.name}: expected 401, got ${answer.status} ${answer.body.slice(0, 300)}`,
    );
  }
}

/** Polls until `condition` holds on the replica; resolves with how long it took. */
async function within(
  replica: Replica,
  what: string,
  condition: () => Promise<boolean>,
): Promise<number> {
  const t0 = Date.now();
  while (!(await condition())) {
    if (Date.now() - t0 > TOKENS_FILE_DEADLINE_MS) {
      fail(
        `replica ${replica.name}: ${what} not seen after ${TOKENS_FILE_DEADLINE_MS} ms`,
      );
    }
    await sleep(100);
  }
  return Date.now() - t0;
}

/** The guest's Backstage token, signed in on `replica` as the frontend does. */
async function guestToken(replica: Replica): Promise<string> {
  const response = await fetch(`${replica.baseUrl}/api/auth/guest/refresh`, {
    headers: { 'x-requested-with': 'XMLHttpRequest' },
  });
  const body = (await response.json()) as {
    backstageIdentity?: { token?: string };
  };
  const token = body.backstageIdentity?.token;
  if (!token) fail(`guest sign-in: ${response.status}`);
  return token!;
}

/** The titles of the guest's notifications, through the notifications API. */
async function ownerNotices(replica: Replica, token: string) {
  const response = await fetch(
    `${replica.baseUrl}/api/notifications/notifications`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  if (response.status !== 200) {
    fail(`notifications on ${replica.name}: ${response.status}`);
  }
  const body = (await response.json()) as {
    notifications: { payload: { title: string } }[];
  };
  return body.notifications.map(n => n.payload.title);
}

async function expectOneNotice(replica: Replica, token: string) {
  const titles = await ownerNotices(replica, token);
  const expected = 'Credential replicas-expiring expires within 3 days';
  if (titles.length !== 1 || titles[0] !== expected) {
    fail(`expected one notice '${expected}', got ${JSON.stringify(titles)}`);
  }
}

/** A plugin token from replica's `minter` plugin for the target plugin. */
async function mint(replica: Replica, adminToken: string, target: string) {
  const response = await fetch(
    `${replica.baseUrl}/api/minter/token-for/${target}`,
    { headers: { authorization: `Bearer ${adminToken}` } },
  );
  if (response.status !== 200) {
    fail(
      `replica ${replica.name} minter: ${response.status} ${await response.text()}`,
    );
  }
  const { token } = (await response.json()) as { token: string };
  return { token, kid: String(decodeProtectedHeader(token).kid) };
}

/** The key ids replica serves as the `minter` plugin's JWKS. */
async function minterKids(replica: Replica): Promise<string[]> {
  const response = await fetch(
    `${replica.baseUrl}/api/minter/.backstage/auth/v1/jwks.json`,
  );
  const { keys } = (await response.json()) as { keys: { kid: string }[] };
  return keys.map(k => k.kid);
}

/** The owner of the token that expires in two days: the replicas' guest. */
const NOTICE_OWNER = 'user:default/replica-owner';

function replicaConfig(options: {
  port: number;
  adminToken: string;
  tokensFile: string;
  issuer: string;
  /** A token owned by NOTICE_OWNER, expiring at expiresAt. */
  expiringToken: string;
  /** A token the test marks compromised. */
  leakedToken: string;
  expiresAt: string;
}) {
  return {
    // Usage counts written each second, so that the test sees B's in A's
    // inventory; owners' notices looked for each second, by one replica.
    gatehouse: {
      usage: { flushInterval: `${USAGE_FLUSH_S}s` },
      notifications: { interval: '1s', unused: { enabled: false } },
    },
    // The guest, who owns the token that expires in two days.
    app: { baseUrl: 'http://localhost:3000' },
    auth: {
      providers: {
        guest: {
          dangerouslyAllowOutsideDevelopment: true,
          userEntityRef: NOTICE_OWNER,
        },
      },
    },
    backend: {
      // Per replica: plugin-to-plugin discovery stays on the same replica.
      baseUrl: `http://127.0.0.1:${options.port}`,
      listen: { host: '127.0.0.1', port: options.port },
      // Backstage's default pluginDivisionMode, `database`: one database per
      // plugin (backstage_plugin_<id>), shared by both replicas.
      database: {
        client: 'pg',
        connection: {
          host: env('REPLICAS_PG_HOST'),
          port: Number(env('REPLICAS_PG_PORT')),
          user: env('REPLICAS_PG_USER'),
          password: env('REPLICAS_PG_PASSWORD'),
        },
      },
      // No `pluginKeyStore`: the default database key store is under test.
      auth: {
        externalAccess: [
          {
            type: 'gatehouse-static',
            options: { subject: 'replicas-admin', token: options.adminToken },
          },
          {
            type: 'gatehouse-static',
            options: {
              subject: 'replicas-file',
              tokensFile: options.tokensFile,
            },
          },
          {
            type: 'gatehouse-static',
            options: { subject: 'replicas-leaky', token: options.leakedToken },
          },
          {
            type: 'gatehouse-static',
            options: {
              subject: 'replicas-expiring',
              owner: NOTICE_OWNER,
              tokens: [
                { token: options.expiringToken, expiresAt: options.expiresAt },
              ],
            },
          },
          {
            type: 'gatehouse-jwks',
            options: {
              issuer: options.issuer,
              audience: 'backstage-api',
              subjectPrefix: 'idp',
            },
          },
          // Managed tokens: one table in the shared database, one
          // in-memory copy per replica.
          {
            type: 'gatehouse-managed',
            options: { maxStale: `${MANAGED_MAX_STALE_S}s` },
          },
        ],
      },
    },
  };
}

function writeTokensFile(file: string, tokens: object[]) {
  writeFileSync(file, stringify({ tokens }));
}

/**
 * A first, then B: replicas that start at the same moment on an empty
 * database race to create knex's migration tables in each plugin database,
 * and the loser fails to start; worse, the race can leave two rows in a
 * migration lock table, and then no replica can ever start (see docs/operations.md).
 * That is Backstage's and knex's, not Gatehouse's, so the test avoids it;
 * REPLICAS_START_TOGETHER=1 starts both at once to reproduce it.
 */
async function startBoth(
  specs: Parameters<typeof startReplica>[0][],
  started: Replica[],
): Promise<void> {
  // Each replica joins `started` once it is up, so that a failure stops it.
  if (process.env.REPLICAS_START_TOGETHER !== '1') {
    for (const spec of specs) started.push(await startReplica(spec));
    return;
  }
  const results = await Promise.allSettled(specs.map(startReplica));
  for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
  const failed = results.find(r => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** Each replica's usage flush interval. */
const USAGE_FLUSH_S = 1;

/**
 * Usage from both replicas adds up in the inventory: requests with one
 * managed token on A and on B, then A's inventory (its own counts and B's,
 * written by B's flush) shows them all within a flush interval and a margin.
 */
async function checkUsageAcrossReplicas(
  a: Replica,
  b: Replica,
  adminToken: string,
) {
  const created = await createManaged(a, adminToken, 'usage-counter');
  await check(
    `usage counted on A and B adds up in A's inventory within ${USAGE_FLUSH_S + 2} s`,
    async () => {
      await managedWithin(
        'the usage token on B',
        async () => (await whoami(b, created.token)).status === 200,
      );
      for (let i = 0; i < 3; i++)
        await expectSubject(a, created.token, 'usage-counter');
      await expectSubject(b, created.token, 'usage-counter', 'other');
      const t0 = Date.now();
      let row: Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
      for (;;) {
        const response = await fetch(
          `${a.baseUrl}/api/gatehouse/inventory?source=gatehouse-managed&subject=usage-counter`,
          { headers: { authorization: `Bearer ${adminToken}` } },
        );
        if (response.status !== 200) fail(`inventory on A: ${response.status}`);
        row = ((await response.json()) as { items: (typeof row)[] }).items[0];
        // 3 on A, and B's: the whoami that saw it arrive, and one on 'other'.
        if (row?.usage?.uses24h === 5) break;
        if (Date.now() - t0 > (USAGE_FLUSH_S + 2) * 1000) {
          fail(
            `A's inventory shows ${JSON.stringify(row?.usage)}; expected 5 uses`,
          );
        }
        await sleep(100);
      }
      console.log(
        `     5 uses from both replicas after ${Date.now() - t0} ms; last used by ${row?.usage.lastUsedBy}`,
      );
    },
  );
}

/** How long replicas keep accepting known managed tokens without the database. */
const MANAGED_MAX_STALE_S = 60;
/** Managed-token changes must reach the other replica within this. */
const MANAGED_SYNC_DEADLINE_MS = 2_000;

async function managedApi(
  replica: Replica,
  adminToken: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: object,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${replica.baseUrl}/api/gatehouse${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      'content-type': 'application/json',
    },
    body: body && JSON.stringify(body),
  });
  return {
    status: response.status,
    json: (await response.json()) as Record<string, unknown>,
  };
}

async function createManaged(
  replica: Replica,
  adminToken: string,
  subject: string,
) {
  const { status, json } = await managedApi(
    replica,
    adminToken,
    'POST',
    '/tokens',
    {
      subject,
      owner: 'group:default/platform',
      description: 'replica test',
    },
  );
  if (status !== 201)
    fail(`create on ${replica.name}: ${status} ${JSON.stringify(json)}`);
  return json as { id: string; token: string };
}

/** Polls until the condition holds, failing after the managed-token deadline. */
async function managedWithin(what: string, condition: () => Promise<boolean>) {
  const t0 = Date.now();
  while (!(await condition())) {
    if (Date.now() - t0 > MANAGED_SYNC_DEADLINE_MS) {
      fail(`${what} not seen within ${MANAGED_SYNC_DEADLINE_MS} ms`);
    }
    await sleep(50);
  }
  return Date.now() - t0;
}

/** run.sh's commands that stop and start the test's PostgreSQL. */
function postgres(action: 'stop' | 'start') {
  execFileSync(
    'bash',
    ['-c', env(action === 'stop' ? 'REPLICAS_PG_STOP' : 'REPLICAS_PG_START')],
    {
      stdio: 'inherit',
    },
  );
}

async function checkManagedTokens(a: Replica, b: Replica, adminToken: string) {
  const created = await createManaged(a, adminToken, 'managed-one');
  await check(
    'managed token created on A accepted by B within 2 s',
    async () => {
      await expectSubject(a, created.token, 'managed-one');
      const took = await managedWithin(
        'the new token on B',
        async () => (await whoami(b, created.token)).status === 200,
      );
      console.log(`     accepted by B after ${took} ms`);
    },
  );
  await check(
    'managed token revoked on B refused by A within 2 s',
    async () => {
      const { status } = await managedApi(
        b,
        adminToken,
        'DELETE',
        `/tokens/${created.id}`,
        {
          reason: 'replica test',
        },
      );
      if (status !== 200) fail(`revoke on B: ${status}`);
      await expectRejected(b, created.token);
      const took = await managedWithin(
        'the revocation on A',
        async () => (await whoami(a, created.token)).status === 401,
      );
      console.log(`     refused by A after ${took} ms`);
    },
  );
  const known = await createManaged(a, adminToken, 'managed-known');
  await managedWithin(
    'the known token on B',
    async () => (await whoami(b, known.token)).status === 200,
  );
  await check(
    'PostgreSQL stopped: known managed tokens accepted, the API answers 503',
    async () => {
      postgres('stop');
      await sleep(1_500); // a few failed syncs
      for (const r of [a, b]) {
        await expectSubject(r, known.token, 'managed-known');
        const { status, json } = await managedApi(
          r,
          adminToken,
          'POST',
          '/tokens',
          {
            subject: 'during-outage',
            owner: 'group:default/platform',
            description: 'must fail cleanly',
          },
        );
        if (status !== 503)
          fail(`replica ${r.name} create: ${status} ${JSON.stringify(json)}`);
      }
    },
  );
  await check(
    'PostgreSQL restarted: the sync resumes on both replicas',
    async () => {
      postgres('start');
      let after: { token: string } | undefined;
      const t0 = Date.now();
      while (!after) {
        const attempt = await managedApi(a, adminToken, 'POST', '/tokens', {
          subject: 'after-outage',
          owner: 'group:default/platform',
          description: 'replica test',
        });
        if (attempt.status === 201) after = attempt.json as { token: string };
        else if (Date.now() - t0 > 20_000)
          fail(`create after restart: ${attempt.status}`);
        else await sleep(250);
      }
      await managedWithin(
        'the post-outage token on B',
        async () => (await whoami(b, after!.token)).status === 200,
      );
      await expectSubject(a, known.token, 'managed-known');
    },
  );
}

/**
 * A static token marked compromised on A is refused by B within 2 s, with
 * the reason code token_compromised; B's inventory shows the same
 * credential, only marked.
 */
async function checkLeak(
  a: Replica,
  b: Replica,
  adminToken: string,
  leakedToken: string,
) {
  await check(
    'static token marked compromised on A refused by B within 2 s (token_compromised)',
    async () => {
      await expectSubject(b, leakedToken, 'replicas-leaky');
      const row = async (replica: Replica) => {
        const { json } = await managedApi(
          replica,
          adminToken,
          'GET',
          '/inventory?subject=replicas-leaky',
        );
        const [item] = json.items as Array<Record<string, unknown>>;
        // Usage moves with every request; the rest must not.
        delete item.usage;
        return item;
      };
      const before = await row(b);
      const { status, json } = await managedApi(
        a,
        adminToken,
        'POST',
        '/leaks',
        {
          token: leakedToken,
          reason: 'replica test',
        },
      );
      if (status !== 201) fail(`leak on A: ${status} ${JSON.stringify(json)}`);
      await expectRejected(a, leakedToken);
      const took = await managedWithin(
        'the mark on B',
        async () => (await whoami(b, leakedToken)).status === 401,
      );
      console.log(`     refused by B after ${took} ms`);
      const refused = await whoami(b, leakedToken);
      if (!refused.body.includes('was marked compromised at')) {
        fail(`B's answer: ${refused.body.slice(0, 300)}`);
      }
      // B's log, written by its process a moment later.
      await managedWithin(
        "a token_compromised rejection in B's log",
        async () =>
          readFileSync(b.logFile, 'utf8')
            .split('\n')
            .some(
              line =>
                line.includes('rejected a token') &&
                line.includes('token_compromised'),
            ),
      );
      await expectSubject(b, adminToken, 'replicas-admin');
      // Presented on both replicas after the mark: one signal, by one of them.
      let after = await row(b);
      const t0 = Date.now();
      while (!after.signals && Date.now() - t0 < 5_000) {
        await sleep(200);
        after = await row(b);
      }
      const { signals, ...rest } = after as {
        signals?: Array<{ kind: string }>;
      };
      if (signals?.map(s => s.kind).join() !== 'retired_presented') {
        fail(`B's row's signals: ${JSON.stringify(signals)}`);
      }
      const expected = {
        ...before,
        status: 'compromised',
        compromised: (json as { compromised: unknown }).compromised,
        // Nothing more to do to it.
        actions: [],
      };
      if (!isDeepStrictEqual(rest, expected)) {
        fail(
          `B's inventory row: ${JSON.stringify(rest)}, expected ${JSON.stringify(expected)}`,
        );
      }
    },
  );
}

/** A clock this much slow: more than the sync's minute of look-back. */
const SKEW_MS = -61_000;

/**
 * Replicas agree through the database's clock, never their own: a
 * revocation written by a replica whose clock is 61 s slow reaches the
 * others at their next sync (it used to wait for the full reload, 10
 * minutes later). And rotate and revoke are atomic against each other on
 * PostgreSQL: a rotation on A racing a revocation on B never leaves the
 * revoked token with an active successor.
 */
async function checkManagedAcrossClocksAndRaces(
  a: Replica,
  b: Replica,
  skewed: Replica,
  adminToken: string,
) {
  await check(
    `managed token revoked on C (clock ${SKEW_MS / 1000} s) refused by A within 2 s`,
    async () => {
      const created = await createManaged(a, adminToken, 'managed-skew');
      await managedWithin(
        'the new token on C',
        async () => (await whoami(skewed, created.token)).status === 200,
      );
      const { status } = await managedApi(
        skewed,
        adminToken,
        'DELETE',
        `/tokens/${created.id}`,
        { reason: 'revoked by the skewed replica' },
      );
      if (status !== 200) fail(`revoke on C: ${status}`);
      const took = await managedWithin(
        'the revocation on A',
        async () => (await whoami(a, created.token)).status === 401,
      );
      console.log(`     refused by A after ${took} ms`);
    },
  );
  await check(
    'rotate on A racing revoke on B, 20 times: no revoked token keeps an active successor',
    async () => {
      const outcomes = { rotatedFirst: 0, revokedFirst: 0 };
      for (let i = 0; i < 20; i++) {
        const token = await createManaged(a, adminToken, `race-${i}`);
        const [rotated, revoked] = await Promise.all([
          managedApi(a, adminToken, 'POST', `/tokens/${token.id}/rotate`, {}),
          managedApi(b, adminToken, 'DELETE', `/tokens/${token.id}`, {}),
        ]);
        if (revoked.status !== 200) fail(`revoke ${i}: ${revoked.status}`);
        if (rotated.status === 409) {
          outcomes.revokedFirst++;
          continue;
        }
        if (rotated.status !== 201) fail(`rotate ${i}: ${rotated.status}`);
        outcomes.rotatedFirst++;
        const successor = rotated.json as { id: string; token: string };
        const row = await managedApi(
          a,
          adminToken,
          'GET',
          `/tokens/${successor.id}`,
        );
        if (row.json.status !== 'revoked') {
          fail(
            `round ${i}: the successor of a revoked token is ${row.json.status}`,
          );
        }
        await managedWithin(
          `round ${i}: the successor refused by A and B`,
          async () =>
            (await whoami(a, successor.token)).status === 401 &&
            (await whoami(b, successor.token)).status === 401,
        );
      }
      console.log(
        `     rotation first ${outcomes.rotatedFirst} times, revocation first ${outcomes.revokedFirst} times`,
      );
    },
  );
}

/**
 * Gatehouse's own migrations, run by two "replicas" at once on an empty
 * database, several times: both must succeed and leave knex's lock table
 * with one row (Backstage's own tables have this race; see startBoth).
 */
async function checkConcurrentMigrations() {
  const connection = {
    host: env('REPLICAS_PG_HOST'),
    port: Number(env('REPLICAS_PG_PORT')),
    user: env('REPLICAS_PG_USER'),
    password: env('REPLICAS_PG_PASSWORD'),
  };
  const admin = knex({
    client: 'pg',
    connection: { ...connection, database: 'postgres' },
  });
  try {
    for (let round = 0; round < 5; round++) {
      const database = `gatehouse_migration_race_${round}`;
      await admin.raw(`DROP DATABASE IF EXISTS ${database}`);
      await admin.raw(`CREATE DATABASE ${database}`);
      const clients = [0, 1].map(() =>
        knex({ client: 'pg', connection: { ...connection, database } }),
      );
      try {
        const results = await Promise.allSettled(
          clients.map(client => ManagedTokenStore.create(client)),
        );
        const failed = results.find(r => r.status === 'rejected');
        if (failed) {
          fail(`round ${round}: ${(failed as PromiseRejectedResult).reason}`);
        }
        const locks = await clients[0]('gatehouse_knex_migrations_lock').count({
          n: '*',
        });
        if (Number(locks[0].n) !== 1)
          fail(`round ${round}: ${locks[0].n} lock rows`);
      } finally {
        await Promise.all(clients.map(client => client.destroy()));
      }
      await admin.raw(`DROP DATABASE ${database}`);
    }
  } finally {
    await admin.destroy();
  }
}

async function main() {
  // run.sh passes a directory it removes; otherwise a temp dir, removed after
  // a pass and kept (with the replicas' logs) after a failure.
  const ownWorkDir = !process.env.REPLICAS_WORK_DIR;
  const workDir =
    process.env.REPLICAS_WORK_DIR ??
    mkdtempSync(join(tmpdir(), 'gatehouse-replicas-'));
  mkdirSync(workDir, { recursive: true });
  const replicas: Replica[] = [];
  let idp: TestIdentityProvider | undefined;

  try {
    idp = await startTestIdentityProvider();
    const adminToken = createStaticToken();
    const fileToken1 = createStaticToken();
    const fileToken2 = createStaticToken();
    // Owned by the guest, expiring in two days: one notice is due.
    const expiring = {
      expiringToken: createStaticToken(),
      expiresAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
    };
    const leakedToken = createStaticToken();
    // One file for both, as every pod mounts the same Secret; each replica
    // watches it on its own.
    const tokensFile = join(workDir, 'tokens.yaml');
    writeTokensFile(tokensFile, [{ token: fileToken1, subject: 'file-first' }]);

    const portA = await freePort();
    let portB = await freePort();
    while (portB === portA) portB = await freePort();
    const specs = (
      [
        ['A', portA],
        ['B', portB],
      ] as const
    ).map(([name, port]) => {
      const configFile = join(workDir, `replica-${name}.yaml`);
      writeFileSync(
        configFile,
        stringify(
          replicaConfig({
            port,
            adminToken,
            tokensFile,
            issuer: idp!.issuer,
            leakedToken,
            ...expiring,
          }),
        ),
        { mode: 0o600 },
      );
      return {
        name,
        port,
        configFile,
        logFile: join(workDir, `replica-${name}.log`),
      };
    });

    await check(
      "Gatehouse's migrations: two replicas at once on an empty database, 5 times",
      checkConcurrentMigrations,
    );

    const t0 = Date.now();
    await startBoth(specs, replicas);
    const [a, b] = replicas;
    console.log(
      `ok   replicas A (${a.baseUrl}) and B (${b.baseUrl}) started in ${Date.now() - t0} ms`,
    );

    // 1. Static tokens and JWTs on both.
    await check('static token accepted by A and B', async () => {
      for (const r of [a, b]) {
        await expectSubject(r, adminToken, 'replicas-admin');
        await expectSubject(r, fileToken1, 'file-first');
        await expectRejected(r, createStaticToken());
      }
    });
    await check(
      'JWT from the identity provider accepted by A and B',
      async () => {
        const jwt = await idp!.getToken();
        for (const r of [a, b]) {
          await expectSubject(r, jwt, 'external:idp:rs256-client');
        }
      },
    );
    await check(
      'plugin-to-plugin call (demo -> other) on A and B',
      async () => {
        for (const r of [a, b]) {
          const answer = await get(
            `${r.baseUrl}/api/demo/call/other?as=self`,
            adminToken,
          );
          const subject =
            answer.status === 200 &&
            JSON.parse(answer.body).response?.principal?.subject;
          if (subject !== 'plugin:demo') {
            fail(`replica ${r.name}: ${answer.status} ${answer.body}`);
          }
        }
      },
    );

    // 2. Plugin tokens across replicas. A verifies its own token before B
    // has a key at all, so A has cached minter's key set without B's key: B's
    // token then names a key A has not seen, and A must fetch the set again.
    const fromA = await mint(a, adminToken, 'demo');
    await check('plugin token minted on A accepted by A', async () => {
      await expectSubject(a, fromA.token, 'plugin:minter');
    });
    const fromB = await mint(b, adminToken, 'demo');
    await check('plugin token minted on B accepted by B and by A', async () => {
      await expectSubject(b, fromB.token, 'plugin:minter');
      await expectSubject(a, fromB.token, 'plugin:minter');
    });
    await check('plugin token minted on A accepted by B', async () => {
      await expectSubject(b, fromA.token, 'plugin:minter');
    });
    await check('each replica signs with its own key', async () => {
      if (fromA.kid === fromB.kid) fail(`both signed with ${fromA.kid}`);
    });
    await check("both replicas' JWKS list both keys", async () => {
      for (const r of [a, b]) {
        const kids = await minterKids(r);
        if (!kids.includes(fromA.kid) || !kids.includes(fromB.kid)) {
          fail(`replica ${r.name} lists ${kids.join(', ')}`);
        }
      }
    });
    await check('plugin token for another audience refused', async () => {
      const forOther = await mint(a, adminToken, 'other');
      await expectRejected(b, forOther.token);
    });

    // 3. tokensFile changes: an edit in place, then an atomic replacement
    // (rename), as a Kubernetes Secret update does; both replicas must follow.
    await check('tokensFile: added token accepted by A and B', async () => {
      writeTokensFile(tokensFile, [
        { token: fileToken1, subject: 'file-first' },
        { token: fileToken2, subject: 'file-second' },
      ]);
      const took = await Promise.all(
        [a, b].map(r =>
          within(r, 'the added token', async () => {
            const answer = await whoami(r, fileToken2);
            return answer.subject === 'file-second';
          }),
        ),
      );
      console.log(`     picked up after A ${took[0]} ms, B ${took[1]} ms`);
    });
    await check('tokensFile: removed token refused by A and B', async () => {
      const next = `${tokensFile}.next`;
      writeTokensFile(next, [{ token: fileToken2, subject: 'file-second' }]);
      renameSync(next, tokensFile);
      const took = await Promise.all(
        [a, b].map(r =>
          within(
            r,
            'the removal',
            async () => (await whoami(r, fileToken1)).status === 401,
          ),
        ),
      );
      console.log(`     picked up after A ${took[0]} ms, B ${took[1]} ms`);
      for (const r of [a, b]) {
        await expectSubject(r, fileToken2, 'file-second');
      }
    });

    const guest = await guestToken(a);
    await check(
      'the owner of a token expiring in 2 days is told once, with both replicas looking every second',
      async () => {
        const t1 = Date.now();
        while ((await ownerNotices(b, guest)).length === 0) {
          if (Date.now() - t1 > 20_000) fail('no notice after 20 s');
          await sleep(250);
        }
        await sleep(3000);
        await expectOneNotice(a, guest);
      },
    );

    // 4. Managed tokens across replicas, and through a database outage.
    await checkManagedTokens(a, b, adminToken);
    await checkLeak(a, b, adminToken, leakedToken);
    await checkUsageAcrossReplicas(a, b, adminToken);

    // A third replica, C, whose clock is 61 s slow, for a while.
    const portC = await freePort();
    const configC = join(workDir, 'replica-C.yaml');
    writeFileSync(
      configC,
      stringify(
        replicaConfig({
          port: portC,
          adminToken,
          tokensFile,
          ...expiring,
          leakedToken,
          issuer: idp.issuer,
        }),
      ),
      { mode: 0o600 },
    );
    const c = await startReplica({
      name: 'C',
      port: portC,
      configFile: configC,
      logFile: join(workDir, 'replica-C.log'),
      env: { REPLICA_CLOCK_SKEW_MS: String(SKEW_MS) },
    });
    replicas.push(c);
    await check(
      'no second notice from a restart: replica C, new on the same database, looks too',
      async () => {
        await sleep(3000);
        await expectOneNotice(c, guest);
      },
    );
    await checkManagedAcrossClocksAndRaces(a, b, c, adminToken);
    await check('replica C stops cleanly', async () => {
      const { code, signal } = await c.stop();
      if (code !== 0) fail(`exit code ${code}, signal ${signal}`);
    });

    // 5. A goes away. B's `other` plugin has never verified a minter token,
    // so it must fetch minter's keys after A is gone: from the database.
    const forOtherFromA = await mint(a, adminToken, 'other');
    await check('replica A stops cleanly on SIGTERM', async () => {
      const { code, signal } = await a.stop();
      if (code !== 0) fail(`exit code ${code}, signal ${signal}`);
      if (await isListening(a.port)) fail(`port ${a.port} still open`);
    });
    await check(
      'B still accepts static token, JWT and A-minted tokens',
      async () => {
        await expectSubject(b, adminToken, 'replicas-admin');
        await expectSubject(b, fileToken2, 'file-second');
        await expectSubject(
          b,
          await idp!.getToken(),
          'external:idp:rs256-client',
        );
        await expectSubject(b, fromA.token, 'plugin:minter');
        await expectSubject(b, forOtherFromA.token, 'plugin:minter', 'other');
        const kids = await minterKids(b);
        if (!kids.includes(fromA.kid)) {
          fail(`B's JWKS lost A's key: ${kids.join(', ')}`);
        }
        await expectSubject(
          b,
          (await mint(b, adminToken, 'demo')).token,
          'plugin:minter',
        );
      },
    );

    // 6. Clean shutdown of everything this script started.
    await check('replica B stops cleanly; no ports left open', async () => {
      const { code, signal } = await b.stop();
      if (code !== 0) fail(`exit code ${code}, signal ${signal}`);
      await idp!.stop();
      for (const port of [a.port, b.port, idp!.port]) {
        if (await isListening(port)) fail(`port ${port} still open`);
      }
    });
    console.log(`PASS replicas: all checks passed in ${elapsed()}`);
    if (ownWorkDir) rmSync(workDir, { recursive: true, force: true });
  } catch (error) {
    console.error(`FAIL replicas: ${(error as Error).message}`);
    if (ownWorkDir) console.error(`(configs and logs kept in ${workDir})`);
    for (const r of replicas) {
      console.error(`--- last lines of replica ${r.name}'s log ---`);
      console.error(r.logTail());
    }
    await Promise.allSettled([...replicas.map(r => r.stop()), idp?.stop()]);
    process.exitCode = 1;
  }
}

// Ctrl-C or a CI timeout: exit through the 'exit' handlers that kill children.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

void main();
