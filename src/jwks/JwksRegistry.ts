import type {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { errors, jwtVerify, JWTPayload, KeyLike } from 'jose';
import { LRUCache } from 'lru-cache';
import { canonicalJson } from '../lib/canonicalJson';
import { jwtEntryKey, jwtIdentity } from '../inventory/builtInCredentials';
import {
  assertSameLayout,
  EntryBinder,
  ExternalAccessEntry,
  externalAccessEntriesOfType,
  externalAccessLayout,
} from '../lib/externalAccessEntries';
import { validateExternalAccess } from '../config/validateExternalAccess';
import { problemsOf } from '../lib/GatehouseConfigError';
import type { RejectionReason } from '../lib/rejectionReasons';
import { isSafeSubjectText } from '../lib/subjects';
import { quoteUntrusted } from '../lib/untrustedText';
import { firstBrokenRule } from './claimRules';
import { JwksEntryOptions, parseJwksOptions } from './jwksOptions';
import { Attempt, DecodedJwt, JwtDecoder } from './JwtDecoder';
import { LaterAcceptance, laterAcceptance } from './laterEntries';
import { rejectionOfJoseError } from './rejectionOfJoseError';
import { RemoteKeySource } from './RemoteKeySource';
import { subjectNamespaceProblems } from './subjectNamespaces';

/** The `type` of Gatehouse's JWT entries in `backend.auth.externalAccess`. */
export const GATEHOUSE_JWKS_TYPE = 'gatehouse-jwks';

/** Accepted tokens remembered, so a repeated token costs a map lookup. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * How far each check gets in the pipeline; when every entry rejects a token,
 * the reason reported is that of the entry that got furthest.
 */
const STAGE: Record<RejectionReason, number> = {
  too_large: 0,
  malformed: 0,
  issuer_mismatch: 1,
  alg_not_allowed: 2,
  typ_mismatch: 3,
  audience_mismatch: 4,
  claim_mismatch: 5,
  jwks_unavailable: 6,
  unknown_kid: 6,
  bad_signature: 7,
  expired: 8,
  not_yet_valid: 8,
  too_old: 8,
  token_expired_static: 8,
  unknown_token: 0,
  managed_unavailable: 0,
  // Decided after verification, by the handler, not by an entry's checks.
  token_compromised: 9,
  compromised_unavailable: 0,
};

export type JwksVerification =
  | { result: 'accepted'; subject: string }
  | { result: 'rejected'; reason: RejectionReason; detail: string }
  /** Not shaped like a JWT: for other handlers. */
  | { result: 'not_jwt' };

interface ParsedEntry {
  index: number;
  path: string;
  options: JwksEntryOptions;
}

interface Entry extends ParsedEntry {
  /** By issuer for discovery entries; under '' for entries with a `url`. */
  sources: Map<string, RemoteKeySource>;
}

/** Every gatehouse-jwks entry of a config, validated. */
interface ParsedConfig {
  raw: ExternalAccessEntry[];
  entries: ParsedEntry[];
  warnings: string[];
}

interface Accepted {
  entryIndex: number;
  subject: string;
  validUntil: number;
  source: RemoteKeySource;
  version: number;
}

/** @internal */
export interface JwksRegistryOptions {
  config: RootConfigService;
  logger: LoggerService;
  now?: () => number;
}

/**
 * Every `gatehouse-jwks` entry of the backend and the key sources they share,
 * created once for all plugins.
 *
 * Per token and entry, checks run cheapest first on the decoded but not yet
 * verified token: issuer, algorithm, `typ`, audience, claims. Rejecting on
 * unverified data is safe (it never grants anything), and it means that a
 * token for another provider or another entry costs no signature work and no
 * key fetch. Only a token that passes all of them is verified by jose, with
 * every check again, now on authenticated data.
 */
export class JwksRegistry {
  readonly #config: RootConfigService;
  readonly #logger: LoggerService;
  readonly #now: () => number;
  #entries = new Map<number, Entry>();
  /** Canonical JSON of the entries' options, to tell a change from a reload of other config. */
  #entriesKey: string;
  readonly #sources = new Map<string, RemoteKeySource>();
  readonly #binder = new EntryBinder(GATEHOUSE_JWKS_TYPE);
  readonly #decoder = new JwtDecoder();
  /** Per token, the entries that accepted it: nearly always one. */
  readonly #verified = new LRUCache<string, Accepted[]>({
    max: VERIFIED_CACHE_SIZE,
  });
  /** Bumped when the entries change, so a verification under old options is not cached. */
  #generation = 0;
  readonly #lastEntryIndex: number;
  /** The type and restrictions of every entry, as Backstage read them at start-up. */
  readonly #layout: string[];
  readonly #laterAcceptance: LaterAcceptance;
  #subscription?: { unsubscribe(): void };
  readonly #usageKeys = new Map<number, string>();
  /** The last reload problem logged, so that each is logged once. */
  #reloadProblem?: string;

  /** @throws GatehouseConfigError naming every invalid config path */
  static create(options: JwksRegistryOptions): JwksRegistry {
    return new JwksRegistry(options, parseConfig(options.config));
  }

  private constructor(options: JwksRegistryOptions, parsed: ParsedConfig) {
    this.#config = options.config;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#entriesKey = entriesKeyOf(parsed);
    this.#apply(parsed);
    this.#lastEntryIndex = Math.max(...this.#entries.keys());
    this.#layout = externalAccessLayout(this.#config);
    this.#laterAcceptance = laterAcceptance(this.#config, this.#lastEntryIndex);
    this.#binder.remember(parsed.raw);
    if (this.#entries.size) {
      this.#logger.info(
        `gatehouse-jwks has ${this.#entries.size} entr${
          this.#entries.size === 1 ? 'y' : 'ies'
        } and ${this.#sources.size} key source(s): ${[...this.#sources.values()].map(source => source.name).join(', ')}`,
      );
      this.#subscription = this.#config.subscribe?.(() => this.#reload());
    }
  }

  /** Starts fetching every key set in the background; never waits, never fails. */
  start(): void {
    for (const source of this.#sources.values()) {
      source.start();
    }
  }

  close(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
  }

  bindEntry(options: Config): number {
    return this.#binder.bind(options);
  }

  /** True for the entry tried last, which reports tokens no entry accepted. */
  isLastEntry(entryIndex: number): boolean {
    return entryIndex === this.#lastEntryIndex;
  }

  /** The current entries, for the inventory. */
  entries(): Array<{ index: number; path: string; options: JwksEntryOptions }> {
    return [...this.#entries.values()].map(({ index, path, options }) => ({
      index,
      path,
      options,
    }));
  }

  /**
   * The entry's key in the inventory and the usage tables, from the options
   * it started with (a reload that changes its issuer keeps counting under
   * the same key until a restart).
   */
  usageKey(entryIndex: number): string {
    let key = this.#usageKeys.get(entryIndex);
    if (key === undefined) {
      const options = this.#entries.get(entryIndex)?.options;
      key = options ? jwtEntryKey(jwtIdentity(options)) : `entry${entryIndex}`;
      this.#usageKeys.set(entryIndex, key);
    }
    return key;
  }

  keySources(): RemoteKeySource[] {
    return [...this.#sources.values()];
  }

  /**
   * Applies a root config change to the entries' options when it can be
   * done safely, as gatehouse-static does with its tokens: the list, each
   * entry's type and its accessRestrictions must be what Backstage read at
   * start-up. Otherwise the running entries stay and the log says, once per
   * change, that a restart is needed.
   */
  #reload(): void {
    let parsed: ParsedConfig;
    try {
      assertSameLayout(this.#layout, this.#config);
      parsed = parseConfig(this.#config);
    } catch (error) {
      const problem = problemsOf(error);
      if (problem !== this.#reloadProblem) {
        this.#reloadProblem = problem;
        this.#logger.error(
          `gatehouse-jwks ignored a configuration change and keeps its ${this.#entries.size} running entries: ${problem}`,
        );
      }
      return;
    }
    this.#reloadProblem = undefined;
    const key = entriesKeyOf(parsed);
    if (key === this.#entriesKey) {
      return;
    }
    this.#entriesKey = key;
    const known = new Set(this.#sources.values());
    this.#apply(parsed);
    this.#binder.remember(parsed.raw);
    for (const source of this.#sources.values()) {
      if (!known.has(source)) {
        source.start();
      }
    }
    this.#logger.info(
      `gatehouse-jwks applied a configuration change to its ${this.#entries.size} entries; tokens accepted before are checked again`,
    );
  }

  #apply(parsed: ParsedConfig): void {
    this.#entries = new Map(
      parsed.entries.map(entry => [
        entry.index,
        { ...entry, sources: this.#sourcesFor(entry.path, entry.options) },
      ]),
    );
    this.#generation += 1;
    this.#verified.clear();
    for (const warning of parsed.warnings) {
      this.#logger.warn(`gatehouse-jwks: ${warning}`);
    }
  }

  /** Verifies a bearer token for one entry. */
  async verify(token: string, entryIndex: number): Promise<JwksVerification> {
    const entry = this.#entries.get(entryIndex);
    const decoding = this.#decoder.decode(token);
    if (!entry || !decoding) {
      return { result: 'not_jwt' };
    }
    if (!decoding.ok) {
      return {
        result: 'rejected',
        reason: decoding.reason,
        detail: decoding.detail,
      };
    }
    const jwt = decoding.jwt;

    const cached = this.#verified
      .get(token)
      ?.find(accepted => accepted.entryIndex === entryIndex);
    // The cache answers only while a fresh verification would: same keys,
    // token still valid, keys not older than jwksMaxStale (see validUntil).
    if (
      cached &&
      cached.version === cached.source.version &&
      this.#now() < cached.validUntil
    ) {
      cached.source.refreshIfDue();
      // Earlier entries' rejections of a token that is accepted are not news.
      jwt.attempts.length = 0;
      return { result: 'accepted', subject: cached.subject };
    }

    const outcome = await this.#verifyUncached(token, jwt, entry);
    if (outcome.result === 'rejected') {
      // The outcome itself: its detail is only written out if reported.
      jwt.attempts[entryIndex] = outcome;
    } else {
      jwt.attempts.length = 0;
    }
    return outcome;
  }

  /**
   * For the last entry, once it rejected `token`: what to report, if the
   * token is rejected for good. Of the rejections every entry gave, the one
   * that got furthest (a signature that verified but expired says more than
   * an issuer mismatch). Undefined if an entry Backstage tries later could
   * still accept the token: that is not a rejection.
   */
  rejectionToReport(token: string, last: Attempt): Attempt | undefined {
    const decoding = this.#decoder.decode(token);
    const jwt = decoding?.ok ? decoding.jwt : undefined;
    const attempts = jwt?.attempts.filter(Boolean) ?? [];
    if (jwt) {
      jwt.attempts.length = 0;
    }
    if (this.#laterAcceptance(token, jwt)) {
      return undefined;
    }
    const furthest = attempts.reduce<Attempt | undefined>(
      (best, attempt) =>
        !best || STAGE[attempt!.reason] > STAGE[best.reason] ? attempt : best,
      undefined,
    );
    return furthest ?? last;
  }

  async #verifyUncached(
    token: string,
    jwt: DecodedJwt,
    entry: Entry,
  ): Promise<JwksVerification> {
    const rejection = precheck(jwt, entry.options);
    if (rejection) {
      return rejection;
    }
    const source = entry.sources.get(
      entry.options.url ? '' : String(jwt.payload.iss),
    );
    if (!source) {
      return {
        result: 'rejected',
        reason: 'issuer_mismatch',
        detail: 'no key source for this issuer',
      };
    }
    const version = source.version;
    const generation = this.#generation;
    let payload: JWTPayload;
    try {
      payload = await verifyWithJose(token, source, entry.options);
    } catch (error) {
      return { result: 'rejected', ...rejectionOfJoseError(error) };
    }

    const { options } = entry;
    const now = this.#now() / 1000;
    if (
      typeof payload.iat === 'number' &&
      payload.iat > now + options.clockToleranceSec
    ) {
      return {
        result: 'rejected',
        reason: 'not_yet_valid',
        detail: `iat is ${Math.round(payload.iat - now)} s in the future`,
      };
    }
    // Checked by precheck(): a safe string or a safe integer.
    const subjectValue = String(payload[options.subjectClaim]);
    const subject = options.subjectPrefix
      ? `external:${options.subjectPrefix}:${subjectValue}`
      : `external:${subjectValue}`;

    // Until the token expires, and at most until the keys that verified it
    // stop being trusted (jwksMaxStale after their fetch): a cache hit must
    // not outlive the check it skips. A refetch of the same keys meanwhile
    // only means that the token is verified again, once.
    const validUntil = Math.min(
      (payload.exp! + options.clockToleranceSec) * 1000,
      options.maxTokenAgeSec === undefined
        ? Infinity
        : ((payload.iat ?? 0) +
            options.maxTokenAgeSec +
            options.clockToleranceSec) *
            1000,
      source.keysTrustedUntil(),
    );
    const accepted = {
      entryIndex: entry.index,
      subject,
      validUntil,
      source,
      version,
    };
    if (generation !== this.#generation) {
      // The options changed during the await: answer this request, but do
      // not let the old options vouch for the token again.
      return { result: 'accepted', subject };
    }
    // Replaces this entry's earlier result, stale by now (expired or from an
    // older key set), and keeps other entries'.
    // peek: verify() already touched the entry, and another request may have
    // added to it during the await above.
    const others = (this.#verified.peek(token) ?? []).filter(
      earlier => earlier.entryIndex !== entry.index,
    );
    this.#verified.set(token, [...others, accepted]);
    return { result: 'accepted', subject };
  }

  #sourcesFor(
    path: string,
    options: JwksEntryOptions,
  ): Map<string, RemoteKeySource> {
    const named = options.url
      ? [{ key: '', id: options.url, url: options.url, issuer: undefined }]
      : options.issuers!.map(issuer => ({
          key: issuer,
          id: `discovery:${issuer}`,
          url: undefined,
          issuer,
        }));
    const sources = new Map<string, RemoteKeySource>();
    for (const { key, id, url, issuer } of named) {
      let source = this.#sources.get(id);
      if (!source) {
        source = RemoteKeySource.create({
          url,
          issuer,
          settings: options.keySet,
          logger: this.#logger,
          now: this.#now,
        });
        this.#sources.set(id, source);
      } else if (
        JSON.stringify(source.settings) !== JSON.stringify(options.keySet)
      ) {
        this.#logger.warn(
          `gatehouse-jwks: ${path} names key source ${source.name} with other jwks* settings than an earlier entry; the earlier entry's settings apply`,
        );
      }
      source.namedAt(`${path}.${url ? 'url' : 'issuer'}`);
      sources.set(key, source);
    }
    return sources;
  }
}

/**
 * Every gatehouse-jwks entry of the config, validated, with the problems of
 * the list itself and of subjects across entries.
 *
 * @throws GatehouseConfigError naming every invalid config path
 */
function parseConfig(config: Config): ParsedConfig {
  validateExternalAccess(config);
  const raw = externalAccessEntriesOfType(config, GATEHOUSE_JWKS_TYPE);
  const entries = raw.map(({ index, optionsPath, rawOptions }) => ({
    index,
    path: optionsPath,
    options: parseJwksOptions(rawOptions, optionsPath),
  }));
  return {
    raw,
    entries,
    warnings: [
      ...entries.flatMap(entry => entry.options.warnings),
      ...subjectNamespaceProblems(config).warnings,
    ],
  };
}

function entriesKeyOf(parsed: ParsedConfig): string {
  return canonicalJson(parsed.raw);
}

type Rejected = Extract<JwksVerification, { result: 'rejected' }>;

/**
 * A rejection whose sentence is only written when it is read: an earlier
 * entry's rejection of a token that a later entry accepts (a token from the
 * 5th provider, say) is never reported, and quoting token values costs. A
 * class, so that the getter lives on the prototype: object literals with
 * their own getters made that path three times slower in V8.
 */
class LazyRejection {
  readonly result = 'rejected';
  readonly reason: RejectionReason;
  readonly #describe: () => string;
  #detail: string | undefined;

  constructor(reason: RejectionReason, describe: () => string) {
    this.reason = reason;
    this.#describe = describe;
  }

  get detail(): string {
    this.#detail ??= this.#describe();
    return this.#detail;
  }
}

function rejected(reason: RejectionReason, describe: () => string): Rejected {
  return new LazyRejection(reason, describe);
}

function normalizeTyp(typ: string): string {
  return typ.toLowerCase().replace(/^application\//, '');
}

/**
 * Checks on the unverified token; a rejection here costs no signature work
 * or key fetch. Every value quoted from the token is escaped and bounded:
 * the details reach logs and terminals.
 */
function precheck(
  jwt: DecodedJwt,
  options: JwksEntryOptions,
): Rejected | undefined {
  const { header, payload } = jwt;
  const { issuers, audiences } = options;
  if (issuers && !issuers.includes(payload.iss as string)) {
    return rejected(
      'issuer_mismatch',
      () =>
        `issuer ${quoteUntrusted(payload.iss)} is not in [${issuers.join(', ')}]`,
    );
  }
  if (!options.algorithms.includes(header.alg!)) {
    return rejected(
      'alg_not_allowed',
      () =>
        `algorithm ${quoteUntrusted(header.alg)} is not in [${options.algorithms.join(', ')}]`,
    );
  }
  const typ = header.typ;
  const typOk = options.typ
    ? typeof typ === 'string' && normalizeTyp(typ) === normalizeTyp(options.typ)
    : typ === undefined ||
      (typeof typ === 'string' &&
        ['jwt', 'at+jwt'].includes(normalizeTyp(typ)));
  if (!typOk) {
    return rejected(
      'typ_mismatch',
      () =>
        `header typ ${quoteUntrusted(typ ?? null)} is not ${
          options.typ ? `'${options.typ}'` : "absent, 'JWT' or 'at+jwt'"
        }`,
    );
  }
  if (audiences) {
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!aud.some(a => audiences.includes(a as string))) {
      return rejected(
        'audience_mismatch',
        () =>
          `audience ${quoteUntrusted(payload.aud ?? null)} is not in [${audiences.join(', ')}]`,
      );
    }
  }
  const broken = firstBrokenRule(options.claimRules, payload);
  if (broken) {
    return rejected(
      'claim_mismatch',
      () =>
        `claim '${broken.rule.claim}' is ${quoteUntrusted(broken.actual ?? null)} but must match ${broken.rule.patterns
          .map(p => JSON.stringify(p))
          .join(' or ')}`,
    );
  }
  const subject = payload[options.subjectClaim];
  const problem =
    typeof subject === 'string'
      ? isSafeSubjectText(subject)
        ? undefined
        : 'is empty or has white space, control or format characters'
      : typeof subject === 'number'
        ? Number.isSafeInteger(subject)
          ? undefined
          : 'is a number that is not a safe integer (programs would read it as different values)'
        : 'is missing or not a string';
  if (problem) {
    return rejected(
      'claim_mismatch',
      () => `the subject claim '${options.subjectClaim}' ${problem}`,
    );
  }
  return undefined;
}

/** jose's verification: signature, then every registered claim again. */
async function verifyWithJose(
  token: string,
  source: RemoteKeySource,
  options: JwksEntryOptions,
): Promise<JWTPayload> {
  const verifyOptions = {
    algorithms: options.algorithms,
    issuer: options.issuers,
    audience: options.audiences,
    typ: options.typ,
    requiredClaims: ['exp'],
    clockTolerance: options.clockToleranceSec,
    maxTokenAge: options.maxTokenAgeSec,
  };
  try {
    return (await jwtVerify(token, source.getKey, verifyOptions)).payload;
  } catch (error) {
    // A token without kid, and several keys that could have signed it.
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) {
      throw error;
    }
    for await (const key of error as unknown as AsyncIterable<KeyLike>) {
      try {
        return (await jwtVerify(token, key, verifyOptions)).payload;
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) {
          throw inner;
        }
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}
