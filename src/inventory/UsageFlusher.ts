import type { LoggerService } from '@backstage/backend-plugin-api';
import { withDeadline } from '../lib/withDeadline';
import type { SignalDetector } from '../signals/SignalDetector';
import type { UsageBatch, UsageLedger } from './UsageLedger';
import type { UsageStore } from './UsageStore';

/** How long the last interval's signals may hold up a shutdown. */
const CLOSING_SIGNALS_DEADLINE_MS = 2_000;

/** The age prune scans the usage table: hourly is plenty for a 31-day retention. */
const PRUNE_EVERY_MS = 60 * 60_000;

/**
 * Writes the ledger to the database once per interval: one transaction per
 * replica per interval, whatever the traffic. A write that fails gives its
 * counts back to the ledger for the next try, and is logged once until a
 * write succeeds again; on shutdown the last interval is written, so a
 * replica that stops loses at most the interval it was in if it dies.
 *
 * After a write, at most once an hour per replica, it also deletes the JWT
 * subjects idle for the counts' retention (31 days); meanwhile the store's
 * cap per entry, applied at each write, bounds their rows.
 */
export class UsageFlusher {
  readonly #ledger: UsageLedger;
  readonly #store: UsageStore;
  readonly #logger: LoggerService;
  readonly #now: () => number;
  #timer?: NodeJS.Timeout;
  #failing = false;
  #prunedAt = -Infinity;
  #running: Promise<void> = Promise.resolve();
  readonly #signals?: SignalDetector;
  #signalsFailing = false;
  /** Shutting down: the last interval's signals get a short deadline, never the shutdown. */
  #closing = false;

  constructor(options: {
    ledger: UsageLedger;
    store: UsageStore;
    logger: LoggerService;
    /** Reads each written interval for unusual use. */
    signals?: SignalDetector;
    now?: () => number;
  }) {
    this.#ledger = options.ledger;
    this.#store = options.store;
    this.#logger = options.logger;
    this.#signals = options.signals;
    this.#now = options.now ?? Date.now;
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => {
      void this.flush();
    }, intervalMs);
    this.#timer.unref();
  }

  /** Writes what the ledger holds now; one write at a time. */
  flush(): Promise<void> {
    this.#running = this.#running.then(() => this.#write());
    return this.#running;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#closing = true;
    await this.flush();
  }

  async #write(): Promise<void> {
    const dropped = this.#ledger.dropped;
    const batch = this.#ledger.drain();
    const tally = this.#ledger.drainRejections();
    const now = this.#now();
    // Read before the write: a use after a long silence is seen against
    // the last use before it.
    const before = await this.#lastUses(batch);
    if (dropped) {
      this.#logger.warn(
        `Credential usage: ${dropped} credential(s) were not counted in the last interval because the ledger was full`,
      );
    }
    try {
      await this.#store.write(batch, now);
      if (this.#failing) {
        this.#failing = false;
        this.#logger.info('Credential usage is written to the database again');
      }
    } catch (error) {
      this.#ledger.restore(batch);
      if (!this.#failing) {
        this.#failing = true;
        this.#logger.warn(
          `Credential usage could not be written to the database; it is kept in memory and written at the next interval: ${firstLine(error)}`,
        );
      }
      return;
    }
    await this.#examine(batch, before, tally, now);
    await this.#prune();
  }

  async #lastUses(batch: UsageBatch): Promise<Map<string, number> | undefined> {
    if (!this.#signals || batch.size === 0) return new Map();
    try {
      return await this.#store.lastUsedOf([...batch.keys()]);
    } catch {
      return undefined; // the write will say what is wrong
    }
  }

  /** Signals, after the counts are safe: a failure here never holds them up. */
  async #examine(
    batch: UsageBatch,
    before: Map<string, number> | undefined,
    tally: ReturnType<UsageLedger['drainRejections']>,
    now: number,
  ): Promise<void> {
    if (!this.#signals || !before) return;
    try {
      const examined = this.#signals.examine(batch, before, tally, now);
      await (this.#closing
        ? withDeadline(
            examined,
            CLOSING_SIGNALS_DEADLINE_MS,
            () => new Error('not done before the shutdown deadline'),
          )
        : examined);
      if (this.#signalsFailing) {
        this.#signalsFailing = false;
        this.#logger.info('Gatehouse looks for unusual use again');
      }
    } catch (error) {
      if (!this.#signalsFailing) {
        this.#signalsFailing = true;
        this.#logger.warn(
          `Gatehouse could not look for unusual use in the last interval: ${firstLine(error)}`,
        );
      }
    }
  }

  /** In its own transaction, after the write: a prune that fails must not hold up the counts. */
  async #prune(): Promise<void> {
    const now = this.#now();
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = now;
    try {
      await this.#signals?.prune(now);
      const removed = await this.#store.prune(now);
      if (removed) {
        this.#logger.info(
          `Credential usage: removed ${removed} JWT subject(s) not seen for 31 days`,
        );
      }
    } catch (error) {
      this.#logger.warn(
        `Credential usage: JWT subjects not seen for 31 days could not be removed; trying again in an hour: ${firstLine(error)}`,
      );
    }
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split('\n')[0]
    .slice(0, 200);
}
