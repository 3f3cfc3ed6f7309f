import type { LoggerService } from '@backstage/backend-plugin-api';
import { SingleFlightPoller } from '../database/SingleFlightPoller';
import type { CompromiseRecord } from '../inventory/credentialDefinition';
import type { CompromisedMark, CompromisedStore } from './CompromisedStore';

function recordOf(mark: CompromisedMark): CompromiseRecord {
  return {
    at: mark.markedAt,
    by: mark.markedBy,
    ...(mark.reason ? { reason: mark.reason } : {}),
    ...(mark.until !== undefined ? { until: mark.until } : {}),
  };
}

/** How the list keeps up with the database (`gatehouse.leaks`). */
export interface CompromisedSyncSettings {
  /** How often the list is read: a mark takes effect on every replica within about this. */
  intervalMs: number;
  /**
   * How far back each read looks before the last one: covers marks that
   * committed after a later-stamped one (times are the database's).
   */
  overlapMs: number;
  /**
   * While the list cannot be read, Gatehouse's handlers keep accepting
   * tokens this long after the last successful read; then they refuse
   * every token, since a mark made meanwhile could not be seen.
   */
  maxStaleMs: number;
}

export const COMPROMISED_SYNC_DEFAULTS: CompromisedSyncSettings = {
  intervalMs: 1_000,
  overlapMs: 60_000,
  maxStaleMs: 5 * 60_000,
};

/** What a handler learns: not marked, marked, or the list is too stale to say. */
export type CompromiseCheck = CompromisedMark | 'unavailable' | undefined;

/**
 * The compromised credentials, in memory on each replica, read from the
 * `gatehouse` plugin's database every second. A handler's check is one map
 * lookup by the digest it already has (none while nothing is marked), never
 * a database read. Without the `gatehouse` plugin there is no list and
 * nothing is refused by it; once attached, the list fails closed when it has
 * not been read for `maxStaleMs`.
 */
export class CompromisedList {
  /** Static and managed tokens, by SHA-256. */
  readonly #byDigest = new Map<string, CompromisedMark>();
  /** JWT subjects, by gatehouse-jwks entry usage key, then subject. */
  readonly #subjects = new Map<string, Map<string, CompromisedMark>>();
  readonly #settings: CompromisedSyncSettings;
  readonly #logger: LoggerService;
  readonly #now: () => number;
  #store?: CompromisedStore;
  readonly #poller = new SingleFlightPoller(() => this.#read());
  #lastReadAt?: number;
  #lastReadDbAt?: number;
  #clockOffsetMs = 0;
  #lastError?: string;

  constructor(options: {
    logger: LoggerService;
    settings?: Partial<CompromisedSyncSettings>;
    now?: () => number;
  }) {
    this.#logger = options.logger;
    this.#settings = { ...COMPROMISED_SYNC_DEFAULTS, ...options.settings };
    this.#now = options.now ?? Date.now;
  }

  /** Reads the whole list now (a failure fails the caller's start-up), then every interval. */
  async attach(store: CompromisedStore): Promise<void> {
    this.#store = store;
    await this.sync();
    if (this.#lastReadAt === undefined) {
      throw new Error(
        `The compromised-credentials list could not be read from the gatehouse database: ${this.#lastError}`,
      );
    }
    this.#poller.start(this.#settings.intervalMs);
  }

  close(): void {
    this.#poller.stop();
  }

  /** Reads the marks made since the last read. */
  sync(): Promise<void> {
    return this.#poller.run();
  }

  /** Takes a mark this replica just wrote, before the next read. */
  apply(mark: CompromisedMark): void {
    if (mark.subject !== undefined) {
      const entryKey = mark.credentialId.slice(
        mark.credentialId.indexOf(':') + 1,
      );
      let subjects = this.#subjects.get(entryKey);
      if (!subjects) {
        subjects = new Map();
        this.#subjects.set(entryKey, subjects);
      }
      subjects.set(mark.subject, mark);
    } else {
      this.#byDigest.set(mark.key, mark);
    }
  }

  /** The mark of the token with this SHA-256: the hot path of static tokens. */
  tokenMark(digest: string): CompromiseCheck {
    if (this.#store === undefined) return undefined;
    if (this.#isStale()) return 'unavailable';
    return this.#byDigest.size === 0 ? undefined : this.#byDigest.get(digest);
  }

  /** The mark of a JWT subject at the entry with this usage key, while it lasts. */
  subjectMark(entryKey: string, subject: string): CompromiseCheck {
    if (this.#store === undefined) return undefined;
    if (this.#isStale()) return 'unavailable';
    if (this.#subjects.size === 0) return undefined;
    const mark = this.#subjects.get(entryKey)?.get(subject);
    return mark && mark.until! > this.now() ? mark : undefined;
  }

  /** What the inventory says of the token with this SHA-256, if it is marked. */
  compromiseOf(digest: string): CompromiseRecord | undefined {
    const mark = this.#byDigest.get(digest);
    return mark && recordOf(mark);
  }

  /** The subjects of a JWT entry refused now, for the inventory. */
  compromisedSubjects(
    entryKey: string,
  ): Array<CompromiseRecord & { subject: string }> {
    const now = this.now();
    return [...(this.#subjects.get(entryKey)?.values() ?? [])]
      .filter(mark => mark.until! > now)
      .map(mark => ({ subject: mark.subject!, ...recordOf(mark) }));
  }

  /** Every mark held, for the inventory. */
  marks(): CompromisedMark[] {
    const subjects = [...this.#subjects.values()].flatMap(m => [...m.values()]);
    return [...this.#byDigest.values(), ...subjects];
  }

  /** The database's time as this replica reckons it. */
  now(): number {
    return this.#now() + this.#clockOffsetMs;
  }

  get attached(): boolean {
    return this.#store !== undefined;
  }

  #isStale(): boolean {
    return (
      this.#lastReadAt === undefined ||
      this.#now() - this.#lastReadAt > this.#settings.maxStaleMs
    );
  }

  async #read(): Promise<void> {
    const store = this.#store;
    if (!store) return;
    const startedAt = this.#now();
    try {
      const dbNow = await store.now();
      this.#clockOffsetMs = Math.round(dbNow - (startedAt + this.#now()) / 2);
      const marks =
        this.#lastReadDbAt === undefined
          ? await store.all()
          : await store.changedSince(
              this.#lastReadDbAt - this.#settings.overlapMs,
            );
      for (const mark of marks) this.apply(mark);
      this.#lastReadAt = startedAt;
      this.#lastReadDbAt = dbNow;
      if (this.#lastError) {
        this.#logger.info(
          'Gatehouse reads the compromised-credentials list from the database again',
        );
        this.#lastError = undefined;
      }
    } catch (error) {
      const message = String((error as Error)?.message ?? error).split('\n')[0];
      if (message !== this.#lastError && this.#lastReadAt !== undefined) {
        this.#logger.warn(
          `Gatehouse cannot read the compromised-credentials list from the database: ${message}. Tokens keep working until ${new Date(this.#lastReadAt + this.#settings.maxStaleMs).toISOString()} (gatehouse.leaks.maxStale); after that every Gatehouse token is refused until the list can be read.`,
        );
      }
      this.#lastError = message;
    }
  }
}
