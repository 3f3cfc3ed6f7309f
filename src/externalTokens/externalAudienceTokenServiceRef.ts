import {
  coreServices,
  createServiceFactory,
  createServiceRef,
  ServiceRef,
} from '@backstage/backend-plugin-api';
import {
  DefaultExternalAudienceTokenService,
  ExternalAudienceTokenService,
} from './ExternalAudienceTokenService';

function factoryFor(
  service: ServiceRef<ExternalAudienceTokenService, 'plugin'>,
) {
  return createServiceFactory({
    service,
    deps: {
      auth: coreServices.auth,
      instanceMetadata: coreServices.rootInstanceMetadata,
      pluginMetadata: coreServices.pluginMetadata,
    },
    factory({ auth, instanceMetadata, pluginMetadata }) {
      return DefaultExternalAudienceTokenService.create({
        auth,
        instanceMetadata,
        pluginId: pluginMetadata.getId(),
      });
    },
  });
}

/**
 * Issues this plugin's tokens for external verifiers such as HashiCorp Vault.
 *
 * @public
 */
export const externalAudienceTokenServiceRef =
  createServiceRef<ExternalAudienceTokenService>({
    id: 'gatehouse.externalAudienceTokens',
    scope: 'plugin',
    defaultFactory: async service => factoryFor(service),
  });

/**
 * The factory of {@link externalAudienceTokenServiceRef}, installed by
 * Gatehouse's default export.
 *
 * @public
 */
export const externalAudienceTokenServiceFactory = factoryFor(
  externalAudienceTokenServiceRef,
);
