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

/**
 * Logs every rejection at debug level and warns about rejections at most once
 * per window, so that a client retrying a dead token, or a scanner sending
 * garbage, cannot flood the logs.
 */
export class RejectionLog {
  readonly #logger: LoggerService;
  readonly #source: string;
  readonly #windowMs: number;
  readonly #pending = new Map<RejectionReason, number>();
  #windowOpen = false;
  #timer: NodeJS.Timeout | undefined;

  static create(options: {
    logger: LoggerService;
    source: string;
    windowMs?: number;
  }): RejectionLog {
    return new RejectionLog(
      options.logger,
      options.source,
      options.windowMs ?? 60_000,
    );
  }

  private constructor(logger: LoggerService, source: string, windowMs: number) {
    this.#logger = logger;
    this.#source = source;
    this.#windowMs = windowMs;
  }

  record(event: RejectionEvent): void {
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

    if (this.#windowOpen) {
      this.#pending.set(
        event.reason,
        (this.#pending.get(event.reason) ?? 0) + 1,
      );
      return;
    }
    this.#windowOpen = true;
    this.#logger.warn(
      `${this.#source} rejected a token (${event.reason}${
        event.fingerprint ? `, fingerprint ${event.fingerprint}` : ''
      })${detail}; further rejections are summarised at most every ${Math.round(
        this.#windowMs / 1000,
      )} s, with details at debug level`,
      meta,
    );
    this.#scheduleFlush();
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #scheduleFlush() {
    this.#timer = setTimeout(() => this.#flush(), this.#windowMs);
    this.#timer.unref();
  }

  #flush() {
    if (this.#pending.size === 0) {
      this.#windowOpen = false;
      return;
    }
    let total = 0;
    const parts: string[] = [];
    for (const [reason, count] of this.#pending) {
      total += count;
      parts.push(`${reason} ${count}`);
    }
    this.#pending.clear();
    this.#logger.warn(
      `${this.#source} rejected ${total} more token(s) in the last ${Math.round(
        this.#windowMs / 1000,
      )} s: ${parts.join(', ')}`,
    );
    this.#scheduleFlush();
  }
}
