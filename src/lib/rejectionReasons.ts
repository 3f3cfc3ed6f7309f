/**
 * Why a token was turned away. The codes are part of Gatehouse's interface:
 * they appear in logs, in the `gatehouse.token.rejections` metric and in
 * `gatehouse explain`, and docs/operations.md's table of reason codes is keyed on them.
 *
 * @public
 */
export const REJECTION_REASONS = [
  'malformed',
  'too_large',
  'alg_not_allowed',
  'unknown_kid',
  'bad_signature',
  'expired',
  'not_yet_valid',
  'too_old',
  'issuer_mismatch',
  'audience_mismatch',
  'claim_mismatch',
  'typ_mismatch',
  'token_expired_static',
  'unknown_token',
  'jwks_unavailable',
  'managed_unavailable',
  'token_compromised',
  'compromised_unavailable',
] as const;

/** @public */
export type RejectionReason = (typeof REJECTION_REASONS)[number];
