/**
 * The adopter test: Gatehouse as a new user installs it. `npm pack` of the
 * checkout goes into a scratch backend shaped like create-app's
 * `packages/backend` on the current Backstage release line, which is started
 * as its own process and called over HTTP. Not a Jest test (it installs a
 * backend from the registry): `npm run test:packaging` runs it with node:test.
 *
 * Environment: PACKAGING_WORK_DIR (default: a temp dir, removed afterwards).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { CURRENT_LINE, versionsOn } from '../compat/releaseLines';
import { freePort } from '../src/testing/freePort';
import {
  BACKEND_PLUGINS,
  backendSources,
  betterSqlite3Range,
  GATEHOUSE_FROM_PACKAGE,
} from './adopterBackend';
import { BackendProcess, startBackendProcess } from './backendProcess';
import {
  installedCopies,
  npm,
  COMMON_DIR,
  packTarball,
  PACKAGE_NAME,
  readmeInstallCommand,
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
import {
  configEntryAsWritten,
  CreatedToken,
  createTokenAsWritten,
  runCallsAsWritten,
} from './walkThrough';

const work =
  process.env.PACKAGING_WORK_DIR ||
  mkdtempSync(join(tmpdir(), 'gatehouse-adopter-'));
const backendDir = join(work, 'packages', 'backend');

describe(`an adopter's backend on backend-defaults ${CURRENT_LINE.line}`, () => {
  let tarball: string;
  let commonTarball: string;
  let backend: BackendProcess;
  let tokens: CheckTokens;
  let keySet: KeySet;
  let walkThrough: CreatedToken;

  before(async () => {
    tarball = packTarball(join(work, 'pack'));
    commonTarball = packTarball(join(work, 'pack'), COMMON_DIR);
    writeFiles(backendDir, {
      'package.json': `${JSON.stringify(
        {
          name: 'backend',
          version: '0.0.0',
          private: true,
          backstage: { role: 'backend' },
          dependencies: {
            ...versionsOn(CURRENT_LINE, BACKEND_PLUGINS),
            'better-sqlite3': betterSqlite3Range(),
          },
        },
        null,
        2,
      )}\n`,
      ...backendSources(GATEHOUSE_FROM_PACKAGE),
    });
    // The backend first, then Gatehouse added to it with the README's
    // command, run from the Backstage root.
    npm(backendDir, ['install']);
    mkdirSync(join(backendDir, 'vendor'), { recursive: true });
    for (const packed of [tarball, commonTarball]) {
      copyFileSync(packed, join(backendDir, 'vendor', basename(packed)));
    }
    execFileSync(
      'bash',
      ['-euc', readmeInstallCommand('npm install ./vendor/')],
      {
        cwd: work,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );

    let adminHash: string;
    ({ tokens, adminHash, keySet } = await issueCheckTokens(backendDir));
    // The README's walk-through, steps 1 and 2, as written.
    walkThrough = createTokenAsWritten(backendDir);

    const port = await freePort();
    writeFileSync(
      join(backendDir, 'app-config.yaml'),
      stringify({
        app: { baseUrl: 'http://localhost:3000' },
        backend: {
          baseUrl: `http://127.0.0.1:${port}`,
          listen: { host: '127.0.0.1', port },
          database: { client: 'better-sqlite3', connection: ':memory:' },
          auth: {
            externalAccess: [
              ...externalAccessFor({
                readerToken: tokens.reader,
                adminHash,
                relayedToken: tokens.relayed,
                keySet,
              }),
              configEntryAsWritten(walkThrough),
              { type: 'gatehouse-managed', options: {} },
            ],
          },
        },
        auth: { providers: { guest: {} } },
      }),
    );
    backend = await startBackendProcess({
      cwd: backendDir,
      // What `backstage-cli package start` does for a backend, without the
      // CLI's watch mode: TypeScript run in place.
      args: ['--import', require.resolve('tsx'), 'src/index.ts'],
      port,
    });
  });

  after(async () => {
    await backend?.stop();
    await keySet?.close();
    if (!process.env.PACKAGING_WORK_DIR) {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('installs exactly one copy of @backstage/backend-defaults', () => {
    const copies = installedCopies(backendDir, '@backstage/backend-defaults');
    assert.deepEqual(
      copies.map(
        copy =>
          `${copy.location}@${copy.version.split('.').slice(0, 2).join('.')}`,
      ),
      [`node_modules/@backstage/backend-defaults@${CURRENT_LINE.line}`],
    );
    for (const name of [
      '@backstage/backend-plugin-api',
      '@backstage/plugin-permission-node',
    ]) {
      assert.equal(installedCopies(backendDir, name).length, 1, name);
    }
  });

  it('has no install scripts and nothing test-only in the tarball', () => {
    const installed = JSON.parse(
      readFileSync(
        join(backendDir, 'node_modules', PACKAGE_NAME, 'package.json'),
        'utf8',
      ),
    );
    assert.deepEqual(
      Object.keys(installed.scripts ?? {}).filter(name =>
        ['preinstall', 'install', 'postinstall', 'prepare'].includes(name),
      ),
      [],
    );
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(file => file.replace(/^package\//, ''));
    for (const required of [
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
      'SECURITY.md',
      'config.d.ts',
      'dist/index.js',
      'dist/index.d.ts',
      'bin/gatehouse',
      'migrations/20261128120000_managed_tokens.js',
      'migrations/20261129120000_credential_usage.js',
    ]) {
      assert.ok(files.includes(required), `the tarball has ${required}`);
    }
    assert.deepEqual(
      files.filter(file =>
        /^dist\/(security|testing)\/|\.test\.|^src\//.test(file),
      ),
      [],
    );
    // Source maps carry their sources (the TypeScript is not shipped).
    const map = JSON.parse(
      readFileSync(
        join(backendDir, 'node_modules', PACKAGE_NAME, 'dist', 'index.js.map'),
        'utf8',
      ),
    );
    assert.equal(map.sourcesContent?.length, map.sources.length);
  });

  it("passes the README's config check, strict", () => {
    const result = spawnSync(
      join(backendDir, 'node_modules', '.bin', 'gatehouse'),
      ['config-check', '--strict', '--config', 'app-config.yaml'],
      { cwd: backendDir, encoding: 'utf8' },
    );
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });

  it('lets each token do what its restrictions say, and no more', async () => {
    const { expected, actual } = await runTokenChecks(backend.baseUrl, tokens);
    assert.deepEqual(actual, expected);
  });

  it("follows the README's walk-through: every call answers as its comment says", () => {
    const results = runCallsAsWritten({
      backendDir,
      baseUrl: backend.baseUrl,
      configFile: 'app-config.yaml',
      token: walkThrough.token,
    });
    const kinds = results.map(r => r.command.split(' ').slice(0, 3).join(' '));
    assert.deepEqual(kinds, [
      'npx gatehouse config-check',
      'curl -H "Authorization:',
      'curl -H "Authorization:',
      'curl -H "Authorization:',
      'curl -H "Authorization:',
      'npx gatehouse explain',
    ]);
    for (const { command, promised, got } of results) {
      if (command.startsWith('curl ')) {
        assert.equal(got, /^\d{3}/.exec(promised)?.[0], command);
      } else if (command.includes('config-check')) {
        assert.match(got, /^exit 0: [\s\S]*is valid/, command);
      } else {
        // The walk-through's entry comes after externalAccessFor's four.
        assert.match(
          got,
          /^exit 0: [\s\S]*Result: accepted by backend\.auth\.externalAccess\[4\] as 'ci-pipeline'/,
          command,
        );
      }
    }
  });

  it('issues managed tokens from the installed package (its migrations found, its restrictions applied)', async () => {
    assert.deepEqual(
      await runManagedTokenChecks(backend.baseUrl, tokens.admin),
      MANAGED_TOKEN_CHECKS_PASS,
    );
    assert.doesNotMatch(
      backend.output(),
      /does not apply the access restrictions/,
    );
  });

  it('logs that Gatehouse is loaded, audits denials, and logs no token', () => {
    const output = backend.output();
    assert.match(output, /gatehouse-static loaded 4 token\(s\) for 4 entries/);
    assert.match(output, /access-restriction-denial/);
    assert.equal(
      leakedPiece(output, [...secretsIn(tokens), walkThrough.token]),
      undefined,
    );
  });
});
