import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  createConditionTransformer,
  PermissionRuleset,
} from '@backstage/plugin-permission-node';
import {
  CredentialCriteria,
  isWellFormed,
  meetsCriteria,
} from './credentialCriteria';
import type {
  GatehouseCredentialFilter,
  GatehouseCredentialResource,
} from './credentialResource';

/** How much of a permission a caller holds. */
export type AccessScope = 'all' | 'some' | 'none';

/** One permission, decided for one caller: over every credential, some, or none. */
export interface CredentialPermissionDecision {
  permission: ResourcePermission;
  scope: AccessScope;
  /** Whether the caller holds it on `credential`. */
  allows(credential: GatehouseCredentialResource): boolean;
  /**
   * For `some`: the policy's conditions, for a database to apply; false
   * when they cannot be applied (then nothing is allowed).
   */
  criteria?: CredentialCriteria | false;
}

export type DecideCredentialAccess = (
  credentials: BackstageCredentials,
  requested: ResourcePermission[],
) => Promise<CredentialPermissionDecision[]>;

/**
 * Decides permissions on credentials for one caller, in one batch, and
 * turns a conditional decision into criteria Gatehouse applies itself to
 * each credential it lists or changes, in its database or in memory (as the
 * catalog turns its own into queries of entities). A condition that cannot
 * be applied (a rule no module registered, parameters the rule refuses, a
 * rule whose `toQuery` gives no GatehouseCredentialFilter) allows nothing:
 * the policy's mistake must not open anything.
 */
export function createCredentialAccess(
  permissions: PermissionsService,
  ruleset: PermissionRuleset<
    GatehouseCredentialResource,
    GatehouseCredentialFilter
  >,
): DecideCredentialAccess {
  const transform = createConditionTransformer(ruleset);
  const criteriaOf = (
    conditions: Parameters<typeof transform>[0],
  ): CredentialCriteria | false => {
    try {
      const criteria: unknown = transform(conditions);
      return isWellFormed(criteria) ? (criteria as CredentialCriteria) : false;
    } catch {
      return false;
    }
  };
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
        const criteria = criteriaOf(decision.conditions);
        return {
          permission,
          scope: 'some',
          criteria,
          allows: credential =>
            criteria !== false && meetsCriteria(criteria, credential),
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
