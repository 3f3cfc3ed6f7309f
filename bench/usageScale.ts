/**
 * The usage tables at scale: 100,000 rows in `gatehouse_usage_last`, as a
 * database written before JWT subjects were pruned holds them (1,000
 * credentials; 99,000 subjects over 5 JWT entries, last used over the past
 * 60 days), with their counts, in SQLite in memory. Times what an inventory
 * request does with them (the database read, then the rows built), before
 * and after the prune, with the read of every row that the inventory did
 * before it was scoped as the baseline; and what pruning costs.
 *
 * Runs in `npm run bench` (with the micro benchmark), or alone:
 * `npx tsx bench/usageScale.ts`.
 */
import knex, { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import type { CredentialDefinition } from '../src/inventory/credentialDefinition';
import {
  inventoryRows,
  inventoryUsage,
  mergedUsage,
} from '../src/inventory/inventoryRows';
import { UsageLedger } from '../src/inventory/UsageLedger';
import {
  SUBJECTS_KEPT_PER_ENTRY,
  UsageStore,
} from '../src/inventory/UsageStore';
import { readEveryUsageRow as readEveryRow } from '../src/testing/readEveryUsageRow';
import { log } from './log';
import { median } from './stats';

const LAST = 'gatehouse_usage_last';
const COUNTS = 'gatehouse_usage_counts';
const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const ENTRIES = 5;
/** The inventory's default `gatehouse.usage.subjectsPerEntry`. */
const SUBJECTS_SHOWN = 100;
const RUNS = 9;

export interface UsageScaleResult {
  lastRows: number;
  countRows: number;
  credentials: number;
  subjects: number;
  /** Medians, ms: the read of every row (before), and the scoped read. */
  unpruned: { everyRow: number; scoped: number };
  pruned: { everyRow: number; scoped: number };
  lastRowsAfter: number;
  countRowsAfter: number;
  agePrune: { ms: number; rows: number };
  /** The first write touching each entry: its surplus over the cap goes. */
  firstCap: { ms: number; rows: number };
  /** Medians of writes of 100 new subjects on each of 5 entries: under the cap, and at it. */
  writeUnderCapMs: number;
  writeAtCapMs: number;
  writeAtCapSubjects: number;
}

async function timed(run: () => Promise<unknown>, times = RUNS) {
  await run(); // warm-up: statement caches, JIT
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = process.hrtime.bigint();
    await run();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ms);
}

async function once(run: () => Promise<unknown>) {
  const t0 = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const rowCount = async (db: Knex, table: string) =>
  Number((await db(table).count({ n: '*' }))[0].n);

/** 1,000 credentials (600 static, 395 managed, 5 JWT entries), as the listers give them. */
function credentialsOf(): CredentialDefinition[] {
  const credential = (
    id: string,
    source: CredentialDefinition['source'],
  ): CredentialDefinition => ({
    id,
    source,
    subject: source === 'gatehouse-jwks' ? 'external:*' : `caller-${id}`,
    definedAt: 'bench',
    usageRecorded: true,
  });
  return [
    ...Array.from({ length: 600 }, (_, i) =>
      credential(
        `gatehouse-static:${i.toString(16).padStart(8, '0')}`,
        'gatehouse-static',
      ),
    ),
    ...Array.from({ length: 400 - ENTRIES }, () =>
      credential(`gatehouse-managed:${randomUUID()}`, 'gatehouse-managed'),
    ),
    ...Array.from({ length: ENTRIES }, (_, i) =>
      credential(`gatehouse-jwks:entry${i}`, 'gatehouse-jwks'),
    ),
  ];
}

/**
 * Rows as the flushes leave them: every credential used in the last day
 * (24 hourly counts each), subjects last used evenly over the past 60 days
 * (one count each, in the hour of its last use, for those within the counts'
 * 31 days: older counts are deleted at every write).
 */
async function seed(
  db: Knex,
  credentials: CredentialDefinition[],
  subjects: number,
  now: number,
) {
  const hourOf = (t: number) => Math.floor(t / HOUR) * HOUR;
  const last: Array<Record<string, unknown>> = [];
  const counts: Array<Record<string, unknown>> = [];
  credentials.forEach((c, i) => {
    last.push({
      credential_id: c.id,
      entry_id: null,
      last_used_at: now - (i % 60) * 60_000,
      last_plugin: 'catalog',
    });
    for (let h = 0; h < 24; h++) {
      counts.push({
        credential_id: c.id,
        hour: hourOf(now - h * HOUR),
        uses: 10,
      });
    }
  });
  for (let i = 0; i < subjects; i++) {
    const entry = `gatehouse-jwks:entry${i % ENTRIES}`;
    const id = `${entry}#repo:org/app-${i}:ref:refs/heads/main`;
    const usedAt = now - Math.floor((i / subjects) * 60 * DAY);
    last.push({
      credential_id: id,
      entry_id: entry,
      last_used_at: usedAt,
      last_plugin: 'catalog',
    });
    if (usedAt >= now - 31 * DAY) {
      counts.push({ credential_id: id, hour: hourOf(usedAt), uses: 1 });
    }
  }
  for (const [table, rows] of [
    [LAST, last],
    [COUNTS, counts],
  ] as const) {
    await db.transaction(async trx => {
      for (let i = 0; i < rows.length; i += 400) {
        await trx(table).insert(rows.slice(i, i + 400));
      }
    });
  }
}

export async function runUsageScale(
  subjects = 99_000,
): Promise<UsageScaleResult> {
  const credentials = credentialsOf();
  log(
    `usage tables: ${credentials.length} credentials and ${subjects} JWT subjects in SQLite`,
  );
  const db = knex({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  try {
    const store = await UsageStore.create(db);
    const now = Date.now();
    await seed(db, credentials, subjects, now);
    const pending = new UsageLedger().peek();
    const common = {
      credentials,
      now,
      expiringWithinMs: 14 * DAY,
      subjectsPerEntry: SUBJECTS_SHOWN,
    };
    // What the inventory router does with the database, then its rows.
    const everyRow = async () =>
      inventoryRows({
        ...common,
        usage: mergedUsage(await readEveryRow(db, now), pending),
      });
    const scoped = async () =>
      inventoryRows({
        ...common,
        ...(await inventoryUsage({ store, pending, ...common })),
      });
    const measure = async () => ({
      everyRow: await timed(everyRow),
      scoped: await timed(scoped),
    });

    const lastRows = await rowCount(db, LAST);
    const countRows = await rowCount(db, COUNTS);
    log('usage tables: timing the inventory read, unpruned');
    const unpruned = await measure();
    const same =
      JSON.stringify(await everyRow()) === JSON.stringify(await scoped());
    if (!same) throw new Error('the scoped read built other rows');

    log('usage tables: pruning');
    const ageStart = await rowCount(db, LAST);
    const ageMs = await once(() => store.prune(now));
    const afterAge = await rowCount(db, LAST);
    const touchAll = (
      at: number,
      perEntry: number,
      tag: string,
      entry = 'entry',
    ) => {
      const ledger = new UsageLedger({
        now: () => at,
        subjectsPerEntry: perEntry,
      });
      for (let e = 0; e < ENTRIES; e++) {
        for (let s = 0; s < perEntry; s++) {
          ledger.usedSubject(`${entry}${e}`, `${tag}-${s}`, 'catalog');
        }
      }
      return ledger.drain();
    };
    const capMs = await once(() => store.write(touchAll(now, 1, 'new'), now));
    const afterCap = await rowCount(db, LAST);
    let tick = 0;
    const writes = (entry: string) => () => {
      tick += 1;
      const at = now + tick * 60_000;
      return store.write(touchAll(at, 100, `tick${tick}`, entry), at);
    };
    const writeAtCapMs = await timed(writes('entry'));
    if (
      (await rowCount(db, LAST)) !==
      credentials.length + ENTRIES * SUBJECTS_KEPT_PER_ENTRY
    ) {
      throw new Error('the cap did not hold');
    }
    // Other entries, which reach the cap with the last of these writes.
    const writeUnderCapMs = await timed(writes('fresh'));
    for (const table of [LAST, COUNTS]) {
      await db(table)
        .where('credential_id', 'like', 'gatehouse-jwks:fresh%')
        .delete();
    }

    log('usage tables: timing the inventory read, pruned');
    const pruned = await measure();
    return {
      lastRows,
      countRows,
      credentials: credentials.length,
      subjects,
      unpruned,
      pruned,
      lastRowsAfter: await rowCount(db, LAST),
      countRowsAfter: await rowCount(db, COUNTS),
      agePrune: { ms: ageMs, rows: ageStart - afterAge },
      firstCap: { ms: capMs, rows: afterAge + ENTRIES - afterCap },
      writeUnderCapMs,
      writeAtCapMs,
      writeAtCapSubjects: ENTRIES * 100,
    };
  } finally {
    await db.destroy();
  }
}

export function usageScaleTable(r: UsageScaleResult): string {
  const n = (value: number) => value.toLocaleString('en');
  const ms = (value: number) =>
    `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;
  return [
    `| inventory request: database read + rows built (median of ${RUNS}) | unpruned: ${n(r.lastRows)} rows, ${n(r.countRows)} counts | pruned: ${n(r.lastRowsAfter)} rows, ${n(r.countRowsAfter)} counts |`,
    '| --- | ---: | ---: |',
    `| every row (the read before it was scoped) | ${ms(r.unpruned.everyRow)} | ${ms(r.pruned.everyRow)} |`,
    `| credentials' rows, ${SUBJECTS_SHOWN} subjects per entry and their counts | ${ms(r.unpruned.scoped)} | ${ms(r.pruned.scoped)} |`,
    '',
    '| pruning | time | rows deleted |',
    '| --- | ---: | ---: |',
    `| age prune (hourly): subjects idle for 31 days | ${ms(r.agePrune.ms)} | ${n(r.agePrune.rows)} |`,
    `| first write touching the ${ENTRIES} entries: the cap of ${n(SUBJECTS_KEPT_PER_ENTRY)} per entry | ${ms(r.firstCap.ms)} | ${n(r.firstCap.rows)} |`,
    `| a write of ${r.writeAtCapSubjects / ENTRIES} new subjects on each of ${ENTRIES} entries under the cap (median of ${RUNS}) | ${ms(r.writeUnderCapMs)} | 0 |`,
    `| the same write, the entries at the cap (median of ${RUNS}) | ${ms(r.writeAtCapMs)} | ${n(r.writeAtCapSubjects)} |`,
  ].join('\n');
}

if (require.main === module) {
  runUsageScale().then(
    result => {
      process.stdout.write(`${usageScaleTable(result)}\n`);
    },
    error => {
      process.stderr.write(`${error?.stack ?? error}\n`);
      process.exit(1);
    },
  );
}
