// Builds the package once per test run, as `npm run build` would, into a
// directory of its own, so that CLI tests run the built `gatehouse` command
// (bin/gatehouse loading the compiled dist) rather than the TypeScript source.
const { execFileSync } = require('node:child_process');
const { cpSync, rmSync } = require('node:fs');
const { join } = require('node:path');

module.exports = function buildForTests() {
  const root = __dirname;
  const out = join(root, '.gatehouse-test-build');
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
};
