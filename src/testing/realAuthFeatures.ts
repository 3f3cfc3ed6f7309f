import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { httpRouterServiceFactory } from '@backstage/backend-defaults/httpRouter';
import {
  coreServices,
  createServiceFactory,
  RootConfigService,
} from '@backstage/backend-plugin-api';

/**
 * Backstage's real auth, httpAuth and httpRouter services, on a given root
 * config: startTestBackend's auth defaults are mocks that ignore
 * `externalAccess`, and its other defaults come from the backend-defaults
 * that backend-test-utils depends on (1.11.7 pins 0.18), not necessarily the
 * one installed for the backend.
 */
export function realAuthFeatures(rootConfig: RootConfigService) {
  return [
    authServiceFactory,
    httpAuthServiceFactory,
    httpRouterServiceFactory,
    createServiceFactory({
      service: coreServices.rootConfig,
      deps: {},
      factory: () => rootConfig,
    }),
  ];
}
