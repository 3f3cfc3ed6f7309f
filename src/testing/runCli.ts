import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/** The built `gatehouse` command, from jest.globalSetup.js. */
export const BUILT_CLI = join(ROOT, '.gatehouse-test-build/bin/gatehouse');

/** Runs the built `gatehouse` command as a process. */
export function runGatehouse(
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BUILT_CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

/**
 * Runs the built `gatehouse` command's main() in this process: the same
 * compiled code as the command, without a process start per call, for tests
 * that run it many times.
 */
export async function runBuiltGatehouseInProcess(
  args: string[],
  options: { input?: string } = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { main } = require(join(ROOT, '.gatehouse-test-build/dist/cli/main'));
  let stdout = '';
  let stderr = '';
  const status = await main(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdinIsTty: false,
    readStdin: async () => options.input ?? '',
  });
  return { status, stdout, stderr };
}

/** Runs `run` with GATEHOUSE_TOKEN (the CLI's caller) set to `token`, then puts it back. */
export async function withGatehouseToken<T>(
  token: string,
  run: () => Promise<T>,
): Promise<T> {
  const saved = process.env.GATEHOUSE_TOKEN;
  process.env.GATEHOUSE_TOKEN = token;
  try {
    return await run();
  } finally {
    if (saved === undefined) delete process.env.GATEHOUSE_TOKEN;
    else process.env.GATEHOUSE_TOKEN = saved;
  }
}
