import { AuthenticationError } from '@backstage/errors';
import type { RejectionLog } from '../lib/RejectionLog';
import type { TokenMetrics } from '../lib/tokenMetrics';
import type { CompromisedMark } from './CompromisedStore';

/**
 * Refuses a token whose credential is marked compromised, or any token while
 * the list is too stale to tell: logged, counted and thrown as a 401 that
 * ends Backstage's search (no later entry may accept a leaked credential).
 * `what` names the credential to its holder ("Static token ab12cd34"); the
 * log gets the mark's time, never the token.
 */
export function refuseCompromised(options: {
  check: CompromisedMark | 'unavailable';
  type: string;
  pluginId: string;
  fingerprint: string;
  what: string;
  rejections: RejectionLog;
  metrics: TokenMetrics;
  /** Counts the refusal against the credential's usage. */
  countAgainst?(reason: string): void;
}): never {
  const { check, type, pluginId, fingerprint, what } = options;
  if (check === 'unavailable') {
    const reason = 'compromised_unavailable';
    options.rejections.record({ reason, fingerprint, plugin: pluginId });
    options.metrics.rejected(type, reason);
    throw new AuthenticationError(
      'Gatehouse tokens cannot be checked now: the list of compromised credentials could not be read from the database recently enough',
    );
  }
  const reason = 'token_compromised';
  const at = new Date(check.markedAt).toISOString();
  const until =
    check.until !== undefined
      ? ` until ${new Date(check.until).toISOString()}`
      : '';
  options.rejections.record({
    reason,
    fingerprint,
    plugin: pluginId,
    detail: `${what} was marked compromised at ${at} by ${check.markedBy}${until}`,
  });
  options.metrics.rejected(type, reason);
  options.countAgainst?.(reason);
  throw new AuthenticationError(
    `${what} was marked compromised at ${at} and is refused${until}; ask its owner for a new credential`,
  );
}
