import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { reportOnce } from '../lib/startupReport';
import { CompromisedList } from './CompromisedList';
import { LEAKS_CONFIG_KEY, parseLeakSettings } from './leakSettings';

/**
 * One compromised-credentials list per backend, read by the handlers of
 * every Gatehouse type in every plugin and filled by the `gatehouse` plugin
 * from its database.
 */
export const compromisedListServiceRef = createServiceRef<CompromisedList>({
  id: 'gatehouse.compromisedList',
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
        let settings;
        try {
          settings = parseLeakSettings(
            rootConfig.getOptional(LEAKS_CONFIG_KEY),
          );
        } catch (error) {
          throw reportOnce(error, rootLogger);
        }
        const list = new CompromisedList({
          logger: rootLogger.child({ service: 'gatehouse-leaks' }),
          settings,
        });
        rootLifecycle.addShutdownHook(() => list.close());
        return list;
      },
    }),
});
