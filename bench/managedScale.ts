/**
 * Managed tokens at scale: 100,000 rows in the `gatehouse` plugin's tables
 * (SQLite, as `npm start` and the tests use; the same queries run on
 * PostgreSQL), then what a replica pays: the full load at start-up, the
 * memory of its table, and the database reads of each sync.
 */
import { mockServices } from '@backstage/backend-test-utils';
import knex from 'knex';
import { createHash } from 'node:crypto';
import { heapUsedAfterGc } from './heap';
import { createManagedToken } from '../src/managed/managedTokenFormat';
import {
  ManagedTokenRecord,
  ManagedTokenStore,
} from '../src/managed/ManagedTokenStore';
import { ManagedTokenTable } from '../src/managed/ManagedTokenTable';
import { log } from './log';
import { managedCredentials } from '../src/inventory/gatehouseCredentials';
import {
  DEFAULT_EXPIRING_WITHIN_MS,
  filterRows,
  parseInventoryQuery,
} from '../src/inventory/inventoryQuery';
import { rowJson } from '../src/inventory/inventoryOutput';
import { readInventoryRows } from '../src/inventory/readInventoryRows';
import { UsageLedger } from '../src/inventory/UsageLedger';
import { UsageStore } from '../src/inventory/UsageStore';
import { median } from './stats';

export interface ManagedScaleResult {
  tokens: number;
  teams: number;
  /** An inventory request's work (every source read, usage, rows, filter, a page of 50 as JSON): medians, ms. */
  inventoryAllMs: number;
  inventoryTeamMs: number;
  /** The same with the API's default page, the first 10,000 rows as JSON. */
  inventoryDefaultPageMs: number;
  loadMs: number;
  heapMb: number;
  idleSyncMs: number;
  busySyncMs: number;
  changedPerBusySync: number;
}

/** Owners of the tokens: this many teams, in turn. */
const TEAMS = 200;

async function timed(run: () => Promise<unknown>, times: number) {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = process.hrtime.bigint();
    await run();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ms);
}

export async function runManagedScale(
  tokens = 100_000,
): Promise<ManagedScaleResult> {
  log(`managed tokens: ${tokens} rows in SQLite`);
  const db = knex({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  try {
    const store = await ManagedTokenStore.create(db);
    const now = Date.now();
    const records: ManagedTokenRecord[] = [];
    for (let i = 0; i < tokens; i++) {
      const tokenHash = createHash('sha256')
        .update(createManagedToken())
        .digest('hex');
      records.push({
        id: `id-${i}`,
        tokenHash,
        fingerprint: tokenHash.slice(0, 8),
        subject: `caller-${i}`,
        description: `a token of the scale benchmark, number ${i}`,
        createdBy: 'user:default/bench',
        owner: `group:default/team-${i % TEAMS}`,
        createdAt: now - 60 * 60_000, // an hour ago: outside the sync's look-back
        expiresAt: now + 30 * 86_400_000,
        accessRestrictions:
          i % 2
            ? [{ plugin: 'catalog', permission: ['catalog.entity.read'] }]
            : undefined,
        updatedAt: now - 60 * 60_000,
      });
    }
    for (let i = 0; i < records.length; i += 500) {
      await Promise.all(records.slice(i, i + 500).map(r => store.insert(r)));
    }

    const logger = mockServices.rootLogger({ level: 'none' });
    const before = heapUsedAfterGc();
    const table = new ManagedTokenTable({ logger });
    const t0 = process.hrtime.bigint();
    await table.attach(store);
    const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
    table.close();
    const heapMb = (heapUsedAfterGc() - before) / 2 ** 20;
    if (table.size !== tokens) throw new Error(`loaded ${table.size}`);

    const idleSyncMs = await timed(() => table.sync(), 20);

    // The inventory API at this scale, as the router does it (less HTTP and
    // the permission decision): everything, one team's, the default page.
    const inventory = {
      settings: {
        enabled: true,
        flushIntervalMs: 60_000,
        subjectsPerEntry: 100,
      },
      ledger: new UsageLedger(),
      addLister: () => {},
      listers: () => [managedCredentials(store)],
    };
    const usageStore = await UsageStore.create(db);
    const inventoryRequest = async (
      owner: string | undefined,
      page: number,
    ) => {
      const at = Date.now();
      const rows = await readInventoryRows({
        inventory,
        usageStore,
        now: at,
        expiringWithinMs: DEFAULT_EXPIRING_WITHIN_MS,
        include: c => owner === undefined || c.owner === owner,
      });
      const query = parseInventoryQuery({});
      return JSON.stringify(
        filterRows(rows, query, at).slice(0, page).map(rowJson),
      ).length;
    };
    const inventoryAllMs = await timed(
      () => inventoryRequest(undefined, 50),
      5,
    );
    const inventoryTeamMs = await timed(
      () => inventoryRequest('group:default/team-7', 50),
      5,
    );
    const inventoryDefaultPageMs = await timed(
      () => inventoryRequest(undefined, 10_000),
      5,
    );
    // 100 tokens written in the last minute: what each sync reads again
    // while they are inside its look-back.
    const changed = records
      .slice(0, 100)
      .map(r => ({ ...r, updatedAt: Date.now() }));
    await db('gatehouse_managed_tokens')
      .whereIn(
        'id',
        changed.map(r => r.id),
      )
      .update({ updated_at: Date.now() });
    const busySyncMs = await timed(() => table.sync(), 20);
    return {
      tokens,
      teams: TEAMS,
      inventoryAllMs,
      inventoryTeamMs,
      inventoryDefaultPageMs,
      loadMs,
      heapMb,
      idleSyncMs,
      busySyncMs,
      changedPerBusySync: changed.length,
    };
  } finally {
    await db.destroy();
  }
}

export function managedScaleTable(r: ManagedScaleResult): string {
  return [
    '| measure | value | goal |',
    '| --- | ---: | --- |',
    `| full load of ${r.tokens.toLocaleString('en')} tokens at start-up | ${r.loadMs.toFixed(0)} ms | |`,
    `| heap of the in-memory table | ${r.heapMb.toFixed(1)} MB | ≤ 60 MB |`,
    `| one sync, nothing changed (database time per interval) | ${r.idleSyncMs.toFixed(2)} ms | |`,
    `| one sync, ${r.changedPerBusySync} tokens changed within the look-back | ${r.busySyncMs.toFixed(2)} ms | |`,
    `| inventory request: every credential, a page of 50 (median of 5) | ${r.inventoryAllMs.toFixed(0)} ms | ≤ 1,000 ms |`,
    `| inventory request: one team's ${(r.tokens / r.teams).toLocaleString('en')} of ${r.teams} teams, a page of 50 | ${r.inventoryTeamMs.toFixed(0)} ms | ≤ 1,000 ms |`,
    `| inventory request: every credential, the default page (10,000 rows as JSON) | ${r.inventoryDefaultPageMs.toFixed(0)} ms | |`,
  ].join('\n');
}
