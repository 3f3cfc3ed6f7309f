import type { JsonObject } from '@backstage/types';
import { ChildProcess, fork } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { ChildMessage, ChildSample, ParentMessage } from './ipc';

const CHILD_SCRIPT = resolve(__dirname, 'backendChild.ts');
const REPO_ROOT = resolve(__dirname, '..');
const START_TIMEOUT_MS = 120_000;
const TAIL_CHARS = 8_000;

/**
 * A backend variant in a child process (bench/backendChild.ts), measured from
 * the outside: its CPU time and memory come over IPC, so autocannon's own
 * work in this process is never counted.
 */
export class BackendProcess {
  readonly name: string;
  readonly baseUrl: string;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (sample: ChildSample) => void>();
  #nextId = 1;

  static async start(options: {
    name: string;
    externalAccess: unknown[];
    pluginKeyStore: JsonObject;
    cpuProfDir?: string;
  }): Promise<BackendProcess> {
    // One directory per backend: tsx's loader thread writes a profile too,
    // so the main thread's is the largest file there.
    const profiling = options.cpuProfDir
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${join(options.cpuProfDir, options.name)}`,
        ]
      : [];
    const child = fork(CHILD_SCRIPT, [], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx', '--expose-gc', ...profiling],
      // Keep the child's output (the logger drops everything, but a crash
      // prints a stack); read it so the pipes never fill up.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-TAIL_CHARS);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);

    const port = await new Promise<number>((resolvePort, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`backend ${options.name} ${why}; output:\n${output}`));
      };
      const timer = setTimeout(
        () => fail(`not ready after ${START_TIMEOUT_MS} ms`),
        START_TIMEOUT_MS,
      );
      child.once('exit', code => fail(`exited with code ${code}`));
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolvePort(message.port);
        } else if (message.type === 'failed') {
          fail(`failed to start: ${message.error}`);
        }
      });
      const start: ParentMessage = {
        type: 'start',
        externalAccess: options.externalAccess,
        pluginKeyStore: options.pluginKeyStore,
      };
      child.send(start);
    });
    return new BackendProcess(options.name, child, port);
  }

  private constructor(name: string, child: ChildProcess, port: number) {
    this.name = name;
    this.#child = child;
    this.baseUrl = `http://127.0.0.1:${port}/api/bench`;
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'sample') {
        this.#pending.get(message.id)?.(message.sample);
        this.#pending.delete(message.id);
      }
    });
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** CPU time and memory now. */
  sample(): Promise<ChildSample> {
    return this.#ask('sample');
  }

  /** Memory after a full garbage collection (the child runs with --expose-gc). */
  sampleAfterGc(): Promise<ChildSample> {
    return this.#ask('gc');
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise(done => child.once('exit', done));
    child.send({ type: 'stop' } satisfies ParentMessage);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  #ask(type: 'sample' | 'gc'): Promise<ChildSample> {
    const id = this.#nextId++;
    return new Promise(resolveSample => {
      this.#pending.set(id, resolveSample);
      this.#child.send({ type, id } satisfies ParentMessage);
    });
  }
}
