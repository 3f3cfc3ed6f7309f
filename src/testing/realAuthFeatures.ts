import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { httpRouterServiceFactory } from '@backstage/backend-defaults/httpRouter';
import { userInfoServiceFactory } from '@backstage/backend-defaults/userInfo';
import {
  coreServices,
  createServiceFactory,
  RootConfigService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import { gatehouseAuthServiceFactory } from '../auth/gatehouseAuthServiceFactory';

/**
 * Backstage's real auth (wrapped by Gatehouse, as its default export installs
 * it), httpAuth, httpRouter and userInfo services, on a given root
 * config: startTestBackend's auth defaults are mocks that ignore
 * `externalAccess`, and its other defaults come from the backend-defaults
 * that backend-test-utils depends on (1.11.7 pins 0.18), not necessarily the
 * one installed for the backend.
 */
export function realAuthFeatures(
  rootConfig: RootConfigService,
  authFactory: ServiceFactory = gatehouseAuthServiceFactory,
) {
  return [
    authFactory,
    httpAuthServiceFactory,
    httpRouterServiceFactory,
    // The mock says every user owns only itself: a policy of owners, or
    // `owner=mine`, would never see a user's groups.
    userInfoServiceFactory,
    createServiceFactory({
      service: coreServices.rootConfig,
      deps: {},
      factory: () => rootConfig,
    }),
  ];
}
