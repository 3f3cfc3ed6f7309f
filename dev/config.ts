import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { ConfigSources } from '@backstage/config-loader';

/**
 * The root config of the dev backend: the given config files, then any
 * `--config` arguments on the command line, then APP_CONFIG_* variables, as
 * Backstage does, lists replaced rather than merged (so that
 * `gatehouse explain` with the same files sees the same list). Backstage's
 * default would look for app-config.yaml in the working directory.
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
      return ConfigSources.toConfig(ConfigSources.default({ argv }));
    },
  });
}
