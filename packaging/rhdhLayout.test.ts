/**
 * Unit tests of rhdhLayout.ts, the reproduction of RHDH's plugin installer:
 * node --import tsx packaging/rhdhLayout.test.ts (dynamicPlugin.test.ts runs
 * them too). They run `npm pack` on local fixtures, with no registry.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Header, HeaderData, Pax } from 'tar';
import { parse, stringify } from 'yaml';
import {
  DynamicPluginEntry,
  extractNpmArchive,
  GLOBAL_CONFIG_FILE,
  HASH_FILE,
  layOutDynamicPlugins,
  mergePluginConfig,
  pluginKey,
} from './rhdhLayout';
import { writeFiles } from './scratchInstall';

const work = mkdtempSync(join(tmpdir(), 'gatehouse-rhdh-layout-'));
after(() => rmSync(work, { recursive: true, force: true }));
let dirs = 0;

/** A working directory with an empty root and two plugin packages. */
function setUp(): string {
  dirs += 1;
  const cwd = join(work, `case-${dirs}`);
  writeFiles(cwd, {
    'dynamic-plugins-root/.keep': '',
    'local/demo/package.json': JSON.stringify({
      name: '@acme/plugin-demo-backend-dynamic',
      version: '1.2.3',
      main: 'dist/index.js',
    }),
    'local/demo/dist/index.js': 'module.exports = {};\n',
    'local/demo/bin/demo': '#!/bin/sh\necho demo\n',
    'local/other/package.json': JSON.stringify({
      name: 'other-dynamic',
      version: '0.1.0',
    }),
    'local/other/index.js': '\n',
  });
  execFileSync('chmod', ['755', join(cwd, 'local/demo/bin/demo')]);
  return cwd;
}

/** `npm pack` of a fixture into `cwd`: the tarball's name and integrity. */
function pack(cwd: string, dir: string): { file: string; integrity: string } {
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', `./${dir}`], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  ) as { filename: string; integrity: string }[];
  return { file: join(cwd, packed.filename), integrity: packed.integrity };
}

function run(
  cwd: string,
  content: { includes?: string[]; plugins: DynamicPluginEntry[] },
  options: { skipIntegrityCheck?: boolean } = {},
) {
  writeFileSync(join(cwd, 'dynamic-plugins.yaml'), stringify(content));
  return layOutDynamicPlugins({
    cwd,
    root: 'dynamic-plugins-root',
    ...options,
  });
}

const globalConfig = (cwd: string) =>
  parse(
    readFileSync(join(cwd, 'dynamic-plugins-root', GLOBAL_CONFIG_FILE), 'utf8'),
  );

describe('laying out dynamic plugins as RHDH does', () => {
  it('installs a local directory under its archive name, with a hash, and merges its config', () => {
    const cwd = setUp();
    const result = run(cwd, {
      plugins: [
        {
          package: './local/demo',
          pluginConfig: { demo: { enabled: true } },
        },
      ],
    });
    const installed = 'acme-plugin-demo-backend-dynamic-1.2.3';
    assert.deepEqual(result.installed, [installed]);
    const dir = join(cwd, 'dynamic-plugins-root', installed);
    assert.equal(
      readFileSync(join(dir, 'dist', 'index.js'), 'utf8'),
      'module.exports = {};\n',
    );
    assert.equal(statSync(join(dir, 'bin', 'demo')).mode & 0o777, 0o755);
    assert.match(readFileSync(join(dir, HASH_FILE), 'utf8'), /^[0-9a-f]{64}$/);
    // npm pack's archive is removed once extracted.
    assert.equal(existsSync(`${dir}.tgz`), false);
    assert.deepEqual(globalConfig(cwd), {
      dynamicPlugins: { rootDirectory: 'dynamic-plugins-root' },
      demo: { enabled: true },
    });
  });

  it('skips an unchanged plugin but keeps its config, reinstalls a changed one, removes a dropped one', () => {
    const cwd = setUp();
    const demo = {
      package: './local/demo',
      pluginConfig: { demo: { enabled: true } },
    };
    const other = { package: './local/other' };
    run(cwd, { plugins: [demo, other] });
    const root = join(cwd, 'dynamic-plugins-root');
    const marker = join(root, 'acme-plugin-demo-backend-dynamic-1.2.3', 'x');
    writeFileSync(marker, '');

    const again = run(cwd, { plugins: [demo, other] });
    assert.deepEqual(again.installed, []);
    assert.deepEqual(again.skipped, ['./local/demo', './local/other']);
    assert.ok(existsSync(marker), 'the skipped plugin was left alone');
    assert.deepEqual(globalConfig(cwd).demo, { enabled: true });

    // A changed entry (not its pluginConfig) is a new hash; a dropped one goes.
    const changed = run(cwd, {
      plugins: [{ ...demo, pluginConfig: { demo: { enabled: false } } }],
    });
    assert.deepEqual(changed.skipped, ['./local/demo']);
    assert.deepEqual(changed.removed, ['other-dynamic-0.1.0']);
    assert.equal(existsSync(join(root, 'other-dynamic-0.1.0')), false);
    const forced = run(cwd, { plugins: [{ ...demo, forceDownload: true }] });
    assert.deepEqual(forced.installed, [
      'acme-plugin-demo-backend-dynamic-1.2.3',
    ]);
    assert.equal(existsSync(marker), false, 'reinstalled from scratch');
    // Reinstalled in the directory of the entry's old hash: kept.
    assert.deepEqual(forced.removed, []);
    assert.ok(existsSync(join(marker, '..', 'package.json')));
    // A new package.json is a change of a local package.
    writeFileSync(
      join(cwd, 'local/demo/package.json'),
      JSON.stringify({
        name: '@acme/plugin-demo-backend-dynamic',
        version: '1.2.4',
      }),
    );
    const updated = run(cwd, { plugins: [demo] });
    assert.deepEqual(updated.installed, [
      'acme-plugin-demo-backend-dynamic-1.2.4',
    ]);
    assert.deepEqual(updated.removed, [
      'acme-plugin-demo-backend-dynamic-1.2.3',
    ]);
  });

  it('checks the integrity of a tarball that is not a ./ path', () => {
    const cwd = setUp();
    const { file, integrity } = pack(cwd, 'local/demo');
    const [algorithm] = integrity.split('-');
    assert.equal(algorithm, 'sha512');
    assert.throws(() => run(cwd, { plugins: [{ package: file }] }), {
      message: `No integrity hash provided for Package ${file}`,
    });
    const wrong = `sha512-${createHash('sha512').update('x').digest('base64')}`;
    assert.throws(
      () => run(cwd, { plugins: [{ package: file, integrity: wrong }] }),
      /The hash of the downloaded package .* does not match the provided integrity hash/,
    );
    assert.throws(
      () => run(cwd, { plugins: [{ package: file, integrity: 'md5-AAAA' }] }),
      /integrity algorithm md5 is not supported/,
    );
    assert.throws(
      () => run(cwd, { plugins: [{ package: file, integrity: 'sha512-@@' }] }),
      /is not a valid base64 encoding/,
    );
    const sha256 = `sha256-${createHash('sha256').update(readFileSync(file)).digest('base64')}`;
    for (const good of [integrity, sha256]) {
      assert.deepEqual(
        run(cwd, { plugins: [{ package: file, integrity: good }] }).installed,
        ['acme-plugin-demo-backend-dynamic-1.2.3'],
      );
    }
    // SKIP_INTEGRITY_CHECK, and a ./ tarball (local: never checked).
    assert.deepEqual(
      run(
        cwd,
        { plugins: [{ package: file, forceDownload: true }] },
        { skipIntegrityCheck: true },
      ).installed,
      ['acme-plugin-demo-backend-dynamic-1.2.3'],
    );
    const local = `./${file.slice(cwd.length + 1)}`;
    assert.deepEqual(run(cwd, { plugins: [{ package: local }] }).installed, [
      'acme-plugin-demo-backend-dynamic-1.2.3',
    ]);
  });

  it('merges pluginConfig objects, and refuses a key two plugins set differently', () => {
    const externalAccess = [{ type: 'static', options: { token: 'a' } }];
    assert.deepEqual(
      mergePluginConfig(
        { backend: { auth: { externalAccess } }, b: 1 },
        mergePluginConfig(
          { backend: { auth: { externalAccess }, other: true } },
          {},
        ),
      ),
      { backend: { auth: { externalAccess }, other: true }, b: 1 },
    );
    // RHDH names the key with its parent only.
    assert.throws(
      () =>
        mergePluginConfig(
          { backend: { auth: { externalAccess: [] } } },
          { backend: { auth: { externalAccess } } },
        ),
      {
        message:
          "Config key 'auth.externalAccess' defined differently for 2 dynamic plugins",
      },
    );
    assert.throws(
      () => mergePluginConfig({ a: { b: 1 } }, { a: 'text' }),
      /Config key 'a' defined differently/,
    );

    const cwd = setUp();
    assert.throws(
      () =>
        run(cwd, {
          plugins: [
            { package: './local/demo', pluginConfig: { shared: { value: 1 } } },
            {
              package: './local/other',
              pluginConfig: { shared: { value: 2 } },
            },
          ],
        }),
      {
        message:
          "Config key 'shared.value' defined differently for 2 dynamic plugins",
      },
    );
  });

  it('skips a disabled plugin and its config', () => {
    const cwd = setUp();
    const result = run(cwd, {
      plugins: [
        { package: './local/demo', disabled: true, pluginConfig: { a: 1 } },
      ],
    });
    assert.deepEqual(result.installed, []);
    assert.deepEqual(globalConfig(cwd), {
      dynamicPlugins: { rootDirectory: 'dynamic-plugins-root' },
    });
  });

  it('takes included plugins, overridden field by field by dynamic-plugins.yaml', () => {
    const cwd = setUp();
    writeFileSync(
      join(cwd, 'defaults.yaml'),
      stringify({
        plugins: [
          { package: './local/demo', disabled: true, pluginConfig: { a: 1 } },
        ],
      }),
    );
    const result = run(cwd, {
      includes: ['defaults.yaml', 'missing.yaml'],
      plugins: [{ package: './local/demo', disabled: false }],
    });
    assert.deepEqual(result.installed, [
      'acme-plugin-demo-backend-dynamic-1.2.3',
    ]);
    assert.equal(globalConfig(cwd).a, 1);
    assert.throws(
      () =>
        run(cwd, {
          plugins: [{ package: './local/demo' }, { package: './local/demo' }],
        }),
      {
        message:
          'Duplicate plugin configuration for ./local/demo found in dynamic-plugins.yaml.',
      },
    );
  });

  it('writes an empty config for an empty dynamic-plugins.yaml, and refuses OCI packages', () => {
    const cwd = setUp();
    writeFileSync(join(cwd, 'dynamic-plugins.yaml'), '');
    layOutDynamicPlugins({ cwd, root: 'dynamic-plugins-root' });
    assert.equal(
      readFileSync(
        join(cwd, 'dynamic-plugins-root', GLOBAL_CONFIG_FILE),
        'utf8',
      ),
      '',
    );
    assert.throws(
      () => run(cwd, { plugins: [{ package: 'oci://quay.io/a/b:1!c' }] }),
      /OCI packages are not laid out/,
    );
  });

  it('keys plugins as RHDH does', () => {
    assert.equal(pluginKey('@acme/plugin@1.2.3'), '@acme/plugin');
    assert.equal(pluginKey('plugin@^1'), 'plugin');
    assert.equal(
      pluginKey('alias@npm:@acme/plugin@1'),
      'alias@npm:@acme/plugin',
    );
    assert.equal(pluginKey('github:acme/plugin#v1'), 'github:acme/plugin');
    assert.equal(pluginKey('./local/plugin'), './local/plugin');
    assert.equal(
      pluginKey('https://example.com/plugin-1.0.0.tgz'),
      'https://example.com/plugin-1.0.0.tgz',
    );
  });
});

/**
 * One member of a tar archive, its header encoded as given by node-tar's
 * Header. Not Pack: it archives what is on disk, skips FIFOs and devices
 * and strips absolute paths, so it cannot write the members to refuse.
 */
function tarFile(
  path: string,
  data: string | Buffer,
  options: { type?: HeaderData['type']; mode?: number; linkpath?: string } = {},
): Buffer {
  const content = Buffer.from(data);
  const header = new Header({
    path,
    type: options.type ?? 'File',
    size: content.length,
    mode: options.mode ?? 0o644,
    linkpath: options.linkpath ?? '',
    mtime: new Date(0),
  });
  header.encode();
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header.block!, content, padding]);
}

/** A pax extended header (node-tar's Pax) naming the member after it. */
const paxPath = (path: string) => new Pax({ path }).encode();

const tarball = (...members: Buffer[]) =>
  gzipSync(Buffer.concat([...members, Buffer.alloc(1024)]));

function archive(...members: Buffer[]): string {
  return write(tarball(...members));
}

function write(content: Buffer): string {
  const file = join(work, `archive-${(dirs += 1)}.tgz`);
  writeFileSync(file, content);
  return file;
}

describe("extracting archives with RHDH's checks", () => {
  const target = () => join(work, `out-${(dirs += 1)}`);

  it('extracts files (pax long names too) and links inside the package', () => {
    const long = `package/${'d'.repeat(120)}/file.js`;
    const file = archive(
      tarFile('package/package.json', '{}'),
      tarFile('package/dir/', '', { type: 'Directory' }),
      paxPath(long),
      tarFile('package/ignored-short-name', 'long'),
      tarFile('package/link', '', {
        type: 'SymbolicLink',
        linkpath: 'package/package.json',
      }),
      tarFile('package/dir/hard', '', {
        type: 'Link',
        linkpath: 'package/package.json',
      }),
    );
    const out = target();
    extractNpmArchive(file, out);
    assert.equal(readFileSync(join(out, 'package.json'), 'utf8'), '{}');
    assert.equal(readFileSync(join(out, long.slice(8)), 'utf8'), 'long');
    assert.equal(existsSync(join(out, 'ignored-short-name')), false);
    assert.ok(lstatSync(join(out, 'link')).isSymbolicLink());
    assert.equal(readlinkSync(join(out, 'link')), 'package.json');
    assert.equal(statSync(join(out, 'dir', 'hard')).nlink, 2);
  });

  it("leaves modes as Python's data filter does", () => {
    const modes = [0o777, 0o4755, 0o666, 0o444, 0o644, 0o711, 0o070];
    const out = target();
    extractNpmArchive(
      archive(
        ...modes.map(mode =>
          tarFile(`package/${mode.toString(8)}`, '', { mode }),
        ),
      ),
      out,
    );
    assert.deepEqual(
      modes.map(mode => statSync(join(out, mode.toString(8))).mode & 0o7777),
      [0o755, 0o755, 0o644, 0o644, 0o644, 0o711, 0o640],
    );
  });

  it('refuses members outside package/, links out of it, special files and oversized files', () => {
    assert.throws(
      () => extractNpmArchive(archive(tarFile('other/file', 'x')), target()),
      {
        message:
          "NPM package archive does not start with 'package/' as it should: other/file",
      },
    );
    assert.throws(
      () =>
        extractNpmArchive(
          archive(tarFile('package/../../escape', 'x')),
          target(),
        ),
      /outside the destination/,
    );
    assert.throws(
      () =>
        extractNpmArchive(
          archive(
            tarFile('package/link', '', {
              type: 'SymbolicLink',
              linkpath: '/etc/passwd',
            }),
          ),
          target(),
        ),
      {
        message:
          'NPM package archive contains a link outside of the archive: package/link -> /etc/passwd',
      },
    );
    assert.throws(
      () =>
        extractNpmArchive(
          archive(
            tarFile('package/link', '', {
              type: 'Link',
              linkpath: 'package/../../etc/passwd',
            }),
          ),
          target(),
        ),
      /a link outside of the archive/,
    );
    assert.throws(
      () =>
        extractNpmArchive(
          archive(
            tarFile('package/dir/link', '', {
              type: 'SymbolicLink',
              linkpath: 'package/../../x',
            }),
          ),
          target(),
        ),
      /a link outside of the archive/,
    );
    for (const [type, name] of [
      ['FIFO', 'FIFO'],
      ['CharacterDevice', 'character device'],
      ['BlockDevice', 'block device'],
      ['SparseFile', 'unknown'],
      ['GNUDumpDir', 'unknown'],
    ] as const) {
      assert.throws(
        () =>
          extractNpmArchive(
            archive(tarFile('package/x', '', { type })),
            target(),
          ),
        {
          message: `NPM package archive contains a non regular file: package/x - ${name}`,
        },
      );
    }
    assert.throws(
      () =>
        extractNpmArchive(
          archive(tarFile('package/big', 'x'.repeat(100))),
          target(),
          99,
        ),
      { message: 'Zip bomb detected in package/big' },
    );
  });

  it('refuses a damaged archive, and writes nothing of a refused one', () => {
    const good = tarFile('package/package.json', '{}');
    const bad = tarFile('package/index.js', 'x');
    bad[0] ^= 1;
    const out = target();
    assert.throws(
      () => extractNpmArchive(archive(good, bad), out),
      /^LayoutError: NPM package archive is not a valid tar archive: checksum failure$/,
    );
    assert.deepEqual(readdirSync(out), []);
    const whole = Buffer.concat([
      good,
      tarFile('package/big', 'x'.repeat(2000)),
    ]);
    assert.throws(
      () => extractNpmArchive(write(gzipSync(whole.subarray(0, 1700))), out),
      /not a valid tar archive: Truncated input/,
    );
    assert.throws(
      () => extractNpmArchive(write(tarball(good).subarray(0, 30)), out),
      /not a valid tar archive: .*unexpected end of file/,
    );
    assert.throws(
      () =>
        extractNpmArchive(
          archive(good, tarFile('package/other', 'x', { type: 'FIFO' })),
          out,
        ),
      /non regular file/,
    );
    assert.deepEqual(readdirSync(out), []);
  });
});
