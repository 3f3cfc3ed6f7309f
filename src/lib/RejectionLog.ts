import type { LoggerService } from '@backstage/backend-plugin-api';
import type { RejectionReason } from './rejectionReasons';
import { boundText, escapeUnsafe } from './untrustedText';

/** Details quote token values (bounded each); this bounds the sentence. */
const MAX_DETAIL_LENGTH = 1000;

/** What is known about one rejected token; never the token itself. */
export interface RejectionEvent {
  reason: RejectionReason;
  /** First 8 hex digits of the token's SHA-256. */
  fingerprint?: string;
  /** The plugin the request was addressed to. */
  plugin?: string;
  /** A human sentence with specifics, e.g. when the token expired. */
  detail?: string;
}

/** Where rejections are counted besides the log. */
export interface RejectionCounter {
  countRejection(reason: string, fingerprint?: string): void;
}

/** Distinct tokens warned about per reason and window; the rest is summarised. */
export const TOKENS_SHOWN_PER_REASON = 5;

/**
 * Logs every rejection at debug level, and warns about each new kind of
 * rejection at once: the first rejection of each reason in a window, and
 * of each token (by fingerprint) for that reason, up to
 * TOKENS_SHOWN_PER_REASON tokens. The rest (a client retrying a dead token,
 * a scanner sending garbage) is counted and summarised once per window, so
 * nothing can flood the logs and nothing new is hidden behind an old
 * rejection. What is remembered is bounded: reasons are a fixed list.
 */
export class RejectionLog {
  readonly #logger: LoggerService;
  readonly #source: string;
  readonly #windowMs: number;
  /** Per reason, in this window: the fingerprints warned about, and how many rejections were not. */
  readonly #window = new Map<
    RejectionReason,
    { shown: Set<string>; summarised: number }
  >();
  #timer: NodeJS.Timeout | undefined;
  readonly #counter?: RejectionCounter;

  static create(options: {
    logger: LoggerService;
    source: string;
    windowMs?: number;
    /** Counts each rejection too (the usage ledger, for rejection bursts). */
    counter?: RejectionCounter;
  }): RejectionLog {
    return new RejectionLog(
      options.logger,
      options.source,
      options.windowMs ?? 60_000,
      options.counter,
    );
  }

  private constructor(
    logger: LoggerService,
    source: string,
    windowMs: number,
    counter?: RejectionCounter,
  ) {
    this.#logger = logger;
    this.#source = source;
    this.#windowMs = windowMs;
    this.#counter = counter;
  }

  record(event: RejectionEvent): void {
    this.#counter?.countRejection(event.reason, event.fingerprint);
    const meta = {
      reason: event.reason,
      ...(event.fingerprint ? { fingerprint: event.fingerprint } : {}),
      ...(event.plugin ? { plugin: event.plugin } : {}),
    };
    // Details quote the token (claims, kids, jose's messages about its
    // header): whatever quoted them, nothing in a log line may forge or hide
    // another.
    const detail = event.detail
      ? `: ${escapeUnsafe(boundText(event.detail, MAX_DETAIL_LENGTH))}`
      : '';
    this.#logger.debug(
      `${this.#source} rejected a token (${event.reason})${detail}`,
      meta,
    );

    let state = this.#window.get(event.reason);
    if (!state) {
      state = { shown: new Set(), summarised: 0 };
      this.#window.set(event.reason, state);
    }
    const token = event.fingerprint ?? '';
    if (state.shown.has(token) || state.shown.size >= TOKENS_SHOWN_PER_REASON) {
      state.summarised += 1;
      return;
    }
    state.shown.add(token);
    this.#logger.warn(
      `${this.#source} rejected a token (${event.reason}${
        event.fingerprint ? `, fingerprint ${event.fingerprint}` : ''
      })${detail}; the same token again, or more than ${TOKENS_SHOWN_PER_REASON} tokens for one reason, is summarised every ${Math.round(
        this.#windowMs / 1000,
      )} s (LOG_LEVEL=debug logs each rejection)`,
      meta,
    );
    this.#timer ??= this.#schedule();
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): NodeJS.Timeout {
    const timer = setTimeout(() => this.#endWindow(), this.#windowMs);
    timer.unref();
    return timer;
  }

  #endWindow() {
    let total = 0;
    const parts: string[] = [];
    for (const [reason, { summarised }] of this.#window) {
      if (summarised) {
        total += summarised;
        parts.push(`${reason} ${summarised}`);
      }
    }
    this.#window.clear();
    this.#timer = undefined;
    if (total) {
      this.#logger.warn(
        `${this.#source} rejected ${total} more token(s) in the last ${Math.round(
          this.#windowMs / 1000,
        )} s: ${parts.join(', ')}`,
      );
    }
  }
}
