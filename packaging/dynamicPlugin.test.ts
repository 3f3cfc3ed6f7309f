/**
 * The Red Hat Developer Hub test: Gatehouse exported as a dynamic plugin with
 * RHDH's CLI (packaging/export-dynamic-plugin.sh, as docs/rhdh.md says), its
 * tarball laid out as RHDH's installer lays out a tarball with an integrity
 * hash (rhdhLayout.ts, with Gatehouse's config in `pluginConfig` of
 * dynamic-plugins.yaml), and loaded by the real
 * `@backstage/backend-dynamic-feature-service` into a backend whose
 * index.ts adds RHDH's default service factories and the loader as RHDH's
 * does, on each host of rhdhHosts.ts: RHDH 1.10's versions, and the current
 * release line. Not a Jest test: `npm run test:packaging` runs it with
 * node:test.
 *
 * Environment: PACKAGING_WORK_DIR (default: a temp dir, removed afterwards;
 * a kept one makes a second run's installs quick), GATEHOUSE_EXPORT_TOOLS
 * (where the export script keeps the RHDH CLI).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { envFor, nodeRelease } from '../compat/nodeBinaries';
import { DELEGATION_UNGUARDED } from '../src/auth/delegationSelfCheck';
import { PERMISSIONS_NOT_IN_USE } from '../src/restrictions/restrictedPermissionsServiceFactory';
import { freePort } from '../src/testing/freePort';
import { backendIndexTs, betterSqlite3Range } from './adopterBackend';
import { BackendProcess, startBackendProcess } from './backendProcess';
import { layOutDynamicPlugins, LayoutResult } from './rhdhLayout';
import { LOADER, RHDH_BACKEND, RHDH_HOSTS } from './rhdhHosts';
import {
  installedCopies,
  npm,
  packTarball,
  ROOT,
  writeFiles,
} from './scratchInstall';
import {
  CheckTokens,
  issueCheckTokens,
  KeySet,
  externalAccessFor,
  leakedPiece,
  MANAGED_TOKEN_CHECKS_PASS,
  runManagedTokenChecks,
  runTokenChecks,
  secretsIn,
} from './tokenChecks';
// The installer reproduction's own tests, so that test:packaging runs them.
import './rhdhLayout.test';

const DERIVED = 'gatehouse-backstage-plugin-gatehouse-backend-module-dynamic';

const work =
  process.env.PACKAGING_WORK_DIR ||
  mkdtempSync(join(tmpdir(), 'gatehouse-dynamic-'));

/** Where the derived package's tarball is, and its integrity. */
interface Exported {
  dir: string;
  tarball: string;
  integrity: string;
}

let exported: Exported | undefined;

/**
 * docs/rhdh.md's steps, once for every host: `npm pack`, then the export
 * script, which prints the tarball and its integrity for dynamic-plugins.yaml.
 */
function exportOnce(): Exported {
  if (!exported) {
    const exportStarted = Date.now();
    const tarball = packTarball(join(work, 'pack'));
    const out = join(work, 'export');
    const printed = execFileSync(
      'bash',
      [join(ROOT, 'packaging', 'export-dynamic-plugin.sh'), tarball, out],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [, derivedTarball] = /and its tarball (\S+), /.exec(printed) ?? [];
    const [, integrity] = /integrity: (\S+)/.exec(printed) ?? [];
    assert.ok(derivedTarball && integrity, printed);
    exported = { dir: join(out, DERIVED), tarball: derivedTarball, integrity };
    console.log(`# npm pack and export: ${seconds(exportStarted)}`);
  }
  return exported;
}

/** A config file that puts the backend on `port`. */
const portConfig = (port: number) => ({
  [`app-config.port-${port}.yaml`]: stringify({
    backend: {
      baseUrl: `http://127.0.0.1:${port}`,
      listen: { host: '127.0.0.1', port },
    },
  }),
});

const seconds = (since: number) =>
  `${Math.round((Date.now() - since) / 1000)} s`;

for (const host of RHDH_HOSTS) {
  describe(`Gatehouse as an RHDH dynamic plugin, on ${host.name}`, () => {
    const hostDir = join(work, host.id);
    const root = join(hostDir, 'dynamic-plugins-root');
    let backend: BackendProcess;
    let tokens: CheckTokens;
    let keySet: KeySet;
    let layout: LayoutResult;
    let node: string;
    let installed: number;

    before(async () => {
      const { dir, tarball, integrity } = exportOnce();

      // The Node.js release RHDH runs on, or the test's own.
      const env = host.node ? envFor(nodeRelease(host.node)) : process.env;
      node = host.node
        ? join(nodeRelease(host.node), 'bin', 'node')
        : process.execPath;
      writeFiles(hostDir, {
        'package.json': `${JSON.stringify(
          {
            name: 'rhdh-like-backend',
            version: '0.0.0',
            private: true,
            backstage: { role: 'backend' },
            dependencies: {
              'better-sqlite3': betterSqlite3Range(),
              ...host.dependencies,
            },
            overrides: host.overrides,
          },
          null,
          2,
        )}\n`,
        'src/index.ts': backendIndexTs(RHDH_BACKEND),
      });
      const installStarted = Date.now();
      npm(hostDir, ['install'], env);
      console.log(`# ${host.id}: npm install ${seconds(installStarted)}`);
      installed = Date.now();

      // Tokens from the CLI that came with the export, which finds the
      // Backstage packages it needs in the backend's node_modules.
      let adminHash: string;
      ({ tokens, adminHash, keySet } = await issueCheckTokens(
        dir,
        'bin/gatehouse',
        { ...process.env, NODE_PATH: join(hostDir, 'node_modules') },
      ));
      const [readerEntry, ...otherEntries] = externalAccessFor({
        readerToken: '${GATEHOUSE_READER_TOKEN}',
        adminHash,
        keySet,
      });

      const port = await freePort();
      writeFiles(hostDir, {
        // The tarball with its integrity, as docs/rhdh.md shows it (RHDH
        // checks a tarball's integrity unless its path starts with ./).
        'dynamic-plugins.yaml': stringify({
          includes: [],
          plugins: [
            {
              package: tarball,
              integrity,
              disabled: false,
              pluginConfig: {
                backend: {
                  auth: {
                    externalAccess: [
                      readerEntry,
                      ...otherEntries,
                      { type: 'gatehouse-managed', options: {} },
                    ],
                  },
                },
              },
            },
          ],
        }),
        'app-config.yaml': stringify({
          app: { baseUrl: 'http://localhost:3000' },
          backend: {
            database: { client: 'better-sqlite3', connection: ':memory:' },
          },
          auth: { providers: { guest: {} } },
        }),
        ...portConfig(port),
      });
      // An empty root, as in a new RHDH pod.
      rmSync(root, { recursive: true, force: true });
      mkdirSync(root);
      layout = layOutDynamicPlugins({
        cwd: hostDir,
        root: 'dynamic-plugins-root',
        env,
      });

      backend = await start(port, {
        // RHDH adds its own coreServices.permissions and coreServices.auth
        // otherwise, and Gatehouse's are not used.
        ENABLE_CORE_PERMISSIONS_OVERRIDE: 'true',
        ENABLE_CORE_AUTH_OVERRIDE: 'true',
      });
    });

    /** The backend on `port`, as RHDH starts it, with `flags` set. */
    const start = (port: number, flags: Record<string, string>) =>
      startBackendProcess({
        cwd: hostDir,
        execPath: node,
        args: [
          '--import',
          require.resolve('tsx'),
          'src/index.ts',
          '--config',
          'app-config.yaml',
          '--config',
          'dynamic-plugins-root/app-config.dynamic-plugins.yaml',
          '--config',
          `app-config.port-${port}.yaml`,
        ],
        port,
        env: { GATEHOUSE_READER_TOKEN: tokens.reader, ...flags },
      });

    after(async () => {
      await backend?.stop();
      await keySet?.close();
      if (process.env.PACKAGING_WORK_DIR && backend) {
        writeFileSync(join(hostDir, 'backend.log'), backend.output());
      }
      if (installed) {
        console.log(
          `# ${host.id}: lay-out, starts and checks ${seconds(installed)}`,
        );
      }
    });

    it("runs on the host's versions, with one copy of each framework package", () => {
      const expected = (name: string) =>
        host.overrides[name] ?? host.dependencies[name];
      for (const name of [
        '@backstage/backend-defaults',
        '@backstage/backend-plugin-api',
        '@backstage/plugin-permission-node',
        '@backstage/plugin-auth-node',
      ]) {
        const copies = installedCopies(hostDir, name);
        assert.deepEqual(
          copies.map(copy => copy.location),
          [`node_modules/${name}`],
        );
        if (expected(name)) {
          assert.equal(copies[0].version, expected(name), name);
        }
      }
      assert.equal(
        installedCopies(hostDir, LOADER)[0]?.version,
        host.dependencies[LOADER],
      );
      if (host.node) {
        assert.equal(
          execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(),
          `v${host.node}`,
        );
      }
    });

    it("is laid out from its tarball as RHDH's installer does, and loaded from there", () => {
      const version = JSON.parse(
        readFileSync(join(ROOT, 'package.json'), 'utf8'),
      ).version;
      const installed = `${DERIVED}-${version}`;
      assert.deepEqual(layout.installed, [installed]);
      assert.ok(
        existsSync(join(root, installed, 'dynamic-plugin-config.hash')),
      );
      assert.equal(
        existsSync(join(root, installed, 'node_modules', '@backstage')),
        false,
      );
      assert.ok(existsSync(join(root, installed, 'node_modules', 'jose')));
      assert.deepEqual(
        (layout.config.dynamicPlugins as { rootDirectory: string })
          .rootDirectory,
        'dynamic-plugins-root',
      );
      assert.match(
        backend.output(),
        new RegExp(
          `loaded dynamic backend plugin '@gatehouse/${DERIVED.replace('gatehouse-', '')}'`,
        ),
      );
    });

    it('lets each token do what its restrictions say, and no more', async () => {
      const { expected, actual } = await runTokenChecks(
        backend.baseUrl,
        tokens,
      );
      assert.deepEqual(actual, expected);
    });

    it('issues managed tokens as a dynamic plugin (its migrations exported with it)', async () => {
      assert.deepEqual(
        await runManagedTokenChecks(backend.baseUrl, tokens.admin),
        MANAGED_TOKEN_CHECKS_PASS,
      );
    });

    it('audits denials through its permissions service, and logs no token', () => {
      const output = backend.output();
      assert.match(
        output,
        /gatehouse-static loaded 2 token\(s\) for 2 entries/,
      );
      assert.match(output, /access-restriction-denial/);
      assert.equal(leakedPiece(output, secretsIn(tokens)), undefined);
      assert.equal(output.includes(PERMISSIONS_NOT_IN_USE), false);
    });

    it(`without RHDH's override flags, ${
      host.backstageGuardsDelegation
        ? "starts (Backstage's coreServices.auth refuses to delegate restricted callers) and says its permissions service is not in use"
        : "refuses to start: Backstage's coreServices.auth would delegate restricted callers"
    }`, async () => {
      const port = await freePort();
      writeFiles(hostDir, portConfig(port));
      if (host.backstageGuardsDelegation) {
        const plain = await start(port, {});
        await plain.stop();
        assert.ok(
          plain.output().includes(PERMISSIONS_NOT_IN_USE),
          plain.output().slice(-4000),
        );
      } else {
        await assert.rejects(start(port, {}), (error: Error) =>
          error.message.includes(DELEGATION_UNGUARDED),
        );
      }
    });
  });
}

after(() => {
  if (!process.env.PACKAGING_WORK_DIR) {
    rmSync(work, { recursive: true, force: true });
  }
});
