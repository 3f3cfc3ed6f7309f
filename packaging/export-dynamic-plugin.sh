#!/usr/bin/env bash
# Exports Gatehouse as a Red Hat Developer Hub dynamic plugin with RHDH's own
# CLI (`@red-hat-developer-hub/cli plugin export`).
#
#   packaging/export-dynamic-plugin.sh <gatehouse .tgz> <output directory> [<-common .tgz>]
#
# The -common package Gatehouse depends on is embedded in the export (it is
# Gatehouse's own code, not a framework package RHDH shares); it comes from the
# registry, or from its tarball when given (`npm pack ./plugins/gatehouse-common`,
# until it is published).
# Writes <output directory>/gatehouse-backstage-plugin-gatehouse-backend-module-dynamic/,
# the derived package RHDH loads, and its `npm pack` tarball beside it.
# Needs Node.js and npm; installs yarn 1 and the RHDH CLI once into
# GATEHOUSE_EXPORT_TOOLS (default ~/.cache/gatehouse-rhdh-export).
# See docs/rhdh.md.
set -euo pipefail

RHDH_CLI_VERSION=1.9.1
YARN_VERSION=1.22.22

tarball=$(realpath "${1:?usage: $0 <gatehouse .tgz> <output directory>}")
out=$(realpath -m "${2:?usage: $0 <gatehouse .tgz> <output directory>}")
common=${3:+$(realpath "$3")}
tools=${GATEHOUSE_EXPORT_TOOLS:-$HOME/.cache/gatehouse-rhdh-export}

# The CLI validates the export by loading it, which needs the Backstage packages
# Gatehouse takes as peer dependencies; the tools directory has them too.
if [ ! -x "$tools/node_modules/.bin/rhdh-cli" ]; then
  echo "export-dynamic-plugin: installing the RHDH CLI $RHDH_CLI_VERSION and yarn $YARN_VERSION into $tools"
  mkdir -p "$tools"
  [ -f "$tools/package.json" ] || echo '{"private":true}' >"$tools/package.json"
  mapfile -t peers < <(tar -xzOf "$tarball" package/package.json |
    node -e 'const p = JSON.parse(require("fs").readFileSync(0, "utf8"));
      for (const [n, r] of Object.entries(p.peerDependencies)) console.log(`${n}@${r}`)')
  (cd "$tools" && npm install --no-audit --no-fund --loglevel=error \
    "@red-hat-developer-hub/cli@$RHDH_CLI_VERSION" "yarn@$YARN_VERSION" "${peers[@]}")
fi
export PATH="$tools/node_modules/.bin:$PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-export.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work"
cd "$work/package"
# The export ships production dependencies only. Without devDependencies the
# lockfile below covers jose, leven, lru-cache, yaml and zod, and no dev
# package's config schema reaches the exported one; overrides are npm's, for
# development.
npm pkg delete devDependencies overrides
# Given its tarball, yarn installs the -common package from there (yarn 1
# applies `resolutions` to nested dependencies only); the version range goes
# back before the export, whose CLI checks the embedded copy against it.
common_range=$(npm pkg get "dependencies.@gatehouse/backstage-plugin-gatehouse-common" | tr -d '"')
if [ -n "$common" ]; then
  npm pkg set "dependencies.@gatehouse/backstage-plugin-gatehouse-common=file:$common"
fi
# The CLI copies ./yarn.lock into the export and runs `yarn install
# --production` there; yarn 1 installs no peer dependencies, so no Backstage
# package is bundled.
# yarn 1 refuses any package whose `engines` does not match the running Node.js
# (ts-json-schema-generator, deep in config-loader, asks for Node.js 22),
# where npm and RHDH only warn; the CLI's own install reads this file too.
printf 'registry "%s"\n--ignore-engines true\n' \
  "${npm_config_registry:-https://registry.npmjs.org}" >.yarnrc
yarn install --ignore-scripts --non-interactive --no-progress --silent
npm pkg set "dependencies.@gatehouse/backstage-plugin-gatehouse-common=$common_range"
# --no-build: dist/ is in the tarball already (the CLI's build would run
# `npm run build`, which needs the sources). NODE_PATH: the peers, for the
# CLI's check that the default export is a BackendFeature.
# --embed-package: RHDH's backend does not have the notifications node
# library (RHDH's own notifications modules embed it the same way); shared,
# as every @backstage package is by default, Gatehouse would not load. Its
# newest release asks for a newer backend-plugin-api than Gatehouse's peer
# range; it uses only what 1.8 has (core services, service refs), and the
# RHDH 1.10 test runs it there.
NODE_PATH="$tools/node_modules" rhdh-cli plugin export --no-build --clean \
  --embed-package @backstage/plugin-notifications-node \
  --embed-package @gatehouse/backstage-plugin-gatehouse-common \
  --ignore-version-check @backstage/backend-plugin-api @backstage/config

name=$(node -p 'require("./dist-dynamic/package.json").name.replace(/^@/, "").replace("/", "-")')
mkdir -p "$out"
rm -rf "${out:?}/$name"
cp -r dist-dynamic "$out/$name"
packed=$(cd "$out" && npm pack --json "./$name" |
  node -p 'const [p] = JSON.parse(require("fs").readFileSync(0, "utf8")); `${p.filename} ${p.integrity}`')
read -r tgz integrity <<<"$packed"
cat <<DONE
export-dynamic-plugin: the derived package is $out/$name
and its tarball $out/$tgz, for dynamic-plugins.yaml:
  - package: <where RHDH can fetch it>/$tgz
    integrity: $integrity
DONE
