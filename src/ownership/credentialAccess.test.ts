import { mockCredentials } from '@backstage/backend-test-utils';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import { managedTokenReadPermission } from '../managed/managedTokenPermissions';
import { createCredentialAccess } from './credentialAccess';
import {
  GATEHOUSE_CREDENTIAL_RESOURCE_TYPE,
  gatehouseCredentialRules,
} from './credentialResource';

/**
 * The turn of a policy's decision into a check of each credential, over a
 * permissions service that answers what a policy would (the whole path, with
 * the real permission backend, is in ownership.test.ts).
 */
function accessDeciding(decision: PolicyDecision) {
  const permissions = {
    authorizeConditional: async () => [decision],
  } as unknown as PermissionsService;
  const rules = Object.values(gatehouseCredentialRules);
  return createCredentialAccess(permissions, {
    getRuleByName: (name: string) => {
      const rule = rules.find(r => r.name === name);
      if (!rule) throw new Error(`Unknown rule ${name}`);
      return rule;
    },
  } as never);
}

const conditional = (conditions: object): PolicyDecision =>
  ({
    result: AuthorizeResult.CONDITIONAL,
    pluginId: 'gatehouse',
    resourceType: GATEHOUSE_CREDENTIAL_RESOURCE_TYPE,
    conditions,
  }) as PolicyDecision;

const credential = (owner?: string, source = 'gatehouse-managed') =>
  ({ id: 'x', source, subject: 's', ...(owner ? { owner } : {}) }) as never;

const decide = async (decision: PolicyDecision) =>
  (
    await accessDeciding(decision)(mockCredentials.user(), [
      managedTokenReadPermission,
    ])
  )[0];

describe('createCredentialAccess', () => {
  it('applies a conditional decision to each credential: owners, sources, and their combinations', async () => {
    const owners = await decide(
      conditional({
        allOf: [
          {
            rule: 'IS_CREDENTIAL_OWNER',
            resourceType: GATEHOUSE_CREDENTIAL_RESOURCE_TYPE,
            params: { claims: ['group:default/a'] },
          },
          {
            not: {
              rule: 'HAS_CREDENTIAL_SOURCE',
              resourceType: GATEHOUSE_CREDENTIAL_RESOURCE_TYPE,
              params: { sources: ['gatehouse-jwks'] },
            },
          },
        ],
      }),
    );
    expect(owners.scope).toBe('some');
    expect(owners.allows(credential('group:default/a'))).toBe(true);
    expect(owners.allows(credential('group:default/b'))).toBe(false);
    expect(owners.allows(credential())).toBe(false);
    expect(owners.allows(credential('group:default/a', 'gatehouse-jwks'))).toBe(
      false,
    );
  });

  it('allows nothing when a condition cannot be applied: a rule nobody registered, parameters the rule refuses', async () => {
    for (const conditions of [
      {
        rule: 'IS_ANYTHING',
        resourceType: GATEHOUSE_CREDENTIAL_RESOURCE_TYPE,
        params: {},
      },
      {
        rule: 'IS_CREDENTIAL_OWNER',
        resourceType: GATEHOUSE_CREDENTIAL_RESOURCE_TYPE,
        params: { claims: 'group:default/a' },
      },
    ]) {
      const decision = await decide(conditional(conditions));
      expect(decision.allows(credential('group:default/a'))).toBe(false);
    }
  });

  it('reads ALLOW and DENY as every credential and none', async () => {
    expect(
      (await decide({ result: AuthorizeResult.ALLOW })).allows(credential()),
    ).toBe(true);
    const denied = await decide({ result: AuthorizeResult.DENY });
    expect(denied.scope).toBe('none');
    expect(denied.allows(credential('group:default/a'))).toBe(false);
  });
});
