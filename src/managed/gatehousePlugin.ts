import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { MANAGED_TOKEN_PERMISSIONS } from './managedTokenPermissions';
import { managedTokensServiceRef } from './managedTokensServiceRef';
import { createManagedTokensRouter } from './managedTokensRouter';
import { ManagedTokenStore } from './ManagedTokenStore';
import { checkRestrictionsHonoured } from './restrictionsSelfCheck';

/**
 * The `gatehouse` plugin: managed tokens in its database (SQLite or
 * PostgreSQL, as `backend.database` says), their API at `/api/gatehouse`, and
 * the sync that fills the `gatehouse-managed` handlers' table.
 *
 * @public
 */
export const gatehousePlugin = createBackendPlugin({
  pluginId: 'gatehouse',
  register(env) {
    env.registerInit({
      deps: {
        database: coreServices.database,
        auth: coreServices.auth,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        managed: managedTokensServiceRef,
      },
      async init(deps) {
        const { managed } = deps;
        deps.permissionsRegistry.addPermissions(MANAGED_TOKEN_PERMISSIONS);
        if (!managed.options) {
          return; // no gatehouse-managed entry: nothing to serve
        }
        const store = await ManagedTokenStore.create(
          await deps.database.getClient(),
        );
        await managed.table.attach(store);
        // After start-up, when the auth service takes requests as it will.
        deps.lifecycle.addStartupHook(async () => {
          await checkRestrictionsHonoured({
            auth: deps.auth,
            table: managed.table,
            logger: deps.logger,
            pluginId: 'gatehouse',
          });
        });
        deps.httpRouter.use(
          await createManagedTokensRouter({
            store,
            table: managed.table,
            entry: managed.options,
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            auditor: deps.auditor,
          }),
        );
      },
    });
  },
});
