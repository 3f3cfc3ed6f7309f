import { fingerprintOfDigest } from '../lib/tokenDigest';
import { GatehouseConfigError } from '../lib/GatehouseConfigError';
import { StaticTokenSpec } from './staticOptions';

/** A token as the table holds it, tied to its `externalAccess` entry. */
export interface StaticTokenRecord extends StaticTokenSpec {
  /** Position of the entry in `backend.auth.externalAccess`. */
  entryIndex: number;
  fingerprint: string;
  /**
   * Its key in the usage tables and the inventory: the fingerprint, or, for
   * the rare second token with the same fingerprint, the fingerprint and its
   * rank in the config (the same on every replica with the same config).
   */
  usageKey: string;
}

/** The tokens of one entry, from one source (inline config or a tokensFile). */
export interface StaticTokenSource {
  entryIndex: number;
  tokens: ReadonlyArray<StaticTokenSpec>;
}

/**
 * Every `gatehouse-static` token of the backend, keyed by SHA-256 digest.
 *
 * Secrets are never compared: a presented token is hashed and its digest looked
 * up. The lookup's timing depends only on the digest, which an attacker cannot
 * steer towards a configured token's digest (SHA-256 is preimage resistant), so
 * no timing-safe comparison is needed and the cost is one hash and one map
 * probe whatever the number of tokens. Tables are immutable; a reload builds a
 * new one and swaps it in.
 */
export class StaticTokenTable {
  readonly #byDigest: ReadonlyMap<string, StaticTokenRecord>;

  static empty(): StaticTokenTable {
    return new StaticTokenTable(new Map());
  }

  /** @throws GatehouseConfigError if a token appears twice. */
  static build(sources: Iterable<StaticTokenSource>): StaticTokenTable {
    const byDigest = new Map<string, StaticTokenRecord>();
    const fingerprints = new Map<string, number>();
    const problems: string[] = [];
    for (const source of sources) {
      for (const spec of source.tokens) {
        const existing = byDigest.get(spec.digest);
        if (existing) {
          problems.push(
            `${spec.origin}: the same token is already configured at ${existing.origin}; each token may appear once`,
          );
          continue;
        }
        const fingerprint = fingerprintOfDigest(spec.digest);
        const seen = fingerprints.get(fingerprint) ?? 0;
        fingerprints.set(fingerprint, seen + 1);
        byDigest.set(spec.digest, {
          ...spec,
          entryIndex: source.entryIndex,
          fingerprint,
          usageKey: seen ? `${fingerprint}~${seen + 1}` : fingerprint,
        });
      }
    }
    if (problems.length) {
      throw new GatehouseConfigError(
        'Duplicate gatehouse-static tokens:',
        problems,
      );
    }
    return new StaticTokenTable(byDigest);
  }

  private constructor(byDigest: ReadonlyMap<string, StaticTokenRecord>) {
    this.#byDigest = byDigest;
  }

  get size(): number {
    return this.#byDigest.size;
  }

  get(digest: string): StaticTokenRecord | undefined {
    return this.#byDigest.get(digest);
  }

  records(): IterableIterator<StaticTokenRecord> {
    return this.#byDigest.values();
  }
}
