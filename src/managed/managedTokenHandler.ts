import {
  createExternalTokenHandler,
  ExternalTokenHandler,
} from '@backstage/backend-defaults/auth';
import { AuthenticationError, NotAllowedError } from '@backstage/errors';
import type { RejectionLog } from '../lib/RejectionLog';
import {
  fingerprintOf,
  fingerprintOfDigest,
  sha256Hex,
} from '../lib/tokenDigest';
import type { TokenMetrics } from '../lib/tokenMetrics';
import type { UsageLedger } from '../inventory/UsageLedger';
import type { CompromisedList } from '../leaks/CompromisedList';
import { refuseCompromised } from '../leaks/refuseCompromised';
import { GATEHOUSE_MANAGED_TYPE } from './managedOptions';
import {
  isManagedToken,
  MANAGED_TOKEN_LENGTH,
  MANAGED_TOKEN_PREFIX,
} from './managedTokenFormat';
import type { ManagedTokenTable } from './ManagedTokenTable';

/**
 * The `gatehouse-managed` handler of one plugin. Managed tokens carry their
 * own restrictions, which reach Backstage through the handler's result:
 * Backstage returns the result unchanged for an entry without
 * `accessRestrictions` (the start-up check makes sure it has none) and builds
 * the principal from `accessRestrictions` and `allAccessRestrictions`. The
 * plugin check is then this handler's, in Backstage's words.
 */
export function createManagedTokenHandler(options: {
  table: ManagedTokenTable;
  rejections: RejectionLog;
  metrics: TokenMetrics;
  ledger: UsageLedger;
  compromised: CompromisedList;
  pluginId: string;
}): ExternalTokenHandler<void> {
  const { table, rejections, metrics, ledger, compromised, pluginId } = options;
  return createExternalTokenHandler<void>({
    type: GATEHOUSE_MANAGED_TYPE,
    initialize() {},
    async verifyToken(token) {
      if (!token.startsWith(MANAGED_TOKEN_PREFIX)) {
        return undefined; // another type's token
      }
      // The lookup first: a token in the table is well-formed, so the
      // checksum is only computed for tokens that are not (for the log).
      const verification =
        token.length === MANAGED_TOKEN_LENGTH
          ? table.verify(token)
          : ({ result: 'unknown' } as const);
      if (verification.result === 'unavailable') {
        rejections.record({
          reason: 'managed_unavailable',
          fingerprint: fingerprintOf(token),
          plugin: pluginId,
        });
        metrics.rejected(GATEHOUSE_MANAGED_TYPE, 'managed_unavailable');
        throw new AuthenticationError(
          'Managed tokens cannot be checked now: the token list could not be read from the database recently enough',
        );
      }
      if (verification.result === 'unknown') {
        const wellFormed = isManagedToken(token);
        // Hashed once: the list, the ledger and every message use it.
        const digest = sha256Hex(token);
        const fingerprint = fingerprintOfDigest(digest);
        // Revoked or expired, perhaps: still presented (a signal, if so).
        if (wellFormed) ledger.retiredManagedPresented(digest);
        // A token marked compromised is revoked too; its holder learns why.
        const mark = compromised.tokenMark(digest);
        if (mark && mark !== 'unavailable') {
          refuseCompromised({
            check: mark,
            type: GATEHOUSE_MANAGED_TYPE,
            pluginId,
            fingerprint,
            what: `Managed token ${fingerprint}`,
            rejections,
            metrics,
          });
        }
        // Not issued, revoked or expired; or mistyped (wrong checksum).
        const detail = wellFormed
          ? 'a managed token that is not active: never issued here, revoked or expired'
          : 'shaped like a managed token, but its checksum is wrong: mistyped or cut';
        rejections.record({
          reason: 'unknown_token',
          fingerprint,
          plugin: pluginId,
          detail,
        });
        metrics.rejected(GATEHOUSE_MANAGED_TYPE, 'unknown_token');
        // No other type takes a token with this prefix: say why, rather
        // than leave the holder Backstage's bare "Illegal token". It tells
        // the holder nothing about other tokens.
        throw new AuthenticationError(
          `This is ${detail} (fingerprint ${fingerprint})`,
        );
      }
      const { token: active } = verification;
      metrics.accepted(GATEHOUSE_MANAGED_TYPE);
      if (!active.restrictions) {
        ledger.used(GATEHOUSE_MANAGED_TYPE, active.id, pluginId);
        return { subject: active.subject };
      }
      if (!table.restrictionsHonoured) {
        // Backstage would drop this token's restrictions: fail closed.
        metrics.rejected(GATEHOUSE_MANAGED_TYPE, 'managed_unavailable');
        throw new NotAllowedError(
          "Managed tokens with access restrictions are refused: this Backstage version was not seen to apply the restrictions a token handler returns (see the start-up log of 'gatehouse-managed')",
        );
      }
      const all = active.restrictions;
      const here = all.get(pluginId);
      if (!here) {
        ledger.rejected(GATEHOUSE_MANAGED_TYPE, active.id, 'restricted');
        const valid = [...all.keys()].map(k => `'${k}'`).join(', ');
        throw new NotAllowedError(
          `This token's access is restricted to plugin(s) ${valid}`,
        );
      }
      ledger.used(GATEHOUSE_MANAGED_TYPE, active.id, pluginId);
      // Typed as `{ subject }` by Backstage; the rest is read at run time.
      return {
        subject: active.subject,
        accessRestrictions: here,
        allAccessRestrictions: all,
      } as { subject: string };
    },
  });
}
