// Jest cannot load ES modules from CommonJS (Node 20.19+ can: `require(esm)`),
// and jose 6, which @backstage/backend-defaults 0.19 uses, ships only ES
// modules. jest.globalSetup.js copies each such jose into
// .gatehouse-test-build/esm-as-cjs/ with a CommonJS package.json, where
// @swc/jest compiles it; this resolver sends every import of it there. The
// code is jose's own, only its module format differs.
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const COPIES = join(__dirname, '.gatehouse-test-build', 'esm-as-cjs');
const ESM_ONLY = /^(.*\/node_modules\/(jose))\/(.+)$/;
const typeOf = new Map();

function isEsmOnly(packageDir) {
  if (!typeOf.has(packageDir)) {
    const pkg = JSON.parse(
      readFileSync(join(packageDir, 'package.json'), 'utf8'),
    );
    typeOf.set(packageDir, pkg.type === 'module' ? pkg.version : undefined);
  }
  return typeOf.get(packageDir);
}

module.exports = (request, options) => {
  const resolved = options.defaultResolver(request, options);
  const match = ESM_ONLY.exec(resolved);
  if (!match) {
    return resolved;
  }
  const [, packageDir, name, file] = match;
  const version = isEsmOnly(packageDir);
  if (!version) {
    return resolved;
  }
  const copy = join(COPIES, `${name}@${version}`, file);
  if (!existsSync(copy)) {
    throw new Error(`${copy} is missing: jest.globalSetup.js makes it`);
  }
  return copy;
};
