import type { Knex } from 'knex';
import { databaseNow } from '../database/databaseClock';
import { migrateGatehouseDatabase } from '../database/migrateGatehouseDatabase';
import { sha256Hex } from '../lib/tokenDigest';

/** Which credentials a mark kills: one token, or one JWT subject of an entry for a while. */
export type CompromisedSource =
  'gatehouse-static' | 'gatehouse-managed' | 'gatehouse-jwks';

/** A credential marked compromised, as every replica reads it. */
export interface CompromisedMark {
  /** The token's SHA-256, or {@link subjectMarkKey} for a JWT subject. */
  key: string;
  /** Its inventory id: `gatehouse-static:<key>`, `gatehouse-managed:<id>`, `gatehouse-jwks:<entry>`. */
  credentialId: string;
  source: CompromisedSource;
  /** The token's fingerprint (static and managed tokens). */
  fingerprint?: string;
  /** A JWT subject, refused at its entry until `until`. */
  subject?: string;
  until?: number;
  reason?: string;
  markedBy: string;
  /** The database's time (ms). */
  markedAt: number;
  updatedAt: number;
}

/** What a caller marks; the store stamps the times. */
export type NewCompromisedMark = Omit<
  CompromisedMark,
  'markedAt' | 'updatedAt'
>;

/**
 * The key of a JWT subject's mark at the gatehouse-jwks entry whose usage
 * key is `entryKey`: fixed-length, whatever the subject's length.
 */
export function subjectMarkKey(entryKey: string, subject: string): string {
  return sha256Hex(`jwt\n${entryKey}\n${subject}`);
}

const TABLE = 'gatehouse_compromised_credentials';

interface Row {
  mark_key: string;
  credential_id: string;
  source: string;
  fingerprint: string | null;
  subject: string | null;
  until: number | string | null;
  reason: string | null;
  marked_by: string;
  marked_at: number | string;
  updated_at: number | string;
}

function fromRow(row: Row): CompromisedMark {
  return {
    key: row.mark_key,
    credentialId: row.credential_id,
    source: row.source as CompromisedSource,
    ...(row.fingerprint ? { fingerprint: row.fingerprint } : {}),
    ...(row.subject !== null ? { subject: row.subject } : {}),
    // PostgreSQL returns bigint columns as strings.
    ...(row.until !== null ? { until: Number(row.until) } : {}),
    ...(row.reason ? { reason: row.reason } : {}),
    markedBy: row.marked_by,
    markedAt: Number(row.marked_at),
    updatedAt: Number(row.updated_at),
  };
}

/**
 * The compromised-credentials list in the `gatehouse` plugin's database.
 * Marks are never removed; marking again keeps the first mark (its time,
 * who, why), except that a JWT subject's refusal may be extended.
 */
export class CompromisedStore {
  readonly #db: Knex;

  private constructor(db: Knex) {
    this.#db = db;
  }

  static async create(db: Knex): Promise<CompromisedStore> {
    await migrateGatehouseDatabase(db);
    return new CompromisedStore(db);
  }

  now(): Promise<number> {
    return databaseNow(this.#db);
  }

  /**
   * Records a mark, in one transaction on the database's clock.
   *
   * @returns the mark as it is now, and whether this call made or extended it
   */
  async mark(
    mark: NewCompromisedMark,
  ): Promise<{ mark: CompromisedMark; changed: boolean }> {
    return this.#db.transaction(async trx => {
      const now = await databaseNow(trx);
      const inserted = await trx(TABLE)
        .insert({
          mark_key: mark.key,
          credential_id: mark.credentialId,
          source: mark.source,
          fingerprint: mark.fingerprint ?? null,
          subject: mark.subject ?? null,
          until: mark.until ?? null,
          reason: mark.reason ?? null,
          marked_by: mark.markedBy,
          marked_at: now,
          updated_at: now,
        })
        .onConflict('mark_key')
        .ignore()
        // No row back when the key was there already (both databases).
        .returning('mark_key');
      let changed = inserted.length > 0;
      if (!changed && mark.until !== undefined) {
        // A subject marked again: refused until the later of the two times.
        changed =
          (await trx<Row>(TABLE)
            .where({ mark_key: mark.key })
            .where('until', '<', mark.until)
            .update({ until: mark.until, updated_at: now })) > 0;
      }
      const row = await trx<Row>(TABLE).where({ mark_key: mark.key }).first();
      return { mark: fromRow(row!), changed };
    });
  }

  /** Every mark. */
  async all(): Promise<CompromisedMark[]> {
    return (await this.#db<Row>(TABLE).orderBy('marked_at')).map(fromRow);
  }

  /** Marks written at or after `since` (the database's ms), for the replicas' sync. */
  async changedSince(since: number): Promise<CompromisedMark[]> {
    return (await this.#db<Row>(TABLE).where('updated_at', '>=', since)).map(
      fromRow,
    );
  }
}
