import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..');

export const PACKAGE_NAME: string = JSON.parse(
  readFileSync(join(ROOT, 'package.json'), 'utf8'),
).name;

/** The -common package, which the backend and the page depend on. */
export const COMMON_DIR = join(ROOT, 'plugins', 'gatehouse-common');

/**
 * `npm pack` of the checkout (its `prepack` builds dist/), into `dir`; of
 * another package of the repository with `from` (COMMON_DIR: until it is
 * published, the -common package is installed from its tarball beside
 * Gatehouse's).
 *
 * @returns the tarball's path
 */
export function packTarball(dir: string, from = ROOT): string {
  mkdirSync(dir, { recursive: true });
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: from,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  ) as { filename: string }[];
  return join(dir, packed.filename);
}

/** Writes `files` (paths relative to `dir`) and returns `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/**
 * `npm <args>` in `dir`, its output shown only when it fails; `env` (default:
 * this process's) chooses the Node.js release (compat/nodeBinaries.ts envFor).
 */
export function npm(
  dir: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): string {
  try {
    return execFileSync('npm', args, {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...env,
        npm_config_fund: 'false',
        npm_config_audit: 'false',
      },
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `npm ${args.join(' ')} failed in ${dir}:\n${stdout ?? ''}${(stderr ?? '').slice(-8000)}`,
    );
  }
}

/**
 * Where npm installed package `name` in `dir`'s tree (`npm query`, which
 * lists every copy, nested ones included).
 */
export function installedCopies(
  dir: string,
  name: string,
): { version: string; location: string }[] {
  return JSON.parse(npm(dir, ['query', `#${name}`])) as {
    version: string;
    location: string;
  }[];
}

/**
 * The README's installation command that contains `marker`, as written there
 * (a line of a `sh` block), so that the adopter test runs what users read.
 */
export function readmeInstallCommand(marker: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const install = readme.slice(readme.indexOf('## Install into your backend'));
  const line = install
    .split('\n')
    .find(text => text.includes(marker) && !text.startsWith('#'));
  if (!line) {
    throw new Error(`README.md: no installation command with "${marker}"`);
  }
  return line;
}
