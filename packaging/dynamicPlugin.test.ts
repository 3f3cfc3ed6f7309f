/**
 * The Red Hat Developer Hub test: Gatehouse exported as a dynamic plugin with
 * RHDH's CLI (packaging/export-dynamic-plugin.sh, as docs/rhdh.md says),
 * laid out from docs/rhdh.md's dynamic-plugins.yaml as written as RHDH's
 * installer lays it out (rhdhLayout.ts), started with the environment the
 * page's Helm values set, and loaded by the real
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
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { envFor, nodeRelease } from '../compat/nodeBinaries';
import { DELEGATION_UNGUARDED } from '../src/auth/delegationSelfCheck';
import { PERMISSIONS_NOT_IN_USE } from '../src/restrictions/restrictedPermissionsServiceFactory';
import { freePort } from '../src/testing/freePort';
import { backendSources, betterSqlite3Range } from './adopterBackend';
import { BackendProcess, startBackendProcess } from './backendProcess';
import { layOutDynamicPlugins, LayoutResult } from './rhdhLayout';
import { LOADER, RHDH_BACKEND, RHDH_HOSTS } from './rhdhHosts';
import {
  installedCopies,
  npm,
  COMMON_DIR,
  packTarball,
  ROOT,
  writeFiles,
} from './scratchInstall';
import {
  CheckTokens,
  issueCheckTokens,
  KeySet,
  relayedEntry,
  leakedPiece,
  MANAGED_TOKEN_CHECKS_PASS,
  runManagedTokenChecks,
  runTokenChecks,
  secretsIn,
} from './tokenChecks';
// The installer reproduction's own tests, so that test:packaging runs them.
import './rhdhLayout.test';

const DERIVED = 'gatehouse-backstage-plugin-gatehouse-backend-module-dynamic';

/**
 * docs/rhdh.md's YAML, used as written: the dynamic-plugins.yaml and the
 * app-config of its Configuration section, and the environment its Helm
 * values set.
 */
const DOCS = (() => {
  const blocks = [
    ...readFileSync(join(ROOT, 'docs', 'rhdh.md'), 'utf8').matchAll(
      /```yaml\n([\s\S]*?)```/g,
    ),
  ].map(match => match[1]);
  const dynamicPluginsYaml = blocks.find(block => /^plugins:/m.test(block));
  const helmValues = blocks.find(block => block.includes('extraEnvVars'));
  const appConfigYaml = blocks.find(block => /^gatehouse:/m.test(block));
  assert.ok(
    dynamicPluginsYaml && helmValues && appConfigYaml,
    'docs/rhdh.md has its three blocks',
  );
  const environment: Record<string, string> = Object.fromEntries(
    (
      parse(helmValues).upstream.backstage.extraEnvVars as Array<{
        name: string;
        value: string;
      }>
    ).map(({ name, value }) => [name, value]),
  );
  return { dynamicPluginsYaml, environment, appConfigYaml };
})();

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
    const commonTarball = packTarball(join(work, 'pack'), COMMON_DIR);
    const out = join(work, 'export');
    const printed = execFileSync(
      'bash',
      [
        join(ROOT, 'packaging', 'export-dynamic-plugin.sh'),
        tarball,
        out,
        commonTarball,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [, derivedTarball] = /and its tarball (\S+), /.exec(printed) ?? [];
    const [, integrity] = /integrity: (\S+)/.exec(printed) ?? [];
    assert.ok(derivedTarball && integrity, printed);
    // What RHDH's installer checks a tarball against.
    assert.equal(
      integrity,
      `sha512-${createHash('sha512').update(readFileSync(derivedTarball)).digest('base64')}`,
    );
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
    let secrets: Record<string, string>;

    before(async () => {
      const { dir } = exportOnce();

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
        ...backendSources(RHDH_BACKEND),
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
      const port = await freePort();
      // The exported directory where docs/rhdh.md's dynamic-plugins.yaml
      // says, and that file as written, plus the entry of the delegation
      // check's token (the relay plugin is this backend's, not RHDH's).
      const dist = join(hostDir, 'dynamic-plugins', 'dist', DERIVED);
      rmSync(dist, { recursive: true, force: true });
      cpSync(dir, dist, { recursive: true, verbatimSymlinks: true });
      const dynamicPlugins = parse(DOCS.dynamicPluginsYaml);
      dynamicPlugins.plugins[0].pluginConfig.backend.auth.externalAccess.push(
        relayedEntry('${GATEHOUSE_RELAYED_TOKEN}'),
      );
      writeFiles(hostDir, {
        // The RHDH image's own list, which the docs' file includes.
        'dynamic-plugins.default.yaml': stringify({ plugins: [] }),
        'dynamic-plugins.yaml': stringify(dynamicPlugins),
        // Gatehouse's settings in RHDH's app-config, as docs/rhdh.md shows them.
        'app-config.gatehouse.yaml': DOCS.appConfigYaml,
        'app-config.yaml': stringify({
          app: { baseUrl: 'http://localhost:3000' },
          backend: {
            database: { client: 'better-sqlite3', connection: ':memory:' },
          },
          auth: { providers: { guest: {} } },
        }),
        ...portConfig(port),
      });
      // The variables docs/rhdh.md's file names, as RHDH's secrets would set them.
      secrets = {
        CI_PIPELINE_TOKEN: tokens.reader,
        PLATFORM_AUTOMATION_TOKEN_HASH: adminHash,
        IDP_JWKS_URL: keySet.url,
        IDP_ISSUER: keySet.issuer,
        GATEHOUSE_RELAYED_TOKEN: tokens.relayed,
      };
      // An empty root, as in a new RHDH pod.
      rmSync(root, { recursive: true, force: true });
      mkdirSync(root);
      layout = layOutDynamicPlugins({
        cwd: hostDir,
        root: 'dynamic-plugins-root',
        env,
      });

      // The environment docs/rhdh.md's Helm values set.
      backend = await start(port, DOCS.environment);
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
          'app-config.gatehouse.yaml',
          '--config',
          `app-config.port-${port}.yaml`,
        ],
        port,
        env: { ...secrets, ...flags },
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

    it("is laid out from docs/rhdh.md's dynamic-plugins.yaml as RHDH's installer does, and loaded from there", () => {
      const version = JSON.parse(
        readFileSync(join(ROOT, 'package.json'), 'utf8'),
      ).version;
      const installed = `${DERIVED}-${version}`;
      assert.deepEqual(layout.installed, [installed]);
      assert.ok(
        existsSync(join(root, installed, 'dynamic-plugin-config.hash')),
      );
      // No Backstage package but the notifications node library (and its
      // -common), embedded by the export as RHDH's host lacks them, each
      // without a Backstage package of its own.
      const backstage = join(root, installed, 'node_modules', '@backstage');
      assert.deepEqual(readdirSync(backstage).sort(), [
        'plugin-notifications-common',
        'plugin-notifications-node',
      ]);
      for (const embedded of readdirSync(backstage)) {
        assert.equal(
          existsSync(join(backstage, embedded, 'node_modules')),
          false,
          embedded,
        );
      }
      assert.ok(existsSync(join(root, installed, 'node_modules', 'jose')));
      // Gatehouse's -common package, embedded too: the permission library it
      // needs is the host's (not among the @backstage packages above).
      const common = join(
        root,
        installed,
        'node_modules',
        '@gatehouse',
        'backstage-plugin-gatehouse-common',
      );
      assert.ok(existsSync(join(common, 'dist', 'index.js')));
      assert.equal(existsSync(join(common, 'node_modules')), false);
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
        /gatehouse-static loaded 3 token\(s\) for 3 entries/,
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
