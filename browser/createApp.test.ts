/**
 * The published frontend package in an app as create-app makes it: the
 * tarball `npm pack` makes of plugins/gatehouse, installed with npm into the
 * `packages/app` of `@backstage/create-app` 0.9.2's default-app template
 * (fetched from the npm registry at test time, cut to what runs without the
 * template's other plugins; Gatehouse's page is not listed: `app.packages:
 * all` must discover it), built with `backstage-cli package build` as for
 * production, served as static files beside `npm start`'s backend, and
 * opened in Debian's Chromium: a guest signs in, follows the sidebar's
 * "Service access" item and sees the inventory. This is what the plugin's
 * README tells adopters to do.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { x as extract } from 'tar';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import {
  ARTIFACTS,
  DevStack,
  launchChromium,
  ROOT,
  startDevStack,
} from './devStack';

const PLUGIN = join(ROOT, 'plugins', 'gatehouse');
const PLUGIN_NAME = '@gatehouse/backstage-plugin-gatehouse';
const COMMON = join(ROOT, 'plugins', 'gatehouse-common');
const COMMON_NAME = '@gatehouse/backstage-plugin-gatehouse-common';

/** The create-app release whose template the app is made from. */
const CREATE_APP = '@backstage/create-app@0.9.2';
/** Where its default app is in the package's tarball. */
const TEMPLATE = 'package/templates/default-app';

/**
 * The template's dependencies that the cut-down app uses: its packages/app's,
 * and `@backstage/cli-defaults` from its root package.json (the CLI's
 * commands; the app is installed on its own here, not in a workspace).
 */
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

/**
 * Replaces create-app's text in one of its template's files, failing if the
 * text is not there exactly once (the template changed: revisit the cut).
 */
function edit(file: string, replacements: [from: string, to: string][]) {
  let text = readFileSync(file, 'utf8');
  for (const [from, to] of replacements) {
    assert.equal(
      text.split(from).length,
      2,
      `${file} does not contain, exactly once, create-app's text:\n${from}`,
    );
    text = text.replace(from, () => to);
  }
  writeFileSync(file, text);
}

/** Every file under dir, as paths relative to it. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile())
    .map(entry => relative(dir, join(entry.parentPath, entry.name)));

/**
 * The packages an app's source imports (a scoped name's first two segments,
 * another's first), relative imports left out.
 */
function importedPackages(src: string): Set<string> {
  const names = new Set<string>();
  for (const file of filesUnder(src).filter(f => /\.tsx?$/.test(f))) {
    const text = readFileSync(join(src, file), 'utf8');
    for (const match of text.matchAll(/(?:from|import) '([^'.][^']*)'/g)) {
      const specifier = match[1];
      const parts = specifier.split('/');
      names.add(parts.slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
    }
  }
  return names;
}

/**
 * create-app 0.9.2's default app, from the npm registry: its
 * `packages/app`, cut to what runs without the template's other plugins
 * (catalog, home, search, notifications, user settings), in `app`.
 * Gatehouse's page is not added to its features: discovery must find it.
 */
function makeAppFromTemplate(
  scratch: string,
  app: string,
  tarballs: Record<string, string>,
) {
  const download = join(scratch, 'create-app');
  mkdirSync(download);
  const [{ filename }] = JSON.parse(
    run(
      'npm',
      [
        'pack',
        CREATE_APP,
        '--json',
        '--prefer-offline',
        '--pack-destination',
        download,
      ],
      download,
    ),
  );
  extract({
    file: join(download, filename),
    cwd: download,
    sync: true,
    filter: path => path.startsWith(`${TEMPLATE}/`),
  });
  const template = join(download, TEMPLATE);
  cpSync(join(template, 'packages', 'app'), app, { recursive: true });

  // Its tests, and the home module App.tsx loses below: their dependencies
  // (test utilities, plugin-home-react) are not installed.
  for (const path of [
    'e2e-tests',
    'src/App.test.tsx',
    'src/setupTests.ts',
    'src/modules/home',
  ]) {
    assert.ok(existsSync(join(app, path)), `create-app has no ${path}`);
    rmSync(join(app, path), { recursive: true });
  }

  // The catalog plugin and home module are left out of the app's features.
  edit(join(app, 'src', 'App.tsx'), [
    [`import catalogPlugin from '@backstage/plugin-catalog/alpha';\n`, ''],
    [`import { homeModule } from './modules/home';\n`, ''],
    [
      'features: [catalogPlugin, navModule, homeModule],',
      'features: [navModule],',
    ],
  ]);
  // The sidebar keeps its logo, its Menu group and the plugins' pages under
  // nav.rest(); the search modal, notifications item and settings group
  // come from plugins the app does not have. (Its nav.take() of pages the
  // app lacks gives nothing.)
  edit(join(app, 'src', 'modules', 'nav', 'Sidebar.tsx'), [
    [`import SearchIcon from '@material-ui/icons/Search';\n`, ''],
    [`import { SidebarSearchModal } from '@backstage/plugin-search';\n`, ''],
    [
      `import { UserSettingsSignInAvatar } from '@backstage/plugin-user-settings';\n`,
      '',
    ],
    [
      `import { NotificationsSidebarItem } from '@backstage/plugin-notifications';\n`,
      '',
    ],
    [
      `          <SidebarGroup label="Search" icon={<SearchIcon />} to="/search">
            <SidebarSearchModal />
          </SidebarGroup>
`,
      '',
    ],
    [
      `          <SidebarDivider />
          <NotificationsSidebarItem />
          <SidebarDivider />
          <SidebarGroup
            label="Settings"
            icon={<UserSettingsSignInAvatar />}
            to="/settings"
          >
            {nav.take('page:app-visualizer')}
            {nav.take('page:user-settings')}
          </SidebarGroup>
`,
      '',
    ],
  ]);
  const imported = importedPackages(join(app, 'src'));
  for (const name of imported) {
    assert.ok(
      APP_DEPENDENCIES.includes(name),
      `the cut-down app still imports ${name}`,
    );
  }

  // Its Handlebars templates need no renderer: package.json.hbs (JSON as it
  // is) has `{{version 'name'}}`, create-app's own pins, in dependencies'
  // versions only, and those are replaced: the app keeps the template's
  // manifest (name, role, scripts, browserslist) with the dependencies it
  // uses, at the versions the plugin is built and tested with.
  const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
  const manifest = readJson(join(app, 'package.json.hbs'));
  const root = readJson(join(template, 'package.json.hbs'));
  for (const name of APP_DEPENDENCIES) {
    assert.ok(
      name in manifest.dependencies || name in root.devDependencies,
      `create-app's template does not list ${name}`,
    );
  }
  manifest.dependencies = {
    ...lockedVersions(),
    ...Object.fromEntries(
      Object.entries(tarballs).map(([name, file]) => [name, `file:../${file}`]),
    ),
  };
  delete manifest.devDependencies;
  const rendered = JSON.stringify(manifest, null, 2);
  assert.doesNotMatch(
    rendered,
    /\{\{/,
    'package.json.hbs has other expressions',
  );
  writeFileSync(join(app, 'package.json'), rendered);
  rmSync(join(app, 'package.json.hbs'));
  // .eslintrc.js.hbs has no expressions: only its name changes.
  for (const file of filesUnder(app).filter(f => f.endsWith('.hbs'))) {
    const text = readFileSync(join(app, file), 'utf8');
    assert.doesNotMatch(text, /\{\{/, `${file} has expressions`);
    writeFileSync(join(app, file.slice(0, -'.hbs'.length)), text);
    rmSync(join(app, file));
  }
}

/**
 * The app's config: create-app's `app.title` and `app.packages: all` (every
 * frontend plugin in package.json is discovered), the dev backend's URLs.
 */
function writeAppConfig(scratch: string, app: string, stack: DevStack) {
  const template = parseYaml(
    readFileSync(
      join(scratch, 'create-app', TEMPLATE, 'app-config.yaml.hbs'),
      'utf8',
    ),
  );
  assert.equal(template.app.packages, 'all');
  writeFileSync(
    join(app, 'app-config.yaml'),
    stringifyYaml({
      app: {
        title: template.app.title,
        baseUrl: stack.appUrl,
        packages: template.app.packages,
      },
      backend: { baseUrl: stack.backendUrl },
      permission: { enabled: true },
    }),
  );
}

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
    // With it, the -common package it depends on, packed as well (until it
    // is published, an app installs it from its tarball too).
    run('npm', ['run', 'build', '--silent'], PLUGIN);
    const pack = (dir: string): string =>
      JSON.parse(
        run('npm', ['pack', '--json', '--pack-destination', scratch], dir),
      )[0].filename;
    const tarballs = {
      [PLUGIN_NAME]: pack(PLUGIN),
      [COMMON_NAME]: pack(COMMON),
    };

    const app = join(scratch, 'app');
    makeAppFromTemplate(scratch, app, tarballs);
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
    writeAppConfig(scratch, app, stack);
    run(
      'npx',
      ['backstage-cli', 'package', 'build', '--config', 'app-config.yaml'],
      app,
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
