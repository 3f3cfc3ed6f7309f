import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  type AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import type { PolicyQuery } from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';

/**
 * A permission policy for the permission backend of a test: `decide` answers
 * each query (users' queries; services never reach a policy), with a result
 * or a whole decision (a conditional one, say).
 */
export function testPolicy(
  moduleId: string,
  decide: (
    query: PolicyQuery,
  ) => AuthorizeResult.ALLOW | AuthorizeResult.DENY | PolicyDecision,
) {
  return createBackendModule({
    pluginId: 'permission',
    moduleId,
    register(env) {
      env.registerInit({
        deps: { policy: policyExtensionPoint },
        async init({ policy }) {
          policy.setPolicy({
            async handle(query: PolicyQuery) {
              const decision = decide(query);
              return typeof decision === 'object'
                ? decision
                : { result: decision };
            },
          });
        },
      });
    },
  });
}
