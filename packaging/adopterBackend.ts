import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_LINES } from '../compat/releaseLines';
import { ROOT } from './scratchInstall';

/** How a backend adds Gatehouse: its imports and its lines after `createBackend()`. */
export interface GatehouseInstall {
  imports: string;
  add: string;
}

/**
 * The index.ts of a scratch backend shaped like `@backstage/create-app`'s
 * `packages/backend`, trimmed to the plugins installed here, with Gatehouse.
 */
export const backendIndexTs = (
  gatehouse: GatehouseInstall,
) => `${gatehouse.imports}import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

${gatehouse.add}

backend.add(import('@backstage/plugin-proxy-backend'));

// scaffolder plugin
backend.add(import('@backstage/plugin-scaffolder-backend'));

// auth plugin
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

// catalog plugin
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);

// permission plugin
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(
  import('@backstage/plugin-permission-backend-module-allow-all-policy'),
);

// search plugin, with the in-memory engine and the catalog collator
backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));

// A plugin that calls another on behalf of its caller (Gatehouse's dev/relayPlugin.ts)
backend.add(import('./relayPlugin'));

backend.start();
`;

/**
 * The backend's sources: index.ts for `gatehouse`, and the relay plugin it
 * adds (a copy of dev/relayPlugin.ts, which Backstage's plugin API alone
 * makes work), for the check that restricted callers are not delegated.
 */
export function backendSources(
  gatehouse: GatehouseInstall,
): Record<string, string> {
  return {
    'src/index.ts': backendIndexTs(gatehouse),
    'src/relayPlugin.ts': readFileSync(
      join(ROOT, 'dev', 'relayPlugin.ts'),
      'utf8',
    ),
  };
}

/** Gatehouse added the way the README says. */
export const GATEHOUSE_FROM_PACKAGE: GatehouseInstall = {
  imports: '',
  add: `// Gatehouse, as its README says.
backend.add(import('@gatehouse/backstage-plugin-gatehouse-backend-module'));
`,
};

/** The plugins of backendIndexTs, besides Gatehouse. */
export const BACKEND_PLUGINS = [
  '@backstage/backend-defaults',
  '@backstage/config',
  '@backstage/plugin-auth-backend',
  '@backstage/plugin-auth-backend-module-guest-provider',
  '@backstage/plugin-catalog-backend',
  '@backstage/plugin-catalog-backend-module-scaffolder-entity-model',
  '@backstage/plugin-permission-backend',
  '@backstage/plugin-permission-backend-module-allow-all-policy',
  '@backstage/plugin-permission-common',
  '@backstage/plugin-permission-node',
  '@backstage/plugin-proxy-backend',
  '@backstage/plugin-scaffolder-backend',
  '@backstage/plugin-search-backend',
  '@backstage/plugin-search-backend-module-catalog',
  '@backstage/plugin-search-backend-node',
];

/** better-sqlite3's major for the Node.js line running the test. */
export function betterSqlite3Range(): string {
  const major = process.versions.node.split('.')[0];
  return (
    NODE_LINES.find(node => node.line === major)?.betterSqlite3 ?? '^12.0.0'
  );
}
