import type {
  AuditorService,
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import type { MetricsService } from '@backstage/backend-plugin-api/alpha';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { Knex } from 'knex';
import type { CredentialInventoryService } from '../inventory/inventoryServiceRef';
import { reportOnce } from '../lib/startupReport';
import type { ManagedTokenRecord } from '../managed/ManagedTokenStore';
import { credentialResources } from '../ownership/credentialResources';
import { SignalDetector } from './SignalDetector';
import { createSignalRaiser } from './signalRaiser';
import { parseSignalSettings, SIGNALS_CONFIG_KEY } from './signalSettings';
import { SignalStore } from './SignalStore';

/**
 * The gatehouse plugin's signal detector, as `gatehouse.signals` says;
 * undefined when signals, or the usage they are read from, are off.
 *
 * @throws GatehouseConfigError (reported once) for bad settings
 */
export async function createSignalDetector(deps: {
  db: Knex;
  rootConfig: RootConfigService;
  rootLogger: LoggerService;
  logger: LoggerService;
  auditor: AuditorService;
  metrics: MetricsService;
  notifications?: NotificationService;
  inventory: CredentialInventoryService;
  managedByDigest: (digest: string) => Promise<ManagedTokenRecord | undefined>;
}): Promise<SignalDetector | undefined> {
  let settings;
  try {
    settings = parseSignalSettings(
      deps.rootConfig.getOptional(SIGNALS_CONFIG_KEY),
    );
  } catch (error) {
    throw reportOnce(error, deps.rootLogger);
  }
  if (!settings.enabled || !deps.inventory.settings.enabled) return undefined;
  return new SignalDetector({
    settings,
    store: await SignalStore.create(deps.db),
    managedByDigest: deps.managedByDigest,
    raise: createSignalRaiser({
      ...deps,
      // A JWT subject belongs to its entry's owner.
      ownerOf: async credentialId =>
        (
          await credentialResources(deps.inventory, [
            credentialId.split('#')[0],
          ])
        )[0]?.owner,
    }),
  });
}
