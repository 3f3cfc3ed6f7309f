import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { ServerPermissionClient } from '@backstage/plugin-permission-node';
import { RestrictedPermissionsService } from './RestrictedPermissionsService';

/**
 * Replaces `coreServices.permissions` with Backstage's default client wrapped
 * by Gatehouse's access restrictions: `*` wildcards in permission names,
 * audited and counted denials.
 *
 * @public
 */
export const gatehousePermissionsServiceFactory = createServiceFactory({
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
