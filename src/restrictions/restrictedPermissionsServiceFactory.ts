import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { ServerPermissionClient } from '@backstage/plugin-permission-node';
import { RestrictedPermissionsService } from './RestrictedPermissionsService';

/** Logged at start-up when no plugin got Gatehouse's permissions service. */
export const PERMISSIONS_NOT_IN_USE =
  "Gatehouse's coreServices.permissions is not in use: the backend adds another factory for it " +
  '(Red Hat Developer Hub does unless ENABLE_CORE_PERMISSIONS_OVERRIDE=true). ' +
  "accessRestrictions are still enforced by Backstage's own, but permission names with * match nothing " +
  '(they deny) and denials are not audited by Gatehouse.';

/**
 * A `coreServices.permissions` factory that calls `onUse` each time it makes
 * the service for a plugin: the default export uses it to notice that another
 * factory for the service took precedence (see gatehouseFeatures).
 */
export function createGatehousePermissionsServiceFactory(
  onUse: () => void = () => {},
) {
  return createServiceFactory({
    service: coreServices.permissions,
    deps: {
      auth: coreServices.auth,
      config: coreServices.rootConfig,
      discovery: coreServices.discovery,
      auditor: coreServices.auditor,
      logger: coreServices.logger,
      pluginMetadata: coreServices.pluginMetadata,
      metrics: metricsServiceRef,
    },
    async factory({
      auth,
      config,
      discovery,
      auditor,
      logger,
      pluginMetadata,
      metrics,
    }) {
      onUse();
      return RestrictedPermissionsService.create({
        inner: ServerPermissionClient.fromConfig(config, { auth, discovery }),
        auth,
        auditor,
        logger,
        denials: metrics.createCounter('gatehouse.permission.denials', {
          description:
            'Permission checks denied by the access restrictions of a service principal, by plugin and failed restriction',
        }),
        pluginId: pluginMetadata.getId(),
      });
    },
  });
}

/**
 * Replaces `coreServices.permissions` with Backstage's default client wrapped
 * by Gatehouse's access restrictions: `*` wildcards in permission names,
 * audited and counted denials.
 *
 * @public
 */
export const gatehousePermissionsServiceFactory =
  createGatehousePermissionsServiceFactory();
