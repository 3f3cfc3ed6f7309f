import { externalTokenHandlersServiceRef } from '@backstage/backend-defaults/auth';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { RejectionLog } from '../lib/RejectionLog';
import { reportOnce } from '../lib/startupReport';
import { createTokenMetrics } from '../lib/tokenMetrics';
import { entriesRestrictedAwayFrom } from '../lib/externalAccessEntries';
import { credentialInventoryServiceRef } from '../inventory/inventoryServiceRef';
import { staticCredentials } from '../inventory/gatehouseCredentials';
import { compromisedListServiceRef } from '../leaks/compromisedListServiceRef';
import { createStaticTokenHandler } from './staticTokenHandler';
import {
  GATEHOUSE_STATIC_TYPE,
  StaticTokenRegistry,
} from './StaticTokenRegistry';

/**
 * Adds the `gatehouse-static` type to `backend.auth.externalAccess`.
 *
 * The token table, file watcher and rate-limited rejection log are created
 * once for the backend (root context) and shared by every plugin's handler.
 *
 * @public
 */
export const gatehouseStaticTokenHandlerServiceFactory = createServiceFactory({
  service: externalTokenHandlersServiceRef,
  deps: {
    rootConfig: coreServices.rootConfig,
    rootLogger: coreServices.rootLogger,
    rootLifecycle: coreServices.rootLifecycle,
    pluginMetadata: coreServices.pluginMetadata,
    metrics: metricsServiceRef,
    inventory: credentialInventoryServiceRef,
    compromised: compromisedListServiceRef,
  },
  async createRootContext({
    rootConfig,
    rootLogger,
    rootLifecycle,
    inventory,
    compromised,
  }) {
    const logger = rootLogger.child({ service: GATEHOUSE_STATIC_TYPE });
    const registry = await StaticTokenRegistry.create({
      config: rootConfig,
      logger,
    }).catch(error => {
      throw reportOnce(error, rootLogger);
    });
    const rejections = RejectionLog.create({
      logger,
      source: GATEHOUSE_STATIC_TYPE,
      counter: inventory.ledger,
    });
    rootLifecycle.addShutdownHook(() => {
      registry.close();
      rejections.close();
    });
    inventory.addLister(staticCredentials(registry, rootConfig, compromised));
    return {
      registry,
      rejections,
      rootConfig,
      ledger: inventory.ledger,
      compromised,
    };
  },
  factory(
    { pluginMetadata, metrics },
    { registry, rejections, rootConfig, ledger, compromised },
  ) {
    const pluginId = pluginMetadata.getId();
    return createStaticTokenHandler({
      registry,
      rejections,
      metrics: createTokenMetrics(metrics),
      ledger,
      compromised,
      pluginId,
      restrictedAway: entriesRestrictedAwayFrom(rootConfig, pluginId),
    });
  },
});
