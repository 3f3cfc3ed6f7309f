import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { externalAccessEntriesOfType } from '../lib/externalAccessEntries';
import {
  GATEHOUSE_MANAGED_TYPE,
  ManagedEntryOptions,
  parseManagedOptions,
} from './managedOptions';
import { ManagedTokenTable } from './ManagedTokenTable';
import { warnOnManagedOptionsChange } from './managedOptionsWatch';

/** The backend's managed tokens: the options of its entry and the in-memory table. */
export interface ManagedTokensService {
  /** Absent when no `gatehouse-managed` entry turns managed tokens on. */
  options?: ManagedEntryOptions;
  table: ManagedTokenTable;
}

/**
 * One table per backend, shared by the `gatehouse-managed` handler of every
 * plugin (which reads it) and the `gatehouse` plugin (which fills it from
 * its database and writes to both).
 */
export const managedTokensServiceRef = createServiceRef<ManagedTokensService>({
  id: 'gatehouse.managedTokens',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {
        rootConfig: coreServices.rootConfig,
        rootLogger: coreServices.rootLogger,
        rootLifecycle: coreServices.rootLifecycle,
      },
      factory({ rootConfig, rootLogger, rootLifecycle }) {
        const [entry] = externalAccessEntriesOfType(
          rootConfig,
          GATEHOUSE_MANAGED_TYPE,
        );
        const options =
          entry && parseManagedOptions(entry.rawOptions, entry.optionsPath);
        const table = new ManagedTokenTable({
          logger: rootLogger.child({ service: GATEHOUSE_MANAGED_TYPE }),
          settings: options?.sync,
        });
        const stopWatching = options
          ? warnOnManagedOptionsChange({
              rootConfig,
              logger: rootLogger.child({ service: GATEHOUSE_MANAGED_TYPE }),
            })
          : () => {};
        rootLifecycle.addShutdownHook(() => {
          stopWatching();
          table.close();
        });
        return { options, table };
      },
    }),
});
