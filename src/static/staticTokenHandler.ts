import {
  createExternalTokenHandler,
  ExternalTokenHandler,
} from '@backstage/backend-defaults/auth';
import { AuthenticationError } from '@backstage/errors';
import type { RejectionLog } from '../lib/RejectionLog';
import { looksLikeJwt } from '../lib/tokenDigest';
import type { TokenMetrics } from '../lib/tokenMetrics';
import type { UsageLedger } from '../inventory/UsageLedger';
import type { CompromisedList } from '../leaks/CompromisedList';
import { refuseCompromised } from '../leaks/refuseCompromised';
import { MANAGED_TOKEN_PREFIX } from '../managed/managedTokenFormat';
import { looksLikeSubprotocolName } from './staticTokenFormat';
import {
  GATEHOUSE_STATIC_TYPE,
  StaticTokenRegistry,
} from './StaticTokenRegistry';

/** What `initialize` keeps per `externalAccess` entry. */
export interface StaticHandlerContext {
  entryIndex: number;
}

/**
 * The `gatehouse-static` handler of one plugin. Returns `undefined` for tokens
 * that are not its entry's, so Backstage tries the next entry; throws a 401 for
 * its own tokens that are expired or not yet valid, since no other entry can
 * accept them.
 */
export function createStaticTokenHandler(options: {
  registry: StaticTokenRegistry;
  rejections: RejectionLog;
  metrics: TokenMetrics;
  ledger: UsageLedger;
  compromised: CompromisedList;
  pluginId: string;
  /** Entries whose restrictions leave this plugin out (Backstage answers 403). */
  restrictedAway: ReadonlySet<number>;
}): ExternalTokenHandler<StaticHandlerContext> {
  const {
    registry,
    rejections,
    metrics,
    ledger,
    compromised,
    pluginId,
    restrictedAway,
  } = options;
  return createExternalTokenHandler<StaticHandlerContext>({
    type: GATEHOUSE_STATIC_TYPE,
    initialize({ options: entryOptions }) {
      return { entryIndex: registry.bindEntry(entryOptions) };
    },
    async verifyToken(token, { entryIndex }) {
      const verification = registry.verify(token, entryIndex);
      switch (verification.result) {
        case 'accepted': {
          const { record } = verification;
          const mark = compromised.tokenMark(record.digest);
          if (mark) {
            refuseCompromised({
              check: mark,
              type: GATEHOUSE_STATIC_TYPE,
              pluginId,
              fingerprint: record.fingerprint,
              what: `Static token ${record.fingerprint}`,
              rejections,
              metrics,
              countAgainst: reason =>
                ledger.rejected(GATEHOUSE_STATIC_TYPE, record.usageKey, reason),
            });
          }
          metrics.accepted(GATEHOUSE_STATIC_TYPE);
          if (restrictedAway.has(entryIndex)) {
            ledger.rejected(
              GATEHOUSE_STATIC_TYPE,
              record.usageKey,
              'restricted',
            );
          } else {
            ledger.used(GATEHOUSE_STATIC_TYPE, record.usageKey, pluginId);
          }
          return { subject: record.subject };
        }
        case 'rejected': {
          const { record, reason } = verification;
          const detail =
            reason === 'token_expired_static'
              ? `expired at ${new Date(record.expiresAt!).toISOString()}`
              : `is not valid before ${new Date(record.notBefore!).toISOString()}`;
          rejections.record({
            reason,
            fingerprint: record.fingerprint,
            plugin: pluginId,
            detail: `token for '${record.subject}' at ${record.origin} ${detail}`,
          });
          metrics.rejected(GATEHOUSE_STATIC_TYPE, reason);
          ledger.rejected(GATEHOUSE_STATIC_TYPE, record.usageKey, reason);
          throw new AuthenticationError(
            `Static token ${record.fingerprint} ${detail}`,
          );
        }
        case 'unknown':
        case 'too_large':
          // Reported by one entry only, and not for JWTs or managed tokens,
          // which are for the handlers that come later in the list (a token
          // another entry accepts is never a rejection), nor for WebSocket
          // subprotocol names offered beside a token.
          if (
            registry.isFirstEntry(entryIndex) &&
            !looksLikeJwt(token) &&
            !token.startsWith(MANAGED_TOKEN_PREFIX) &&
            !looksLikeSubprotocolName(token)
          ) {
            const reason =
              verification.result === 'unknown' ? 'unknown_token' : 'too_large';
            rejections.record({
              reason,
              fingerprint:
                verification.result === 'unknown'
                  ? verification.fingerprint
                  : undefined,
              plugin: pluginId,
            });
            metrics.rejected(GATEHOUSE_STATIC_TYPE, reason);
          }
          return undefined;
        default:
          return undefined;
      }
    },
  });
}
