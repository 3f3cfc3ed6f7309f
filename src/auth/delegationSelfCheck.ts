import type {
  AuthService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';

const PROBE_TARGET = 'gatehouse-delegation-probe';

/**
 * Credentials of a restricted external service caller, shaped as Backstage's
 * auth service makes them (its internal v1 credentials; authServiceFactory.test.ts
 * pins the shape against a real backend on each release line): restricted to
 * one permission of the probe target, so no line's rule may delegate it.
 */
function restrictedCaller(): BackstageCredentials {
  const restrictions = { permissionNames: ['gatehouse.self-check.probe'] };
  const credentials = {
    $$type: '@backstage/BackstageCredentials',
    version: 'v1',
    principal: {
      type: 'service',
      subject: 'gatehouse-delegation-self-check',
      accessRestrictions: restrictions,
    },
  };
  Object.defineProperty(credentials, 'allAccessRestrictions', {
    enumerable: false,
    value: new Map([[PROBE_TARGET, restrictions]]),
  });
  return credentials as BackstageCredentials;
}

/** Why the backend must not start: delegation of restricted callers is unguarded. */
export const DELEGATION_UNGUARDED =
  'On this backend a plugin can call another plugin on behalf of a restricted service caller without its restrictions: ' +
  "the coreServices.auth in use issues such tokens (Backstage's own does in @backstage/backend-defaults 0.16.0 and 0.17.0 to 0.17.7), " +
  "and Gatehouse's coreServices.auth, which refuses them, is not in use because the backend adds another factory for it. " +
  'Fix: on Red Hat Developer Hub set ENABLE_CORE_AUTH_OVERRIDE=true; otherwise remove your coreServices.auth factory ' +
  "(or add Gatehouse's gatehouseAuthServiceFactory in its place), or upgrade to backend-defaults 0.17.8 or later (or 0.16.1).";

/**
 * At start-up, asks the auth service plugins really get for a token on
 * behalf of a restricted caller. Refused (NotAllowedError) is the only
 * answer that lets the backend start; a token, or any other error (the
 * internals the probe relies on changed), stops it: Gatehouse's restricted
 * tokens must never reach a plugin through another one unrestricted.
 *
 * @throws Error with {@link DELEGATION_UNGUARDED} or why the probe failed
 */
export async function assertDelegationRefused(
  auth: AuthService,
): Promise<void> {
  let issued = false;
  try {
    await auth.getPluginRequestToken({
      onBehalfOf: restrictedCaller(),
      targetPluginId: PROBE_TARGET,
    });
    issued = true;
  } catch (error) {
    // By name: a dynamic plugin bundles its own copy of @backstage/errors.
    if ((error as Error)?.name === 'NotAllowedError') {
      return;
    }
    throw new Error(
      `Gatehouse could not check that restricted callers are never delegated (${(error as Error).name}: ${(error as Error).message}); refusing to start. ${DELEGATION_UNGUARDED}`,
    );
  }
  if (issued) {
    throw new Error(DELEGATION_UNGUARDED);
  }
}
