import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  createLocalJWKSet,
  errors,
  FlattenedJWSInput,
  JSONWebKeySet,
  JWSHeaderParameters,
  KeyLike,
} from 'jose';
import { canonicalJson } from '../lib/canonicalJson';
import { redactUrl } from '../lib/redactUrl';
import { boundText, escapeUnsafe, quoteUntrusted } from '../lib/untrustedText';
import { fetchFailureHint, fetchJson, FetchJsonError } from './fetchJson';
import { isPlainHttpToRemoteHost, KeySetSettings } from './jwksOptions';

/** Key sets and discovery documents are small; 512 KiB is hundreds of keys. */
const MAX_DOCUMENT_BYTES = 512 * 1024;

/** Why no key could be found for a token. */
export class KeyResolutionError extends Error {
  readonly reason: 'unknown_kid' | 'jwks_unavailable';
  constructor(reason: 'unknown_kid' | 'jwks_unavailable', message: string) {
    super(message);
    this.name = 'KeyResolutionError';
    this.reason = reason;
  }
}

interface KeySet {
  getKey: ReturnType<typeof createLocalJWKSet>;
  /** Canonical JSON of the keys, to tell a change from a re-fetch. */
  json: string;
  kids: string[];
  fetchedAt: number;
}

/** What `gatehouse explain` and logs say about a provider's keys. */
export interface KeySourceStatus {
  source: string;
  jwksUrl?: string;
  kids: string[];
  fetchedAt?: number;
  lastError?: string;
}

/**
 * The public keys of one identity provider, shared by every entry and plugin
 * that names it.
 *
 * Unlike jose's remote key set, it keeps serving the last good keys while the
 * provider is down, slow or answers garbage (stale-if-error, for at most
 * `maxStaleMs`), and it never fetches on the request path except when it has
 * no usable keys or a token names an unknown `kid`; then at most once per
 * `cooldownMs`, with concurrent requests sharing one fetch. `version` changes
 * whenever the keys do, so caches of verified tokens can drop what the old
 * keys vouched for.
 */
export class RemoteKeySource {
  readonly #name: string;
  readonly #issuer?: string;
  readonly #settings: KeySetSettings;
  readonly #logger: LoggerService;
  readonly #now: () => number;
  #jwksUrl?: string;
  #keySet?: KeySet;
  #version = 0;
  #lastAttemptAt = -Infinity;
  #lastError?: string;
  #inflight?: Promise<void>;
  #warnedPlainHttp = false;
  #whereFor?: { url: string; text: string };
  /** The URL of the fetch under way (discovery document or key set), for its failure. */
  #fetching?: string;
  /** The config keys that name this source, e.g. `backend.auth.externalAccess[2].options.issuer`. */
  readonly #configPaths = new Set<string>();

  /**
   * @param options - `url` of the JWKS, or `issuer` to find it by OIDC discovery
   */
  static create(options: {
    url?: string;
    issuer?: string;
    settings: KeySetSettings;
    logger: LoggerService;
    now?: () => number;
  }): RemoteKeySource {
    return new RemoteKeySource(options);
  }

  private constructor(options: {
    url?: string;
    issuer?: string;
    settings: KeySetSettings;
    logger: LoggerService;
    now?: () => number;
  }) {
    this.#jwksUrl = options.url;
    this.#issuer = options.url ? undefined : options.issuer;
    this.#name = options.url
      ? redactUrl(options.url)
      : `${redactUrl(options.issuer!)} (OIDC discovery)`;
    this.#settings = options.settings;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  get name(): string {
    return this.#name;
  }

  /** Notes a config key that names this source, for its warnings. */
  namedAt(configPath: string): void {
    this.#configPaths.add(configPath);
  }

  get settings(): KeySetSettings {
    return this.#settings;
  }

  get version(): number {
    return this.#version;
  }

  status(): KeySourceStatus {
    return {
      source: this.#name,
      jwksUrl: this.#jwksUrl && redactUrl(this.#jwksUrl),
      kids: this.#keySet?.kids ?? [],
      fetchedAt: this.#keySet?.fetchedAt,
      lastError: this.#lastError,
    };
  }

  /** Fetches the keys in the background, so the first request rarely waits. */
  start(): void {
    void this.#refresh();
  }

  /** Resolves when a fetch in flight is done; for tests. */
  async settled(): Promise<void> {
    await this.#inflight;
  }

  /**
   * Until when the current keys may vouch for a token: `maxStaleMs` after
   * their last successful fetch, if the provider does not answer again
   * meanwhile. A cache of tokens they verified must not answer past it.
   */
  keysTrustedUntil(): number {
    const keySet = this.#keySet;
    return keySet ? keySet.fetchedAt + this.#settings.maxStaleMs : -Infinity;
  }

  /**
   * For callers that answered from a cache of verified tokens without asking
   * for a key: starts a background refresh if the keys are due for one, so
   * that a key the provider has withdrawn stops vouching for cached tokens.
   */
  refreshIfDue(): void {
    const keySet = this.#keySet;
    if (
      keySet &&
      this.#now() - keySet.fetchedAt > this.#settings.cacheMaxAgeMs &&
      !this.#inflight &&
      this.#coolingDownOver()
    ) {
      void this.#refresh();
    }
  }

  /** A jose key resolver: `jwtVerify(token, source.getKey, ...)`. */
  getKey = async (
    header: JWSHeaderParameters,
    token?: FlattenedJWSInput,
  ): Promise<KeyLike | Uint8Array> => {
    const keySet = await this.#usableKeySet();
    try {
      return await keySet.getKey(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) {
        throw error;
      }
    }
    // A kid we do not know: perhaps the provider has just published it.
    if (this.#inflight || this.#coolingDownOver()) {
      await this.#refresh();
      if (this.#keySet) {
        try {
          return await this.#keySet.getKey(header, token);
        } catch (error) {
          if (!(error instanceof errors.JWKSNoMatchingKey)) {
            throw error;
          }
        }
      }
    }
    if (this.#lastError) {
      throw new KeyResolutionError(
        'jwks_unavailable',
        `kid ${quoteUntrusted(header.kid)} is not among the cached keys ${this.#where()}, which cannot be fetched now: ${this.#lastError}`,
      );
    }
    throw new KeyResolutionError(
      'unknown_kid',
      `kid ${quoteUntrusted(header.kid)} is not in the key set ${this.#where()} (kids: ${this.#keySet?.kids.join(', ') || 'none'})`,
    );
  };

  /**
   * "at <jwks url>", with the issuer when the URL came from discovery; part
   * of every unknown-kid rejection, so the redacted URL is kept, not parsed
   * again for each.
   */
  #where(): string {
    const jwksUrl = this.#jwksUrl;
    if (!jwksUrl) {
      return `of ${this.#name}`;
    }
    if (this.#whereFor?.url !== jwksUrl) {
      const shown = redactUrl(jwksUrl);
      this.#whereFor = {
        url: jwksUrl,
        text: this.#issuer
          ? `at ${shown} (found by OIDC discovery of ${redactUrl(this.#issuer)})`
          : `at ${shown}`,
      };
    }
    return this.#whereFor.text;
  }

  async #usableKeySet(): Promise<KeySet> {
    const now = this.#now();
    const age = this.#keySet ? now - this.#keySet.fetchedAt : Infinity;
    if (age > this.#settings.maxStaleMs) {
      // No keys, or keys too old to trust without asking the provider again.
      if (this.#inflight || this.#coolingDownOver()) {
        await this.#refresh();
      }
      this.#dropIfTooStale();
    } else {
      this.refreshIfDue();
    }
    if (!this.#keySet) {
      throw new KeyResolutionError(
        'jwks_unavailable',
        `no keys of ${this.#name} are available: ${this.#lastError ?? 'not fetched yet'}`,
      );
    }
    return this.#keySet;
  }

  #coolingDownOver(): boolean {
    return this.#now() - this.#lastAttemptAt >= this.#settings.cooldownMs;
  }

  #dropIfTooStale() {
    const keySet = this.#keySet;
    if (keySet && this.#now() - keySet.fetchedAt > this.#settings.maxStaleMs) {
      this.#keySet = undefined;
      this.#version += 1;
      this.#logger.error(
        `gatehouse-jwks dropped the keys of ${this.#name} fetched at ${new Date(
          keySet.fetchedAt,
        ).toISOString()}: older than the ${this.#settings.maxStaleMs / 1000} s allowed while the provider fails; its tokens are rejected (jwks_unavailable) until it answers`,
      );
    }
  }

  #refresh(): Promise<void> {
    if (!this.#inflight) {
      this.#lastAttemptAt = this.#now();
      this.#inflight = this.#fetchKeySet().finally(() => {
        this.#inflight = undefined;
      });
    }
    return this.#inflight;
  }

  async #fetchKeySet(): Promise<void> {
    let jwks: JSONWebKeySet;
    let getKey: KeySet['getKey'];
    try {
      const url = this.#jwksUrl ?? (await this.#discover());
      this.#fetching = url;
      const body = await fetchJson(url, {
        timeoutMs: this.#settings.timeoutMs,
        maxBytes: MAX_DOCUMENT_BYTES,
      }).catch(error => {
        // A key set that moved: find it again through discovery next time.
        if (this.#issuer && [404, 410].includes(error.status)) {
          this.#jwksUrl = undefined;
        }
        throw error;
      });
      jwks = body as JSONWebKeySet;
      getKey = createLocalJWKSet(jwks);
      if (jwks.keys.length === 0) {
        throw new Error('the key set has no keys');
      }
    } catch (error) {
      this.#recordFailure(
        error instanceof errors.JWKSInvalid
          ? new FetchJsonError('the answer is not a JSON Web Key Set')
          : error,
      );
      return;
    }

    const json = canonicalJson(jwks.keys);
    // Shown in logs and by `gatehouse explain`: the provider's text, bounded.
    const kids = jwks.keys.map(k =>
      typeof k.kid === 'string'
        ? escapeUnsafe(boundText(k.kid, 100))
        : '(no kid)',
    );
    const previous = this.#keySet;
    if (previous?.json === json) {
      previous.fetchedAt = this.#now();
    } else {
      this.#keySet = { getKey, json, kids, fetchedAt: this.#now() };
      this.#version += 1;
      this.#logger.info(
        `gatehouse-jwks ${previous ? 'key set changed' : 'fetched the key set'} of ${this.#name}: kids ${kids.join(', ')}`,
      );
    }
    if (this.#lastError) {
      this.#logger.info(`gatehouse-jwks ${this.#name} answers again`);
      this.#lastError = undefined;
    }
  }

  async #discover(): Promise<string> {
    const issuer = this.#issuer!;
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    this.#fetching = url;
    const document = (await fetchJson(url, {
      timeoutMs: this.#settings.timeoutMs,
      maxBytes: MAX_DOCUMENT_BYTES,
    })) as { issuer?: unknown; jwks_uri?: unknown } | null;
    const where = redactUrl(url);
    if (document?.issuer !== issuer) {
      throw new FetchJsonError(
        `the discovery document at ${where} names issuer ${quoteUntrusted(document?.issuer)}, not '${redactUrl(issuer)}'`,
      );
    }
    if (
      typeof document.jwks_uri !== 'string' ||
      !/^https?:\/\//.test(document.jwks_uri)
    ) {
      throw new FetchJsonError(
        `the discovery document at ${where} has no http(s) jwks_uri`,
      );
    }
    if (isPlainHttpToRemoteHost(document.jwks_uri) && !this.#warnedPlainHttp) {
      this.#warnedPlainHttp = true;
      this.#logger.warn(
        `gatehouse-jwks: the discovery document of ${this.#name} names a key set over plain http (${redactUrl(document.jwks_uri)}), so anybody on the network path can substitute keys; the provider should publish an https jwks_uri`,
      );
    }
    this.#jwksUrl = document.jwks_uri;
    return document.jwks_uri;
  }

  /**
   * Logs a failed fetch once per distinct error (a provider that stays down
   * is not logged at every retry), saying which config keys name the source,
   * the URL tried, what failed, what to check, and what happens meanwhile.
   */
  #recordFailure(error: unknown) {
    const message = (error as Error)?.message ?? String(error);
    if (message !== this.#lastError) {
      const keySet = this.#keySet;
      const named = [...this.#configPaths].join(', ') || 'the config';
      const tried = this.#fetching ? ` GET ${redactUrl(this.#fetching)}:` : '';
      this.#logger.warn(
        `gatehouse-jwks cannot fetch the key set of ${this.#name}, named at ${named}.${tried} ${message}. Check: ${fetchFailureHint(error)}. ${
          keySet
            ? `Meanwhile the keys fetched at ${new Date(keySet.fetchedAt).toISOString()} serve, for at most ${this.#settings.maxStaleMs / 1000} s.`
            : 'Until it answers, its tokens are rejected (jwks_unavailable).'
        }`,
      );
    }
    this.#lastError = message;
  }
}
