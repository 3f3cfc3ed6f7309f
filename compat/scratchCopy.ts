import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { ReleaseLine } from './releaseLines';

export const ROOT = join(__dirname, '..');

/**
 * A copy of the checkout's files (tracked, and untracked ones git does not
 * ignore: what a commit of the working tree would hold) in `dir`, without
 * node_modules or build output.
 */
export function copyCheckout(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  const files = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: ROOT, encoding: 'utf8' },
  )
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      copyFileSync(join(ROOT, file), join(dir, file));
    } catch (error) {
      // A file deleted in the working tree but still tracked.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/**
 * Puts the copy's development install on a release line: its package
 * versions replace the dependencies or devDependencies of the same name, its overrides
 * replace the root's, and the lockfile goes unless the line is the primary
 * one (the lockfile pins that one). A line with a `stack` holds every copy
 * of its packages and of the stack's at their versions (npm `overrides`;
 * one of a direct dependency must be its exact spec, which it is).
 */
export function pinReleaseLine(dir: string, line: ReleaseLine): void {
  const path = join(dir, 'package.json');
  const pkg = JSON.parse(readFileSync(path, 'utf8'));
  for (const [name, version] of Object.entries(line.packages)) {
    const declared = pkg.dependencies[name]
      ? 'dependencies'
      : 'devDependencies';
    pkg[declared][name] = version;
  }
  pkg.overrides = {
    ...(line.stack ? { ...line.packages, ...line.stack } : {}),
    ...line.overrides,
  };
  // The matrix links a better-sqlite3 built for each Node.js release
  // (matrix.ts); building one here too would be wasted.
  delete pkg.devDependencies['better-sqlite3'];
  writeFileSync(path, `${JSON.stringify(pkg, null, 2)}\n`);
  if (!line.primary) {
    rmSync(join(dir, 'package-lock.json'), { force: true });
  }
}
