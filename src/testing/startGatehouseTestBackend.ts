import type { BackendFeature } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import { createDemoPlugin } from '../../dev/demoPlugin';
import gatehouse from '../index';
import { CapturedLogs } from './CapturedLogs';
import { staticPluginKeyStoreConfig } from './pluginKeyStore';
import { realAuthFeatures } from './realAuthFeatures';

export interface GatehouseTestBackend {
  server: Awaited<ReturnType<typeof startTestBackend>>['server'];
  logs: CapturedLogs;
  /** Replaces the whole root config, as a config file reload would. */
  updateConfig(data: JsonObject): void;
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
}): Promise<GatehouseTestBackend> {
  const logs = new CapturedLogs();
  const pluginKeyStore =
    options.pluginKeyStore ?? (await staticPluginKeyStoreConfig());
  const configFor = (externalAccess: unknown[]): JsonObject =>
    ({
      ...options.extraConfig,
      backend: {
        auth: { pluginKeyStore, externalAccess },
      },
    }) as JsonObject;
  const rootConfig = mockServices.rootConfig({
    data: configFor(options.externalAccess),
  });

  const backend = await startTestBackend({
    features: [
      ...realAuthFeatures(rootConfig),
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
 * report: Backstage wraps the error once per plugin, in "Plugin 'x' startup
 * failed; caused by ...".
 */
export async function startupErrorOf(
  externalAccess: unknown[],
): Promise<string> {
  const error = await startGatehouseTestBackend({ externalAccess }).then(
    () => {
      throw new Error('expected start-up to fail');
    },
    (e: Error) => e,
  );
  const match = /GatehouseConfigError: ([\s\S]*?)(?:\n {2}Plugin '|$)/.exec(
    error.message,
  );
  return match ? match[1] : error.message;
}
