import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Socket } from 'node:net';

/** oidc-provider is ESM-only and Jest runs us as CommonJS: it lives in a child process. */
const SERVER_SCRIPT = path.resolve(
  __dirname,
  '../../dev/identityProvider/server.mjs',
);
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 3_000;
const STDERR_TAIL_CHARS = 8_000;

/** The JSON line server.mjs prints on stdout once it listens. */
export interface ReadyLine {
  ready: true;
  pid: number;
  issuer: string;
  discoveryUrl: string;
  jwksUri: string;
  tokenEndpoint: string;
  controlUrl: string;
  defaultAudience: string;
  clients: Record<string, { secret: string; alg: string }>;
}

export interface IdentityProviderProcess {
  ready: ReadyLine;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process exited. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// A test that forgets stop(), or a worker that dies, must not leave a server
// behind: kill on exit here, and the child also exits when its stdin closes.
function trackUntilExit(child: ChildProcess) {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const running of live) running.kill('SIGKILL');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

function setRef(child: ChildProcess, ref: boolean) {
  for (const handle of [child, child.stdin, child.stdout, child.stderr]) {
    const socket = handle as Pick<Socket, 'ref' | 'unref'> | null;
    if (ref) socket?.ref();
    else socket?.unref();
  }
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise(resolve => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess): Promise<void> {
  setRef(child, true);
  const exited = waitForExit(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Spawns server.mjs and resolves with its ready line.
 *
 * @param env - extra environment, e.g. GATEHOUSE_TEST_IDP_KEYS
 */
export function spawnIdentityProvider(
  port: number,
  env: Record<string, string> = {},
): Promise<IdentityProviderProcess> {
  const child = spawn(
    process.execPath,
    [SERVER_SCRIPT, '--port', String(port), '--exit-on-stdin-eof'],
    {
      // Fresh keys unless the caller passes some: never inherit the variable.
      env: { ...process.env, GATEHOUSE_TEST_IDP_KEYS: undefined, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  trackUntilExit(child);
  // Nothing is ever written to stdin (it only signals our exit); an EPIPE after
  // the child died must not become an uncaught error.
  child.stdin!.on('error', () => {});

  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });

  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = () => {
      settled = true;
      clearTimeout(timer);
      child.off('error', onError).off('close', onClose);
    };
    const fail = (reason: string) => {
      if (settled) return;
      settle();
      void stopChild(child);
      reject(
        new Error(
          `test identity provider ${reason}; stderr:\n${stderr || '(empty)'}`,
        ),
      );
    };
    const timer = setTimeout(
      () => fail(`not ready after ${READY_TIMEOUT_MS} ms`),
      READY_TIMEOUT_MS,
    );
    const onError = (error: Error) => fail(`failed to spawn: ${error.message}`);
    // 'close' rather than 'exit': by then stderr has been read to the end.
    const onClose = (code: number | null, signal: string | null) =>
      fail(`exited before ready (code ${code}, signal ${signal})`);
    child.on('error', onError).on('close', onClose);

    // Any other stdout line is noise; keep reading so the pipe never fills up.
    createInterface({ input: child.stdout! }).on('line', line => {
      if (settled) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        return;
      }
      if ((parsed as Partial<ReadyLine> | null)?.ready !== true) return;
      settle();
      // Unreferenced: a forgotten stop() cannot keep Jest's worker alive.
      setRef(child, false);
      resolve({ ready: parsed as ReadyLine, stop: () => stopChild(child) });
    });
  });
}
