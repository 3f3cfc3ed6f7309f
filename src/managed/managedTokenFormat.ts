import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Prefix of managed tokens, distinct from static tokens' `gth_`, so that a
 * leaked one says what it is and where to revoke it.
 *
 * @public
 */
export const MANAGED_TOKEN_PREFIX = 'gthm_';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 32 random bytes in base62: ceil(256 / log2(62)) digits. */
const SECRET_DIGITS = 43;
/** A CRC32 in base62: ceil(32 / log2(62)) digits. */
const CHECKSUM_DIGITS = 6;
/** Every managed token's length. */
export const MANAGED_TOKEN_LENGTH =
  MANAGED_TOKEN_PREFIX.length + SECRET_DIGITS + CHECKSUM_DIGITS;
const SHAPE = new RegExp(
  `^${MANAGED_TOKEN_PREFIX}[0-9A-Za-z]{${SECRET_DIGITS + CHECKSUM_DIGITS}}$`,
);

function base62(value: bigint, digits: number): string {
  let text = '';
  let rest = value;
  for (let i = 0; i < digits; i++) {
    text = BASE62[Number(rest % 62n)] + text;
    rest /= 62n;
  }
  return text;
}

function checksumOf(secret: string): string {
  // A CRC32 fits a double exactly: no BigInt needed here.
  let rest = crc32(`${MANAGED_TOKEN_PREFIX}${secret}`);
  let text = '';
  for (let i = 0; i < CHECKSUM_DIGITS; i++) {
    text = BASE62[rest % 62] + text;
    rest = Math.floor(rest / 62);
  }
  return text;
}

/**
 * A new managed token: the prefix, 32 bytes from the system CSPRNG in base62,
 * and a CRC32 of both, as GitHub's tokens carry one: a secret scanner can
 * tell a real token from a look-alike offline, without calling Backstage.
 * Only letters and digits after the prefix, so that a double click selects
 * the whole token and scanners find its word boundaries.
 */
export function createManagedToken(): string {
  const secret = base62(
    BigInt(`0x${randomBytes(32).toString('hex')}`),
    SECRET_DIGITS,
  );
  return `${MANAGED_TOKEN_PREFIX}${secret}${checksumOf(secret)}`;
}

/**
 * Whether a bearer token is shaped as a managed token with a valid checksum:
 * checked before any lookup, so that a mistyped or truncated token is told
 * apart from a revoked one. Linear in the token's length.
 */
export function isManagedToken(token: string): boolean {
  if (!SHAPE.test(token)) {
    return false;
  }
  const body = token.slice(MANAGED_TOKEN_PREFIX.length);
  const secret = body.slice(0, SECRET_DIGITS);
  return body.slice(SECRET_DIGITS) === checksumOf(secret);
}
