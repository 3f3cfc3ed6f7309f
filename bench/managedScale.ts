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
import { parseInventoryQuery } from '../src/inventory/inventoryQuery';
import { rowJson } from '../src/inventory/inventoryOutput';
import { readInventoryPage } from '../src/inventory/readInventoryRows';
import { managedTokenReadPermission } from '../src/managed/managedTokenPermissions';
import type { CredentialPermissionDecision } from '../src/ownership/credentialAccess';
import { meetsCriteria } from '../src/ownership/credentialCriteria';
import { UsageLedger } from '../src/inventory/UsageLedger';
import { UsageStore } from '../src/inventory/UsageStore';
import { median } from './stats';

export interface ManagedScaleResult {
  tokens: number;
  teams: number;
  /**
   * An inventory request's work (every source read as the router reads it,
   * rows built, a page serialised as JSON), medians, ms: the first page of
   * 50 usable tokens, the last page, one team's by the owner filter and by a
   * policy's conditions, the API's default page (10,000), and "unused for
   * 30 days" (answered in memory).
   */
  inventoryAllMs: number;
  inventoryLastPageMs: number;
  inventoryTeamMs: number;
  inventoryPolicyMs: number;
  inventoryDefaultPageMs: number;
  inventoryUnusedMs: number;
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
    const everything: CredentialPermissionDecision = {
      permission: managedTokenReadPermission,
      scope: 'all',
      allows: () => true,
    };
    // What a policy of owners gives a member of team 7 (docs/examples/owner-policy.ts).
    const team7 = {
      property: 'owner' as const,
      values: ['group:default/team-7', 'user:default/member'],
    };
    const member: CredentialPermissionDecision = {
      permission: managedTokenReadPermission,
      scope: 'some',
      criteria: team7,
      allows: c => meetsCriteria(team7, c),
    };
    const inventoryRequest = async (
      params: Record<string, string>,
      read = everything,
    ) => {
      const at = Date.now();
      const query = parseInventoryQuery(params);
      const { rows } = await readInventoryPage({
        inventory,
        usageStore,
        now: at,
        expiringWithinMs: query.expiringWithinMs,
        query,
        read,
        page: { offset: query.offset, limit: query.limit },
      });
      return JSON.stringify(rows.map(rowJson)).length;
    };
    const page = { limit: '50', status: 'active,expiring,not-yet-valid' };
    const inventoryAllMs = await timed(() => inventoryRequest(page), 5);
    const inventoryLastPageMs = await timed(
      () => inventoryRequest({ ...page, offset: String(tokens - 50) }),
      5,
    );
    const inventoryTeamMs = await timed(
      () => inventoryRequest({ ...page, owner: 'group:default/team-7' }),
      5,
    );
    const inventoryPolicyMs = await timed(
      () => inventoryRequest(page, member),
      5,
    );
    const inventoryDefaultPageMs = await timed(() => inventoryRequest({}), 5);
    const inventoryUnusedMs = await timed(
      () => inventoryRequest({ ...page, unusedFor: '30d' }),
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
      inventoryLastPageMs,
      inventoryTeamMs,
      inventoryPolicyMs,
      inventoryDefaultPageMs,
      inventoryUnusedMs,
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
    `| inventory request: the first page of 50 usable tokens (median of 5) | ${r.inventoryAllMs.toFixed(0)} ms | ≤ 1,000 ms |`,
    `| inventory request: the last page of 50 | ${r.inventoryLastPageMs.toFixed(0)} ms | ≤ 1,000 ms |`,
    `| inventory request: one team's ${(r.tokens / r.teams).toLocaleString('en')} of ${r.teams} teams (owner filter), a page of 50 | ${r.inventoryTeamMs.toFixed(0)} ms | ≤ 1,000 ms |`,
    `| inventory request: a team member under a policy of owners (conditions), a page of 50 | ${r.inventoryPolicyMs.toFixed(0)} ms | ≤ 1,000 ms |`,
    `| inventory request: the API's default page (10,000 rows as JSON) | ${r.inventoryDefaultPageMs.toFixed(0)} ms | |`,
    `| inventory request: unused for 30 days (in memory: every token's usage), a page of 50 | ${r.inventoryUnusedMs.toFixed(0)} ms | |`,
  ].join('\n');
}
