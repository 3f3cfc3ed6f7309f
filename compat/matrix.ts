/**
 * `npm run test:matrix`: the whole test suite on each Backstage release
 * line of compat/releaseLines.ts, on the Node.js LTS lines the line lists
 * (`nodes`), each release line in a scratch copy of the checkout with its
 * own `npm install`.
 *
 *   COMPAT_ONLY='0.18@22,0.19@24'   only these cells (line@node), tested
 *                                   ones or not
 *   COMPAT_SKIP_PRIMARY_NODE=20     skip a cell the main test run covers
 *   COMPAT_WORK_DIR=/tmp/...        where the copies go, kept afterwards
 *                                   (default: a temp dir; copies removed)
 *
 * Prints a table of the cells and exits 1 if any failed.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envFor, nodeRelease } from './nodeBinaries';
import { matrixCells } from './releaseLines';
import { copyCheckout, pinReleaseLine } from './scratchCopy';

interface CellResult {
  cell: string;
  ok: boolean;
  summary: string;
  seconds: number;
}

function log(message: string) {
  process.stderr.write(
    `[matrix ${new Date().toISOString().slice(11, 19)}] ${message}\n`,
  );
}

/** Runs a command, streaming nothing; returns its status and output. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
) {
  const result = spawnSync(command, args, {
    ...options,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return {
    status: result.status,
    output: `${result.stdout}${result.stderr}`,
  };
}

function mustRun(
  what: string,
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
) {
  const { status, output } = run(command, args, options);
  if (status !== 0) {
    throw new Error(`${what} failed (exit ${status}):\n${output.slice(-4000)}`);
  }
}

/**
 * Links better-sqlite3 of `range`, built for the Node.js release of `env`,
 * into `dir`: installed once per major and Node.js release in a directory of
 * its own under `work` and shared by every release line (an install there
 * is one native build; `npm install` of one package in a tree without a
 * lockfile would re-resolve the whole tree).
 */
function linkBetterSqlite3(
  dir: string,
  work: string,
  range: string,
  nodeVersion: string,
  env: NodeJS.ProcessEnv,
): void {
  const major = range.replace(/^\^/, '').split('.')[0];
  const side = join(work, `better-sqlite3-${major}-node-${nodeVersion}`);
  if (!existsSync(join(side, 'node_modules', 'better-sqlite3', 'build'))) {
    rmSync(side, { recursive: true, force: true });
    mkdirSync(side, { recursive: true });
    writeFileSync(join(side, 'package.json'), '{"private":true}\n');
    mustRun(
      `npm install better-sqlite3@${range}`,
      'npm',
      ['install', '--no-audit', '--no-fund', `better-sqlite3@${range}`],
      { cwd: side, env },
    );
  }
  const installed = join(dir, 'node_modules', 'better-sqlite3');
  rmSync(installed, { recursive: true, force: true });
  symlinkSync(join(side, 'node_modules', 'better-sqlite3'), installed);
}

function main() {
  const only = process.env.COMPAT_ONLY?.split(',').filter(Boolean);
  const skipPrimaryNode = process.env.COMPAT_SKIP_PRIMARY_NODE;
  const work =
    process.env.COMPAT_WORK_DIR || join(tmpdir(), 'gatehouse-compat');
  const results: CellResult[] = [];

  for (const { line, nodes } of matrixCells({ only, skipPrimaryNode })) {
    const dir = join(work, `backend-defaults-${line.line}`);
    log(`backend-defaults ${line.line}: copying the checkout to ${dir}`);
    copyCheckout(dir);
    pinReleaseLine(dir, line);
    // The install runs on the first Node.js line of the cells; nothing in
    // the tree is built for one Node.js release but better-sqlite3, which
    // each cell links (linkBetterSqlite3).
    const installEnv = envFor(nodeRelease(nodes[0].version));
    log(`backend-defaults ${line.line}: npm install`);
    const installStarted = Date.now();
    mustRun('npm install', 'npm', ['install', '--no-audit', '--no-fund'], {
      cwd: dir,
      env: installEnv,
    });
    log(
      `backend-defaults ${line.line}: installed (${Math.round((Date.now() - installStarted) / 1000)} s)`,
    );

    for (const node of nodes) {
      const cell = `${line.line}@${node.line}`;
      const env = envFor(nodeRelease(node.version));
      log(
        `${cell}: better-sqlite3 ${node.betterSqlite3} for Node ${node.version}`,
      );
      linkBetterSqlite3(dir, work, node.betterSqlite3, node.version, env);
      log(`${cell}: jest`);
      const started = Date.now();
      const { status, output } = run(
        'node',
        [join(dir, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci'],
        { cwd: dir, env: { ...env, CI: 'true' } },
      );
      const summary =
        /^Tests:\s+(.*)$/m.exec(output)?.[1] ?? 'no summary (see the log)';
      const seconds = Math.round((Date.now() - started) / 1000);
      results.push({ cell, ok: status === 0, summary, seconds });
      log(
        `${cell}: ${status === 0 ? 'passed' : 'FAILED'}: ${summary} (${seconds} s)`,
      );
      if (status !== 0) {
        process.stderr.write(`${output.slice(-20000)}\n`);
      }
    }
    // A copy with its install is about 1 GB; the better-sqlite3 builds
    // (small) stay for the next run.
    if (!process.env.COMPAT_WORK_DIR) {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  process.stdout.write(
    [
      '| backend-defaults @ Node.js | result | tests | time |',
      '| --- | --- | --- | ---: |',
      ...results.map(
        r =>
          `| ${r.cell} | ${r.ok ? 'passed' : '**failed**'} | ${r.summary} | ${r.seconds} s |`,
      ),
      '',
    ].join('\n'),
  );
  if (results.some(r => !r.ok)) {
    process.exitCode = 1;
  }
}

main();
