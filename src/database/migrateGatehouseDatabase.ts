import type { Knex } from 'knex';
import { resolve } from 'node:path';

/** Gatehouse's advisory lock for its migrations: "gatehouse" in ASCII. */
const MIGRATION_LOCK_ID = 0x6761746568;

/** The package's migrations, from src/database and dist/database alike. */
export const MIGRATIONS_DIR = resolve(__dirname, '..', '..', 'migrations');

export function isPostgres(db: Knex): boolean {
  const client = db.client.config.client;
  return client === 'pg' || client === 'postgres' || client === 'postgresql';
}

/**
 * Runs the package's migrations (managed tokens, credential usage) in the
 * `gatehouse` plugin's database. Safe to call more than once.
 */
export async function migrateGatehouseDatabase(db: Knex): Promise<void> {
  const migrate = () =>
    db.migrate.latest({
      directory: MIGRATIONS_DIR,
      // Gatehouse's own bookkeeping tables, beside any other plugin's.
      tableName: 'gatehouse_knex_migrations',
      loadExtensions: ['.js'],
    });
  if (isPostgres(db)) {
    // Replicas starting together on an empty database would race to
    // create knex's bookkeeping tables (the loser fails, and the lock
    // table can end up with two rows, after which no replica starts). A
    // transaction-scoped advisory lock makes them take turns; it is
    // released when the transaction ends, also if this process dies.
    await db.transaction(async trx => {
      await trx.raw('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_ID]);
      await migrate();
    });
  } else {
    await migrate();
  }
}
