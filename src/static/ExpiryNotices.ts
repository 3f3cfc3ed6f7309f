import type { LoggerService } from '@backstage/backend-plugin-api';
import type { StaticTokenRecord } from './StaticTokenTable';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Tokens expiring within this window are announced. */
export const EXPIRY_WARNING_WINDOW_MS = 7 * DAY_MS;

/**
 * Warns, at most once a day per token, about tokens that expire within a
 * week and about expired tokens still in config, so that rotation happens
 * before callers start failing.
 */
export class ExpiryNotices {
  readonly #logger: LoggerService;
  readonly #lastWarned = new Map<string, number>();

  constructor(logger: LoggerService) {
    this.#logger = logger;
  }

  check(records: Iterable<StaticTokenRecord>, now: number): void {
    const seen = new Set<string>();
    for (const record of records) {
      if (record.expiresAt === undefined) {
        continue;
      }
      const remaining = record.expiresAt - now;
      if (remaining > EXPIRY_WARNING_WINDOW_MS) {
        continue;
      }
      seen.add(record.digest);
      const last = this.#lastWarned.get(record.digest);
      if (last !== undefined && now - last < DAY_MS) {
        continue;
      }
      this.#lastWarned.set(record.digest, now);
      const expiresAt = new Date(record.expiresAt).toISOString();
      const meta = {
        subject: record.subject,
        fingerprint: record.fingerprint,
        origin: record.origin,
        expiresAt,
      };
      if (remaining <= 0) {
        this.#logger.warn(
          `gatehouse-static token ${record.fingerprint} for '${record.subject}' at ${record.origin} expired at ${expiresAt} and is rejected; remove it from the configuration`,
          meta,
        );
      } else {
        const days = Math.max(1, Math.round(remaining / DAY_MS));
        this.#logger.warn(
          `gatehouse-static token ${record.fingerprint} for '${record.subject}' at ${record.origin} expires at ${expiresAt} (in about ${days} day${
            days === 1 ? '' : 's'
          }); add its replacement next to it, hand that out, then remove this one`,
          meta,
        );
      }
    }
    for (const digest of this.#lastWarned.keys()) {
      if (!seen.has(digest)) {
        this.#lastWarned.delete(digest);
      }
    }
  }
}
