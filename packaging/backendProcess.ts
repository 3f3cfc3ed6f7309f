import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface BackendProcess {
  baseUrl: string;
  /** Everything the backend wrote to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts a backend as its own process (`node <args>` in `cwd`, as an adopter
 * would run it) and waits until Backstage's readiness endpoint answers 200.
 * The backend must listen on `port` of 127.0.0.1.
 */
export async function startBackendProcess(options: {
  cwd: string;
  args: string[];
  port: number;
  env?: NodeJS.ProcessEnv;
  /** The `node` to run (default: this process's). */
  execPath?: string;
  timeoutMs?: number;
}): Promise<BackendProcess> {
  const child: ChildProcess = spawn(
    options.execPath ?? process.execPath,
    options.args,
    {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const chunks: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', chunk => chunks.push(chunk));
  child.stderr!.setEncoding('utf8').on('data', chunk => chunks.push(chunk));
  const output = () => chunks.join('');
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
  };

  const baseUrl = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  while (Date.now() < deadline) {
    // Backstage logs a failed start-up and keeps the process running.
    if (output().includes('Backend startup failed')) {
      await stop();
      throw new Error(`the backend did not start:\n${output().slice(-8000)}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `the backend exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output().slice(-8000)}`,
      );
    }
    const ready = await fetch(`${baseUrl}/.backstage/health/v1/readiness`).then(
      response => response.status === 200,
      () => false,
    );
    if (ready) {
      return { baseUrl, output, stop };
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(
    `the backend was not ready in time:\n${output().slice(-8000)}`,
  );
}
