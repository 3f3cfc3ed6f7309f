import { z } from 'zod';
import { ownerRefSchema } from '../ownership/ownerRef';
import { parseConfig, UNSET_VARIABLE_HINT } from '../lib/configIssues';
import { durationSchema } from '../lib/durationSchema';
import { GatehouseConfigError } from '../lib/GatehouseConfigError';
import { isSafeSubjectText, UNSAFE_SUBJECT_MESSAGE } from '../lib/subjects';
import { ClaimRule, compileClaimRules } from './claimRules';

/** RFC 8725: asymmetric algorithms only; `none` and HMAC are never accepted. */
export const DEFAULT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/** Key-set fetching defaults; DESIGN.md section 4 fixes the cooldown. */
export const KEY_SET_DEFAULTS = {
  cooldownMs: 5_000,
  cacheMaxAgeMs: 10 * 60_000,
  timeoutMs: 5_000,
  maxStaleMs: 24 * 60 * 60_000,
};

export interface KeySetSettings {
  /** At most one fetch per this period when a token names an unknown `kid`. */
  cooldownMs: number;
  /** Keys older than this are refreshed in the background. */
  cacheMaxAgeMs: number;
  timeoutMs: number;
  /** While the provider fails, the last good keys serve at most this long. */
  maxStaleMs: number;
}

/** The options of one `gatehouse-jwks` entry, validated. */
export interface JwksEntryOptions {
  /** JWKS URL; absent when the keys are found by OIDC discovery of each issuer. */
  url?: string;
  issuers?: string[];
  audiences?: string[];
  algorithms: string[];
  subjectClaim: string;
  subjectPrefix?: string;
  /** The catalog entity ref (group or user) that looks after the entry. */
  owner?: string;
  claimRules: ClaimRule[];
  clockToleranceSec: number;
  maxTokenAgeSec?: number;
  typ?: string;
  keySet: KeySetSettings;
  /** Risky but valid settings, to log at start-up. */
  warnings: string[];
}

// Upstream accepts "a, b" and "a b" as well as lists; so does Gatehouse.
const stringOrList = z
  .union([z.string(), z.array(z.string())])
  .transform(value =>
    [
      ...new Set(
        (Array.isArray(value) ? value : [value]).flatMap(v => v.split(/[ ,]/)),
      ),
    ].filter(Boolean),
  );

const httpUrl = z.string().refine(value => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, 'must be an http(s) URL');

const claimPattern = z.union([z.string(), z.number(), z.boolean()]);

const optionsSchema = z.strictObject({
  url: httpUrl.optional(),
  issuer: stringOrList.optional(),
  audience: stringOrList.optional(),
  algorithm: stringOrList.optional(),
  subjectClaim: z.string().min(1).optional(),
  subjectPrefix: z
    .string()
    .refine(isSafeSubjectText, UNSAFE_SUBJECT_MESSAGE)
    .optional(),
  owner: ownerRefSchema.optional(),
  claims: z
    .record(
      z.string(),
      z.union([
        claimPattern,
        z
          .array(claimPattern)
          .min(1, `must list at least one value${UNSET_VARIABLE_HINT}`),
      ]),
    )
    .optional(),
  clockTolerance: durationSchema.optional(),
  maxTokenAge: durationSchema.optional(),
  typ: z.string().min(1).optional(),
  jwksCooldown: durationSchema.optional(),
  jwksCacheMaxAge: durationSchema.optional(),
  jwksTimeout: durationSchema.optional(),
  jwksMaxStale: durationSchema.optional(),
});

/** True for an http (not https) URL to a host other than this machine. */
export function isPlainHttpToRemoteHost(url: string): boolean {
  try {
    const { protocol, hostname } = new URL(url);
    return (
      protocol === 'http:' &&
      !['localhost', '127.0.0.1', '[::1]'].includes(hostname)
    );
  } catch {
    return false;
  }
}

/**
 * Validates the `options` of one `gatehouse-jwks` entry.
 *
 * @param path - the config path of the options, e.g. `backend.auth.externalAccess[1].options`
 */
export function parseJwksOptions(raw: unknown, path: string): JwksEntryOptions {
  const title = `Invalid gatehouse-jwks options at ${path}:`;
  const options = parseConfig(optionsSchema, raw, path, title);
  const problems: string[] = [];
  const issuers = options.issuer?.length ? options.issuer : undefined;
  const audiences = options.audience?.length ? options.audience : undefined;

  if (!options.url && !issuers) {
    problems.push(
      `${path}: needs 'url' (the JWKS URL) or 'issuer' (to find it by OIDC discovery)${UNSET_VARIABLE_HINT}`,
    );
  }
  // An unset variable takes its key out, so `claims: { ref: ${REF} }`
  // arrives as `claims: {}`: read as written, it would bind nothing.
  if (options.claims && Object.keys(options.claims).length === 0) {
    problems.push(
      `${path}.claims: names no claim, so it binds nothing; name at least one claim or remove 'claims'${UNSET_VARIABLE_HINT}`,
    );
  }
  if (!options.url && issuers) {
    for (const issuer of issuers) {
      if (!httpUrl.safeParse(issuer).success) {
        problems.push(
          `${path}.issuer: '${issuer}' must be an http(s) URL for OIDC discovery, or set 'url'`,
        );
      }
    }
  }
  const algorithms = options.algorithm?.length
    ? options.algorithm
    : [...DEFAULT_ALGORITHMS];
  for (const alg of algorithms) {
    if (!(DEFAULT_ALGORITHMS as readonly string[]).includes(alg)) {
      problems.push(
        `${path}.algorithm: '${alg}' is not accepted; use asymmetric algorithms (${DEFAULT_ALGORITHMS.join(', ')}): 'none' and HMAC are never accepted`,
      );
    }
  }
  if (problems.length) {
    throw new GatehouseConfigError(title, problems);
  }

  const warnings: string[] = [];
  if (audiences?.includes('backstage')) {
    warnings.push(
      `${path}.audience: 'backstage' is the audience of Backstage's own user tokens, so Backstage takes such JWTs for user tokens and rejects them before any external handler sees them; use another audience, such as 'backstage-api'`,
    );
  }
  if (!issuers && !audiences) {
    warnings.push(
      `${path}: neither 'issuer' nor 'audience' is set, so any token signed by this key set is accepted, including tokens the provider issued for other applications`,
    );
  } else if (!audiences) {
    warnings.push(
      `${path}: 'audience' is not set, so tokens the provider issued for any other application are accepted too${UNSET_VARIABLE_HINT}`,
    );
  }
  if (options.url && isPlainHttpToRemoteHost(options.url)) {
    warnings.push(
      `${path}.url: the JWKS is fetched over plain http, so anybody on the network path can substitute keys; use https`,
    );
  }
  if (!options.url && issuers?.some(isPlainHttpToRemoteHost)) {
    warnings.push(
      `${path}.issuer: the discovery document (and so the JWKS URL) is fetched over plain http, so anybody on the network path can substitute keys; use an https issuer`,
    );
  }

  return {
    url: options.url,
    issuers,
    audiences,
    algorithms,
    subjectClaim: options.subjectClaim ?? 'sub',
    subjectPrefix: options.subjectPrefix,
    ...(options.owner ? { owner: options.owner } : {}),
    claimRules: compileClaimRules(options.claims ?? {}),
    clockToleranceSec: (options.clockTolerance ?? 0) / 1000,
    maxTokenAgeSec:
      options.maxTokenAge === undefined
        ? undefined
        : options.maxTokenAge / 1000,
    typ: options.typ,
    keySet: {
      cooldownMs: options.jwksCooldown ?? KEY_SET_DEFAULTS.cooldownMs,
      cacheMaxAgeMs: options.jwksCacheMaxAge ?? KEY_SET_DEFAULTS.cacheMaxAgeMs,
      timeoutMs: options.jwksTimeout ?? KEY_SET_DEFAULTS.timeoutMs,
      maxStaleMs: options.jwksMaxStale ?? KEY_SET_DEFAULTS.maxStaleMs,
    },
    warnings,
  };
}
