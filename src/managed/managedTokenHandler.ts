import {
  createExternalTokenHandler,
  ExternalTokenHandler,
} from '@backstage/backend-defaults/auth';
import type { BackstagePrincipalAccessRestrictions } from '@backstage/backend-plugin-api';
import { AuthenticationError, NotAllowedError } from '@backstage/errors';
import type { RejectionLog } from '../lib/RejectionLog';
import { fingerprintOf } from '../lib/tokenDigest';
import type { TokenMetrics } from '../lib/tokenMetrics';
import { GATEHOUSE_MANAGED_TYPE } from './managedOptions';
import { isManagedToken, MANAGED_TOKEN_PREFIX } from './managedTokenFormat';
import type { ManagedAccessRestriction } from './ManagedTokenStore';
import type { ManagedTokenTable } from './ManagedTokenTable';

/** A token's restrictions as Backstage keeps them: plugin id to what is allowed there. */
export function restrictionMapOf(
  restrictions: ManagedAccessRestriction[],
): Map<string, BackstagePrincipalAccessRestrictions> {
  return new Map(
    restrictions.map(({ plugin, permission, permissionAttribute }) => [
      plugin,
      {
        ...(permission?.length ? { permissionNames: permission } : {}),
        ...(permissionAttribute?.action?.length
          ? { permissionAttributes: { action: permissionAttribute.action } }
          : {}),
      },
    ]),
  );
}

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
  pluginId: string;
}): ExternalTokenHandler<void> {
  const { table, rejections, metrics, pluginId } = options;
  return createExternalTokenHandler<void>({
    type: GATEHOUSE_MANAGED_TYPE,
    initialize() {},
    async verifyToken(token) {
      if (!token.startsWith(MANAGED_TOKEN_PREFIX)) {
        return undefined; // another type's token
      }
      const verification = isManagedToken(token)
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
        // Not issued, revoked, expired, or mistyped (wrong checksum).
        rejections.record({
          reason: 'unknown_token',
          fingerprint: fingerprintOf(token),
          plugin: pluginId,
        });
        metrics.rejected(GATEHOUSE_MANAGED_TYPE, 'unknown_token');
        return undefined;
      }
      const { record } = verification;
      metrics.accepted(GATEHOUSE_MANAGED_TYPE);
      if (!record.accessRestrictions) {
        return { subject: record.subject };
      }
      if (!table.restrictionsHonoured) {
        // Backstage would drop this token's restrictions: fail closed.
        metrics.rejected(GATEHOUSE_MANAGED_TYPE, 'managed_unavailable');
        throw new NotAllowedError(
          "Managed tokens with access restrictions are refused: this Backstage version was not seen to apply the restrictions a token handler returns (see the start-up log of 'gatehouse-managed')",
        );
      }
      const all = restrictionMapOf(record.accessRestrictions);
      const here = all.get(pluginId);
      if (!here) {
        const valid = [...all.keys()].map(k => `'${k}'`).join(', ');
        throw new NotAllowedError(
          `This token's access is restricted to plugin(s) ${valid}`,
        );
      }
      // Typed as `{ subject }` by Backstage; the rest is read at run time.
      return {
        subject: record.subject,
        accessRestrictions: here,
        allAccessRestrictions: all,
      } as { subject: string };
    },
  });
}
