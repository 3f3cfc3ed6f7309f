/*
 * A permission policy module in which teams manage their own credentials:
 * members of a credential's owning group (or the user who owns it) may see,
 * create, change, rotate and revoke it; the platform team may do all of it
 * for every credential; nobody but the platform team may make a token
 * without access restrictions. See docs/ownership.md.
 *
 * Add it to your backend instead of another policy module:
 *
 *   backend.add(import('@backstage/plugin-permission-backend'));
 *   backend.add(ownerPolicyModule({ admins: ['group:default/platform-team'] }));
 */
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  createGatehouseCredentialConditionalDecision,
  gatehouseCredentialConditions,
} from '@gatehouse/backstage-plugin-gatehouse-backend-module';

export function ownerPolicyModule(options: {
  /** Entity refs (groups, users) who may manage every credential. */
  admins: string[];
}) {
  return createBackendModule({
    pluginId: 'permission',
    moduleId: 'gatehouse-owner-policy',
    register(reg) {
      reg.registerInit({
        deps: {
          policy: policyExtensionPoint,
          userInfo: coreServices.userInfo,
        },
        async init({ policy, userInfo }) {
          const admins = new Set(options.admins);

          class OwnerPolicy implements PermissionPolicy {
            async handle(
              request: PolicyQuery,
              user?: PolicyQueryUser,
            ): Promise<PolicyDecision> {
              if (!user) return { result: AuthorizeResult.DENY };
              // The user and the groups the catalog says they belong to.
              const { ownershipEntityRefs } = await userInfo.getUserInfo(
                user.credentials,
              );
              const isAdmin = ownershipEntityRefs.some(ref => admins.has(ref));
              const { permission } = request;

              // Seeing and managing credentials: the platform team all of
              // them, everybody else those their user or groups own.
              if (isResourcePermission(permission, 'gatehouse-credential')) {
                return isAdmin
                  ? { result: AuthorizeResult.ALLOW }
                  : createGatehouseCredentialConditionalDecision(
                      permission,
                      gatehouseCredentialConditions.isCredentialOwner({
                        claims: ownershipEntityRefs,
                      }),
                    );
              }
              // Tokens that may call every plugin, or a whole plugin.
              if (permission.name === 'gatehouse.token.unrestricted') {
                return {
                  result: isAdmin
                    ? AuthorizeResult.ALLOW
                    : AuthorizeResult.DENY,
                };
              }
              // The rest of your policy. A token made by a team member may
              // carry only permissions this gives the member without
              // conditions, each named.
              return { result: AuthorizeResult.ALLOW };
            }
          }

          policy.setPolicy(new OwnerPolicy());
        },
      });
    },
  });
}
