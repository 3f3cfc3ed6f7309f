import knex, { Knex } from 'knex';
import { randomBytes } from 'node:crypto';

/** A database for one test, dropped by `close`. */
export interface TestDatabase {
  db: Knex;
  close(): Promise<void>;
}

/**
 * SQLite in memory; also PostgreSQL when GATEHOUSE_TEST_PG names a database
 * (`postgres://user:password@host:port/db`), each test in a schema of its
 * own that it drops. The replica test (replicas/) runs the stores on
 * PostgreSQL through two backends.
 */
export function testDatabases(): Array<[string, () => Promise<TestDatabase>]> {
  const databases: Array<[string, () => Promise<TestDatabase>]> = [
    [
      'SQLite',
      async () => {
        const db = knex({
          client: 'better-sqlite3',
          connection: ':memory:',
          useNullAsDefault: true,
        });
        return { db, close: () => db.destroy() };
      },
    ],
  ];
  const postgres = process.env.GATEHOUSE_TEST_PG;
  if (postgres) {
    databases.push([
      'PostgreSQL',
      async () => {
        const schema = `gatehouse_test_${randomBytes(6).toString('hex')}`;
        const admin = knex({ client: 'pg', connection: postgres });
        await admin.raw('CREATE SCHEMA ??', [schema]);
        const db = knex({
          client: 'pg',
          connection: postgres,
          searchPath: [schema],
        });
        return {
          db,
          async close() {
            await db.destroy();
            await admin.raw('DROP SCHEMA ?? CASCADE', [schema]);
            await admin.destroy();
          },
        };
      },
    ]);
  }
  return databases;
}
