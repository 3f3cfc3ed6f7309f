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
import { jwtCredentials } from '../inventory/gatehouseCredentials';
import { compromisedListServiceRef } from '../leaks/compromisedListServiceRef';
import { createJwksTokenHandler } from './jwksTokenHandler';
import { GATEHOUSE_JWKS_TYPE, JwksRegistry } from './JwksRegistry';

/**
 * Adds the `gatehouse-jwks` type to `backend.auth.externalAccess`.
 *
 * Key sources, caches and the rate-limited rejection log are created once for
 * the backend (root context) and shared by every plugin's handler. Key sets
 * are fetched in the background: start-up never waits for a provider.
 *
 * @public
 */
export const gatehouseJwksTokenHandlerServiceFactory = createServiceFactory({
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
  createRootContext({
    rootConfig,
    rootLogger,
    rootLifecycle,
    inventory,
    compromised,
  }) {
    const logger = rootLogger.child({ service: GATEHOUSE_JWKS_TYPE });
    let registry: JwksRegistry;
    try {
      registry = JwksRegistry.create({ config: rootConfig, logger });
    } catch (error) {
      throw reportOnce(error, rootLogger);
    }
    registry.start();
    const rejections = RejectionLog.create({
      logger,
      source: GATEHOUSE_JWKS_TYPE,
      counter: inventory.ledger,
    });
    rootLifecycle.addShutdownHook(() => rejections.close());
    inventory.addLister(jwtCredentials(registry, rootConfig, compromised));
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
    return createJwksTokenHandler({
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
