// Builds the package once per test run, as `npm run build` would, into a
// directory of its own, so that CLI tests run the built `gatehouse` command
// (bin/gatehouse loading the compiled dist) rather than the TypeScript source.
// Also copies ES-module-only dependencies for jest.resolver.js.
const { execFileSync } = require('node:child_process');
const {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} = require('node:fs');
const { join } = require('node:path');

/** Every installed copy of package `name` below a node_modules directory. */
function* installsOf(name, nodeModules) {
  if (!existsSync(nodeModules)) {
    return;
  }
  for (const entry of readdirSync(nodeModules)) {
    const dirs = entry.startsWith('@')
      ? readdirSync(join(nodeModules, entry)).map(s =>
          join(nodeModules, entry, s),
        )
      : [join(nodeModules, entry)];
    for (const dir of dirs) {
      if (entry === name) {
        yield dir;
      }
      yield* installsOf(name, join(dir, 'node_modules'));
    }
  }
}

/** Each install of an ES-module-only package, copied with a CommonJS package.json. */
function copyEsmOnlyPackages(root, out) {
  for (const dir of installsOf('jose', join(root, 'node_modules'))) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    if (pkg.type !== 'module') {
      continue;
    }
    const target = join(out, `${pkg.name}@${pkg.version}`);
    rmSync(target, { recursive: true, force: true });
    cpSync(join(dir, 'dist'), join(target, 'dist'), { recursive: true });
    writeFileSync(
      join(target, 'package.json'),
      JSON.stringify({
        name: pkg.name,
        version: pkg.version,
        type: 'commonjs',
      }),
    );
  }
}

module.exports = function buildForTests() {
  const root = __dirname;
  const final = join(root, '.gatehouse-test-build');
  // Built aside and swapped in, so that a second Jest run (another terminal)
  // does not delete the build under the tests of one already running.
  const out = `${final}.building-${process.pid}`;
  rmSync(out, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '-p',
      join(root, 'tsconfig.build.json'),
      '--outDir',
      join(out, 'dist'),
    ],
    { stdio: 'inherit' },
  );
  cpSync(join(root, 'bin'), join(out, 'bin'), { recursive: true });
  copyEsmOnlyPackages(root, join(out, 'esm-as-cjs'));
  const old = `${final}.old-${process.pid}`;
  if (existsSync(final)) renameSync(final, old);
  renameSync(out, final);
  rmSync(old, { recursive: true, force: true });
};
