import type { Knex } from 'knex';
import { migrateGatehouseDatabase } from '../database/migrateGatehouseDatabase';
import type { UsageBatch } from './UsageLedger';

const COUNTS = 'gatehouse_usage_counts';
const LAST = 'gatehouse_usage_last';
const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
/** Counts are kept a day longer than the longest window the inventory shows. */
const KEEP_MS = 31 * DAY;
/** Rows per statement: knex writes a multi-row insert on SQLite as a compound SELECT, at most 500 terms. */
const CHUNK = 400;

/**
 * JWT subject rows kept per gatehouse-jwks entry, the most recently active:
 * subjects come from tokens, so a workload that varies its `sub` would
 * otherwise add rows for ever. Ten times the inventory's default
 * `subjectsPerEntry` (100), so that what it shows and its `otherSubjects`
 * mean something; the rest are deleted, with their counts, at each write.
 */
export const SUBJECTS_KEPT_PER_ENTRY = 1_000;

/** A row's latest activity, a use or a rejection (standard SQL: PostgreSQL has no two-argument max). */
const ACTIVITY =
  'CASE WHEN COALESCE(last_rejection_at, 0) > COALESCE(last_used_at, 0) THEN last_rejection_at ELSE COALESCE(last_used_at, 0) END';

/** A credential's usage, every replica's together. */
export interface StoredUsage {
  uses24h: number;
  uses30d: number;
  lastUsedAt?: number;
  lastPlugin?: string;
  lastRejection?: string;
  lastRejectionAt?: number;
}

/** What the inventory shows, and so what `read` reads. */
export interface UsageScope {
  /** The gatehouse-jwks entries listed (credential ids, `gatehouse-jwks:<key>`). */
  jwtEntries: readonly string[];
  /** Subject rows per entry: the most recently used. */
  subjectsPerEntry: number;
  /**
   * Subject ids to read whatever their rank: this replica's interval not
   * yet written, which the inventory shows first, with the counts stored.
   */
  subjectIds?: readonly string[];
  /**
   * The credentials whose own rows to read (a page of the inventory);
   * absent: every credential's.
   */
  credentialIds?: readonly string[];
}

export interface StoredUsageSnapshot {
  /** Every credential's own row, and the subject rows in the scope. */
  usage: Map<string, StoredUsage>;
  /** Per entry in the scope, its subject rows in all (shown or not). */
  subjects: Map<string, number>;
}

interface LastRow {
  credential_id: string;
  entry_id: string | null;
  last_used_at: number | string | null;
  last_plugin: string | null;
  last_rejection: string | null;
  last_rejection_at: number | string | null;
}

const optionalTime = (value: number | string | null) =>
  value === null ? undefined : Number(value);

/** The entry of a JWT subject's id (`<entry>#<subject>`), null for a credential's own. */
function entryOf(credentialId: string): string | null {
  const hash = credentialId.indexOf('#');
  return hash > 0 ? credentialId.slice(0, hash) : null;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) {
    out.push(items.slice(i, i + CHUNK));
  }
  return out;
}

/**
 * Credential usage in the `gatehouse` plugin's database: uses per credential
 * and hour, which every replica's flush adds to (so two replicas' counts add
 * up without knowing of each other), and each credential's latest use and
 * rejection, where the later one wins.
 *
 * Bounded: counts older than 31 days are deleted at each write; a JWT
 * entry's subject rows are capped at SUBJECTS_KEPT_PER_ENTRY at each write
 * that touches the entry, and `prune` deletes those idle for 31 days. A
 * credential's own row is kept: static tokens and JWT entries are bounded
 * by config, managed tokens by deliberate API calls.
 */
export class UsageStore {
  readonly #db: Knex;

  private constructor(db: Knex) {
    this.#db = db;
  }

  /** Runs the package's migrations, then returns the store. */
  static async create(db: Knex): Promise<UsageStore> {
    await migrateGatehouseDatabase(db);
    return new UsageStore(db);
  }

  /**
   * Writes one interval of one replica, in one transaction, which also
   * deletes expired counts and caps the subjects of the entries it touches.
   */
  async write(batch: UsageBatch, now: number): Promise<void> {
    if (batch.size === 0) return;
    const hour = Math.floor(now / HOUR) * HOUR;
    // In one order on every replica: two replicas upserting the same rows in
    // different orders can deadlock on PostgreSQL.
    const cells = [...batch].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const counts = cells
      .filter(([, cell]) => cell.uses > 0)
      .map(([credentialId, cell]) => ({
        credential_id: credentialId,
        hour,
        uses: cell.uses,
      }));
    const entries = new Set<string>();
    const last: LastRow[] = cells.map(([credentialId, cell]) => {
      const entryId = entryOf(credentialId);
      if (entryId) entries.add(entryId);
      return {
        credential_id: credentialId,
        entry_id: entryId,
        last_used_at: cell.lastUsedAt || null,
        last_plugin: cell.lastUsedAt ? cell.lastPlugin : null,
        last_rejection: cell.lastRejectionAt ? cell.lastRejection : null,
        last_rejection_at: cell.lastRejectionAt || null,
      };
    });
    await this.#db.transaction(async trx => {
      for (const chunk of chunks(counts)) {
        await trx(COUNTS)
          .insert(chunk)
          .onConflict(['credential_id', 'hour'])
          .merge({ uses: trx.raw(`${COUNTS}.uses + excluded.uses`) });
      }
      for (const chunk of chunks(last)) {
        await trx(LAST)
          .insert(chunk)
          .onConflict('credential_id')
          .merge({
            // Also on a row an older replica wrote without it.
            entry_id: trx.raw('excluded.entry_id'),
            last_plugin: trx.raw(laterOf('last_used_at', 'last_plugin')),
            last_used_at: trx.raw(laterOf('last_used_at', 'last_used_at')),
            last_rejection: trx.raw(
              laterOf('last_rejection_at', 'last_rejection'),
            ),
            last_rejection_at: trx.raw(
              laterOf('last_rejection_at', 'last_rejection_at'),
            ),
          });
      }
      await trx(COUNTS)
        .where('hour', '<', now - KEEP_MS)
        .delete();
      await capSubjects(trx, [...entries]);
    });
  }

  /** When each of these credentials was last used, on any replica, as written so far. */
  async lastUsedOf(credentialIds: string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    for (const chunk of chunks(credentialIds)) {
      const rows = (await this.#db(LAST)
        .select('credential_id', 'last_used_at')
        .whereIn('credential_id', chunk)
        .whereNotNull('last_used_at')) as Array<{
        credential_id: string;
        last_used_at: number | string;
      }>;
      for (const row of rows) {
        result.set(row.credential_id, Number(row.last_used_at));
      }
    }
    return result;
  }

  /**
   * Deletes the JWT subject rows with neither a use nor a rejection within
   * the counts' retention (31 days), and their counts; returns how many
   * rows. It scans the table, so the flusher runs it at most once an hour.
   * Found by their id, not `entry_id`, so that rows an older replica wrote
   * during a rolling upgrade go too.
   */
  async prune(now: number): Promise<number> {
    const cutoff = now - KEEP_MS;
    const stale = (query: Knex.QueryBuilder) =>
      query
        .where('credential_id', 'like', '%#%')
        .whereRaw('COALESCE(last_used_at, 0) < ?', [cutoff])
        .whereRaw('COALESCE(last_rejection_at, 0) < ?', [cutoff]);
    return this.#db.transaction(async trx => {
      await trx(COUNTS)
        .whereIn('credential_id', stale(trx(LAST).select('credential_id')))
        .delete();
      return Number(await stale(trx(LAST)).delete());
    });
  }

  /**
   * What the inventory shows, as of `now`: every credential's own row, per
   * JWT entry in `scope` its `subjectsPerEntry` most recently used subject
   * rows and how many it has, the `subjectIds` asked for, and the 24-hour
   * and 30-day counts of those ids alone.
   */
  async read(now: number, scope: UsageScope): Promise<StoredUsageSnapshot> {
    // Without the '#' rows an older replica wrote with no entry_id yet.
    const own = scope.credentialIds
      ? (
          await Promise.all(
            chunks(scope.credentialIds).map(ids =>
              this.#db<LastRow>(LAST)
                .select()
                .whereNull('entry_id')
                .whereIn('credential_id', ids),
            ),
          )
        ).flat()
      : await this.#db<LastRow>(LAST).select().whereNull('entry_id');
    const rows = own.filter(row => !row.credential_id.includes('#'));
    const subjects = new Map<string, number>(
      scope.jwtEntries.map(entry => [entry, 0]),
    );
    for (const entries of chunks(scope.jwtEntries)) {
      const counted = await this.#db(LAST)
        .select('entry_id')
        .count({ n: '*' })
        .whereIn('entry_id', entries)
        .groupBy('entry_id');
      for (const row of counted as Array<{ entry_id: string; n: unknown }>) {
        subjects.set(row.entry_id, Number(row.n));
      }
    }
    if (scope.subjectsPerEntry > 0) {
      for (const [entry, n] of subjects) {
        if (n === 0) continue;
        rows.push(
          ...(await this.#db<LastRow>(LAST)
            .select()
            .where('entry_id', entry)
            .orderByRaw('COALESCE(last_used_at, 0) DESC')
            .orderBy('credential_id')
            .limit(scope.subjectsPerEntry)),
        );
      }
    }
    const read = new Set(rows.map(row => row.credential_id));
    const wanted = (scope.subjectIds ?? []).filter(id => {
      const entry = entryOf(id);
      return entry !== null && subjects.has(entry) && !read.has(id);
    });
    for (const ids of chunks(wanted)) {
      rows.push(
        ...(await this.#db<LastRow>(LAST)
          .select()
          .whereIn('credential_id', ids)),
      );
    }

    const usage = new Map<string, StoredUsage>();
    for (const row of rows) {
      usage.set(row.credential_id, {
        uses24h: 0,
        uses30d: 0,
        lastUsedAt: optionalTime(row.last_used_at),
        lastPlugin: row.last_plugin ?? undefined,
        lastRejection: row.last_rejection ?? undefined,
        lastRejectionAt: optionalTime(row.last_rejection_at),
      });
    }
    const dayStart = Math.floor((now - DAY) / HOUR) * HOUR;
    const monthStart = Math.floor((now - 30 * DAY) / HOUR) * HOUR;
    for (const ids of chunks([...usage.keys()])) {
      const counted = await this.#db(COUNTS)
        .select('credential_id')
        .sum({ uses30d: 'uses' })
        .sum({
          uses24h: this.#db.raw('CASE WHEN hour >= ? THEN uses ELSE 0 END', [
            dayStart,
          ]),
        })
        .where('hour', '>=', monthStart)
        .whereIn('credential_id', ids)
        .groupBy('credential_id');
      for (const row of counted as Array<{
        credential_id: string;
        uses24h: number | string | null;
        uses30d: number | string | null;
      }>) {
        const entry = usage.get(row.credential_id)!;
        entry.uses24h = Number(row.uses24h ?? 0);
        entry.uses30d = Number(row.uses30d ?? 0);
      }
    }
    return { usage, subjects };
  }
}

/**
 * Deletes each entry's subject rows beyond the SUBJECTS_KEPT_PER_ENTRY most
 * recently active, with their counts. A count per entry first (on the
 * `entry_id` index), so that an entry under the cap costs no more; the
 * deletes run in the database, whatever their number (a table that grew
 * before this cap existed loses its surplus at its first write).
 */
async function capSubjects(
  trx: Knex.Transaction,
  entries: string[],
): Promise<void> {
  if (entries.length === 0) return;
  const over = await trx(LAST)
    .select('entry_id')
    .whereIn('entry_id', entries)
    .groupBy('entry_id')
    .havingRaw('COUNT(*) > ?', [SUBJECTS_KEPT_PER_ENTRY]);
  for (const { entry_id: entry } of over) {
    const kept = () =>
      trx(LAST)
        .select('credential_id')
        .where('entry_id', entry)
        .orderByRaw(`${ACTIVITY} DESC`)
        .orderBy('credential_id')
        .limit(SUBJECTS_KEPT_PER_ENTRY);
    const dropped = trx(LAST)
      .select('credential_id')
      .where('entry_id', entry)
      .whereNotIn('credential_id', kept());
    await trx(COUNTS).whereIn('credential_id', dropped).delete();
    await trx(LAST)
      .where('entry_id', entry)
      .whereNotIn('credential_id', kept())
      .delete();
  }
}

/**
 * The upsert's value for `column`: the new row's when its `time` is later
 * than the stored one's, the stored one otherwise. Standard SQL, the same on
 * PostgreSQL and SQLite.
 */
function laterOf(time: string, column: string): string {
  return `CASE WHEN excluded.${time} IS NOT NULL AND (${LAST}.${time} IS NULL OR excluded.${time} > ${LAST}.${time}) THEN excluded.${column} ELSE ${LAST}.${column} END`;
}
