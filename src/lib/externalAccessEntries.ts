import type { Config } from '@backstage/config';
import { canonicalJson } from './canonicalJson';

export const EXTERNAL_ACCESS_KEY = 'backend.auth.externalAccess';

/** One `backend.auth.externalAccess` entry of a given type. */
export interface ExternalAccessEntry {
  /** Position in the list; Backstage tries entries in this order. */
  index: number;
  /** Config path of the entry's options, for messages. */
  optionsPath: string;
  rawOptions: unknown;
}

export function externalAccessEntriesOfType(
  config: Config,
  type: string,
): ExternalAccessEntry[] {
  const entries = config.getOptionalConfigArray(EXTERNAL_ACCESS_KEY) ?? [];
  return entries.flatMap((entry, index) =>
    entry.getOptionalString('type') === type
      ? [
          {
            index,
            optionsPath: `${EXTERNAL_ACCESS_KEY}[${index}].options`,
            rawOptions: entry.getOptional('options'),
          },
        ]
      : [],
  );
}

/**
 * Finds the entry whose options Backstage passes to a handler's `initialize`.
 * Backstage hands over only the options, not the entry's position, so they
 * are matched by content. Gatehouse rejects entries whose tokens or providers
 * would be duplicates, so equal options cannot stand for two entries that
 * behave differently.
 */
export class EntryBinder {
  readonly #type: string;
  readonly #indexByOptions = new Map<string, number>();

  constructor(type: string) {
    this.#type = type;
  }

  remember(entries: Iterable<ExternalAccessEntry>): void {
    for (const entry of entries) {
      const key = canonicalJson(entry.rawOptions ?? {});
      if (!this.#indexByOptions.has(key)) {
        this.#indexByOptions.set(key, entry.index);
      }
    }
  }

  bind(options: Config): number {
    const index = this.#indexByOptions.get(canonicalJson(options.get() ?? {}));
    if (index === undefined) {
      throw new Error(
        `${this.#type}: the options passed by Backstage match no '${this.#type}' entry in ${EXTERNAL_ACCESS_KEY}`,
      );
    }
    return index;
  }
}
