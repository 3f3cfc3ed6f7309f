import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../lib/tokenDigest';

/**
 * Prefix of tokens made by `gatehouse token create`, so that secret scanners
 * can recognise leaked ones: `gth_` followed by 43 base64url characters.
 *
 * @public
 */
export const STATIC_TOKEN_PREFIX = 'gth_';

/**
 * A new random static token: 32 bytes from the system CSPRNG.
 *
 * @public
 */
export function createStaticToken(): string {
  return `${STATIC_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * The value for `hash:` in config: `sha256:` and the token's SHA-256 in hex.
 *
 * @public
 */
export function hashStaticToken(token: string): string {
  return `sha256:${sha256Hex(token)}`;
}
