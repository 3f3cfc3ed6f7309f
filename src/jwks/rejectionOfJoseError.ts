import { errors } from 'jose';
import type { RejectionReason } from '../lib/rejectionReasons';
import { KeyResolutionError } from './RemoteKeySource';

/** The reason code and a sentence for an error from jose's verification or key lookup. */
export function rejectionOfJoseError(error: unknown): {
  reason: RejectionReason;
  detail: string;
} {
  if (error instanceof KeyResolutionError) {
    return { reason: error.reason, detail: error.message };
  }
  if (error instanceof errors.JWTExpired) {
    return error.claim === 'iat'
      ? { reason: 'too_old', detail: 'issued longer ago than maxTokenAge' }
      : {
          reason: 'expired',
          detail: `expired at ${new Date(Number(error.payload.exp) * 1000).toISOString()}`,
        };
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf':
      case 'iat':
        return {
          reason: 'not_yet_valid',
          detail: `${error.claim}: ${error.message}`,
        };
      case 'iss':
        return { reason: 'issuer_mismatch', detail: error.message };
      case 'aud':
        return { reason: 'audience_mismatch', detail: error.message };
      case 'typ':
        return { reason: 'typ_mismatch', detail: error.message };
      default:
        return {
          reason: 'claim_mismatch',
          detail:
            error.reason === 'missing'
              ? `${error.message}; Gatehouse requires it`
              : error.message,
        };
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return { reason: 'alg_not_allowed', detail: error.message };
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return {
      reason: 'bad_signature',
      detail: 'the signature does not verify with the key its kid names',
    };
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    return { reason: 'malformed', detail: error.message };
  }
  // Anything else (a provider key that cannot be imported, say) must still reject.
  return {
    reason: 'bad_signature',
    detail: `verification failed: ${(error as Error)?.message}`,
  };
}
