import type { Config } from '@backstage/config';
import { EXTERNAL_ACCESS_KEY } from '../lib/externalAccessEntries';
import { sha256Hex } from '../lib/tokenDigest';
import { GATEHOUSE_MANAGED_TYPE } from '../managed/managedOptions';
import { MANAGED_TOKEN_PREFIX } from '../managed/managedTokenFormat';
import type { DecodedJwt } from './JwtDecoder';

/**
 * Could an entry tried after the last `gatehouse-jwks` entry accept this
 * token? `jwt` is undefined for a token that does not decode as a JWT.
 */
export type LaterAcceptance = (token: string, jwt?: DecodedJwt) => boolean;

/** Backstage's reading of `a, b`, `a b` and lists in its built-in options. */
function listOption(options: Config, key: string): string[] | undefined {
  const value = options.getOptional(key);
  if (value === undefined) {
    return undefined;
  }
  const values = (Array.isArray(value) ? value : [value])
    .flatMap(v => String(v).split(/[ ,]/))
    .filter(Boolean);
  return values.length ? values : undefined;
}

// Backstage's legacy handler takes only these tokens (and returns undefined
// for every other one without looking further).
const legacyCouldAccept: LaterAcceptance = (_token, jwt) =>
  jwt !== undefined &&
  jwt.header.alg === 'HS256' &&
  jwt.payload.sub === 'backstage-server' &&
  !jwt.payload.aud;

/**
 * What each built-in entry checks before it could accept a JWT, read from
 * its options as Backstage reads them: the issuer, audience and algorithm of
 * a `jwks` entry, the token of a `static` one. Gatehouse reports a token as
 * rejected only when no later entry could accept it: a token that a later
 * built-in entry takes is not a rejection. Entries of other types are
 * assumed to accept anything; Gatehouse's own static tokens are opaque
 * secrets, not JWTs, and managed tokens carry their own prefix.
 */
function acceptanceOf(entry: Config): LaterAcceptance {
  const type = entry.getOptionalString('type');
  const options = entry.getOptionalConfig('options');
  switch (type) {
    case 'gatehouse-static':
      return () => false;
    case GATEHOUSE_MANAGED_TYPE:
      // Managed tokens carry their own prefix; a JWT never does.
      return token => token.startsWith(MANAGED_TOKEN_PREFIX);
    case 'legacy':
      return legacyCouldAccept;
    case 'static': {
      const configured = options?.getOptionalString('token');
      const digest = configured ? sha256Hex(configured) : undefined;
      return token => digest !== undefined && sha256Hex(token) === digest;
    }
    case 'jwks': {
      const issuers = options && listOption(options, 'issuer');
      const audiences = options && listOption(options, 'audience');
      const algorithms = options && listOption(options, 'algorithm');
      return (_token, jwt) => {
        if (!jwt) {
          return false;
        }
        const { header, payload } = jwt;
        const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
        return (
          Boolean(payload.sub) &&
          (!issuers || issuers.includes(payload.iss as string)) &&
          (!audiences || aud.some(a => audiences.includes(a as string))) &&
          (!algorithms || algorithms.includes(header.alg as string))
        );
      };
    }
    default:
      return () => true;
  }
}

/**
 * The entries Backstage tries after position `lastJwksIndex`: the rest of
 * `externalAccess`, then the deprecated `backend.auth.keys` (legacy tokens).
 * Backstage reads them once, at start-up, and so does this.
 */
export function laterAcceptance(
  config: Config,
  lastJwksIndex: number,
): LaterAcceptance {
  const checks = (config.getOptionalConfigArray(EXTERNAL_ACCESS_KEY) ?? [])
    .slice(lastJwksIndex + 1)
    .map(acceptanceOf);
  if (config.getOptionalConfigArray('backend.auth.keys')?.length) {
    checks.push(legacyCouldAccept);
  }
  return (token, jwt) => checks.some(check => check(token, jwt));
}
