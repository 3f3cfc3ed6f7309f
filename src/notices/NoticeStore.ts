import type { Knex } from 'knex';

const TABLE = 'gatehouse_owner_notices';

/** One notice to one owner about one credential. */
export interface NoticeKey {
  credentialId: string;
  /** `expiring:<window ms>`, `expired`, `unused:<last use ms or never>`. */
  kind: string;
}

/**
 * The notices sent, in the gatehouse plugin's database (migrated with the
 * rest). A notice is claimed before it is sent: the primary key lets one
 * claim win, on whichever replica, however often the check runs.
 */
export class NoticeStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  /** True if this call claimed the notice (nobody sent it before). */
  async claim(key: NoticeKey, owner: string, now: number): Promise<boolean> {
    const inserted = await this.#db(TABLE)
      .insert({
        credential_id: key.credentialId,
        kind: key.kind,
        owner,
        sent_at: now,
      })
      .onConflict(['credential_id', 'kind'])
      .ignore()
      .returning('credential_id');
    return inserted.length === 1;
  }

  /** Records first sightings (or any notices) at once, keeping rows already there. */
  async record(
    keys: Array<NoticeKey & { owner: string }>,
    now: number,
  ): Promise<void> {
    // Well under SQLite's limit of bound parameters per statement.
    for (let i = 0; i < keys.length; i += 200) {
      await this.#db(TABLE)
        .insert(
          keys.slice(i, i + 200).map(key => ({
            credential_id: key.credentialId,
            kind: key.kind,
            owner: key.owner,
            sent_at: now,
          })),
        )
        .onConflict(['credential_id', 'kind'])
        .ignore();
    }
  }

  /** Gives a claim back, when the notice could not be sent: the next run tries again. */
  async release(key: NoticeKey): Promise<void> {
    await this.#db(TABLE)
      .where({ credential_id: key.credentialId, kind: key.kind })
      .delete();
  }

  /** Every notice sent (and every first sighting): by credential, kind to time. */
  async all(): Promise<Map<string, Map<string, number>>> {
    const rows = await this.#db(TABLE).select(
      'credential_id',
      'kind',
      'sent_at',
    );
    const byCredential = new Map<string, Map<string, number>>();
    for (const row of rows) {
      let kinds = byCredential.get(row.credential_id);
      if (!kinds) {
        kinds = new Map();
        byCredential.set(row.credential_id, kinds);
      }
      // PostgreSQL returns bigint columns as strings.
      kinds.set(row.kind, Number(row.sent_at));
    }
    return byCredential;
  }
}
