import {
  coreServices,
  createServiceFactory,
  createServiceRef,
  ServiceRef,
} from '@backstage/backend-plugin-api';
import {
  DefaultPluginRequestService,
  PluginRequestService,
} from './PluginRequestService';

function factoryFor(service: ServiceRef<PluginRequestService, 'plugin'>) {
  return createServiceFactory({
    service,
    deps: {
      auth: coreServices.auth,
      discovery: coreServices.discovery,
      pluginMetadata: coreServices.pluginMetadata,
    },
    factory({ auth, discovery, pluginMetadata }) {
      return DefaultPluginRequestService.create({
        auth,
        discovery,
        pluginId: pluginMetadata.getId(),
      });
    },
  });
}

/**
 * Calls sibling plugins with tokens from `auth.getPluginRequestToken`, as the
 * plugin itself or on behalf of the caller. Add it to a plugin's `deps`; it
 * works even where Gatehouse's default export is not installed.
 *
 * @public
 */
export const pluginRequestServiceRef = createServiceRef<PluginRequestService>({
  id: 'gatehouse.pluginRequest',
  scope: 'plugin',
  defaultFactory: async service => factoryFor(service),
});

/**
 * The factory of {@link pluginRequestServiceRef}, installed by Gatehouse's
 * default export.
 *
 * @public
 */
export const pluginRequestServiceFactory = factoryFor(pluginRequestServiceRef);
