import {
  createExternalTokenHandler,
  ExternalTokenHandler,
} from '@backstage/backend-defaults/auth';
import type { RejectionLog } from '../lib/RejectionLog';
import { fingerprintOf } from '../lib/tokenDigest';
import type { TokenMetrics } from '../lib/tokenMetrics';
import type { UsageLedger } from '../inventory/UsageLedger';
import type { CompromisedList } from '../leaks/CompromisedList';
import { refuseCompromised } from '../leaks/refuseCompromised';
import { GATEHOUSE_JWKS_TYPE, JwksRegistry } from './JwksRegistry';

/** What `initialize` keeps per `externalAccess` entry. */
export interface JwksHandlerContext {
  entryIndex: number;
  /** The entry's key in the usage ledger. */
  usageKey: string;
}

/**
 * The `gatehouse-jwks` handler of one plugin. A rejected token gives
 * `undefined`, never an error: a later entry (another provider, or the same
 * provider with other claims) may accept it, and the caller gets Backstage's
 * generic 401 while the log says why, as the answer to an unauthenticated
 * caller should not describe the configuration.
 */
export function createJwksTokenHandler(options: {
  registry: JwksRegistry;
  rejections: RejectionLog;
  metrics: TokenMetrics;
  ledger: UsageLedger;
  compromised: CompromisedList;
  pluginId: string;
  /** Entries whose restrictions leave this plugin out (Backstage answers 403). */
  restrictedAway: ReadonlySet<number>;
}): ExternalTokenHandler<JwksHandlerContext> {
  const {
    registry,
    rejections,
    metrics,
    ledger,
    compromised,
    pluginId,
    restrictedAway,
  } = options;
  return createExternalTokenHandler<JwksHandlerContext>({
    type: GATEHOUSE_JWKS_TYPE,
    initialize({ options: entryOptions }) {
      const entryIndex = registry.bindEntry(entryOptions);
      return { entryIndex, usageKey: registry.usageKey(entryIndex) };
    },
    async verifyToken(token, { entryIndex, usageKey }) {
      const verification = await registry.verify(token, entryIndex);
      if (verification.result === 'accepted') {
        const mark = compromised.subjectMark(usageKey, verification.subject);
        if (mark) {
          // Thrown, not undefined: no later entry may take a leaked subject.
          refuseCompromised({
            check: mark,
            type: GATEHOUSE_JWKS_TYPE,
            pluginId,
            fingerprint: fingerprintOf(token),
            what: `Subject '${verification.subject}' of this identity provider`,
            rejections,
            metrics,
            countAgainst: reason =>
              ledger.rejected(GATEHOUSE_JWKS_TYPE, usageKey, reason),
          });
        }
        metrics.accepted(GATEHOUSE_JWKS_TYPE);
        if (restrictedAway.has(entryIndex)) {
          ledger.rejected(GATEHOUSE_JWKS_TYPE, usageKey, 'restricted');
        } else {
          ledger.usedSubject(usageKey, verification.subject, pluginId);
        }
        return { subject: verification.subject };
      }
      // Reported once, by the last entry, with the reason of the entry that
      // got furthest; not at all if a later entry of another type may still
      // accept the token.
      if (
        verification.result === 'rejected' &&
        registry.isLastEntry(entryIndex)
      ) {
        const rejection = registry.rejectionToReport(token, verification);
        if (!rejection) {
          return undefined;
        }
        rejections.record({
          reason: rejection.reason,
          fingerprint: fingerprintOf(token),
          plugin: pluginId,
          detail: rejection.detail,
        });
        metrics.rejected(GATEHOUSE_JWKS_TYPE, rejection.reason);
      }
      return undefined;
    },
  });
}
