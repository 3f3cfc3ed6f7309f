import { externalTokenHandlersServiceRef } from '@backstage/backend-defaults/auth';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { RejectionLog } from '../lib/RejectionLog';
import { createTokenMetrics } from '../lib/tokenMetrics';
import { credentialInventoryServiceRef } from '../inventory/inventoryServiceRef';
import { compromisedListServiceRef } from '../leaks/compromisedListServiceRef';
import { createManagedTokenHandler } from './managedTokenHandler';
import { GATEHOUSE_MANAGED_TYPE } from './managedOptions';
import { managedTokensServiceRef } from './managedTokensServiceRef';

/**
 * Adds the `gatehouse-managed` type to `backend.auth.externalAccess`: tokens
 * issued at run time through the `gatehouse` plugin's API.
 *
 * @public
 */
export const gatehouseManagedTokenHandlerServiceFactory = createServiceFactory({
  service: externalTokenHandlersServiceRef,
  deps: {
    rootLogger: coreServices.rootLogger,
    rootLifecycle: coreServices.rootLifecycle,
    managed: managedTokensServiceRef,
    pluginMetadata: coreServices.pluginMetadata,
    metrics: metricsServiceRef,
    inventory: credentialInventoryServiceRef,
    compromised: compromisedListServiceRef,
  },
  createRootContext({
    rootLogger,
    rootLifecycle,
    managed,
    inventory,
    compromised,
  }) {
    const rejections = RejectionLog.create({
      logger: rootLogger.child({ service: GATEHOUSE_MANAGED_TYPE }),
      source: GATEHOUSE_MANAGED_TYPE,
      counter: inventory.ledger,
    });
    rootLifecycle.addShutdownHook(() => rejections.close());
    return {
      table: managed.table,
      rejections,
      ledger: inventory.ledger,
      compromised,
    };
  },
  factory(
    { pluginMetadata, metrics },
    { table, rejections, ledger, compromised },
  ) {
    return createManagedTokenHandler({
      table,
      rejections,
      ledger,
      compromised,
      metrics: createTokenMetrics(metrics),
      pluginId: pluginMetadata.getId(),
    });
  },
});
