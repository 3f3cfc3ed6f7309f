import * as crypto from 'node:crypto';

// The one-shot digest (Node 20.12 and later) costs a third of a Hash object
// for a short token, and every static token request pays it.
const oneShotHash: typeof crypto.hash | undefined = crypto.hash;

/** Lower-case hex SHA-256 of a token: the only form in which Gatehouse keeps a secret. */
export function sha256Hex(token: string): string {
  return oneShotHash
    ? oneShotHash('sha256', token, 'hex')
    : crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * A short, non-secret name for a token in logs and error messages: the first
 * 8 hex digits of its SHA-256. It matches the start of the `sha256:` line in
 * config, so an operator can find the entry, while 32 bits of a digest say
 * nothing useful about a 256-bit secret.
 */
export function fingerprintOfDigest(digestHex: string): string {
  return digestHex.slice(0, 8);
}

/** The fingerprint of a token, for places that have not hashed it yet. */
export function fingerprintOf(token: string): string {
  return fingerprintOfDigest(sha256Hex(token));
}

/**
 * Compact JWS shape: the static handler leaves such tokens to the JWT
 * handlers silently instead of logging them as unknown static tokens.
 */
export function looksLikeJwt(token: string): boolean {
  return /^e[wy][\w-]*\.[\w-]*\.[\w-]*$/.test(token);
}
