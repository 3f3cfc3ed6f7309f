import type { Knex } from 'knex';
import { isPostgres } from './migrateGatehouseDatabase';

/**
 * The database's clock, in milliseconds since the epoch. Replicas' clocks
 * differ; what one replica writes and another compares (when a token was
 * changed, revoked, or ends) is stamped with this one clock instead.
 * `clock_timestamp()`, not `now()`: PostgreSQL's `now()` is the start of the
 * transaction, which may have waited on a lock.
 */
export async function databaseNow(
  db: Knex | Knex.Transaction,
): Promise<number> {
  const sql = isPostgres(db as Knex)
    ? 'SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) AS now'
    : "SELECT CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) AS now";
  const result = await db.raw(sql);
  // pg answers { rows }, better-sqlite3 the rows themselves.
  const rows = (Array.isArray(result) ? result : result.rows) as Array<{
    now: number | string;
  }>;
  return Number(rows[0].now);
}
