import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  ConfigSource,
  ConfigSourceData,
  ConfigSources,
} from '@backstage/config-loader';

const EXTERNAL_ACCESS_CONTEXT =
  'dev/config.ts: externalAccess of all config files';

function externalAccessOf(config: ConfigSourceData): unknown[] {
  const list = (
    config.data as { backend?: { auth?: { externalAccess?: unknown } } }
  ).backend?.auth?.externalAccess;
  return Array.isArray(list) ? list : [];
}

/**
 * Backstage merges config files key by key, but a list in a later file
 * replaces the list of an earlier one, so app-config.example.yaml's entries
 * would vanish behind dev/app-config.dev.yaml's. This source adds, on top of
 * all others, the concatenation of every file's `backend.auth.externalAccess`.
 * It stays a source (not a one-off read), so file watching and Gatehouse's
 * config reload keep working.
 */
function concatExternalAccess(source: ConfigSource): ConfigSource {
  return {
    async *readConfigData(options) {
      for await (const { configs } of source.readConfigData(options)) {
        const externalAccess = configs.flatMap(externalAccessOf);
        yield {
          configs: [
            ...configs,
            {
              context: EXTERNAL_ACCESS_CONTEXT,
              data: { backend: { auth: { externalAccess } } },
            } as ConfigSourceData,
          ],
        };
      }
    },
  };
}

/**
 * The root config of the dev backend: the given config files (then any
 * `--config` arguments on the command line, then APP_CONFIG_* variables, as
 * Backstage does), with the externalAccess lists of all of them.
 */
export function devRootConfigServiceFactory(configFiles: string[]) {
  const argv = [
    ...configFiles.flatMap(file => ['--config', file]),
    ...process.argv.slice(2),
  ];
  return createServiceFactory({
    service: coreServices.rootConfig,
    deps: {},
    async factory() {
      const files = argv.filter((_, i) => argv[i - 1] === '--config');
      console.log(`Loading config from ${files.join(', ')}`);
      const source = concatExternalAccess(ConfigSources.default({ argv }));
      return ConfigSources.toConfig(source);
    },
  });
}
