import type {
  BackstagePrincipalAccessRestrictions,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { SingleFlightPoller } from '../database/SingleFlightPoller';
import { sha256Hex } from '../lib/tokenDigest';
import { restrictionMapOf } from './restrictionMap';
import type {
  ManagedTokenRecord,
  ManagedTokenStore,
} from './ManagedTokenStore';

/** How the table keeps up with the database; see docs. */
export interface SyncSettings {
  /** How often changes are read. */
  intervalMs: number;
  /**
   * How far back each read looks before the last one: covers writes that
   * committed after a later-stamped one (times are the database's, so
   * replicas' clocks do not matter).
   */
  overlapMs: number;
  /** Every so often the whole active set is read again. */
  fullReloadMs: number;
  /**
   * While the database cannot be read, known tokens keep working this long
   * after the last successful read; then every managed token is refused.
   */
  maxStaleMs: number;
}

export const SYNC_DEFAULTS: SyncSettings = {
  intervalMs: 1_000,
  overlapMs: 60_000,
  fullReloadMs: 10 * 60_000,
  maxStaleMs: 5 * 60_000,
};

/**
 * What the table keeps of an active token: only what a request needs, with
 * its restrictions already in Backstage's shape and shared between tokens
 * of the same scope (100,000 full records took 55 MB; see BENCHMARKS.md).
 */
export interface ActiveManagedToken {
  /** Its id, for the usage ledger. */
  id: string;
  subject: string;
  /** When it was made: with expiresAt, its lifetime, for the "expiring" gauge. */
  createdAt: number;
  expiresAt: number;
  updatedAt: number;
  /** Plugin id to restrictions; absent: every plugin. */
  restrictions?: ReadonlyMap<string, BackstagePrincipalAccessRestrictions>;
}

export type ManagedVerification =
  | { result: 'accepted'; token: ActiveManagedToken }
  | { result: 'unknown' }
  | { result: 'unavailable'; since?: number };

/**
 * The active managed tokens of this replica, by SHA-256, in memory: a
 * request costs one hash and one map lookup, never a database read. The
 * `gatehouse` plugin attaches the database store; until then, and when the
 * store has not been read for `maxStaleMs`, every managed token is refused.
 */
export class ManagedTokenTable {
  readonly #byHash = new Map<string, ActiveManagedToken>();
  /** One restriction map per distinct scope, shared by its tokens. */
  readonly #scopes = new Map<
    string,
    ReadonlyMap<string, BackstagePrincipalAccessRestrictions>
  >();
  /**
   * Revoked tokens' hashes and when they were revoked, for as long as a read
   * that began before the revocation could still return the token as active.
   */
  readonly #revoked = new Map<string, number>();
  readonly #settings: SyncSettings;
  readonly #logger: LoggerService;
  readonly #now: () => number;
  #store?: ManagedTokenStore;
  readonly #poller = new SingleFlightPoller(() => this.#read());
  /** This replica's time of the last successful read: how stale the table is. */
  #lastReadAt?: number;
  /** The database's time of the last successful read: where the next one starts. */
  #lastReadDbAt = 0;
  #lastFullAt = -Infinity;
  /**
   * The database's clock minus this replica's, measured at each read: expiry
   * is compared on the database's clock, as every replica writes it.
   */
  #clockOffsetMs = 0;
  #lastError?: string;
  /**
   * Whether Backstage was seen to apply the restrictions a handler returns
   * (the start-up self-check); until then restricted tokens are refused.
   */
  #restrictionsHonoured = false;

  constructor(options: {
    logger: LoggerService;
    settings?: Partial<SyncSettings>;
    now?: () => number;
  }) {
    this.#logger = options.logger;
    this.#settings = { ...SYNC_DEFAULTS, ...options.settings };
    this.#now = options.now ?? Date.now;
  }

  /** Starts reading the store: once now, then every interval. */
  async attach(store: ManagedTokenStore): Promise<void> {
    this.#store = store;
    await this.sync();
    this.#poller.start(this.#settings.intervalMs);
  }

  close(): void {
    this.#poller.stop();
  }

  get attached(): boolean {
    return this.#store !== undefined;
  }

  /** Reads what changed since the last read (or everything, now and then). */
  sync(): Promise<void> {
    return this.#poller.run();
  }

  /** Applies a record written by this replica at once, before the next read. */
  apply(record: ManagedTokenRecord): void {
    this.#put(record, this.now());
  }

  /** The database's time as this replica reckons it: its clock plus the offset last measured. */
  now(): number {
    return this.#now() + this.#clockOffsetMs;
  }

  verify(token: string): ManagedVerification {
    const local = this.#now();
    if (
      this.#lastReadAt === undefined ||
      local - this.#lastReadAt > this.#settings.maxStaleMs
    ) {
      return { result: 'unavailable', since: this.#lastReadAt };
    }
    const active = this.#byHash.get(sha256Hex(token));
    // Expiry is checked here, not only at the next read.
    return active && active.expiresAt > local + this.#clockOffsetMs
      ? { result: 'accepted', token: active }
      : { result: 'unknown' };
  }

  /** The active token with this SHA-256, whatever the table's freshness: who is calling. */
  find(tokenHash: string): ActiveManagedToken | undefined {
    const active = this.#byHash.get(tokenHash);
    return active && active.expiresAt > this.now() ? active : undefined;
  }

  get restrictionsHonoured(): boolean {
    return this.#restrictionsHonoured;
  }

  set restrictionsHonoured(value: boolean) {
    this.#restrictionsHonoured = value;
  }

  /** Adds a record that is in memory only (the self-check's probe). */
  addProbe(record: ManagedTokenRecord): void {
    this.#byHash.set(record.tokenHash, this.#activeOf(record));
  }

  removeProbe(record: ManagedTokenRecord): void {
    this.#byHash.delete(record.tokenHash);
  }

  get size(): number {
    return this.#byHash.size;
  }

  /** Every token held, for the credentials gauge. */
  tokens(): Iterable<ActiveManagedToken> {
    return this.#byHash.values();
  }

  async #read(): Promise<void> {
    const store = this.#store;
    if (!store) return;
    const startedAt = this.#now();
    try {
      const dbNow = await store.now();
      this.#clockOffsetMs = Math.round(dbNow - (startedAt + this.#now()) / 2);
      const full = startedAt - this.#lastFullAt >= this.#settings.fullReloadMs;
      if (full) {
        const active = await store.active(dbNow);
        this.#byHash.clear();
        this.#scopes.clear();
        for (const record of active) this.#put(record, dbNow);
        this.#lastFullAt = startedAt;
      } else {
        const since = this.#lastReadDbAt - this.#settings.overlapMs;
        for (const record of await store.changedSince(since)) {
          this.#put(record, dbNow);
        }
      }
      // The read began at startedAt (dbNow on the database's clock): what
      // it saw is at least that fresh.
      this.#lastReadAt = startedAt;
      this.#lastReadDbAt = dbNow;
      this.#forgetOldRevocations(dbNow);
      if (this.#lastError) {
        this.#logger.info(
          `gatehouse-managed reads its tokens from the database again (${this.#byHash.size} active)`,
        );
        this.#lastError = undefined;
      }
    } catch (error) {
      const message = String((error as Error)?.message ?? error).split('\n')[0];
      if (message !== this.#lastError) {
        const last = this.#lastReadAt;
        this.#logger.warn(
          `gatehouse-managed cannot read its tokens from the database: ${message}. ${
            last === undefined
              ? 'No managed token is accepted until it can.'
              : `The ${this.#byHash.size} tokens read at ${new Date(last).toISOString()} keep working until ${new Date(last + this.#settings.maxStaleMs).toISOString()} (maxStale); revocations made meanwhile on other replicas take effect when the database answers again.`
          }`,
        );
      }
      this.#lastError = message;
    }
  }

  #put(record: ManagedTokenRecord, now: number) {
    const revokedAt = this.#revoked.get(record.tokenHash);
    if (revokedAt !== undefined && record.updatedAt <= revokedAt) {
      return; // an older state than the revocation already applied
    }
    if (record.revokedAt !== undefined) {
      this.#revoked.set(record.tokenHash, record.updatedAt);
      this.#byHash.delete(record.tokenHash);
    } else if (record.expiresAt <= now) {
      this.#byHash.delete(record.tokenHash);
    } else {
      this.#byHash.set(record.tokenHash, this.#activeOf(record));
    }
  }

  #activeOf(record: ManagedTokenRecord): ActiveManagedToken {
    const { id, subject, createdAt, expiresAt, updatedAt, accessRestrictions } =
      record;
    if (!accessRestrictions) {
      return { id, subject, createdAt, expiresAt, updatedAt };
    }
    const key = JSON.stringify(accessRestrictions);
    let restrictions = this.#scopes.get(key);
    if (!restrictions) {
      restrictions = restrictionMapOf(accessRestrictions);
      this.#scopes.set(key, restrictions);
    }
    return { id, subject, createdAt, expiresAt, updatedAt, restrictions };
  }

  #forgetOldRevocations(now: number) {
    for (const [hash, at] of this.#revoked) {
      if (now - at > 2 * this.#settings.overlapMs) this.#revoked.delete(hash);
    }
  }
}
