import { mockServices } from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import { MIGRATIONS_DIR } from '../database/migrateGatehouseDatabase';
import type { CredentialDefinition } from './credentialDefinition';
import { rowJson } from './inventoryOutput';
import { inventoryRows, inventoryUsage, mergedUsage } from './inventoryRows';
import { UsageFlusher } from './UsageFlusher';
import { UsageLedger } from './UsageLedger';
import { StoredUsage, SUBJECTS_KEPT_PER_ENTRY, UsageStore } from './UsageStore';
import { readEveryUsageRow as readEverything } from '../testing/readEveryUsageRow';
import { TestDatabase, testDatabases } from '../testing/testDatabases';

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const COUNTS = 'gatehouse_usage_counts';
const LAST = 'gatehouse_usage_last';

const databases = testDatabases();

describe.each(databases)('UsageStore (%s)', (_name, connect) => {
  let database: TestDatabase;
  let db: Knex;
  let store: UsageStore;
  const t0 = Date.UTC(2026, 10, 28, 12);

  beforeEach(async () => {
    database = await connect();
    db = database.db;
    store = await UsageStore.create(db);
  });
  afterEach(() => database.close());

  function batch(
    at: number | (() => number),
    record: (ledger: UsageLedger) => void,
  ) {
    const ledger = new UsageLedger({
      now: typeof at === 'number' ? () => at : at,
      subjectsPerEntry: 10_000,
    });
    record(ledger);
    return ledger.drain();
  }

  /** No JWT entry listed: every credential's own row. */
  const credentialsOnly = { jwtEntries: [], subjectsPerEntry: 0 };

  /** Rows as a database that was never pruned holds them, written directly. */
  async function seed(
    rows: Array<{
      id: string;
      usedAt?: number;
      rejectedAt?: number;
      counts?: Array<[hour: number, uses: number]>;
    }>,
  ) {
    const last = rows.map(r => ({
      credential_id: r.id,
      entry_id: r.id.includes('#') ? r.id.slice(0, r.id.indexOf('#')) : null,
      last_used_at: r.usedAt ?? null,
      last_plugin: r.usedAt ? 'catalog' : null,
      last_rejection: r.rejectedAt ? 'restricted' : null,
      last_rejection_at: r.rejectedAt ?? null,
    }));
    const counts = rows.flatMap(r =>
      (r.counts ?? []).map(([hour, uses]) => ({
        credential_id: r.id,
        hour: Math.floor(hour / HOUR) * HOUR,
        uses,
      })),
    );
    for (let i = 0; i < last.length; i += 400) {
      await db(LAST).insert(last.slice(i, i + 400));
    }
    for (let i = 0; i < counts.length; i += 400) {
      await db(COUNTS).insert(counts.slice(i, i + 400));
    }
  }

  /** Sorted here: PostgreSQL's order depends on its collation. */
  const ids = async (table: string, prefix = '') =>
    (await db(table).distinct('credential_id'))
      .map(r => r.credential_id as string)
      .filter(id => id.startsWith(prefix))
      .sort();

  it("adds up the counts of every replica's flushes; the later use and rejection win", async () => {
    await store.write(
      batch(t0, l => {
        l.used('gatehouse-static', 'aaaa', 'catalog');
        l.used('gatehouse-static', 'aaaa', 'catalog');
      }),
      t0,
    );
    await store.write(
      batch(t0 + 5_000, l => {
        l.used('gatehouse-static', 'aaaa', 'scaffolder');
        l.rejected('gatehouse-static', 'aaaa', 'restricted');
      }),
      t0 + 5_000,
    );
    // An older flush arriving late does not move "last used" back.
    await store.write(
      batch(t0 - 5_000, l => l.used('gatehouse-static', 'aaaa', 'search')),
      t0 + 6_000,
    );
    expect(
      (await store.read(t0 + 10_000, credentialsOnly)).usage.get(
        'gatehouse-static:aaaa',
      ),
    ).toEqual({
      uses24h: 4,
      uses30d: 4,
      lastUsedAt: t0 + 5_000,
      lastPlugin: 'scaffolder',
      lastRejection: 'restricted',
      lastRejectionAt: t0 + 5_000,
    });
  });

  it('counts 24 hours and 30 days by the hour, and forgets counts older than 31 days', async () => {
    const use = (at: number) =>
      store.write(
        batch(at, l => l.used('gatehouse-managed', 'm', 'catalog')),
        at,
      );
    await use(t0 - 40 * DAY);
    await use(t0 - 10 * DAY);
    await use(t0 - 2 * HOUR);
    await use(t0);
    const usage = (await store.read(t0, credentialsOnly)).usage.get(
      'gatehouse-managed:m',
    );
    expect(usage).toMatchObject({ uses24h: 2, uses30d: 3, lastUsedAt: t0 });
    expect(
      await db('gatehouse_usage_counts').where('hour', '<', t0 - 31 * DAY),
    ).toEqual([]);
  });

  it('writes thousands of credentials in one flush', async () => {
    const many = batch(t0, l => {
      for (let i = 0; i < 5_000; i++)
        l.used('gatehouse-managed', `id-${i}`, 'x');
    });
    await store.write(many, t0);
    expect((await store.read(t0, credentialsOnly)).usage.size).toBe(5_000);
  });

  describe('pruning JWT subjects', () => {
    const E = 'gatehouse-jwks:e';

    it('deletes subjects idle for 31 days with their counts, keeps every credential row however old', async () => {
      await seed([
        { id: 'gatehouse-static:old', usedAt: t0 - 90 * DAY },
        { id: 'gatehouse-managed:old', rejectedAt: t0 - 90 * DAY },
        { id: 'gatehouse-jwks:old', usedAt: t0 - 90 * DAY },
        { id: E, usedAt: t0 - 40 * DAY },
        // Last used 32 days ago, though a late flush counted it in a later hour.
        {
          id: `${E}#idle`,
          usedAt: t0 - 32 * DAY,
          counts: [[t0 - 30 * DAY, 3]],
        },
        { id: `${E}#*`, usedAt: t0 - 40 * DAY },
        { id: 'gatehouse-jwks:old#gone', usedAt: t0 - 90 * DAY },
        {
          id: `${E}#refused-lately`,
          usedAt: t0 - 40 * DAY,
          rejectedAt: t0 - DAY,
        },
        { id: `${E}#recent`, usedAt: t0 - 30 * DAY, counts: [[t0 - DAY, 2]] },
      ]);
      // What an older replica writes during a rolling upgrade: no entry_id.
      await db(LAST)
        .where('credential_id', `${E}#*`)
        .update({ entry_id: null });

      expect(await store.prune(t0)).toBe(3);
      expect(await ids(LAST)).toEqual([
        'gatehouse-jwks:e',
        'gatehouse-jwks:e#recent',
        'gatehouse-jwks:e#refused-lately',
        'gatehouse-jwks:old',
        'gatehouse-managed:old',
        'gatehouse-static:old',
      ]);
      expect(await ids(COUNTS)).toEqual(['gatehouse-jwks:e#recent']);
    });

    it('runs the age prune after a write, at most once an hour per replica', async () => {
      let now = t0;
      const ledger = new UsageLedger({ now: () => now });
      const flusher = new UsageFlusher({
        ledger,
        store,
        logger: mockServices.logger.mock(),
        now: () => now,
      });
      await seed([{ id: `${E}#a`, usedAt: t0 - 32 * DAY }]);
      await flusher.flush();
      expect(await ids(LAST)).toEqual([]);

      await seed([{ id: `${E}#b`, usedAt: t0 - 32 * DAY }]);
      now = t0 + 59 * 60_000;
      ledger.usedSubject('e', 'c', 'catalog');
      await flusher.flush();
      expect(await ids(LAST, `${E}#`)).toEqual([`${E}#b`, `${E}#c`]);

      now = t0 + HOUR;
      await flusher.flush();
      expect(await ids(LAST, `${E}#`)).toEqual([`${E}#c`]);
    });

    it(`keeps the ${SUBJECTS_KEPT_PER_ENTRY} most recently active subjects of each entry a write touches, with their counts`, async () => {
      const n = SUBJECTS_KEPT_PER_ENTRY + 50;
      const name = (i: number) => `${E}#s${i}`;
      // An entry the write does not touch keeps its surplus until one does.
      await seed(
        Array.from({ length: n }, (_, i) => ({
          id: `gatehouse-jwks:f#s${i}`,
          usedAt: t0 - DAY,
        })),
      );
      // One subject used long ago but refused lately: recent activity.
      await seed([
        {
          id: `${E}#refused`,
          usedAt: t0 - 20 * DAY,
          rejectedAt: t0 + 1,
          counts: [[t0 - 20 * DAY, 1]],
        },
      ]);
      let clock = t0 - 10 * DAY;
      await store.write(
        batch(
          () => (clock += 1000),
          l => {
            l.used('gatehouse-static', 'aaaa', 'catalog');
            for (let i = 0; i < n; i++) l.usedSubject('e', `s${i}`, 'catalog');
          },
        ),
        t0,
      );

      const kept = await ids(LAST, `${E}#`);
      expect(kept).toHaveLength(SUBJECTS_KEPT_PER_ENTRY);
      expect(kept).toContain(`${E}#refused`);
      // The oldest 51 uses went: s0..s50 (the refused one took a place).
      expect(kept).not.toContain(name(50));
      expect(kept).toContain(name(51));
      expect(kept).toContain(name(n - 1));
      expect(await ids(COUNTS, `${E}#`)).toEqual(kept);
      expect(await ids(LAST, 'gatehouse-jwks:f#')).toHaveLength(n);
      expect(await ids(LAST, 'gatehouse-static:')).toEqual([
        'gatehouse-static:aaaa',
      ]);
      expect(await ids(LAST, 'gatehouse-jwks:e')).toContain(E);

      await store.write(
        batch(t0 + 1, l => l.usedSubject('f', 'new', 'catalog')),
        t0 + 1,
      );
      expect(await ids(LAST, 'gatehouse-jwks:f#')).toHaveLength(
        SUBJECTS_KEPT_PER_ENTRY,
      );
      expect(await ids(LAST, 'gatehouse-jwks:f#')).toContain(
        'gatehouse-jwks:f#new',
      );
    });
  });

  it("names each subject row's entry in rows written before the column existed", async () => {
    const before = await connect();
    try {
      const migrations = {
        directory: MIGRATIONS_DIR,
        tableName: 'gatehouse_knex_migrations',
        loadExtensions: ['.js'],
      };
      // One migration at a time, up to the one that made the table.
      while (!(await before.db.schema.hasTable(LAST))) {
        await before.db.migrate.up(migrations);
      }
      expect(await before.db.schema.hasColumn(LAST, 'entry_id')).toBe(false);
      await before
        .db(LAST)
        .insert(
          [
            'gatehouse-jwks:e',
            'gatehouse-jwks:e#a#b',
            'gatehouse-static:s',
          ].map(id => ({ credential_id: id, last_used_at: t0 })),
        );
      await UsageStore.create(before.db);
      const rows = await before.db(LAST).select('credential_id', 'entry_id');
      expect(
        rows.sort((a, b) => (a.credential_id < b.credential_id ? -1 : 1)),
      ).toEqual([
        { credential_id: 'gatehouse-jwks:e', entry_id: null },
        { credential_id: 'gatehouse-jwks:e#a#b', entry_id: 'gatehouse-jwks:e' },
        { credential_id: 'gatehouse-static:s', entry_id: null },
      ]);
    } finally {
      await before.close();
    }
  });

  describe('the inventory read', () => {
    const E = 'gatehouse-jwks:e';
    const credentials: CredentialDefinition[] = [
      {
        id: 'gatehouse-static:aaaa',
        source: 'gatehouse-static',
        subject: 'ci',
        definedAt: 'config',
        usageRecorded: true,
      },
      {
        id: E,
        source: 'gatehouse-jwks',
        subject: 'external:*',
        definedAt: 'config',
        usageRecorded: true,
      },
      {
        id: 'gatehouse-jwks:quiet',
        source: 'gatehouse-jwks',
        subject: 'external:*',
        definedAt: 'config',
        usageRecorded: true,
      },
    ];

    /** 30 subjects of `e`, s29 the latest; a removed entry's 20; a removed token. */
    async function seedInventory() {
      await seed([
        {
          id: 'gatehouse-static:aaaa',
          usedAt: t0 - HOUR,
          counts: [[t0 - HOUR, 5]],
        },
        { id: 'gatehouse-static:removed', usedAt: t0 - DAY },
        { id: E, usedAt: t0 - HOUR, counts: [[t0 - HOUR, 30]] },
        ...Array.from({ length: 30 }, (_, i) => ({
          id: `${E}#s${i}`,
          usedAt: t0 - 2 * DAY + i * HOUR,
          counts: [
            [t0 - 2 * DAY + i * HOUR, 1],
            [t0 - 10 * DAY, 2],
          ] as Array<[number, number]>,
        })),
        ...Array.from({ length: 20 }, (_, i) => ({
          id: `gatehouse-jwks:removed#s${i}`,
          usedAt: t0 - HOUR,
          counts: [[t0 - HOUR, 1]] as Array<[number, number]>,
        })),
      ]);
    }

    it("reads credentials' rows, each entry's latest subjects and their number, and counts for those ids only", async () => {
      await seedInventory();
      const { usage, subjects } = await store.read(t0, {
        jwtEntries: [E, 'gatehouse-jwks:quiet'],
        subjectsPerEntry: 5,
        subjectIds: [`${E}#s3`, `${E}#unknown`, 'gatehouse-jwks:removed#s1'],
      });
      expect([...usage.keys()].sort()).toEqual(
        [
          'gatehouse-static:aaaa',
          'gatehouse-static:removed',
          E,
          `${E}#s29`,
          `${E}#s28`,
          `${E}#s27`,
          `${E}#s26`,
          `${E}#s25`,
          `${E}#s3`,
        ].sort(),
      );
      expect(subjects).toEqual(
        new Map([
          [E, 30],
          ['gatehouse-jwks:quiet', 0],
        ]),
      );
      expect(usage.get(`${E}#s28`)).toEqual<StoredUsage>({
        uses24h: 1,
        uses30d: 3,
        lastUsedAt: t0 - 2 * DAY + 28 * HOUR,
        lastPlugin: 'catalog',
        lastRejection: undefined,
        lastRejectionAt: undefined,
      });
      expect(usage.get(`${E}#s3`)).toMatchObject({ uses24h: 0, uses30d: 3 });
      expect(usage.get('gatehouse-static:aaaa')).toMatchObject({
        uses24h: 5,
        uses30d: 5,
      });
    });

    it('gives the rows that reading every row gave, with this replica’s unwritten interval', async () => {
      await seedInventory();
      const pending = batch(t0, l => {
        l.usedSubject('e', 's3', 'scaffolder'); // stored, far down the list
        l.usedSubject('e', 'brand-new', 'scaffolder');
        l.used('gatehouse-static', 'aaaa', 'catalog');
      });
      const options = { now: t0, expiringWithinMs: 14 * DAY };

      const scoped = await inventoryUsage({
        store,
        credentials,
        pending,
        now: t0,
        subjectsPerEntry: 5,
      });
      const rows = inventoryRows({
        ...options,
        credentials,
        ...scoped,
        subjectsPerEntry: 5,
      });
      // Before: every stored row, merged, and counted by inventoryRows.
      const allRows = inventoryRows({
        ...options,
        credentials,
        usage: mergedUsage(await readEverything(db, t0), pending),
        subjectsPerEntry: 5,
      });
      expect(rows.map(rowJson)).toEqual(allRows.map(rowJson));

      const entry = rows.find(r => r.id === E)!;
      expect(entry.subjects!.map(s => s.subject)).toEqual([
        's3',
        'brand-new',
        's29',
        's28',
        's27',
      ]);
      expect(entry.subjects![0]).toMatchObject({
        uses24h: 1,
        uses30d: 4,
        lastUsedBy: 'scaffolder',
      });
      expect(entry.otherSubjects).toBe(31 - 5);
      expect(rows.find(r => r.id === 'gatehouse-jwks:quiet')).toMatchObject({
        subjects: [],
        otherSubjects: 0,
      });
    });
  });
});
