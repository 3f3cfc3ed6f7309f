/**
 * The published frontend package in an app as create-app makes it: the
 * tarball `npm pack` makes of plugins/gatehouse, installed with npm into a
 * scratch copy of browser/create-app (create-app's packages/app, where the
 * page is not listed: `app.packages: all` must discover it), built with
 * `backstage-cli package build` as for production, served as static files
 * beside `npm start`'s backend, and opened in Debian's Chromium: a guest
 * signs in, follows the sidebar's "Service access" item and sees the
 * inventory. This is what the plugin's README tells adopters to do.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  ARTIFACTS,
  DevStack,
  launchChromium,
  ROOT,
  startDevStack,
} from './devStack';

const PLUGIN = join(ROOT, 'plugins', 'gatehouse');
const PLUGIN_NAME = '@gatehouse/backstage-plugin-gatehouse';

/** create-app's packages/app dependencies that the cut-down app uses. */
const APP_DEPENDENCIES = [
  '@backstage/cli',
  '@backstage/cli-defaults',
  '@backstage/core-components',
  '@backstage/frontend-defaults',
  '@backstage/frontend-plugin-api',
  '@backstage/plugin-app-react',
  '@backstage/ui',
  '@material-ui/core',
  '@material-ui/icons',
  'react',
  'react-dom',
  'react-router',
  'react-router-dom',
];

/** The versions the plugin is built and tested with (its lockfile), so npm finds them in its cache. */
function lockedVersions(): Record<string, string> {
  const lock = JSON.parse(
    readFileSync(join(PLUGIN, 'package-lock.json'), 'utf8'),
  );
  return Object.fromEntries(
    APP_DEPENDENCIES.map(name => {
      const version = lock.packages[`node_modules/${name}`]?.version;
      assert.ok(version, `${name} is not in plugins/gatehouse's lockfile`);
      return [name, version];
    }),
  );
}

const run = (command: string, args: string[], cwd: string, env = {}) =>
  execFileSync(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

/** The built app as a static host serves it: files, and index.html for the app's routes. */
function serveStatic(dir: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(
      decodeURIComponent(new URL(req.url!, 'http://x').pathname),
    );
    const file = join(dir, path);
    const found =
      file.startsWith(dir) && existsSync(file) && extname(file) !== ''
        ? file
        : join(dir, 'index.html');
    res.setHeader(
      'content-type',
      TYPES[extname(found)] ?? 'application/octet-stream',
    );
    res.end(readFileSync(found));
  });
  return new Promise(done =>
    server.listen(port, '127.0.0.1', () => done(server)),
  );
}

describe('the packed frontend plugin in an app made by create-app', () => {
  let scratch: string;
  let stack: DevStack;
  let host: Server;
  let browser: Browser;
  let page: Page;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'gatehouse-create-app-'));
    // The package as published: built, then packed (prepack rewrites its
    // package.json to dist/).
    run('npm', ['run', 'build', '--silent'], PLUGIN);
    run('npm', ['pack', '--silent', '--pack-destination', scratch], PLUGIN);
    const tarball = readdirSync(scratch).find(f => f.endsWith('.tgz'))!;

    const app = join(scratch, 'app');
    cpSync(join(ROOT, 'browser', 'create-app'), app, { recursive: true });
    rmSync(join(app, 'README.md'));
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify(
        {
          name: 'app',
          version: '0.0.0',
          private: true,
          bundled: true,
          backstage: { role: 'frontend' },
          scripts: { build: 'backstage-cli package build' },
          dependencies: {
            ...lockedVersions(),
            [PLUGIN_NAME]: `file:../${tarball}`,
          },
          browserslist: {
            production: ['>0.2%', 'not dead', 'not op_mini all'],
            development: ['last 1 chrome version'],
          },
        },
        null,
        2,
      ),
    );
    // Material UI v4 declares React <= 17 peers: yarn, create-app's package
    // manager, warns; npm needs this to do the same.
    writeFileSync(join(app, '.npmrc'), 'legacy-peer-deps=true\n');
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], app);

    stack = await startDevStack({
      devApp: false,
      tokensFile: join(scratch, 'tokens.yaml'),
    });
    // Built as for production, with the config the test's ports give (a
    // built app carries its frontend config in index.html).
    run(
      'npx',
      ['backstage-cli', 'package', 'build', '--config', 'app-config.yaml'],
      app,
      {
        GATEHOUSE_DEV_PORT: String(stack.port),
        GATEHOUSE_DEV_APP_PORT: String(stack.appPort),
      },
    );
    host = await serveStatic(join(app, 'dist'), stack.appPort);
    ({ browser, page } = await launchChromium());
  });

  after(async () => {
    await browser?.close();
    host?.close();
    await stack?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('installs the package as published: dist, no sources', () => {
    const installed = join(scratch, 'app', 'node_modules', PLUGIN_NAME);
    const manifest = JSON.parse(
      readFileSync(join(installed, 'package.json'), 'utf8'),
    );
    assert.equal(manifest.main, 'dist/index.esm.js');
    assert.ok(existsSync(join(installed, manifest.main)));
    assert.ok(existsSync(join(installed, 'dist', 'index.d.ts')));
    assert.equal(existsSync(join(installed, 'src')), false);
    assert.ok(existsSync(join(installed, 'README.md')));
  });

  it('is discovered: its sidebar item leads a guest to the inventory', async () => {
    await page.goto(stack.appUrl);
    await page.getByRole('button', { name: 'Enter' }).click();
    await page.getByRole('link', { name: 'Service access' }).click();
    await page.waitForURL(`${stack.appUrl}/gatehouse`);
    await page.getByText(/^Credentials \(\d+\)$/).waitFor();
    await page.getByText('dev-admin').first().waitFor();
    // Backstage's themed header, in place of the app's plain plugin header.
    await page
      .getByRole('heading', { level: 1, name: 'Service access' })
      .waitFor();
    assert.equal(
      await page.getByRole('heading', { name: 'Service access' }).count(),
      1,
    );
    await page.screenshot({
      path: join(ARTIFACTS, 'create-app-service-access.png'),
      fullPage: true,
    });
  });
});
