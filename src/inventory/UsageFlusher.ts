import type { LoggerService } from '@backstage/backend-plugin-api';
import type { UsageLedger } from './UsageLedger';
import type { UsageStore } from './UsageStore';

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

  constructor(options: {
    ledger: UsageLedger;
    store: UsageStore;
    logger: LoggerService;
    now?: () => number;
  }) {
    this.#ledger = options.ledger;
    this.#store = options.store;
    this.#logger = options.logger;
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
    await this.flush();
  }

  async #write(): Promise<void> {
    const dropped = this.#ledger.dropped;
    const batch = this.#ledger.drain();
    if (dropped) {
      this.#logger.warn(
        `Credential usage: ${dropped} credential(s) were not counted in the last interval because the ledger was full`,
      );
    }
    try {
      await this.#store.write(batch, this.#now());
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
    await this.#prune();
  }

  /** In its own transaction, after the write: a prune that fails must not hold up the counts. */
  async #prune(): Promise<void> {
    const now = this.#now();
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = now;
    try {
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
