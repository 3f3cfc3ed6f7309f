import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import {
  coreServices,
  createServiceFactory,
  RootConfigService,
} from '@backstage/backend-plugin-api';

/**
 * Backstage's real auth and httpAuth services, on a given root config:
 * startTestBackend's defaults are mocks that ignore `externalAccess`.
 */
export function realAuthFeatures(rootConfig: RootConfigService) {
  return [
    authServiceFactory,
    httpAuthServiceFactory,
    createServiceFactory({
      service: coreServices.rootConfig,
      deps: {},
      factory: () => rootConfig,
    }),
  ];
}
