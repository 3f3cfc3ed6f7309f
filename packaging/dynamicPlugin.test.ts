/**
 * The Red Hat Developer Hub test: Gatehouse exported as a dynamic plugin with
 * RHDH's CLI (packaging/export-dynamic-plugin.sh, as docs/rhdh.md says), laid
 * out by RHDH's own installer (packaging/rhdh/install-dynamic-plugins.py,
 * with its config in `pluginConfig` of dynamic-plugins.yaml), and loaded by
 * `@backstage/backend-dynamic-feature-service` into a backend shaped like
 * create-app's on the release line that loader supports. Not a Jest test:
 * `npm run test:packaging` runs it with node:test.
 *
 * Environment: PACKAGING_WORK_DIR (default: a temp dir, removed afterwards),
 * GATEHOUSE_EXPORT_TOOLS (where the export script keeps the RHDH CLI).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { RELEASE_LINES, versionsOn } from '../compat/releaseLines';
import { freePort } from '../src/testing/freePort';
import {
  BACKEND_PLUGINS,
  backendIndexTs,
  betterSqlite3Range,
  GATEHOUSE_AS_DYNAMIC_PLUGIN,
} from './adopterBackend';
import { BackendProcess, startBackendProcess } from './backendProcess';
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

const LOADER = '@backstage/backend-dynamic-feature-service';
/** The release line whose backend-defaults the loader depends on. */
const HOST_LINE = RELEASE_LINES.find(line => line.backendPackages?.[LOADER])!;
const DERIVED = 'gatehouse-backstage-plugin-gatehouse-backend-module-dynamic';

const work =
  process.env.PACKAGING_WORK_DIR ||
  mkdtempSync(join(tmpdir(), 'gatehouse-dynamic-'));
const hostDir = join(work, 'rhdh-host');

describe(`Gatehouse as an RHDH dynamic plugin, on backend-defaults ${HOST_LINE.line}`, () => {
  let backend: BackendProcess;
  let tokens: CheckTokens;
  let keySet: KeySet;

  before(async () => {
    const tarball = packTarball(join(work, 'pack'));
    writeFiles(hostDir, {
      'package.json': `${JSON.stringify(
        {
          name: 'rhdh-like-backend',
          version: '0.0.0',
          private: true,
          backstage: { role: 'backend' },
          dependencies: {
            ...versionsOn(HOST_LINE, [...BACKEND_PLUGINS, LOADER]),
            'better-sqlite3': betterSqlite3Range(),
          },
          overrides: HOST_LINE.backendOverrides,
        },
        null,
        2,
      )}\n`,
      'src/index.ts': backendIndexTs(GATEHOUSE_AS_DYNAMIC_PLUGIN),
    });
    npm(hostDir, ['install']);

    // docs/rhdh.md's steps: export, then list the result in dynamic-plugins.yaml
    // for RHDH's installer.
    execFileSync(
      'bash',
      [
        join(ROOT, 'packaging', 'export-dynamic-plugin.sh'),
        tarball,
        join(hostDir, 'dynamic-plugins', 'dist'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );

    // Tokens from the CLI that came with the export.
    const cliDir = join(hostDir, 'dynamic-plugins', 'dist', DERIVED);
    let adminHash: string;
    ({ tokens, adminHash, keySet } = await issueCheckTokens(
      cliDir,
      'bin/gatehouse',
    ));
    const [readerEntry, ...otherEntries] = externalAccessFor({
      readerToken: '${GATEHOUSE_READER_TOKEN}',
      adminHash,
      keySet,
    });

    const port = await freePort();
    writeFiles(hostDir, {
      'dynamic-plugins.yaml': stringify({
        includes: [],
        plugins: [
          {
            package: `./dynamic-plugins/dist/${DERIVED}`,
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
          baseUrl: `http://127.0.0.1:${port}`,
          listen: { host: '127.0.0.1', port },
          database: { client: 'better-sqlite3', connection: ':memory:' },
        },
        auth: { providers: { guest: {} } },
        dynamicPlugins: { rootDirectory: 'dynamic-plugins-root' },
      }),
    });
    // An empty directory, as in a new RHDH pod (the installer skips a plugin
    // it finds installed with the same config).
    rmSync(join(hostDir, 'dynamic-plugins-root'), {
      recursive: true,
      force: true,
    });
    mkdirSync(join(hostDir, 'dynamic-plugins-root'));
    const installed = execFileSync(
      '/usr/bin/python3',
      [
        join(ROOT, 'packaging', 'rhdh', 'run-installer.py'),
        'dynamic-plugins-root',
      ],
      { cwd: hostDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    assert.match(installed, /Successfully installed dynamic plugin/, installed);

    backend = await startBackendProcess({
      cwd: hostDir,
      args: [
        '--import',
        require.resolve('tsx'),
        'src/index.ts',
        '--config',
        'app-config.yaml',
        '--config',
        'dynamic-plugins-root/app-config.dynamic-plugins.yaml',
      ],
      port,
      env: { GATEHOUSE_READER_TOKEN: tokens.reader },
    });
  });

  after(async () => {
    await backend?.stop();
    await keySet?.close();
    if (!process.env.PACKAGING_WORK_DIR) {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('is loaded from the dynamic plugins root, with no Backstage package of its own', () => {
    const root = join(hostDir, 'dynamic-plugins-root');
    const [installed] = readdirSync(root).filter(name =>
      name.startsWith(`${DERIVED}-`),
    );
    assert.ok(installed, 'the installer put the plugin in the root');
    assert.equal(
      existsSync(join(root, installed, 'node_modules', '@backstage')),
      false,
    );
    assert.ok(existsSync(join(root, installed, 'node_modules', 'jose')));
    assert.match(
      backend.output(),
      new RegExp(
        `loaded dynamic backend plugin '@gatehouse/${DERIVED.replace('gatehouse-', '')}'`,
      ),
    );
    assert.deepEqual(
      installedCopies(hostDir, '@backstage/backend-defaults').map(
        copy => copy.location,
      ),
      ['node_modules/@backstage/backend-defaults'],
    );
  });

  it('lets each token do what its restrictions say, and no more', async () => {
    const { expected, actual } = await runTokenChecks(backend.baseUrl, tokens);
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
    assert.match(output, /gatehouse-static loaded 2 token\(s\) for 2 entries/);
    assert.match(output, /access-restriction-denial/);
    assert.equal(leakedPiece(output, secretsIn(tokens)), undefined);
  });
});
