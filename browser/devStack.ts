/**
 * What the browser tests share: `npm start`'s backend (with or without its
 * dev app) on free ports, and Debian's Chromium with the flags this
 * network-less machine needs.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { READY_MARKER } from '../dev/examples';
import { freePort } from '../src/testing/freePort';

export const ROOT = resolve(__dirname, '..');
export const ARTIFACTS = resolve(
  process.env.GATEHOUSE_BROWSER_ARTIFACTS ?? join(ROOT, 'browser-artifacts'),
);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** The flags for this network-less machine, and no sandbox as root. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];
export const STEP_TIMEOUT = 60_000;

export interface DevStack {
  backendUrl: string;
  /** Where the app is, or is to be served (the backend allows it by CORS). */
  appUrl: string;
  appPort: number;
  port: number;
  stop(): Promise<void>;
}

/**
 * `npm start` as a developer runs it (`dev/index.ts`): with its dev app, or
 * (`devApp: false`) the backend and identity provider alone, for an app
 * served by the test at `appPort`.
 */
export async function startDevStack(options: {
  devApp: boolean;
  tokensFile: string;
  /** More variables for `npm start` (GATEHOUSE_DEV_POLICY, GATEHOUSE_DEV_GUEST...). */
  env?: Record<string, string>;
}): Promise<DevStack> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const [port, idpPort, appPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const server: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'dev/index.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        GATEHOUSE_DEV_PORT: String(port),
        GATEHOUSE_DEV_IDP_PORT: String(idpPort),
        GATEHOUSE_DEV_APP_PORT: String(appPort),
        GATEHOUSE_DEV_APP: options.devApp ? '1' : '0',
        GATEHOUSE_TOKENS_FILE: options.tokensFile,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  process.once('exit', () => server.kill('SIGKILL'));
  let output = '';
  server.stdout!.setEncoding('utf8').on('data', c => (output += c));
  server.stderr!.setEncoding('utf8').on('data', c => (output += c));
  const stop = async () => {
    if (server.exitCode !== null) return;
    const exited = new Promise(done => server.once('exit', done));
    server.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 240_000;
  while (!output.includes(READY_MARKER)) {
    if (server.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`npm start did not get ready:\n${output.slice(-4000)}`);
    }
    await new Promise(done => setTimeout(done, 250));
  }
  // With the dev app, the banner prints the page's URL.
  const printed = /^(http:\/\/localhost:\d+)\/gatehouse$/m.exec(output)?.[1];
  if (options.devApp && !printed) {
    await stop();
    throw new Error(`npm start printed no page URL:\n${output.slice(-4000)}`);
  }
  return {
    backendUrl: `http://localhost:${port}`,
    appUrl: printed ?? `http://localhost:${appPort}`,
    appPort,
    port,
    stop,
  };
}

/** Debian's Chromium, and a page of an explicit context (axe needs one). */
export async function launchChromium(): Promise<{
  browser: Browser;
  page: Page;
}> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_FLAGS,
  });
  const page = await (
    await browser.newContext({ viewport: { width: 1400, height: 900 } })
  ).newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  return { browser, page };
}
