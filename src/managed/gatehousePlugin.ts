import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { NotFoundError } from '@backstage/errors';
import { assertDelegationRefused } from '../auth/delegationSelfCheck';
import { registerCredentialGauges } from '../inventory/credentialGauges';
import Router from 'express-promise-router';
import { managedCredentials } from '../inventory/gatehouseCredentials';
import { createInventoryRouter } from '../inventory/inventoryRouter';
import { credentialInventoryServiceRef } from '../inventory/inventoryServiceRef';
import { UsageFlusher } from '../inventory/UsageFlusher';
import { UsageStore } from '../inventory/UsageStore';
import {
  CREDENTIAL_PERMISSIONS,
  managedTokenUnrestrictedPermission,
} from './managedTokenPermissions';
import { createCredentialAccess } from '../ownership/credentialAccess';
import { credentialResources } from '../ownership/credentialResources';
import {
  gatehouseCredentialResourceRef,
  gatehouseCredentialRules,
} from '../ownership/credentialResource';
import { managedTokensServiceRef } from './managedTokensServiceRef';
import { createManagedTokensRouter } from './managedTokensRouter';
import { ManagedTokenStore } from './ManagedTokenStore';
import { compromisedListServiceRef } from '../leaks/compromisedListServiceRef';
import { CompromisedStore } from '../leaks/CompromisedStore';
import { createLeaksRouter } from '../leaks/leaksRouter';
import { createSignalDetector } from '../signals/createSignalDetector';
import { checkRestrictionsHonoured } from './restrictionsSelfCheck';
import { createRegisteredPermissions } from './registeredPermissions';
import { createTokenOptions } from './tokenOptions';
import { pluginRequestServiceRef } from '../pluginRequest/pluginRequestServiceRef';
import { notificationService } from '@backstage/plugin-notifications-node';
import { scheduleOwnerNotices } from '../notices/scheduleOwnerNotices';
import { catalogOwnerDirectory } from '../notices/ownerDirectory';

/**
 * The `gatehouse` plugin, at `/api/gatehouse`: the inventory of every
 * credential with its usage (written by each replica once per interval), and,
 * with a `gatehouse-managed` entry, managed tokens and the sync that fills
 * their handlers' table. Its database is SQLite or PostgreSQL, as
 * `backend.database` says.
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
        userInfo: coreServices.userInfo,
        scheduler: coreServices.scheduler,
        rootConfig: coreServices.rootConfig,
        rootLogger: coreServices.rootLogger,
        notifications: notificationService,
        auditor: coreServices.auditor,
        managed: managedTokensServiceRef,
        compromised: compromisedListServiceRef,
        inventory: credentialInventoryServiceRef,
        metrics: metricsServiceRef,
        instance: coreServices.rootInstanceMetadata,
        pluginRequest: pluginRequestServiceRef,
      },
      async init(deps) {
        // Before anything else: restricted credentials must never reach a
        // plugin through another one without their restrictions.
        await assertDelegationRefused(deps.auth);
        const { managed, inventory } = deps;
        deps.permissionsRegistry.addResourceType({
          resourceRef: gatehouseCredentialResourceRef,
          permissions: CREDENTIAL_PERMISSIONS,
          rules: Object.values(gatehouseCredentialRules),
          // For the permission backend's own checks of one credential (a
          // frontend asking about a row, say).
          getResources: ids => credentialResources(inventory, ids),
        });
        deps.permissionsRegistry.addPermissions([
          managedTokenUnrestrictedPermission,
        ]);
        const decideAccess = createCredentialAccess(
          deps.permissions,
          deps.permissionsRegistry.getPermissionRuleset(
            gatehouseCredentialResourceRef,
          ),
        );
        const db = await deps.database.getClient();
        const usageStore = await UsageStore.create(db);
        // Read before the backend takes requests: a leaked credential
        // marked before this replica started is refused from its first one.
        const compromisedStore = await CompromisedStore.create(db);
        await deps.compromised.attach(compromisedStore);
        const store = managed.options
          ? await ManagedTokenStore.create(db)
          : undefined;
        const signals = await createSignalDetector({
          ...deps,
          db,
          managedByDigest: async digest => store?.getByHash(digest),
        });
        const flusher = new UsageFlusher({
          ledger: inventory.ledger,
          store: usageStore,
          logger: deps.logger,
          signals,
        });
        if (inventory.settings.enabled) {
          flusher.start(inventory.settings.flushIntervalMs);
        }
        deps.lifecycle.addShutdownHook(() => flusher.close());
        await scheduleOwnerNotices({
          ...deps,
          db,
          usageStore,
          owners: catalogOwnerDirectory(deps.pluginRequest),
        });
        deps.httpRouter.use(
          createInventoryRouter({
            inventory,
            usageStore,
            httpAuth: deps.httpAuth,
            userInfo: deps.userInfo,
            decideAccess,
            managedTokens: () => Boolean(managed.options),
            signals: () => signals?.store,
          }),
        );

        registerCredentialGauges({
          metrics: deps.metrics,
          inventory,
          managedTable: managed.options ? managed.table : undefined,
        });

        deps.httpRouter.use(
          createLeaksRouter({
            store: compromisedStore,
            list: deps.compromised,
            managed: store && { store, table: managed.table },
            managedTable: managed.table,
            httpAuth: deps.httpAuth,
            decideAccess,
            auditor: deps.auditor,
            credentialListers: () => inventory.listers(),
          }),
        );
        if (!store || !managed.options) {
          deps.httpRouter.use(managedTokensOff());
          return;
        }
        inventory.addLister(managedCredentials(store, deps.compromised));
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
        const registeredPermissions = createRegisteredPermissions({
          instance: deps.instance,
          pluginRequest: deps.pluginRequest,
        });
        deps.httpRouter.use(
          await createManagedTokensRouter({
            store,
            table: managed.table,
            entry: managed.options,
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            decideAccess,
            auditor: deps.auditor,
            registeredPermissions,
            credentialListers: () => inventory.listers(),
            tokenOptions: createTokenOptions({
              entry: managed.options,
              registeredPermissions,
            }),
          }),
        );
      },
    });
  },
});

/** Without a gatehouse-managed entry, the managed-token API says how to turn it on. */
function managedTokensOff() {
  const router = Router();
  router.use('/tokens', () => {
    throw new NotFoundError(
      "Managed tokens are off: add an entry '{ type: gatehouse-managed, options: {} }' to backend.auth.externalAccess",
    );
  });
  return router;
}
