import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 32 random bytes in base62: ceil(256 / log2(62)) digits. */
const SECRET_DIGITS = 43;
/** A CRC32 in base62: ceil(32 / log2(62)) digits. */
const CHECKSUM_DIGITS = 6;
/** What follows the prefix: the secret, then its checksum. */
export const CHECKSUMMED_BODY_LENGTH = SECRET_DIGITS + CHECKSUM_DIGITS;

function base62(value: bigint, digits: number): string {
  let text = '';
  let rest = value;
  for (let i = 0; i < digits; i++) {
    text = BASE62[Number(rest % 62n)] + text;
    rest /= 62n;
  }
  return text;
}

/** The CRC32 of prefix and secret, in 6 base62 digits (docs/leaks.md has the algorithm). */
function checksumOf(prefix: string, secret: string): string {
  // A CRC32 fits a double exactly: no BigInt needed here.
  let rest = crc32(`${prefix}${secret}`);
  let text = '';
  for (let i = 0; i < CHECKSUM_DIGITS; i++) {
    text = BASE62[rest % 62] + text;
    rest = Math.floor(rest / 62);
  }
  return text;
}

/**
 * A new token: `prefix`, 32 bytes from the system CSPRNG in base62, and a
 * CRC32 of both, as GitHub's tokens carry one: a secret scanner can tell a
 * real token from a look-alike offline, without calling Backstage. Only
 * letters and digits after the prefix, so that a double click selects the
 * whole token and scanners find its word boundaries.
 */
export function createChecksummedToken(prefix: string): string {
  const secret = base62(
    BigInt(`0x${randomBytes(32).toString('hex')}`),
    SECRET_DIGITS,
  );
  return `${prefix}${secret}${checksumOf(prefix, secret)}`;
}

const BODY = new RegExp(`^[0-9A-Za-z]{${CHECKSUMMED_BODY_LENGTH}}$`);

/**
 * Whether `token` is `prefix` and a body of the right shape whose checksum
 * is right. Linear in the token's length.
 */
export function hasValidChecksum(token: string, prefix: string): boolean {
  if (!token.startsWith(prefix)) return false;
  const body = token.slice(prefix.length);
  if (!BODY.test(body)) return false;
  const secret = body.slice(0, SECRET_DIGITS);
  return body.slice(SECRET_DIGITS) === checksumOf(prefix, secret);
}
