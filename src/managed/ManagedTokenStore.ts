import type { Knex } from 'knex';
import { migrateGatehouseDatabase } from '../database/migrateGatehouseDatabase';

/** One restriction of a managed token, in the shape of an externalAccess entry's. */
export interface ManagedAccessRestriction {
  plugin: string;
  permission?: string[];
  permissionAttribute?: {
    action?: Array<'create' | 'read' | 'update' | 'delete'>;
  };
}

/** What is stored of a managed token: metadata and its SHA-256, never the token. */
export interface ManagedTokenRecord {
  id: string;
  /** Lower-case hex SHA-256 of the token. */
  tokenHash: string;
  fingerprint: string;
  subject: string;
  description: string;
  /** The user or service that created it (its principal's ref or subject). */
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  /** Absent: the token may call every plugin. */
  accessRestrictions?: ManagedAccessRestriction[];
  /** The token this one replaced by rotation. */
  rotatedFrom?: string;
  revokedAt?: number;
  revokedBy?: string;
  revokeReason?: string;
  updatedAt: number;
}

const TABLE = 'gatehouse_managed_tokens';

interface Row {
  id: string;
  token_hash: string;
  fingerprint: string;
  subject: string;
  description: string;
  created_by: string;
  created_at: number | string;
  expires_at: number | string;
  access_restrictions: string | null;
  rotated_from: string | null;
  revoked_at: number | string | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  updated_at: number | string;
}

// PostgreSQL returns bigint columns as strings.
const time = (value: number | string) => Number(value);
const optionalTime = (value: number | string | null) =>
  value === null ? undefined : Number(value);

function fromRow(row: Row): ManagedTokenRecord {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    fingerprint: row.fingerprint,
    subject: row.subject,
    description: row.description,
    createdBy: row.created_by,
    createdAt: time(row.created_at),
    expiresAt: time(row.expires_at),
    accessRestrictions: row.access_restrictions
      ? JSON.parse(row.access_restrictions)
      : undefined,
    rotatedFrom: row.rotated_from ?? undefined,
    revokedAt: optionalTime(row.revoked_at),
    revokedBy: row.revoked_by ?? undefined,
    revokeReason: row.revoke_reason ?? undefined,
    updatedAt: time(row.updated_at),
  };
}

function toRow(record: ManagedTokenRecord): Row {
  return {
    id: record.id,
    token_hash: record.tokenHash,
    fingerprint: record.fingerprint,
    subject: record.subject,
    description: record.description,
    created_by: record.createdBy,
    created_at: record.createdAt,
    expires_at: record.expiresAt,
    access_restrictions: record.accessRestrictions
      ? JSON.stringify(record.accessRestrictions)
      : null,
    rotated_from: record.rotatedFrom ?? null,
    revoked_at: record.revokedAt ?? null,
    revoked_by: record.revokedBy ?? null,
    revoke_reason: record.revokeReason ?? null,
    updated_at: record.updatedAt,
  };
}

/** Managed tokens in the `gatehouse` plugin's database. */
export class ManagedTokenStore {
  readonly #db: Knex;

  private constructor(db: Knex) {
    this.#db = db;
  }

  /** Runs the package's migrations, then returns the store. */
  static async create(db: Knex): Promise<ManagedTokenStore> {
    await migrateGatehouseDatabase(db);
    return new ManagedTokenStore(db);
  }

  async insert(record: ManagedTokenRecord): Promise<void> {
    await this.#db(TABLE).insert(toRow(record));
  }

  async get(id: string): Promise<ManagedTokenRecord | undefined> {
    const row = await this.#db<Row>(TABLE).where({ id }).first();
    return row ? fromRow(row) : undefined;
  }

  /** Every token, newest first: the inventory, revoked and expired included. */
  async list(): Promise<ManagedTokenRecord[]> {
    const rows = await this.#db<Row>(TABLE).orderBy('created_at', 'desc');
    return rows.map(fromRow);
  }

  /**
   * Marks a token revoked, once: a second revocation keeps the first's time,
   * actor and reason.
   *
   * @returns the token as it is now, or undefined if there is no such token
   */
  async revoke(
    id: string,
    by: { revokedBy: string; reason?: string; at: number },
  ): Promise<ManagedTokenRecord | undefined> {
    await this.#db<Row>(TABLE)
      .where({ id })
      .whereNull('revoked_at')
      .update({
        revoked_at: by.at,
        revoked_by: by.revokedBy,
        revoke_reason: by.reason ?? null,
        updated_at: by.at,
      });
    return this.get(id);
  }

  /**
   * Ends a token's life earlier (rotation): its expiry becomes `expiresAt`
   * if that is sooner. Nothing for a revoked token.
   */
  async shortenLife(
    id: string,
    expiresAt: number,
    at: number,
  ): Promise<ManagedTokenRecord | undefined> {
    await this.#db<Row>(TABLE)
      .where({ id })
      .whereNull('revoked_at')
      .where('expires_at', '>', expiresAt)
      .update({ expires_at: expiresAt, updated_at: at });
    return this.get(id);
  }

  /** Tokens written at or after `since` (ms), for the replicas' sync. */
  async changedSince(since: number): Promise<ManagedTokenRecord[]> {
    const rows = await this.#db<Row>(TABLE).where('updated_at', '>=', since);
    return rows.map(fromRow);
  }

  /** Tokens not revoked and not expired at `now`, for a full load. */
  async active(now: number): Promise<ManagedTokenRecord[]> {
    const rows = await this.#db<Row>(TABLE)
      .whereNull('revoked_at')
      .where('expires_at', '>', now);
    return rows.map(fromRow);
  }
}
