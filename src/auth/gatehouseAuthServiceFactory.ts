import { authServiceFactory } from '@backstage/backend-defaults/auth';
import {
  AuthService,
  coreServices,
  createServiceFactory,
  ServiceRef,
} from '@backstage/backend-plugin-api';
import { DelegationGuardedAuthService } from './DelegationGuardedAuthService';

/**
 * What Backstage's `authServiceFactory` is inside: a plugin-scoped factory
 * whose `deps` and `factory(deps)` make its `DefaultAuthService`. Not a
 * public API, so it is checked before use (and by authServiceFactory.test.ts
 * on every release line CI tests).
 */
interface FactoryInternals {
  deps: Record<string, ServiceRef<unknown>>;
  factory(deps: Record<string, unknown>, context: unknown): Promise<unknown>;
}

/** Said when Backstage's factory is not what Gatehouse wraps. */
export const CANNOT_WRAP_AUTH =
  "Gatehouse cannot wrap Backstage's coreServices.auth on this version of @backstage/backend-defaults " +
  '(authServiceFactory no longer has the deps and factory it wraps), so it cannot refuse to delegate restricted callers. ' +
  'Install a Gatehouse release that supports this Backstage version.';

/** Backstage's own factory's internals, or undefined if they are not as expected. */
export function authFactoryInternals(
  factory: unknown = authServiceFactory,
): FactoryInternals | undefined {
  const candidate = factory as Partial<FactoryInternals> & {
    service?: { id?: string; scope?: string };
  };
  const ok =
    candidate?.service?.id === coreServices.auth.id &&
    candidate.service.scope === 'plugin' &&
    typeof candidate.factory === 'function' &&
    typeof candidate.deps === 'object' &&
    candidate.deps !== null &&
    Object.values(candidate.deps).every(
      ref => typeof (ref as { id?: unknown })?.id === 'string',
    );
  return ok ? (candidate as FactoryInternals) : undefined;
}

/**
 * A `coreServices.auth` factory: Backstage's own auth service (made by its
 * `authServiceFactory`, with the same dependencies, so external token
 * handlers and the plugin token decorator apply as before) wrapped so it
 * never issues a token on behalf of a restricted service caller for a plugin
 * the caller could not reach without limits. `inner` is Backstage's factory
 * (another shape only in the test of a changed Backstage).
 */
export function createGatehouseAuthServiceFactory(
  inner: unknown = authServiceFactory,
) {
  const internals = authFactoryInternals(inner);
  return createServiceFactory({
    service: coreServices.auth,
    deps: (internals?.deps ?? {}) as Record<string, never>,
    async factory(deps: Record<string, unknown>) {
      if (!internals) {
        throw new Error(CANNOT_WRAP_AUTH);
      }
      const auth = (await internals.factory(deps, undefined)) as AuthService;
      return new DelegationGuardedAuthService(auth);
    },
  });
}

/**
 * Backstage's `coreServices.auth`, made to refuse plugin-to-plugin calls on
 * behalf of a restricted service caller on every release line (Backstage
 * itself refuses them from backend-defaults 0.17.8). Gatehouse's default
 * export installs it; add it yourself only if you add Gatehouse's factories
 * one by one.
 *
 * @public
 */
export const gatehouseAuthServiceFactory = createGatehouseAuthServiceFactory();
