import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import type { Knex } from 'knex';
import { databaseNow } from '../database/databaseClock';
import {
  isPostgres,
  migrateGatehouseDatabase,
} from '../database/migrateGatehouseDatabase';
import { applyManagedTokenQuery, ManagedTokenQuery } from './managedTokenQuery';

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
  /**
   * The catalog entity ref of the group or user that looks after it;
   * absent for tokens made before owners existed.
   */
  owner?: string;
  /** The user or service that created it (its principal's ref or subject). */
  createdBy: string;
  /**
   * The credential that made the request, for a service: an inventory id
   * (`gatehouse-managed:<id>`, `gatehouse-static:<key>`), `plugin:<id>`, or
   * `fingerprint:<8 hex>`. A subject is chosen by whoever made the
   * credential; this says which credential it was.
   */
  createdByCredential?: string;
  /** The managed token that created this one: revoking it revokes this one. */
  mintedBy?: string;
  createdAt: number;
  expiresAt: number;
  /** Absent: the token may call every plugin. */
  accessRestrictions?: ManagedAccessRestriction[];
  /** The token this one replaced by rotation. */
  rotatedFrom?: string;
  /** The one token that replaced this one by rotation. */
  rotatedTo?: string;
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
  owner: string | null;
  created_by: string;
  created_by_credential: string | null;
  minted_by: string | null;
  created_at: number | string;
  expires_at: number | string;
  access_restrictions: string | null;
  rotated_from: string | null;
  rotated_to: string | null;
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
    owner: row.owner ?? undefined,
    createdBy: row.created_by,
    createdByCredential: row.created_by_credential ?? undefined,
    mintedBy: row.minted_by ?? undefined,
    createdAt: time(row.created_at),
    expiresAt: time(row.expires_at),
    accessRestrictions: row.access_restrictions
      ? JSON.parse(row.access_restrictions)
      : undefined,
    rotatedFrom: row.rotated_from ?? undefined,
    rotatedTo: row.rotated_to ?? undefined,
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
    owner: record.owner ?? null,
    created_by: record.createdBy,
    created_by_credential: record.createdByCredential ?? null,
    minted_by: record.mintedBy ?? null,
    created_at: record.createdAt,
    expires_at: record.expiresAt,
    access_restrictions: record.accessRestrictions
      ? JSON.stringify(record.accessRestrictions)
      : null,
    rotated_from: record.rotatedFrom ?? null,
    rotated_to: record.rotatedTo ?? null,
    revoked_at: record.revokedAt ?? null,
    revoked_by: record.revokedBy ?? null,
    revoke_reason: record.revokeReason ?? null,
    updated_at: record.updatedAt,
  };
}

/** What the API gives a new token; the store stamps its times. */
export type NewManagedToken = Omit<
  ManagedTokenRecord,
  | 'createdAt'
  | 'updatedAt'
  | 'revokedAt'
  | 'revokedBy'
  | 'revokeReason'
  | 'rotatedTo'
>;

/** A rotation's successor: the old token's subject, description, owner and scope are kept. */
export type Successor = Pick<
  ManagedTokenRecord,
  | 'id'
  | 'tokenHash'
  | 'fingerprint'
  | 'createdBy'
  | 'createdByCredential'
  | 'mintedBy'
> & {
  /** How long it lives from now. */
  lifetimeMs: number;
  /** It ends by then at the latest (the rotating credential's own expiry). */
  notAfter?: number;
};

/** Rows per `whereIn`: well under SQLite's limit of bound parameters. */
const CHUNK = 400;

function chunks<T>(items: T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) {
    result.push(items.slice(i, i + CHUNK));
  }
  return result;
}

/**
 * Managed tokens in the `gatehouse` plugin's database. Every time it writes
 * is the database's (see databaseNow), and every change that could race
 * another (a rotation, a revocation, a token made by a token) is one
 * transaction whose conditional update locks the rows it depends on.
 */
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

  /** The database's clock (ms): what every replica's sync and expiry go by. */
  now(): Promise<number> {
    return databaseNow(this.#db);
  }

  /** Writes a record as it is, times included: for tests and benchmarks. */
  async insert(record: ManagedTokenRecord): Promise<void> {
    await this.#db(TABLE).insert(toRow(record));
  }

  /**
   * Stores a new token, stamped with the database's time. A token made by a
   * managed token is stored only while that one is neither revoked nor
   * expired: the check locks its row, so a revocation running at the same
   * time either comes first (and this fails) or sees this token and revokes
   * it too.
   *
   * @throws NotAllowedError when the minting token is no longer active
   */
  async create(token: NewManagedToken): Promise<ManagedTokenRecord> {
    return this.#db.transaction(async trx => {
      const now = await databaseNow(trx);
      if (token.mintedBy) {
        const locked = await trx<Row>(TABLE)
          .where({ id: token.mintedBy })
          .whereNull('revoked_at')
          .where('expires_at', '>', now)
          .update({ updated_at: trx.ref('updated_at') as never });
        if (locked === 0) {
          throw new NotAllowedError(
            'The managed token making this request has been revoked or has expired',
          );
        }
      }
      const record: ManagedTokenRecord = {
        ...token,
        createdAt: now,
        updatedAt: now,
      };
      await trx(TABLE).insert(toRow(record));
      return record;
    });
  }

  async get(id: string): Promise<ManagedTokenRecord | undefined> {
    const row = await this.#db<Row>(TABLE).where({ id }).first();
    return row ? fromRow(row) : undefined;
  }

  /** The token with this SHA-256, whatever its state. */
  async getByHash(tokenHash: string): Promise<ManagedTokenRecord | undefined> {
    const row = await this.#db<Row>(TABLE)
      .where({ token_hash: tokenHash })
      .first();
    return row ? fromRow(row) : undefined;
  }

  /** Every token, newest first: the inventory, revoked and expired included. */
  async list(): Promise<ManagedTokenRecord[]> {
    const rows = await this.#db<Row>(TABLE)
      .orderBy('created_at', 'desc')
      .orderBy('id');
    return rows.map(fromRow);
  }

  /**
   * Replaces token `id` by `successor`, in one transaction: the old token
   * gets its one successor and ends `overlapMs` from now (or when it was
   * meant to, if sooner), only if it is still active and not rotated
   * already; then the successor is stored with the old one's subject,
   * description and scope.
   *
   * @throws NotFoundError, or ConflictError when the token is revoked,
   *   expired or rotated already
   */
  async rotate(
    id: string,
    successor: Successor,
    overlapMs: number,
  ): Promise<{ previous: ManagedTokenRecord; successor: ManagedTokenRecord }> {
    return this.#db.transaction(async trx => {
      const now = await databaseNow(trx);
      const overlapEnd = now + overlapMs;
      const claimed = await trx<Row>(TABLE)
        .where({ id })
        .whereNull('revoked_at')
        .whereNull('rotated_to')
        .where('expires_at', '>', now)
        .update({
          rotated_to: successor.id,
          expires_at: trx.raw(
            'CASE WHEN expires_at > ? THEN ? ELSE expires_at END',
            [overlapEnd, overlapEnd],
          ) as never,
          updated_at: now,
        });
      const previousRow = await trx<Row>(TABLE).where({ id }).first();
      if (!previousRow) {
        throw new NotFoundError(`No managed token with id '${id}'`);
      }
      const previous = fromRow(previousRow);
      if (claimed === 0) {
        throw new ConflictError(
          previous.revokedAt !== undefined
            ? `Managed token '${id}' is revoked; create a new one instead`
            : previous.rotatedTo
              ? `Managed token '${id}' was rotated already, to '${previous.rotatedTo}'; rotate that one instead`
              : `Managed token '${id}' is expired; create a new one instead`,
        );
      }
      const { lifetimeMs, notAfter, ...identity } = successor;
      const record: ManagedTokenRecord = {
        ...identity,
        subject: previous.subject,
        description: previous.description,
        owner: previous.owner,
        accessRestrictions: previous.accessRestrictions,
        rotatedFrom: id,
        createdAt: now,
        updatedAt: now,
        expiresAt: Math.min(now + lifetimeMs, notAfter ?? Infinity),
      };
      await trx(TABLE).insert(toRow(record));
      return { previous, successor: record };
    });
  }

  /**
   * Revokes token `id` and every token it led to: its rotation chain
   * (predecessors still in their overlap, and successors) and every token
   * minted by any of them, transitively, in one transaction. Each step
   * first updates the tokens it reached, which waits for a rotation or a
   * mint holding their rows, and only then looks for their successors and
   * mints, so that one committed meanwhile is found too. A second
   * revocation keeps the first's time, actor and reason.
   *
   * @returns the token and the others revoked with it, as they are now; or
   *   undefined if there is no such token
   */
  async revoke(
    id: string,
    by: { revokedBy: string; reason?: string },
  ): Promise<
    { token: ManagedTokenRecord; alsoRevoked: ManagedTokenRecord[] } | undefined
  > {
    return this.#db.transaction(async trx => {
      const now = await databaseNow(trx);
      // The tokens reached through this one say so in their reason.
      const cascaded = `revoked with ${id}${by.reason ? `: ${by.reason}` : ''}`;
      const reached = new Set<string>([id]);
      let frontier = [id];
      while (frontier.length > 0) {
        const next: string[] = [];
        for (const ids of chunks(frontier)) {
          await trx<Row>(TABLE)
            .whereIn('id', ids)
            .whereNull('revoked_at')
            .update({
              revoked_at: now,
              revoked_by: by.revokedBy,
              revoke_reason:
                frontier[0] === id ? (by.reason ?? null) : cascaded,
              updated_at: now,
            });
          const related = await trx<Row>(TABLE)
            .select('id')
            .whereIn('rotated_from', ids)
            .orWhereIn('rotated_to', ids)
            .orWhereIn('minted_by', ids);
          for (const row of related) {
            if (!reached.has(row.id)) {
              reached.add(row.id);
              next.push(row.id);
            }
          }
        }
        frontier = next;
      }
      const rows: Row[] = [];
      for (const ids of chunks([...reached])) {
        rows.push(...(await trx<Row>(TABLE).whereIn('id', ids)));
      }
      const records = rows.map(fromRow);
      const token = records.find(r => r.id === id);
      if (!token) return undefined;
      return { token, alsoRevoked: records.filter(r => r.id !== id) };
    });
  }

  /**
   * Changes what a token says of itself (its owner, its description), never
   * what it may do; stamped with the database's time so that every
   * replica's sync picks it up.
   *
   * @returns the token as it is now, or undefined if there is none
   */
  async update(
    id: string,
    change: { owner?: string; description?: string },
  ): Promise<ManagedTokenRecord | undefined> {
    return this.#db.transaction(async trx => {
      const now = await databaseNow(trx);
      await trx<Row>(TABLE)
        .where({ id })
        .update({
          ...(change.owner !== undefined ? { owner: change.owner } : {}),
          ...(change.description !== undefined
            ? { description: change.description }
            : {}),
          updated_at: now,
        });
      const row = await trx<Row>(TABLE).where({ id }).first();
      return row ? fromRow(row) : undefined;
    });
  }

  /**
   * The tokens `query` asks for at `now`, newest first, `limit` of them
   * from `offset`, and how many there are in all: the inventory's page,
   * read by the database (owner and expiry are indexed).
   */
  async select(
    query: ManagedTokenQuery,
    now: number,
    page: { offset: number; limit?: number },
  ): Promise<{ total: number; records: ManagedTokenRecord[] }> {
    const dialect = isPostgres(this.#db) ? 'pg' : 'sqlite';
    const where = () =>
      applyManagedTokenQuery(this.#db<Row>(TABLE), query, now, dialect);
    const [{ n }] = (await where().count({ n: '*' })) as Array<{
      n: number | string;
    }>;
    const total = Number(n);
    if (page.limit === 0 || page.offset >= total) {
      return { total, records: [] };
    }
    const rows = where()
      .select()
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .offset(page.offset);
    if (page.limit !== undefined) rows.limit(page.limit);
    return { total, records: (await rows).map(fromRow) };
  }

  /** The tokens with these ids (those that exist). */
  async getMany(ids: readonly string[]): Promise<ManagedTokenRecord[]> {
    const records: ManagedTokenRecord[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.#db<Row>(TABLE).whereIn(
        'id',
        ids.slice(i, i + 500),
      );
      records.push(...rows.map(fromRow));
    }
    return records;
  }

  /** Tokens written at or after `since` (the database's ms), for the replicas' sync. */
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
