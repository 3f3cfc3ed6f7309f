import {
  CHECKSUMMED_BODY_LENGTH,
  createChecksummedToken,
  hasValidChecksum,
} from '../lib/checksummedToken';

/**
 * Prefix of managed tokens, distinct from static tokens' `gths_`, so that a
 * leaked one says what it is and where to revoke it.
 *
 * @public
 */
export const MANAGED_TOKEN_PREFIX = 'gthm_';

/** Every managed token's length. */
export const MANAGED_TOKEN_LENGTH =
  MANAGED_TOKEN_PREFIX.length + CHECKSUMMED_BODY_LENGTH;

/** A new managed token: `gthm_`, 43 base62 digits of secret, a 6-digit CRC32. */
export function createManagedToken(): string {
  return createChecksummedToken(MANAGED_TOKEN_PREFIX);
}

/**
 * Whether a bearer token is shaped as a managed token with a valid checksum:
 * checked before any lookup, so that a mistyped or truncated token is told
 * apart from a revoked one. Linear in the token's length.
 */
export function isManagedToken(token: string): boolean {
  return hasValidChecksum(token, MANAGED_TOKEN_PREFIX);
}
