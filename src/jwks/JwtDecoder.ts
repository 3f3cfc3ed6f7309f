import type { JWSHeaderParameters, JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import type { RejectionReason } from '../lib/rejectionReasons';

/** Longer bearer values are rejected before any parsing. */
export const MAX_JWT_LENGTH = 8 * 1024;

/** Why one entry rejected a token. */
export interface Attempt {
  reason: RejectionReason;
  detail: string;
}

export interface DecodedJwt {
  header: JWSHeaderParameters;
  payload: JWTPayload;
  /**
   * What each entry concluded, at the entry's position, so that one line
   * can report them all: at most one per entry, however often the token
   * comes (a request may end before the entry that reports and clears them).
   */
  attempts: Array<Attempt | undefined>;
}

export type Decoding =
  | { ok: true; jwt: DecodedJwt }
  | { ok: false; reason: 'malformed' | 'too_large'; detail: string };

/**
 * The most heap one character of a token can take once decoded, with the
 * token itself: JSON of nested empty arrays is the worst case measured, 21
 * bytes per character of the token (an 8 KiB token of `[[[[...]]]]` holds
 * 165 KiB).
 */
const HEAP_BYTES_PER_TOKEN_CHARACTER = 24;

/**
 * Unauthenticated callers choose what is decoded, so the cache is bounded by
 * that estimate too: 1,024 crafted 8 KiB tokens would hold 160 MB, this
 * holds at most 24 MiB (about 1,000 tokens of 1 KiB, 120 of 8 KiB).
 */
const DECODED_CACHE_MAX_BYTES = 24 * 1024 * 1024;

/**
 * Decodes (without verifying) each bearer token once, however many
 * `gatehouse-jwks` entries and plugins look at it: entries are tried one after
 * another with the same token, so a small cache of recent tokens is enough.
 */
export class JwtDecoder {
  readonly #cache = new LRUCache<string, Decoding>({
    max: 1024,
    maxSize: DECODED_CACHE_MAX_BYTES,
    sizeCalculation: (_decoding, token) =>
      token.length * HEAP_BYTES_PER_TOKEN_CHARACTER,
  });

  /** Undefined for values that are not even shaped like a JWS: not for JWT handlers. */
  decode(token: string): Decoding | undefined {
    // A JSON object starts with '{' and then '"' or white space: in base64url,
    // 'ey' or 'ew'. Anything else is left to other handlers unparsed.
    if (!token.startsWith('ey') && !token.startsWith('ew')) {
      return undefined;
    }
    // Before the cache: a long key would only push useful entries out.
    if (token.length > MAX_JWT_LENGTH) {
      return {
        ok: false,
        reason: 'too_large',
        detail: `the token has ${token.length} characters, more than the limit of ${MAX_JWT_LENGTH}`,
      };
    }
    const cached = this.#cache.get(token);
    if (cached) {
      return cached;
    }
    const decoding = decodeUncached(token);
    this.#cache.set(token, decoding);
    return decoding;
  }
}

const BASE64URL_ALPHABET = /^[A-Za-z0-9_-]*$/;

/**
 * The last character of a segment of 4n+2 characters carries 4 unused bits,
 * of 4n+3 characters 2; the encoder leaves them zero, and only these
 * characters have them zero.
 */
const CANONICAL_LAST_CHARACTERS: Record<number, string> = {
  2: 'AQgw',
  3: 'AEIMQUYcgkosw048',
};

/**
 * True when `segment` is exactly what the base64url encoder makes of some
 * bytes (RFC 7515 section 2: no padding, no other alphabet). Node's decoder
 * is lenient (padding, '+' and '/', non-zero unused bits), so many strings
 * would decode to one signed token; only this one form is a token.
 *
 * @internal
 */
export function isCanonicalBase64Url(segment: string): boolean {
  if (!BASE64URL_ALPHABET.test(segment)) {
    return false;
  }
  const remainder = segment.length % 4;
  if (remainder === 0) {
    return true;
  }
  return (
    remainder !== 1 &&
    CANONICAL_LAST_CHARACTERS[remainder].includes(segment[segment.length - 1])
  );
}

/** The JSON object a segment encodes, or undefined (arrays and other values). */
function jsonObjectOf(segment: string): Record<string, unknown> | undefined {
  const value: unknown = JSON.parse(
    Buffer.from(segment, 'base64url').toString('utf8'),
  );
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function decodeUncached(token: string): Decoding {
  const segments = token.split('.');
  if (segments.length !== 3) {
    return {
      ok: false,
      reason: 'malformed',
      detail:
        'not a compact JWS (three dot-separated parts); encrypted JWTs are not accepted',
    };
  }
  if (!segments.every(isCanonicalBase64Url)) {
    return {
      ok: false,
      reason: 'malformed',
      detail: 'a segment is not canonical base64url',
    };
  }
  try {
    // Parsed here once for every entry and plugin; jose parses again what
    // it verifies.
    const header = jsonObjectOf(segments[0]) as JWSHeaderParameters | undefined;
    const payload = jsonObjectOf(segments[1]) as JWTPayload | undefined;
    // A kid that is not a string would be ignored by key selection, letting
    // any key of the right type be tried: not a JWS we accept (RFC 7515 4.1.4).
    if (
      !header ||
      !payload ||
      typeof header.alg !== 'string' ||
      (header.kid !== undefined && typeof header.kid !== 'string')
    ) {
      throw new Error('bad header');
    }
    return { ok: true, jwt: { header, payload, attempts: [] } };
  } catch {
    return {
      ok: false,
      reason: 'malformed',
      detail:
        'the header or payload is not base64url-encoded JSON objects, or the header has no string alg or a kid that is not a string',
    };
  }
}
