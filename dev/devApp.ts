import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The frontend plugin's package, whose dev app `npm start` serves. */
export const FRONTEND_DIR = resolve(__dirname, '..', 'plugins', 'gatehouse');
const CLI = resolve(FRONTEND_DIR, 'node_modules', '.bin', 'backstage-cli');
const READY_TIMEOUT_MS = 180_000;
const TAIL_CHARS = 4_000;

export interface DevApp {
  url: string;
  stop(): Promise<void>;
}

/**
 * Serves the dev app (plugins/gatehouse/dev: Backstage's default app with
 * Gatehouse's page and guest sign-in) with `backstage-cli package start`,
 * and resolves once it answers. Its output is kept quiet but for a failure.
 */
/**
 * The frontend plugin is a package of its own (its dependencies are the
 * app's, about 1 GB), installed on the first `npm start` rather than by the
 * root `npm install`: the published backend package must not carry install
 * scripts, and its own tests need none of it.
 */
export function installDevApp(): void {
  if (existsSync(CLI)) return;
  console.log(
    'Installing the dev app (plugins/gatehouse) for the first time; this takes a few minutes...',
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund'], {
    cwd: FRONTEND_DIR,
    stdio: 'inherit',
  });
}

export async function startDevApp(port: string): Promise<DevApp> {
  installDevApp();
  const child: ChildProcess = spawn(
    CLI,
    ['package', 'start', '--config', 'dev/app-config.yaml'],
    {
      cwd: FRONTEND_DIR,
      env: { ...process.env, BROWSER: 'none', GATEHOUSE_DEV_APP_PORT: port },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-TAIL_CHARS);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://localhost:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise(done => child.once('exit', done));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  // The app answers its index page once the first compile is done.
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `The dev app exited (code ${child.exitCode}):\n${output}`,
      );
    }
    try {
      const response = await fetch(url);
      if (response.ok) return { url, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `The dev app did not answer within ${READY_TIMEOUT_MS / 1000} s:\n${output}`,
      );
    }
    await new Promise(done => setTimeout(done, 500));
  }
}
