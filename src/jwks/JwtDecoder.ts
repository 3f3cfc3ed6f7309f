import {
  decodeJwt,
  decodeProtectedHeader,
  JWSHeaderParameters,
  JWTPayload,
} from 'jose';
import { LRUCache } from 'lru-cache';
import type { RejectionReason } from '../lib/rejectionReasons';

/** Longer bearer values are rejected before any parsing. */
export const MAX_JWT_LENGTH = 8 * 1024;

export interface DecodedJwt {
  header: JWSHeaderParameters;
  payload: JWTPayload;
  /** What each entry concluded, so that one line can report them all. */
  attempts: Array<{
    entryIndex: number;
    reason: RejectionReason;
    detail: string;
  }>;
}

export type Decoding =
  | { ok: true; jwt: DecodedJwt }
  | { ok: false; reason: 'malformed' | 'too_large'; detail: string };

/**
 * Decodes (without verifying) each bearer token once, however many
 * `gatehouse-jwks` entries and plugins look at it: entries are tried one after
 * another with the same token, so a small cache of recent tokens is enough.
 */
export class JwtDecoder {
  readonly #cache = new LRUCache<string, Decoding>({ max: 1024 });

  /** Undefined for values that are not even shaped like a JWS: not for JWT handlers. */
  decode(token: string): Decoding | undefined {
    // Every JWS starts with the base64url of '{"', whatever its header holds.
    if (!token.startsWith('eyJ')) {
      return undefined;
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

function isCanonicalBase64Url(segment: string): boolean {
  return (
    /^[A-Za-z0-9_-]*$/.test(segment) &&
    Buffer.from(segment, 'base64url').toString('base64url') === segment
  );
}

function decodeUncached(token: string): Decoding {
  if (token.length > MAX_JWT_LENGTH) {
    return {
      ok: false,
      reason: 'too_large',
      detail: `the token has ${token.length} characters, more than the limit of ${MAX_JWT_LENGTH}`,
    };
  }
  const segments = token.split('.');
  if (segments.length !== 3) {
    return {
      ok: false,
      reason: 'malformed',
      detail:
        'not a compact JWS (three dot-separated parts); encrypted JWTs are not accepted',
    };
  }
  // Node's decoder is lenient (padding, '+' and '/', non-zero slack bits), so
  // many strings would decode to one signed token; only the canonical
  // unpadded base64url form is a token (RFC 7515 section 2).
  if (!segments.every(isCanonicalBase64Url)) {
    return {
      ok: false,
      reason: 'malformed',
      detail: 'a segment is not canonical base64url',
    };
  }
  try {
    const header = decodeProtectedHeader(token) as JWSHeaderParameters;
    const payload = decodeJwt(token);
    // A kid that is not a string would be ignored by key selection, letting
    // any key of the right type be tried: not a JWS we accept (RFC 7515 4.1.4).
    if (
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
