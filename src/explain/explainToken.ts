import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  JWTPayload,
  jwtVerify,
} from 'jose';
import { JwksRegistry, GATEHOUSE_JWKS_TYPE } from '../jwks/JwksRegistry';
import { rejectionOfJoseError } from '../jwks/rejectionOfJoseError';
import { UNSET_VARIABLE_HINT } from '../lib/configIssues';
import { GatehouseConfigError } from '../lib/GatehouseConfigError';
import { EXTERNAL_ACCESS_KEY } from '../lib/externalAccessEntries';
import { fingerprintOf, looksLikeJwt, sha256Hex } from '../lib/tokenDigest';
import { likelyMeant } from '../lib/unknownKey';
import { MIN_TOKEN_LENGTH } from '../static/staticOptions';
import {
  GATEHOUSE_STATIC_TYPE,
  StaticTokenRegistry,
} from '../static/StaticTokenRegistry';
import { relativeText } from './relativeTime';
import { GATEHOUSE_MANAGED_TYPE } from '../managed/managedOptions';
import {
  isManagedToken,
  MANAGED_TOKEN_PREFIX,
} from '../managed/managedTokenFormat';

/** What one `externalAccess` entry makes of the token. */
export interface EntryExplanation {
  /** `backend.auth.externalAccess[i]` */
  path: string;
  type: string;
  outcome: 'accepted' | 'rejected' | 'not_tried' | 'unsupported';
  /** A reason code (docs/operations.md), for rejections. */
  reason?: string;
  /** A sentence for humans. */
  sentence: string;
  subject?: string;
  accessRestrictions?: unknown;
}

/**
 * A managed token as the backend that issued it knows it (managed tokens
 * live in its database, not in config): undefined when it has none with
 * this token's fingerprint.
 */
export interface ManagedTokenState {
  id: string;
  subject: string;
  status: 'active' | 'expired' | 'revoked';
  expiresAt?: string;
  revokedAt?: string;
  accessRestrictions?: unknown;
}

/** Asks the backend about a managed token; throws when it cannot (a sentence). */
export type ManagedTokenLookup = (
  fingerprint: string,
) => Promise<ManagedTokenState | undefined>;

export interface Explanation {
  /** First 8 hex digits of the token's SHA-256; the token itself is never shown. */
  fingerprint: string;
  /** For a JWT: header and registered claims (no signature). */
  jwt?: { header: Record<string, unknown>; claims: Record<string, unknown> };
  /** Backstage's own checks, which run before any externalAccess entry. */
  notes: string[];
  entries: EntryExplanation[];
  accepted?: EntryExplanation;
  /** What the handlers logged as warnings or errors while loading and checking. */
  warnings: string[];
}

function collectingLogger(into: string[]): LoggerService {
  const logger: LoggerService = {
    error: message => void into.push(message),
    warn: message => void into.push(message),
    info: () => {},
    debug: () => {},
    child: () => logger,
  };
  return logger;
}

function decodeIfJwt(token: string): Explanation['jwt'] {
  if (!looksLikeJwt(token)) {
    return undefined;
  }
  try {
    const header = decodeProtectedHeader(token) as Record<string, unknown>;
    const payload = decodeJwt(token);
    const claims: Record<string, unknown> = {};
    for (const key of ['iss', 'sub', 'aud', 'iat', 'nbf', 'exp', 'azp']) {
      if (payload[key] !== undefined) {
        claims[key] = payload[key];
      }
    }
    return { header, claims };
  } catch {
    return undefined;
  }
}

/** Backstage checks plugin and user tokens first; such tokens never reach externalAccess. */
function backstageOwnChecks(jwt: Explanation['jwt']): string[] {
  if (!jwt) {
    return [];
  }
  const typ = jwt.header.typ;
  if (typ === 'vnd.backstage.plugin') {
    return [
      "The header typ is 'vnd.backstage.plugin': Backstage's plugin-token check takes this token before any externalAccess entry, and accepts or rejects it itself.",
    ];
  }
  if (typ === 'vnd.backstage.user' || typ === 'vnd.backstage.limited-user') {
    return [
      `The header typ is '${typ}': Backstage's user-token check takes this token before any externalAccess entry, and accepts or rejects it itself.`,
    ];
  }
  if (jwt.claims.aud === 'backstage') {
    return [
      "The audience is 'backstage': Backstage takes the token for one of its user tokens and rejects it (401 'Failed user token verification') before any externalAccess entry sees it. Issue it for another audience, such as 'backstage-api'.",
    ];
  }
  return [];
}

/** Adds how long ago, or how far ahead, a time claim is, for time-based rejections. */
function withTimes(
  sentence: string,
  reason: string,
  claims: JWTPayload,
  now: number,
): string {
  const at = (seconds: unknown) =>
    typeof seconds === 'number'
      ? `${new Date(seconds * 1000).toISOString()}, ${relativeText(seconds * 1000, now)}`
      : 'an invalid time';
  if (reason === 'expired') {
    return `expired at ${at(claims.exp)}`;
  }
  if (reason === 'too_old') {
    return `${sentence} (issued at ${at(claims.iat)})`;
  }
  if (reason === 'not_yet_valid') {
    const when =
      typeof claims.nbf === 'number' && claims.nbf * 1000 > now
        ? `not valid before ${at(claims.nbf)}`
        : `issued at ${at(claims.iat)}`;
    return `${when}: if the clocks disagree, set clockTolerance (e.g. 30s)`;
  }
  return sentence;
}

async function explainBuiltinJwks(
  options: Config,
  token: string,
): Promise<
  Pick<EntryExplanation, 'outcome' | 'reason' | 'sentence' | 'subject'>
> {
  const list = (key: string) => {
    const value = options.getOptional<string | string[]>(key);
    return value === undefined
      ? undefined
      : (Array.isArray(value) ? value : [value])
          .flatMap(v => v.split(/[ ,]/))
          .filter(Boolean);
  };
  try {
    const url = options.getString('url');
    const { payload } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(url)),
      {
        algorithms: list('algorithm'),
        issuer: list('issuer'),
        audience: list('audience'),
      },
    );
    if (!payload.sub) {
      return {
        outcome: 'rejected',
        reason: 'claim_mismatch',
        sentence: 'the token has no sub claim',
      };
    }
    const prefix = options.getOptionalString('subjectPrefix');
    const subject = prefix
      ? `external:${prefix}:${payload.sub}`
      : `external:${payload.sub}`;
    return {
      outcome: 'accepted',
      subject,
      sentence: `accepted as '${subject}'`,
    };
  } catch (error) {
    const { reason, detail } = rejectionOfJoseError(error);
    return { outcome: 'rejected', reason, sentence: detail };
  }
}

/** The types backend-defaults itself adds to `externalAccess`. */
const BACKSTAGE_TYPES = ['static', 'legacy', 'jwks'];

/**
 * Backstage refuses to start with an entry whose type no module adds; so does
 * explain, rather than guess what such an entry would do.
 *
 * @throws GatehouseConfigError naming each entry with an unknown type
 */
function assertKnownTypes(config: Config, moduleTypes: readonly string[]) {
  const known = [
    ...BACKSTAGE_TYPES,
    GATEHOUSE_STATIC_TYPE,
    GATEHOUSE_JWKS_TYPE,
    GATEHOUSE_MANAGED_TYPE,
    ...moduleTypes,
  ];
  const problems: string[] = [];
  const configs = config.getOptionalConfigArray(EXTERNAL_ACCESS_KEY) ?? [];
  for (const [index, entry] of configs.entries()) {
    const type = entry.getOptional('type');
    const path = `${EXTERNAL_ACCESS_KEY}[${index}].type`;
    if (typeof type !== 'string') {
      problems.push(`${path}: is required${UNSET_VARIABLE_HINT}`);
    } else if (!known.includes(type)) {
      const meant = likelyMeant(type, known);
      problems.push(
        `${path}: unknown type '${type}'${meant ? `; did you mean '${meant}'?` : ''} Backstage starts only with types its modules add (${known.join(', ')}). If another backend module of yours adds '${type}', pass --module-type ${type}: explain then says that Backstage tries that entry, which it cannot explain.`,
      );
    }
  }
  if (problems.length) {
    throw new GatehouseConfigError(
      'Unknown backend.auth.externalAccess types:',
      problems,
    );
  }
}

/**
 * Runs a bearer token through the `externalAccess` entries of a config, in
 * Backstage's order and with the same code as the running handlers, and says
 * which entry accepts it or why each one does not.
 *
 * @param options.moduleTypes - types that other backend modules add
 * @throws GatehouseConfigError for a config Backstage would not start with
 */
export async function explainToken(
  config: Config,
  token: string,
  options: {
    now?: () => number;
    moduleTypes?: readonly string[];
    /** Without it, explain cannot say whether a managed token is active. */
    managedLookup?: ManagedTokenLookup;
  } = {},
): Promise<Explanation> {
  assertKnownTypes(config, options.moduleTypes ?? []);
  const now = options.now ?? Date.now;
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  const jwt = decodeIfJwt(token);
  const notes = backstageOwnChecks(jwt);
  const claims = jwt ? decodeJwt(token) : {};

  const staticRegistry = await StaticTokenRegistry.create({
    config,
    logger,
    now,
  });
  let jwksRegistry: JwksRegistry | undefined;
  const entries: EntryExplanation[] = [];
  let accepted: EntryExplanation | undefined;
  try {
    jwksRegistry = JwksRegistry.create({ config, logger, now });
    const configs = config.getOptionalConfigArray(EXTERNAL_ACCESS_KEY) ?? [];
    for (const [index, entryConfig] of configs.entries()) {
      const path = `${EXTERNAL_ACCESS_KEY}[${index}]`;
      const type = entryConfig.getOptionalString('type') ?? '(no type)';
      const explanation: EntryExplanation = {
        path,
        type,
        outcome: 'not_tried',
        sentence: '',
      };
      entries.push(explanation);
      if (notes.length) {
        explanation.sentence =
          "not reached: Backstage's own check decides (see above)";
        continue;
      }
      if (accepted) {
        explanation.sentence = 'not tried: an earlier entry accepts the token';
        continue;
      }
      Object.assign(
        explanation,
        await explainEntry(type, index, entryConfig, token),
      );
      if (explanation.outcome === 'rejected' && explanation.reason) {
        explanation.sentence = withTimes(
          explanation.sentence,
          explanation.reason,
          claims,
          now(),
        );
        // Signature and key problems hide the time claims: say so when they fail too.
        if (
          (type === GATEHOUSE_JWKS_TYPE || type === 'jwks') &&
          !['expired', 'too_old', 'not_yet_valid'].includes(
            explanation.reason,
          ) &&
          typeof claims.exp === 'number' &&
          claims.exp * 1000 <= now()
        ) {
          explanation.sentence += `; besides, the token expired at ${new Date(claims.exp * 1000).toISOString()}, ${relativeText(claims.exp * 1000, now())}`;
        }
      }
      if (explanation.outcome === 'accepted') {
        // A managed token has its own; every other entry's are the entry's.
        if (type !== GATEHOUSE_MANAGED_TYPE) {
          explanation.accessRestrictions =
            entryConfig.getOptional('accessRestrictions');
        }
        accepted = explanation;
      }
    }
  } finally {
    staticRegistry.close();
    jwksRegistry?.close();
  }
  return {
    fingerprint: fingerprintOf(token),
    jwt,
    notes,
    entries,
    accepted,
    warnings: [...new Set(warnings)],
  };

  async function explainEntry(
    type: string,
    index: number,
    entryConfig: Config,
    bearer: string,
  ): Promise<Partial<EntryExplanation>> {
    switch (type) {
      case GATEHOUSE_STATIC_TYPE: {
        const v = staticRegistry.verify(bearer, index);
        switch (v.result) {
          case 'accepted':
            return {
              outcome: 'accepted',
              subject: v.record.subject,
              sentence: `accepted as '${v.record.subject}' (token ${v.record.origin})`,
            };
          case 'rejected': {
            const when =
              v.reason === 'token_expired_static'
                ? v.record.expiresAt!
                : v.record.notBefore!;
            return {
              outcome: 'rejected',
              reason: v.reason,
              sentence: `${v.reason === 'token_expired_static' ? 'expired at' : 'not valid before'} ${new Date(when).toISOString()}, ${relativeText(when, now())} (token ${v.record.origin})`,
            };
          }
          case 'elsewhere':
            return {
              outcome: 'rejected',
              reason: 'unknown_token',
              sentence:
                "not this entry's token: it belongs to another gatehouse-static entry",
            };
          case 'too_large':
            return {
              outcome: 'rejected',
              reason: 'too_large',
              sentence: 'longer than any static token can be',
            };
          case 'not_a_token':
            return {
              outcome: 'rejected',
              reason: 'unknown_token',
              sentence: `shorter than any static token can be (${MIN_TOKEN_LENGTH} characters)`,
            };
          default:
            return {
              outcome: 'rejected',
              reason: 'unknown_token',
              sentence: `no gatehouse-static entry has this token (its sha256 starts with ${v.fingerprint}; compare with the 'sha256:' lines)`,
            };
        }
      }
      case GATEHOUSE_JWKS_TYPE: {
        const v = await jwksRegistry!.verify(bearer, index);
        if (v.result === 'accepted') {
          return {
            outcome: 'accepted',
            subject: v.subject,
            sentence: `accepted as '${v.subject}'`,
          };
        }
        if (v.result === 'not_jwt') {
          return {
            outcome: 'rejected',
            reason: 'malformed',
            sentence: 'not a JWT',
          };
        }
        return { outcome: 'rejected', reason: v.reason, sentence: v.detail };
      }
      case 'static': {
        const configured = entryConfig.getOptionalString('options.token');
        const subject = entryConfig.getOptionalString('options.subject');
        return configured !== undefined &&
          sha256Hex(configured) === sha256Hex(bearer)
          ? {
              outcome: 'accepted',
              subject,
              sentence: `accepted as '${subject}'`,
            }
          : {
              outcome: 'rejected',
              reason: 'unknown_token',
              sentence: "not this entry's token",
            };
      }
      case 'jwks':
        return explainBuiltinJwks(entryConfig.getConfig('options'), bearer);
      case GATEHOUSE_MANAGED_TYPE:
        if (!bearer.startsWith(MANAGED_TOKEN_PREFIX)) {
          return {
            outcome: 'rejected',
            reason: 'unknown_token',
            sentence: `not a managed token (they start with ${MANAGED_TOKEN_PREFIX})`,
          };
        }
        if (!isManagedToken(bearer)) {
          return {
            outcome: 'rejected',
            reason: 'unknown_token',
            sentence:
              'shaped like a managed token, but its checksum is wrong: mistyped or cut',
          };
        }
        return explainManaged(bearer);
      default:
        return {
          outcome: 'unsupported',
          sentence: `Gatehouse cannot explain entries of type '${type}'; Backstage tries it here`,
        };
    }
  }

  /** A well-formed managed token: active or not is the backend's to say. */
  async function explainManaged(
    bearer: string,
  ): Promise<Partial<EntryExplanation>> {
    const fingerprint = fingerprintOf(bearer);
    if (!options.managedLookup) {
      return {
        outcome: 'unsupported',
        sentence: `a managed token with a valid checksum (fingerprint ${fingerprint}); whether it is active is in the backend's database: give --backend-url (or GATEHOUSE_BACKEND_URL) and a GATEHOUSE_TOKEN that may read tokens, and explain asks the backend`,
      };
    }
    let state: ManagedTokenState | undefined;
    try {
      state = await options.managedLookup(fingerprint);
    } catch (error) {
      return {
        outcome: 'unsupported',
        sentence: `a managed token with a valid checksum (fingerprint ${fingerprint}); the backend could not be asked about it: ${(error as Error).message}`,
      };
    }
    if (!state) {
      return {
        outcome: 'rejected',
        reason: 'unknown_token',
        sentence: `a managed token this backend never issued (it has none with fingerprint ${fingerprint})`,
      };
    }
    if (state.status === 'active') {
      return {
        outcome: 'accepted',
        subject: state.subject,
        accessRestrictions: state.accessRestrictions,
        sentence: `accepted as '${state.subject}' (managed token ${state.id}, active until ${state.expiresAt}, per the backend)`,
      };
    }
    return {
      outcome: 'rejected',
      reason: 'unknown_token',
      sentence:
        state.status === 'revoked'
          ? `managed token ${state.id} was revoked at ${state.revokedAt}`
          : `managed token ${state.id} expired at ${state.expiresAt}`,
    };
  }
}
