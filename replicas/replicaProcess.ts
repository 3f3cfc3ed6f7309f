import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const REPO_ROOT = join(__dirname, '..');
/** A start takes 2 to 5 s here (tsx compiling, migrations); generous for CI. */
const READY_TIMEOUT_MS = 90_000;
/** Backstage's shutdown waits for in-flight requests; it takes well under this. */
const STOP_GRACE_MS = 15_000;

export interface Replica {
  name: string;
  port: number;
  baseUrl: string;
  logFile: string;
  /** SIGTERM, SIGKILL after a grace period; resolves with how it ended. */
  stop(): Promise<{ code: number | null; signal: string | null }>;
  /** The last lines of its log, for failure messages. */
  logTail(lines?: number): string;
}

const live = new Set<ChildProcess>();
// A failed or interrupted test must not leave backends behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export { freePort } from '../src/testing/freePort';

/** True while something accepts connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = new Socket();
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Spawns replicas/backend.ts with one config file and resolves once its
 * readiness endpoint answers 200, i.e. every plugin has started.
 */
export async function startReplica(options: {
  name: string;
  port: number;
  configFile: string;
  logFile: string;
  /** More environment for this replica (REPLICA_CLOCK_SKEW_MS, say). */
  env?: NodeJS.ProcessEnv;
}): Promise<Replica> {
  const { name, port, logFile } = options;
  const log = openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'replicas/backend.ts', '--config', options.configFile],
    {
      cwd: REPO_ROOT,
      // Production mode, as replicas run: JSON logs, no error details in
      // responses.
      env: {
        ...process.env,
        NODE_ENV: 'production',
        REPLICA_STOP_ON_STDIN_EOF: '1',
        ...options.env,
      },
      stdio: ['pipe', log, log],
    },
  );
  closeSync(log);
  live.add(child);
  const exited = new Promise<{ code: number | null; signal: string | null }>(
    resolve =>
      child.once('exit', (code, signal) => {
        live.delete(child);
        resolve({ code, signal });
      }),
  );
  const logTail = (lines = 40) => tail(logFile, lines);

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `replica ${name} exited during start-up (code ${child.exitCode}, signal ${child.signalCode}); log:\n${logTail()}`,
      );
    }
    const status = await fetch(`${baseUrl}/.backstage/health/v1/readiness`)
      .then(r => r.status)
      .catch(() => 0);
    if (status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `replica ${name} not ready after ${READY_TIMEOUT_MS} ms; log:\n${logTail()}`,
      );
    }
    await sleep(200);
  }

  return {
    name,
    port,
    baseUrl,
    logFile,
    logTail,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
