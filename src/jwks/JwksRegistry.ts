import type {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { errors, jwtVerify, JWTPayload, KeyLike } from 'jose';
import { LRUCache } from 'lru-cache';
import {
  EntryBinder,
  externalAccessEntriesOfType,
} from '../lib/externalAccessEntries';
import { GatehouseConfigError } from '../lib/GatehouseConfigError';
import type { RejectionReason } from '../lib/rejectionReasons';
import { firstBrokenRule } from './claimRules';
import { JwksEntryOptions, parseJwksOptions } from './jwksOptions';
import { DecodedJwt, JwtDecoder } from './JwtDecoder';
import { rejectionOfJoseError } from './rejectionOfJoseError';
import { RemoteKeySource } from './RemoteKeySource';

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
};

export type JwksVerification =
  | { result: 'accepted'; subject: string }
  | { result: 'rejected'; reason: RejectionReason; detail: string }
  /** Not shaped like a JWT: for other handlers. */
  | { result: 'not_jwt' };

interface Entry {
  index: number;
  path: string;
  options: JwksEntryOptions;
  /** By issuer for discovery entries; under '' for entries with a `url`. */
  sources: Map<string, RemoteKeySource>;
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
  readonly #logger: LoggerService;
  readonly #now: () => number;
  readonly #entries: Map<number, Entry>;
  readonly #sources: Map<string, RemoteKeySource>;
  readonly #binder = new EntryBinder(GATEHOUSE_JWKS_TYPE);
  readonly #decoder = new JwtDecoder();
  /** Per token, the entries that accepted it: nearly always one. */
  readonly #verified = new LRUCache<string, Accepted[]>({
    max: VERIFIED_CACHE_SIZE,
  });
  readonly #lastEntryIndex: number;

  /** @throws GatehouseConfigError naming every invalid config path */
  static create(options: JwksRegistryOptions): JwksRegistry {
    return new JwksRegistry(options);
  }

  private constructor(options: JwksRegistryOptions) {
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    const raw = externalAccessEntriesOfType(
      options.config,
      GATEHOUSE_JWKS_TYPE,
    );
    const problems: string[] = [];
    const parsed: Array<{
      index: number;
      path: string;
      options: JwksEntryOptions;
    }> = [];
    for (const { index, optionsPath, rawOptions } of raw) {
      try {
        parsed.push({
          index,
          path: optionsPath,
          options: parseJwksOptions(rawOptions, optionsPath),
        });
      } catch (error) {
        if (!(error instanceof GatehouseConfigError)) {
          throw error;
        }
        problems.push(...error.problems);
      }
    }
    if (problems.length) {
      throw new GatehouseConfigError(
        'Invalid gatehouse-jwks configuration:',
        problems,
      );
    }

    this.#sources = new Map();
    this.#entries = new Map(
      parsed.map(({ index, path, options: entryOptions }) => [
        index,
        {
          index,
          path,
          options: entryOptions,
          sources: this.#sourcesFor(path, entryOptions),
        },
      ]),
    );
    this.#lastEntryIndex = Math.max(...this.#entries.keys());
    this.#binder.remember(raw);
    for (const { options: entryOptions } of this.#entries.values()) {
      for (const warning of entryOptions.warnings) {
        this.#logger.warn(`gatehouse-jwks: ${warning}`);
      }
    }
    if (this.#entries.size) {
      this.#logger.info(
        `gatehouse-jwks has ${this.#entries.size} entr${
          this.#entries.size === 1 ? 'y' : 'ies'
        } and ${this.#sources.size} key source(s): ${[...this.#sources.keys()].join(', ')}`,
      );
    }
  }

  /** Starts fetching every key set in the background; never waits, never fails. */
  start(): void {
    for (const source of this.#sources.values()) {
      source.start();
    }
  }

  bindEntry(options: Config): number {
    return this.#binder.bind(options);
  }

  /** True for the entry tried last, which reports tokens no entry accepted. */
  isLastEntry(entryIndex: number): boolean {
    return entryIndex === this.#lastEntryIndex;
  }

  keySources(): RemoteKeySource[] {
    return [...this.#sources.values()];
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
      jwt.attempts.push({
        entryIndex,
        reason: outcome.reason,
        detail: outcome.detail,
      });
    } else {
      jwt.attempts.length = 0;
    }
    return outcome;
  }

  /**
   * Of the rejections every entry gave this token, the one that got furthest
   * (a signature that verified but expired says more than an issuer mismatch).
   */
  furthestRejection(
    token: string,
  ):
    | { reason: RejectionReason; detail: string; entryIndex: number }
    | undefined {
    const decoding = this.#decoder.decode(token);
    if (!decoding?.ok) {
      return undefined;
    }
    const attempts = decoding.jwt.attempts.splice(0);
    return attempts.reduce<(typeof attempts)[number] | undefined>(
      (best, attempt) =>
        !best || STAGE[attempt.reason] > STAGE[best.reason] ? attempt : best,
      undefined,
    );
  }

  async #verifyUncached(
    token: string,
    jwt: DecodedJwt,
    entry: Entry,
  ): Promise<JwksVerification> {
    const rejection = precheck(jwt, entry.options);
    if (rejection) {
      return { result: 'rejected', ...rejection };
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
    const subjectValue = payload[options.subjectClaim] as string | number;
    const subject = options.subjectPrefix
      ? `external:${options.subjectPrefix}:${subjectValue}`
      : `external:${subjectValue}`;

    const validUntil =
      Math.min(
        payload.exp! + options.clockToleranceSec,
        options.maxTokenAgeSec === undefined
          ? Infinity
          : (payload.iat ?? 0) +
              options.maxTokenAgeSec +
              options.clockToleranceSec,
      ) * 1000;
    const accepted = {
      entryIndex: entry.index,
      subject,
      validUntil,
      source,
      version,
    };
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
      sources.set(key, source);
    }
    return sources;
  }
}

function normalizeTyp(typ: string): string {
  return typ.toLowerCase().replace(/^application\//, '');
}

/** Checks on the unverified token; a rejection here costs no signature work or key fetch. */
function precheck(
  jwt: DecodedJwt,
  options: JwksEntryOptions,
): { reason: RejectionReason; detail: string } | undefined {
  const { header, payload } = jwt;
  if (options.issuers && !options.issuers.includes(payload.iss as string)) {
    return {
      reason: 'issuer_mismatch',
      detail: `issuer '${String(payload.iss)}' is not in [${options.issuers.join(', ')}]`,
    };
  }
  if (!options.algorithms.includes(header.alg!)) {
    return {
      reason: 'alg_not_allowed',
      detail: `algorithm '${header.alg}' is not in [${options.algorithms.join(', ')}]`,
    };
  }
  const typ = header.typ;
  const typOk = options.typ
    ? typeof typ === 'string' && normalizeTyp(typ) === normalizeTyp(options.typ)
    : typ === undefined ||
      (typeof typ === 'string' &&
        ['jwt', 'at+jwt'].includes(normalizeTyp(typ)));
  if (!typOk) {
    return {
      reason: 'typ_mismatch',
      detail: `header typ '${String(typ)}' is not ${
        options.typ ? `'${options.typ}'` : "absent, 'JWT' or 'at+jwt'"
      }`,
    };
  }
  if (options.audiences) {
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!aud.some(a => options.audiences!.includes(a as string))) {
      return {
        reason: 'audience_mismatch',
        detail: `audience ${JSON.stringify(payload.aud)} is not in [${options.audiences.join(', ')}]`,
      };
    }
  }
  const broken = firstBrokenRule(options.claimRules, payload);
  if (broken) {
    return {
      reason: 'claim_mismatch',
      detail: `claim '${broken.rule.claim}' is ${JSON.stringify(broken.actual)} but must match ${broken.rule.patterns
        .map(p => JSON.stringify(p))
        .join(' or ')}`,
    };
  }
  const subject = payload[options.subjectClaim];
  if (typeof subject !== 'string' && typeof subject !== 'number') {
    return {
      reason: 'claim_mismatch',
      detail: `the subject claim '${options.subjectClaim}' is missing or not a string`,
    };
  }
  if (typeof subject === 'string' && !/^\S+$/.test(subject)) {
    return {
      reason: 'claim_mismatch',
      detail: `the subject claim '${options.subjectClaim}' is empty or has white space`,
    };
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
