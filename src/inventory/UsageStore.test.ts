import knex, { Knex } from 'knex';
import { UsageLedger } from './UsageLedger';
import { UsageStore } from './UsageStore';

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;

describe('UsageStore (SQLite; PostgreSQL in replicas/)', () => {
  let db: Knex;
  let store: UsageStore;
  const t0 = Date.UTC(2026, 10, 28, 12);

  beforeEach(async () => {
    db = knex({
      client: 'better-sqlite3',
      connection: ':memory:',
      useNullAsDefault: true,
    });
    store = await UsageStore.create(db);
  });
  afterEach(() => db.destroy());

  function batch(at: number, record: (ledger: UsageLedger) => void) {
    const ledger = new UsageLedger({ now: () => at });
    record(ledger);
    return ledger.drain();
  }

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
      (await store.read(t0 + 10_000)).get('gatehouse-static:aaaa'),
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
    const usage = (await store.read(t0)).get('gatehouse-managed:m');
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
    expect((await store.read(t0)).size).toBe(5_000);
  });
});
