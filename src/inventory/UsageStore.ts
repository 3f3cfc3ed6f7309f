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

/** A credential's usage, every replica's together. */
export interface StoredUsage {
  uses24h: number;
  uses30d: number;
  lastUsedAt?: number;
  lastPlugin?: string;
  lastRejection?: string;
  lastRejectionAt?: number;
}

interface LastRow {
  credential_id: string;
  last_used_at: number | string | null;
  last_plugin: string | null;
  last_rejection: string | null;
  last_rejection_at: number | string | null;
}

const optionalTime = (value: number | string | null) =>
  value === null ? undefined : Number(value);

/**
 * Credential usage in the `gatehouse` plugin's database: uses per credential
 * and hour, which every replica's flush adds to (so two replicas' counts add
 * up without knowing of each other), and each credential's latest use and
 * rejection, where the later one wins.
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

  /** Writes one interval of one replica, in one transaction. */
  async write(batch: UsageBatch, now: number): Promise<void> {
    if (batch.size === 0) return;
    const hour = Math.floor(now / HOUR) * HOUR;
    const counts = [...batch]
      .filter(([, cell]) => cell.uses > 0)
      .map(([credentialId, cell]) => ({
        credential_id: credentialId,
        hour,
        uses: cell.uses,
      }));
    const last: LastRow[] = [...batch].map(([credentialId, cell]) => ({
      credential_id: credentialId,
      last_used_at: cell.lastUsedAt || null,
      last_plugin: cell.lastUsedAt ? cell.lastPlugin : null,
      last_rejection: cell.lastRejectionAt ? cell.lastRejection : null,
      last_rejection_at: cell.lastRejectionAt || null,
    }));
    await this.#db.transaction(async trx => {
      for (let i = 0; i < counts.length; i += CHUNK) {
        await trx(COUNTS)
          .insert(counts.slice(i, i + CHUNK))
          .onConflict(['credential_id', 'hour'])
          .merge({ uses: trx.raw(`${COUNTS}.uses + excluded.uses`) });
      }
      for (let i = 0; i < last.length; i += CHUNK) {
        await trx(LAST)
          .insert(last.slice(i, i + CHUNK))
          .onConflict('credential_id')
          .merge({
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
    });
  }

  /** Every credential's usage, as of `now`. */
  async read(now: number): Promise<Map<string, StoredUsage>> {
    const dayStart = Math.floor((now - DAY) / HOUR) * HOUR;
    const monthStart = Math.floor((now - 30 * DAY) / HOUR) * HOUR;
    const counted = await this.#db(COUNTS)
      .select('credential_id')
      .sum({ uses30d: 'uses' })
      .sum({
        uses24h: this.#db.raw('CASE WHEN hour >= ? THEN uses ELSE 0 END', [
          dayStart,
        ]),
      })
      .where('hour', '>=', monthStart)
      .groupBy('credential_id');
    const usage = new Map<string, StoredUsage>();
    for (const row of counted as Array<{
      credential_id: string;
      uses24h: number | string | null;
      uses30d: number | string | null;
    }>) {
      usage.set(row.credential_id, {
        uses24h: Number(row.uses24h ?? 0),
        uses30d: Number(row.uses30d ?? 0),
      });
    }
    for (const row of await this.#db<LastRow>(LAST).select()) {
      const entry = usage.get(row.credential_id) ?? { uses24h: 0, uses30d: 0 };
      entry.lastUsedAt = optionalTime(row.last_used_at);
      entry.lastPlugin = row.last_plugin ?? undefined;
      entry.lastRejection = row.last_rejection ?? undefined;
      entry.lastRejectionAt = optionalTime(row.last_rejection_at);
      usage.set(row.credential_id, entry);
    }
    return usage;
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
