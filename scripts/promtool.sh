#!/usr/bin/env bash
# Prints the path of Debian's promtool, installing it first if it is missing:
# on Debian 12 it comes only inside the `prometheus` package, whose .deb is
# downloaded and unpacked into node_modules/.cache (no daemon installed, no
# service started). The alert rules' tests (src/signals/alertRules.test.ts)
# run it; CI requires them.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v promtool >/dev/null; then
  command -v promtool
  exit 0
fi
DIR=node_modules/.cache/gatehouse-promtool
if [ ! -x "$DIR/usr/bin/promtool" ]; then
  WORK=$(mktemp -d)
  chmod 777 "$WORK" # apt-get downloads as the _apt user
  (cd "$WORK" && apt-get download prometheus >/dev/null 2>&1) || {
    echo "promtool: 'apt-get download prometheus' failed (a Debian apt source is needed)" >&2
    rm -rf "$WORK"
    exit 1
  }
  mkdir -p "$DIR"
  dpkg-deb -x "$WORK"/prometheus_*.deb "$DIR"
  rm -rf "$WORK"
fi
echo "$PWD/$DIR/usr/bin/promtool"
