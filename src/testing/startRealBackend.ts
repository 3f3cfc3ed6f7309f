import { createBackend } from '@backstage/backend-defaults';
import {
  BackendFeature,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import gatehouse from '../index';
import { CapturedLogs } from './CapturedLogs';
import { freePort } from './freePort';
import { staticPluginKeyStoreConfig } from './pluginKeyStore';
import { closingSqliteDatabaseServiceFactory } from './userTokens';

/**
 * A backend made by `createBackend()` with every default service of the
 * installed `@backstage/backend-defaults`, where startTestBackend would
 * build some itself: its root HTTP router, for one, is what routes WebSocket
 * upgrades from 0.19 on. Gatehouse and `features` are added; the config is
 * `data` plus a listening address, an in-memory database and the test's
 * static plugin key store.
 */
export async function startRealBackend(options: {
  externalAccess: unknown[];
  features?: BackendFeature[];
}): Promise<{ baseUrl: string; logs: CapturedLogs; stop(): Promise<void> }> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const logs = new CapturedLogs();
  const data = {
    backend: {
      baseUrl,
      listen: { host: '127.0.0.1', port },
      database: { client: 'better-sqlite3', connection: ':memory:' },
      auth: {
        pluginKeyStore: await staticPluginKeyStoreConfig(),
        externalAccess: options.externalAccess,
      },
    },
  } as JsonObject;
  const backend = createBackend();
  backend.add(
    createServiceFactory({
      service: coreServices.rootConfig,
      deps: {},
      factory: () => mockServices.rootConfig({ data }),
    }),
  );
  backend.add(logs.factory());
  // Backstage never destroys SQLite pools at shutdown, and the gatehouse
  // plugin opens one: its reaping timer would keep the Jest worker alive.
  backend.add(closingSqliteDatabaseServiceFactory);
  backend.add(gatehouse);
  for (const feature of options.features ?? []) {
    backend.add(feature);
  }
  await backend.start();
  return { baseUrl, logs, stop: () => backend.stop() };
}
