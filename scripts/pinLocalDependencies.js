#!/usr/bin/env node
/*
 * `npm pack` of a package of this repository that depends on another one by
 * path (`file:plugins/gatehouse-common`, `file:../gatehouse-common`).
 *
 *   node scripts/pinLocalDependencies.js [package dir]            (prepack)
 *   node scripts/pinLocalDependencies.js [package dir] --restore  (postpack)
 *
 * The backend and the page each have an install of their own and share the
 * -common package, which is not on the registry until it is published; so
 * both depend on it by path, which npm links. A published package may not
 * point at a path: the packed package.json names the linked package's
 * version range instead, as a consumer installs it, and has no `prepare`. The original is kept
 * as package.json-prepack and put back after packing (backstage-cli's
 * prepack keeps the page's there already, and its postpack restores it).
 */
const {
  existsSync,
  readFileSync,
  renameSync,
  writeFileSync,
} = require('node:fs');
const { join, resolve } = require('node:path');

const args = process.argv.slice(2);
const dir = resolve(args.find(arg => !arg.startsWith('--')) ?? '.');
const manifestPath = join(dir, 'package.json');
const backupPath = join(dir, 'package.json-prepack');

if (args.includes('--restore')) {
  if (existsSync(backupPath)) renameSync(backupPath, manifestPath);
  process.exit(0);
}

const text = readFileSync(manifestPath, 'utf8');
if (!existsSync(backupPath)) writeFileSync(backupPath, text);
const manifest = JSON.parse(text);
// The backend's `prepare` builds the -common package in a checkout, for its
// link; an installed package runs nothing at install time.
if (manifest.scripts) delete manifest.scripts.prepare;
for (const field of ['dependencies', 'peerDependencies']) {
  for (const [name, spec] of Object.entries(manifest[field] ?? {})) {
    if (!spec.startsWith('file:')) continue;
    const target = resolve(dir, spec.slice('file:'.length));
    const linked = JSON.parse(
      readFileSync(join(target, 'package.json'), 'utf8'),
    );
    if (linked.name !== name) {
      throw new Error(
        `${field}.${name} points at ${target}, which is ${linked.name}`,
      );
    }
    manifest[field][name] = `^${linked.version}`;
  }
}
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
