/**
 * Lays out dynamic plugins the way Red Hat Developer Hub's installer does,
 * for the packaging test: RHDH runs its installer in an init container, and
 * its backend then loads what the installer wrote. Written for this
 * repository after RHDH 1.10's installer and documentation (read, not
 * copied):
 *
 * - https://github.com/redhat-developer/rhdh/blob/release-1.10/scripts/install-dynamic-plugins/install-dynamic-plugins.py
 * - https://github.com/redhat-developer/rhdh/blob/release-1.10/docs/dynamic-plugins/installing-plugins.md
 *
 * What it does as RHDH does, for every package that is not an OCI image:
 *
 * - reads `dynamic-plugins.yaml` from the working directory, with the files
 *   its `includes` list (their plugins first; `dynamic-plugins.yaml`'s
 *   override them field by field; a package listed twice in one file is an
 *   error);
 * - fetches each enabled package with `npm pack <package>` run in the root
 *   (a `./` package is a path from the working directory), checks the
 *   archive's `integrity` for anything that is not `./` (required unless
 *   skipIntegrityCheck), and extracts `package/` into the root, in a
 *   directory named after the archive (`<name>-<version>`): regular files
 *   only, each at most maxEntrySize, links only inside the package;
 * - writes `dynamic-plugin-config.hash` into that directory (a hash of the
 *   entry without its pluginConfig and, for `./` packages, of the
 *   package.json and lock files' times), skips a package whose hash it finds
 *   installed (unless `pullPolicy: Always` or `forceDownload`), and removes
 *   installed directories no entry has any more;
 * - merges every enabled plugin's `pluginConfig` into
 *   `app-config.dynamic-plugins.yaml` in the root, which starts with
 *   `dynamicPlugins.rootDirectory: dynamic-plugins-root`; objects merge key
 *   by key, and a key two plugins set to different values is an error.
 *
 * Not reproduced: `oci://` packages (refused), the catalog index images, the
 * lock file that keeps two installers sharing a root apart, and RHDH 1.10's
 * removal of a reinstalled npm package whose entry changed but whose name
 * and version did not (see below). The hash is over the same inputs as
 * RHDH's, not byte for byte the same value: a root laid out by RHDH's
 * installer is reinstalled once by this one.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { Parser, ReadEntry } from 'tar';
import { parse, stringify } from 'yaml';

/** An error the installer reports (RHDH's InstallException). */
export class LayoutError extends Error {
  override name = 'LayoutError';
}

/** An entry of `plugins` in dynamic-plugins.yaml. */
export interface DynamicPluginEntry {
  package: string;
  integrity?: string;
  disabled?: boolean;
  pluginConfig?: ConfigObject;
  pullPolicy?: 'IfNotPresent' | 'Always';
  forceDownload?: boolean;
}

export type ConfigObject = { [key: string]: unknown };

export interface LayoutOptions {
  /** Where dynamic-plugins.yaml is, and what `./` packages are relative to. */
  cwd: string;
  /** The dynamic plugins root, relative to cwd (the installer's argument). */
  root: string;
  /** RHDH's SKIP_INTEGRITY_CHECK=true. */
  skipIntegrityCheck?: boolean;
  /** RHDH's MAX_ENTRY_SIZE: the largest file an archive may hold. */
  maxEntrySize?: number;
  /** Environment of `npm pack`. */
  env?: NodeJS.ProcessEnv;
  /** Progress, a line at a time. */
  log?: (line: string) => void;
}

export interface LayoutResult {
  /** Directories written into the root. */
  installed: string[];
  /** Packages found installed with the same hash. */
  skipped: string[];
  /** Directories removed: no entry has them any more. */
  removed: string[];
  /** What app-config.dynamic-plugins.yaml now holds. */
  config: ConfigObject;
}

export const DYNAMIC_PLUGINS_FILE = 'dynamic-plugins.yaml';
export const GLOBAL_CONFIG_FILE = 'app-config.dynamic-plugins.yaml';
export const HASH_FILE = 'dynamic-plugin-config.hash';
const DEFAULT_MAX_ENTRY_SIZE = 40_000_000;
/** The algorithms RHDH accepts in `integrity`. */
const RECOGNIZED_ALGORITHMS = ['sha512', 'sha384', 'sha256'];

const isObject = (value: unknown): value is ConfigObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Merges a plugin's `pluginConfig` into the global config, as RHDH does:
 * objects key by key, anything else (lists included) must be absent or equal
 * (deeply) where it lands. RHDH's message names the key with its parent only,
 * as here.
 */
export function mergePluginConfig(
  source: ConfigObject,
  destination: ConfigObject,
  prefix = '',
): ConfigObject {
  for (const [key, value] of Object.entries(source)) {
    if (isObject(value)) {
      const existing = destination[key];
      if (existing !== undefined && !isObject(existing)) {
        throw new LayoutError(
          `Config key '${prefix + key}' defined differently for 2 dynamic plugins`,
        );
      }
      const node = (destination[key] ??= {}) as ConfigObject;
      mergePluginConfig(value, node, `${key}.`);
    } else {
      if (
        key in destination &&
        sortedJson(destination[key]) !== sortedJson(value)
      ) {
        throw new LayoutError(
          `Config key '${prefix + key}' defined differently for 2 dynamic plugins`,
        );
      }
      destination[key] = value;
    }
  }
  return destination;
}

// Git specs whose `#ref` RHDH drops from the plugin key.
const GIT_PATTERNS = [
  /^git\+https?:\/\/[^#]+(?:#(.+))?$/,
  /^git\+ssh:\/\/[^#]+(?:#(.+))?$/,
  /^git:\/\/[^#]+(?:#(.+))?$/,
  /^https:\/\/github\.com\/[^/]+\/[^/#]+(?:\.git)?(?:#(.+))?$/,
  /^git@github\.com:[^/]+\/[^/#]+(?:\.git)?(?:#(.+))?$/,
  /^github:([^/@]+)\/([^/#]+)(?:#(.+))?$/,
  /^([^/@]+)\/([^/#]+)(?:#(.+))?$/,
];
const NPM_PACKAGE = /^(@[^/]+\/)?([^@]+)(?:@(.+))?$/;

/** RHDH's key for an entry: the package without its version or git ref. */
export function pluginKey(spec: string): string {
  if (spec.startsWith('./') || spec.endsWith('.tgz')) {
    return spec;
  }
  const alias = /^([^@]+)@npm:(.+)$/.exec(spec);
  if (alias) {
    return `${alias[1]}@npm:${stripVersion(alias[2])}`;
  }
  if (GIT_PATTERNS.some(pattern => pattern.test(spec))) {
    return spec.split('#')[0];
  }
  return stripVersion(spec);
}

function stripVersion(spec: string): string {
  const match = NPM_PACKAGE.exec(spec);
  return match ? `${match[1] ?? ''}${match[2]}` : spec;
}

type MergedEntry = DynamicPluginEntry & { last_modified_level: number };

/** The plugins of dynamic-plugins.yaml with its includes, merged by key. */
function readEntries(
  cwd: string,
  content: ConfigObject,
  log: (line: string) => void,
): MergedEntry[] {
  const includes = content.includes ?? [];
  if (!Array.isArray(includes)) {
    throw new LayoutError(
      `content of the 'includes' field must be a list in ${DYNAMIC_PLUGINS_FILE}`,
    );
  }
  const lists: [string, unknown, number][] = [];
  for (const include of includes) {
    if (typeof include !== 'string') {
      throw new LayoutError(
        `content of the 'includes' field must be a list of strings in ${DYNAMIC_PLUGINS_FILE}`,
      );
    }
    const path = resolve(cwd, include);
    if (!existsSync(path)) {
      log(
        `WARNING: File ${include} does not exist, skipping including dynamic packages from ${include}`,
      );
      continue;
    }
    const included: unknown = parse(readFileSync(path, 'utf8'));
    if (!isObject(included)) {
      throw new LayoutError(`${include} content must be a YAML object`);
    }
    lists.push([include, included.plugins, 0]);
  }
  lists.push([DYNAMIC_PLUGINS_FILE, content.plugins ?? [], 1]);

  const all = new Map<string, MergedEntry>();
  for (const [file, plugins, level] of lists) {
    if (!Array.isArray(plugins)) {
      throw new LayoutError(
        `content of the 'plugins' field must be a list in ${file}`,
      );
    }
    for (const plugin of plugins as DynamicPluginEntry[]) {
      if (typeof plugin?.package !== 'string') {
        throw new LayoutError(
          `content of the 'package' field must be a string in ${file}`,
        );
      }
      if (plugin.package.startsWith('oci://')) {
        throw new LayoutError(
          `${plugin.package}: OCI packages are not laid out by this reproduction of RHDH's installer`,
        );
      }
      const key = pluginKey(plugin.package);
      const existing = all.get(key);
      if (!existing) {
        all.set(key, { ...plugin, last_modified_level: level });
      } else {
        if (existing.last_modified_level === level) {
          throw new LayoutError(
            `Duplicate plugin configuration for ${plugin.package} found in ${file}.`,
          );
        }
        Object.assign(existing, plugin, { last_modified_level: level });
      }
    }
  }
  return [...all.values()];
}

/** JSON with every object's keys sorted, for hashing. */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(sortedJson).join(',')}]`;
  }
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map(key => `${JSON.stringify(key)}:${sortedJson(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What tells RHDH a `./` package changed: package.json and lock file times. */
function localPackageInfo(path: string): ConfigObject {
  try {
    const packageJson = join(path, 'package.json');
    if (!existsSync(packageJson)) {
      return existsSync(path)
        ? { _directory_mtime: statSync(path).mtimeMs / 1000 }
        : { _not_found: true };
    }
    const info: ConfigObject = {
      _package_json: JSON.parse(readFileSync(packageJson, 'utf8')),
      _package_json_mtime: statSync(packageJson).mtimeMs / 1000,
    };
    for (const lockFile of ['package-lock.json', 'yarn.lock']) {
      if (existsSync(join(path, lockFile))) {
        info[`_${lockFile}_mtime`] =
          statSync(join(path, lockFile)).mtimeMs / 1000;
      }
    }
    return info;
  } catch (error) {
    return { _error: String(error) };
  }
}

/** The entry without what RHDH leaves out of the hash, plus local package info. */
function pluginHash(cwd: string, plugin: MergedEntry): string {
  const hashed: ConfigObject = { ...plugin };
  delete hashed.pluginConfig;
  delete hashed.version;
  if (plugin.package.startsWith('./')) {
    hashed._local_package_info = localPackageInfo(
      join(cwd, plugin.package.slice(2)),
    );
  }
  return createHash('sha256').update(sortedJson(hashed)).digest('hex');
}

/**
 * Checks an archive against the entry's `integrity` (`<algorithm>-<base64>`),
 * with RHDH's messages.
 */
export function verifyIntegrity(
  plugin: DynamicPluginEntry,
  archive: string,
): void {
  const name = plugin.package;
  if (plugin.integrity === undefined) {
    throw new LayoutError(`Package integrity for ${name} is missing`);
  }
  if (typeof plugin.integrity !== 'string') {
    throw new LayoutError(`Package integrity for ${name} must be a string`);
  }
  const parts = plugin.integrity.split('-');
  if (parts.length !== 2) {
    throw new LayoutError(
      `Package integrity for ${name} must be a string of the form <algorithm>-<hash>`,
    );
  }
  const [algorithm, expected] = parts;
  if (!RECOGNIZED_ALGORITHMS.includes(algorithm)) {
    throw new LayoutError(
      `${name}: Provided Package integrity algorithm ${algorithm} is not supported, please use one of following algorithms ${RECOGNIZED_ALGORITHMS.join(', ')} instead`,
    );
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(expected) || expected.length % 4 !== 0) {
    throw new LayoutError(
      `${name}: Provided Package integrity hash ${expected} is not a valid base64 encoding`,
    );
  }
  const actual = createHash(algorithm)
    .update(readFileSync(archive))
    .digest('base64');
  if (actual !== expected) {
    throw new LayoutError(
      `${name}: The hash of the downloaded package ${actual} does not match the provided integrity hash ${expected} provided in the configuration file`,
    );
  }
}

const PACKAGE_PREFIX = 'package/';
/** node-tar's entry types that RHDH extracts as regular files. */
const REGULAR_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
/** node-tar's names of the types RHDH's message names. */
const SPECIAL_TYPES: Record<string, string> = {
  CharacterDevice: 'character device',
  BlockDevice: 'block device',
  FIFO: 'FIFO',
};

/** Whether `path` is `directory` or inside it. */
const inside = (directory: string, path: string) =>
  path === directory || path.startsWith(`${directory}${sep}`);

/**
 * Extracts an npm package archive into `directory` (emptied first), as
 * RHDH's installer does: every regular file must be under `package/` and at
 * most maxEntrySize bytes, directory entries are skipped (files make their
 * directories), links must point inside the package, anything else is
 * refused. Modes as Python's `data` extraction filter leaves them.
 *
 * node-tar's Parser reads the archive (gzip-compressed or not; ustar, pax
 * and GNU long names); the checks run on each entry as it is read, and
 * nothing is written until the whole archive has been read and passed them.
 * An archive node-tar warns about (a bad checksum, a truncated body, ...)
 * is refused.
 */
export function extractNpmArchive(
  archive: string,
  directory: string,
  maxEntrySize = DEFAULT_MAX_ENTRY_SIZE,
): void {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const root = realpathSync(directory);
  const target = (name: string) => {
    const path = resolve(root, name);
    if (isAbsolute(name) || !inside(root, path)) {
      throw new LayoutError(
        `NPM package archive member is outside the destination: ${name}`,
      );
    }
    return path;
  };
  const refused = (entry: ReadEntry) =>
    new LayoutError(
      `NPM package archive contains a non regular file: ${entry.path} - ${SPECIAL_TYPES[entry.type] ?? 'unknown'}`,
    );
  const writes: (() => void)[] = [];

  const check = (entry: ReadEntry) => {
    const name = entry.path;
    const linkName = entry.linkpath ?? '';
    if (REGULAR_TYPES.has(entry.type)) {
      if (!name.startsWith(PACKAGE_PREFIX)) {
        throw new LayoutError(
          `NPM package archive does not start with 'package/' as it should: ${name}`,
        );
      }
      // The size in the header, before a byte of the body is read.
      if (entry.size > maxEntrySize) {
        throw new LayoutError(`Zip bomb detected in ${name}`);
      }
      const path = target(name.slice(PACKAGE_PREFIX.length));
      let mode = (entry.mode ?? 0) & 0o755;
      if (!(mode & 0o100)) {
        mode &= ~0o111;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      writes.push(() => {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, Buffer.concat(chunks), { mode: mode | 0o600 });
      });
    } else if (entry.type === 'Directory') {
      return;
    } else if (entry.type === 'Link' || entry.type === 'SymbolicLink') {
      if (!linkName.startsWith(PACKAGE_PREFIX)) {
        throw new LayoutError(
          `NPM package archive contains a link outside of the archive: ${name} -> ${linkName}`,
        );
      }
      const path = target(name.slice(PACKAGE_PREFIX.length));
      const link = linkName.slice(PACKAGE_PREFIX.length);
      // A hard link names a member; a symbolic link is relative to its own
      // directory (Python's data filter).
      const linked =
        entry.type === 'Link'
          ? resolve(root, link)
          : resolve(dirname(path), link);
      if (!inside(root, linked) || !inside(root, resolve(root, link))) {
        throw new LayoutError(
          `NPM package archive contains a link outside of the archive: ${name} -> ${linkName}`,
        );
      }
      writes.push(() => {
        mkdirSync(dirname(path), { recursive: true });
        if (entry.type === 'Link') {
          linkSync(linked, path);
        } else {
          symlinkSync(link, path);
        }
      });
    } else {
      throw refused(entry);
    }
  };
  // The first failure is kept; the rest of the archive is read and dropped.
  let failure: unknown;
  const parser = new Parser({
    onReadEntry: entry => {
      if (failure === undefined) {
        try {
          check(entry);
        } catch (error) {
          failure = error;
        }
      }
      // Flowing: into the chunks of an accepted file, or dropped.
      entry.resume();
    },
    onwarn: (_code, message) => {
      failure ??= new LayoutError(
        `NPM package archive is not a valid tar archive: ${message}`,
      );
    },
  });
  // Types node-tar does not read (sparse files, tape volumes, ...), and
  // extended headers larger than it reads.
  parser.on('ignoredEntry', (entry: ReadEntry) => {
    failure ??= entry.meta
      ? new LayoutError(
          `NPM package archive has an extended header too large to read: ${entry.path}`,
        )
      : refused(entry);
  });
  // A gzip stream that does not decompress, or decompresses more than
  // node-tar allows (1000 times its size).
  parser.on('error', (error: Error) => {
    failure ??= new LayoutError(
      `NPM package archive is not a valid tar archive: ${error.message}`,
    );
  });
  parser.end(readFileSync(archive));
  if (failure !== undefined) {
    throw failure;
  }
  for (const write of writes) {
    write();
  }
}

/** `npm pack <spec>` in `dir`: the archive's path. */
function npmPack(spec: string, dir: string, env?: NodeJS.ProcessEnv): string {
  try {
    const output = execFileSync('npm', ['pack', spec], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    return join(dir, output.trim().split('\n').pop()!);
  } catch (error) {
    const { status, stdout, stderr } = error as {
      status?: number;
      stdout?: string;
      stderr?: string;
    };
    throw new LayoutError(
      `Error while installing plugin ${spec} with 'npm pack': command failed with exit code ${status}\ncommand: npm pack ${spec}\nstderr: ${(stderr ?? '').trim()}\nstdout: ${(stdout ?? '').trim()}`,
    );
  }
}

/**
 * Lays out the plugins of `<cwd>/dynamic-plugins.yaml` into `<cwd>/<root>`,
 * as RHDH's installer does (see the top of this file).
 */
export function layOutDynamicPlugins(options: LayoutOptions): LayoutResult {
  const log = options.log ?? (() => {});
  const root = resolve(options.cwd, options.root);
  const result: LayoutResult = {
    installed: [],
    skipped: [],
    removed: [],
    config: {},
  };
  const file = join(options.cwd, DYNAMIC_PLUGINS_FILE);
  const content: unknown = existsSync(file)
    ? parse(readFileSync(file, 'utf8'))
    : undefined;
  if (content === undefined || content === null || content === '') {
    log(`No ${DYNAMIC_PLUGINS_FILE} file, or it is empty.`);
    writeFileSync(join(root, GLOBAL_CONFIG_FILE), '');
    return result;
  }
  if (!isObject(content)) {
    throw new LayoutError(
      `${DYNAMIC_PLUGINS_FILE} content must be a YAML object`,
    );
  }
  const plugins = readEntries(options.cwd, content, log);

  const installedByHash = new Map<string, string>();
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const hashFile = join(root, entry.name, HASH_FILE);
    if (entry.isDirectory() && existsSync(hashFile)) {
      installedByHash.set(readFileSync(hashFile, 'utf8').trim(), entry.name);
    }
  }

  let config: ConfigObject = {
    dynamicPlugins: { rootDirectory: 'dynamic-plugins-root' },
  };
  for (const plugin of plugins) {
    const spec = plugin.package;
    if (plugin.disabled) {
      log(`======= Skipping disabled dynamic plugin ${spec}`);
      continue;
    }
    const hash = pluginHash(options.cwd, plugin);
    if (
      installedByHash.has(hash) &&
      plugin.pullPolicy !== 'Always' &&
      !plugin.forceDownload
    ) {
      log(
        `======= Skipping download of already installed dynamic plugin ${spec} (already_installed)`,
      );
      installedByHash.delete(hash);
      result.skipped.push(spec);
    } else {
      log(`======= Installing dynamic plugin ${spec}`);
      const local = spec.startsWith('./');
      if (!local && !options.skipIntegrityCheck && !plugin.integrity) {
        throw new LayoutError(`No integrity hash provided for Package ${spec}`);
      }
      const archive = npmPack(
        local ? join(options.cwd, spec.slice(2)) : spec,
        root,
        options.env,
      );
      if (!local && !options.skipIntegrityCheck) {
        verifyIntegrity(plugin, archive);
      }
      const directory = basename(archive).replaceAll('.tgz', '');
      extractNpmArchive(
        archive,
        join(root, directory),
        options.maxEntrySize ?? DEFAULT_MAX_ENTRY_SIZE,
      );
      rmSync(archive);
      writeFileSync(join(root, directory, HASH_FILE), hash);
      // The directory's old hash goes too, or the clean-up below would
      // remove what was just installed. RHDH 1.10's OCI path does this;
      // its npm path does not (a changed entry of the same name and
      // version is reinstalled, then removed): not reproduced.
      for (const [old, path] of installedByHash) {
        if (path === directory) {
          installedByHash.delete(old);
        }
      }
      log(`\t==> Successfully installed dynamic plugin ${spec}`);
      result.installed.push(directory);
    }
    if (isObject(plugin.pluginConfig)) {
      config = mergePluginConfig(plugin.pluginConfig, config);
    }
  }
  writeFileSync(
    join(root, GLOBAL_CONFIG_FILE),
    stringify(config, { sortMapEntries: true }),
  );
  result.config = config;

  for (const directory of installedByHash.values()) {
    log(`======= Removing previously installed dynamic plugin ${directory}`);
    rmSync(join(root, directory), { recursive: true, force: true });
    result.removed.push(directory);
  }
  return result;
}
