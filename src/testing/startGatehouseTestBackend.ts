import type {
  BackendFeature,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import { createDemoPlugin } from '../../dev/demoPlugin';
import gatehouse from '../index';
import { CapturedLogs } from './CapturedLogs';
import { staticPluginKeyStoreConfig } from './pluginKeyStore';
import { realAuthFeatures } from './realAuthFeatures';
import { closingSqliteDatabaseServiceFactory } from './userTokens';

export interface GatehouseTestBackend {
  server: Awaited<ReturnType<typeof startTestBackend>>['server'];
  logs: CapturedLogs;
  /** Replaces the whole root config, as a config file reload would. */
  updateConfig(data: JsonObject): void;
  /** Replaces `backend.auth.externalAccess`, keeping the rest of the config. */
  updateExternalAccess(externalAccess: unknown[]): void;
  stop(): Promise<void>;
}

/**
 * A real backend with the real auth and httpAuth services (startTestBackend's
 * defaults are mocks that ignore `externalAccess`), the real auditor, Gatehouse,
 * and two demo plugins, `demo` and `other`, each serving `GET /whoami`.
 *
 * @param externalAccess - the `backend.auth.externalAccess` list
 */
export async function startGatehouseTestBackend(options: {
  externalAccess: unknown[];
  extraConfig?: JsonObject;
  features?: BackendFeature[];
  /** `backend.auth.pluginKeyStore`; default: a static key pair made for this run. */
  pluginKeyStore?: JsonObject;
  /** The coreServices.auth factory; default: Gatehouse's, as its default export adds it. */
  authFactory?: ServiceFactory;
  /** Where the backend logs; default: a new one. */
  logs?: CapturedLogs;
}): Promise<GatehouseTestBackend> {
  const logs = options.logs ?? new CapturedLogs();
  const pluginKeyStore =
    options.pluginKeyStore ?? (await staticPluginKeyStoreConfig());
  const configFor = (externalAccess: unknown[]): JsonObject =>
    ({
      ...options.extraConfig,
      backend: {
        // Other backend keys of extraConfig (e.g. `actions`) are kept.
        ...(options.extraConfig?.backend as JsonObject | undefined),
        auth: { pluginKeyStore, externalAccess },
      },
    }) as JsonObject;
  const rootConfig = mockServices.rootConfig({
    data: configFor(options.externalAccess),
  });

  const backend = await startTestBackend({
    features: [
      ...realAuthFeatures(rootConfig, options.authFactory),
      // Test-utils' default database never closes SQLite pools, and
      // Gatehouse's plugin (managed tokens) opens one. (The auth backend's
      // features bring the same factory.)
      ...(options.features?.includes(closingSqliteDatabaseServiceFactory)
        ? []
        : [closingSqliteDatabaseServiceFactory]),
      logs.factory(),
      gatehouse,
      createDemoPlugin('demo'),
      createDemoPlugin('other'),
      ...(options.features ?? []),
    ],
  });
  return {
    server: backend.server,
    logs,
    updateConfig: data => rootConfig.update({ data }),
    updateExternalAccess: externalAccess =>
      rootConfig.update({ data: configFor(externalAccess) }),
    stop: () => backend.stop(),
  };
}

/** Config for `startGatehouseTestBackend`'s `updateConfig`, with the test key store. */
export async function testBackendConfig(
  externalAccess: unknown[],
): Promise<JsonObject> {
  return {
    backend: {
      auth: {
        pluginKeyStore: await staticPluginKeyStoreConfig(),
        externalAccess,
      },
    },
  } as JsonObject;
}

/**
 * Starts a test backend that must fail to start, and returns Gatehouse's
 * report of what is wrong. Checks that the report is logged once, and that
 * the error the start-up rejects with says the same without the log (a test
 * backend's default logger prints nothing): every problem line, or the first
 * ones and how many more the log has.
 */
export async function startupErrorOf(
  externalAccess: unknown[],
): Promise<string> {
  const logs = new CapturedLogs();
  const error = await startGatehouseTestBackend({ externalAccess, logs }).then(
    () => {
      throw new Error('expected start-up to fail');
    },
    (e: Error) => e,
  );
  const reports = logs.matching('error', /^Gatehouse cannot start\. /);
  if (reports.length !== 1) {
    throw new Error(
      `expected one report in the log, found ${reports.length}; the error was: ${error.message}`,
    );
  }
  const report = reports[0].message.replace(/^Gatehouse cannot start\. /, '');
  const [title, ...problems] = report.split('\n  - ');
  const more = /\n {2}\.\.\. and (\d+) more, /.exec(error.message);
  const shown = problems.length - (more ? Number(more[1]) : 0);
  // Each problem as a whole line, so that one problem's prefix is not taken for it.
  const missing = [
    `GatehouseStartupError: Gatehouse cannot start. ${title}\n`,
    ...problems.slice(0, shown).map(p => `\n  - ${p}\n`),
  ].filter(line => !`${error.message}\n`.includes(line));
  if (shown < 1 || missing.length) {
    throw new Error(
      `expected the error to list the report's ${problems.length} problem(s) or the first ones and the count; missing ${JSON.stringify(missing)} in: ${error.message}`,
    );
  }
  return report;
}
