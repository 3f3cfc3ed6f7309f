import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  PermissionRuleset,
} from '@backstage/plugin-permission-node';
import type { GatehouseCredentialResource } from './credentialResource';

/** How much of a permission a caller holds. */
export type AccessScope = 'all' | 'some' | 'none';

/** One permission, decided for one caller: over every credential, some, or none. */
export interface CredentialPermissionDecision {
  permission: ResourcePermission;
  scope: AccessScope;
  /** Whether the caller holds it on `credential`. */
  allows(credential: GatehouseCredentialResource): boolean;
}

export type DecideCredentialAccess = (
  credentials: BackstageCredentials,
  requested: ResourcePermission[],
) => Promise<CredentialPermissionDecision[]>;

/**
 * Decides permissions on credentials for one caller, in one batch, and
 * turns a conditional decision into a check Gatehouse applies itself to
 * each credential it lists or changes (as the catalog applies its own to
 * entities). A condition that cannot be applied (a rule no module
 * registered, parameters the rule refuses) allows nothing: the policy's
 * mistake must not open anything.
 */
export function createCredentialAccess(
  permissions: PermissionsService,
  ruleset: PermissionRuleset<GatehouseCredentialResource>,
): DecideCredentialAccess {
  const authorize = createConditionAuthorizer(ruleset);
  return async (credentials, requested) => {
    const decisions = await permissions.authorizeConditional(
      requested.map(permission => ({ permission })),
      { credentials },
    );
    return decisions.map((decision, i) => {
      const permission = requested[i];
      if (decision.result === AuthorizeResult.ALLOW) {
        return { permission, scope: 'all', allows: () => true };
      }
      if (decision.result === AuthorizeResult.CONDITIONAL) {
        return {
          permission,
          scope: 'some',
          allows: credential => {
            try {
              return authorize(decision, credential);
            } catch {
              return false;
            }
          },
        };
      }
      return { permission, scope: 'none', allows: () => false };
    });
  };
}

/** What the permission rules see of a credential. */
export function credentialResource(credential: {
  id: string;
  source: GatehouseCredentialResource['source'];
  subject: string;
  owner?: string;
}): GatehouseCredentialResource {
  return {
    id: credential.id,
    source: credential.source,
    subject: credential.subject,
    ...(credential.owner !== undefined ? { owner: credential.owner } : {}),
  };
}
