import {
  createChecksummedToken,
  hasValidChecksum,
} from '../lib/checksummedToken';
import { sha256Hex } from '../lib/tokenDigest';

/**
 * Prefix of tokens made by `gatehouse token create`, so that secret scanners
 * can recognise leaked ones: `gths_`, 43 base62 digits and a 6-digit CRC32
 * (docs/leaks.md has the patterns and the checksum).
 *
 * @public
 */
export const STATIC_TOKEN_PREFIX = 'gths_';

/**
 * Prefix of tokens made by `gatehouse token create` before 0.2: `gth_` and
 * 43 base64url characters, without a checksum. They keep working.
 *
 * @public
 */
export const LEGACY_STATIC_TOKEN_PREFIX = 'gth_';

/**
 * A new random static token: 32 bytes from the system CSPRNG, with a
 * checksum a scanner can verify offline.
 *
 * @public
 */
export function createStaticToken(): string {
  return createChecksummedToken(STATIC_TOKEN_PREFIX);
}

/** Whether `token` is shaped as a generated static token, with a valid checksum. */
export function isStaticToken(token: string): boolean {
  return hasValidChecksum(token, STATIC_TOKEN_PREFIX);
}

/**
 * The value for `hash:` in config: `sha256:` and the token's SHA-256 in hex.
 *
 * @public
 */
export function hashStaticToken(token: string): string {
  return `sha256:${sha256Hex(token)}`;
}

/**
 * Lower-case words joined by `.`, `-` or `+`: the shape of WebSocket
 * subprotocol names (`graphql-transport-ws`, `sldp.softvelum.com`,
 * `opcua+uajson`, `v12.stomp`, `wamp.2.json`). Backstage 0.19 authenticates WebSocket routes
 * by trying each subprotocol a client offers as a token, so names sit beside
 * the real token; an unknown value of this shape is not reported as a
 * rejected token. Generated tokens (`gths_` and base62, `gth_` and
 * base64url), hex and UUID
 * tokens never have it. One pass, no backtracking: the classes do not
 * overlap.
 */
const SUBPROTOCOL_NAME = /^[a-z]+[0-9]*(?:[.+-](?:[a-z]+[0-9]*|[0-9]{1,2}))+$/;

/** True for values shaped like a WebSocket subprotocol name rather than a secret. */
export function looksLikeSubprotocolName(value: string): boolean {
  return SUBPROTOCOL_NAME.test(value);
}
