import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { randomUUID } from 'node:crypto';
import { fingerprintOfDigest, sha256Hex } from '../lib/tokenDigest';
import { createManagedToken } from './managedTokenFormat';
import type { ManagedTokenRecord } from './ManagedTokenStore';
import type { ManagedTokenTable } from './ManagedTokenTable';

/** The permission the probe is limited to; it exists nowhere else. */
const PROBE_PERMISSION = 'gatehouse.self-check.probe';

/**
 * Per-token restrictions reach Backstage through an undocumented path: the
 * principal is built from the `accessRestrictions` a handler returns (see
 * DESIGN.md). At start-up, the `gatehouse` plugin authenticates a probe
 * token, held in memory only, through its real auth service and checks that
 * the principal carries the probe's restrictions. If a Backstage version
 * drops them, restricted managed tokens are refused, not let through
 * unrestricted.
 *
 * @returns whether Backstage applied the probe's restrictions
 */
export async function checkRestrictionsHonoured(options: {
  auth: AuthService;
  table: ManagedTokenTable;
  logger: LoggerService;
  pluginId: string;
}): Promise<boolean> {
  const { auth, table, logger, pluginId } = options;
  const token = createManagedToken();
  const tokenHash = sha256Hex(token);
  const now = Date.now();
  const probe: ManagedTokenRecord = {
    id: randomUUID(),
    tokenHash,
    fingerprint: fingerprintOfDigest(tokenHash),
    subject: 'gatehouse-self-check',
    description: 'start-up probe, in memory only',
    createdBy: 'gatehouse',
    createdAt: now,
    expiresAt: now + 60_000,
    updatedAt: now,
    accessRestrictions: [{ plugin: pluginId, permission: [PROBE_PERMISSION] }],
  };
  // The handler refuses restricted tokens until this check passes; the
  // probe alone is let through, to see what Backstage makes of it.
  table.restrictionsHonoured = true;
  table.addProbe(probe);
  let honoured = false;
  try {
    const credentials = await auth.authenticate(token);
    const principal = credentials.principal as {
      type?: string;
      accessRestrictions?: { permissionNames?: string[] };
    };
    honoured =
      principal.type === 'service' &&
      principal.accessRestrictions?.permissionNames?.length === 1 &&
      principal.accessRestrictions.permissionNames[0] === PROBE_PERMISSION;
  } catch (error) {
    logger.error(
      `gatehouse-managed self-check could not authenticate its probe token: ${(error as Error).message}`,
    );
  } finally {
    table.removeProbe(probe);
    table.restrictionsHonoured = honoured;
  }
  if (!honoured) {
    logger.error(
      'gatehouse-managed: this Backstage version does not apply the access restrictions a token handler returns, so managed tokens with restrictions are refused (403); unrestricted managed tokens still work. Report this with your @backstage/backend-defaults version.',
    );
  }
  return honoured;
}
