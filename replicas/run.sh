#!/usr/bin/env bash
# Multi-replica test: two Gatehouse backends on one PostgreSQL database with
# the default (database) plugin key store. See replicas/README.md.
#
# Installs Debian's PostgreSQL if it is missing, starts a throw-away cluster
# on 127.0.0.1 (a free port, a temp data directory), runs
# replicas/replicas.test.ts against it, and always stops and removes the
# cluster. Nothing persists between runs, so it can run any number of times,
# also next to a system PostgreSQL (which it never touches).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi

# Debian installs the server programs under /usr/lib/postgresql/<version>/bin,
# not on PATH (initdb, pg_ctl and postgres in /usr/local/bin on some machines
# are local symlinks, not the package's), so look there, newest version first.
find_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
PG_BIN=$(find_pg_bin)
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "replicas: installing PostgreSQL (Debian's postgresql package)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql
  PG_BIN=$(find_pg_bin)
fi
echo "replicas: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') from $PG_BIN"

# PostgreSQL refuses to run as root: as root, run the server as `postgres`
# (created by the package); as anyone else, as that user.
if [ "$(id -u)" = 0 ]; then
  PG_USER=postgres
  as_pg() { runuser -u postgres -- "$@"; }
else
  PG_USER=$(id -un)
  as_pg() { "$@"; }
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-replicas.XXXXXX")
chmod 755 "$WORK" # the postgres user must reach its data directory in here
# The server's directory: its data (initdb creates it, mode 700), its Unix
# socket (not in /var/run/postgresql, which belongs to the system's clusters
# and may be missing) and its log, all writable by the server's user.
PG_DIR=$WORK/pg
PGDATA=$PG_DIR/data
PGSOCK=$PG_DIR
PG_LOG=$PG_DIR/postgres.log
mkdir -p "$PG_DIR" "$WORK/run"
chown "$PG_USER" "$PG_DIR"

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -f "$PGDATA/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 30 stop >/dev/null ||
      echo "replicas: pg_ctl stop failed" >&2
  fi
  if [ "$status" != 0 ] && [ -f "$PG_LOG" ]; then
    echo "--- replicas: last lines of the PostgreSQL log ---" >&2
    tail -n 30 "$PG_LOG" >&2
  fi
  # Anything still running from this run names $WORK on its command line.
  if pgrep -f "$WORK" >/dev/null; then
    echo "replicas: FAIL: processes left over:" >&2
    pgrep -af "$WORK" >&2
    status=1
  fi
  rm -rf "$WORK"
  echo "replicas: $([ "$status" = 0 ] && echo passed || echo FAILED) in $((SECONDS - started)) s"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e 'const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}
PG_PORT=$(free_port)
PG_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
DB_USER=backstage

# Password (SCRAM) authentication over TCP, as in production; trust only on
# the cluster's own Unix socket, for creating the role below.
as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth-local=trust \
  --auth-host=scram-sha-256 --no-instructions >"$WORK/initdb.log" 2>&1 ||
  { cat "$WORK/initdb.log" >&2; exit 1; }
# fsync=off: a throw-away cluster needs no durability, and it saves seconds.
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PG_LOG" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PGSOCK -c fsync=off" \
  start >/dev/null
# CREATEDB: Backstage's default pluginDivisionMode `database` creates one
# database per plugin (backstage_plugin_<id>) on first start.
as_pg "$PG_BIN/psql" -h "$PGSOCK" -p "$PG_PORT" -U postgres -d postgres -qAt \
  -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
echo "replicas: PostgreSQL listening on 127.0.0.1:$PG_PORT (role $DB_USER)"

# How the test stops and starts this cluster (the managed-token outage check).
PG_CTL_AS_PG="$( [ "$(id -u)" = 0 ] && echo "runuser -u postgres --" ) $PG_BIN/pg_ctl -D $PGDATA"
REPLICAS_PG_STOP="$PG_CTL_AS_PG -m fast -w -t 30 stop >/dev/null"
REPLICAS_PG_START="$PG_CTL_AS_PG -l $PG_LOG -w -t 30 -o '-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PGSOCK -c fsync=off' start >/dev/null"
export REPLICAS_PG_STOP REPLICAS_PG_START

REPLICAS_PG_HOST=127.0.0.1 REPLICAS_PG_PORT=$PG_PORT \
  REPLICAS_PG_USER=$DB_USER REPLICAS_PG_PASSWORD=$PG_PASSWORD \
  REPLICAS_WORK_DIR=$WORK/run \
  node --import tsx replicas/replicas.test.ts

# The stores' own tests on PostgreSQL (SQLite in `npm test`): the managed
# tokens' SQL checked against the inventory's in-memory filters, and usage.
as_pg "$PG_BIN/psql" -h "$PGSOCK" -p "$PG_PORT" -U postgres -d postgres -qAt \
  -v ON_ERROR_STOP=1 -c "CREATE DATABASE gatehouse_store_tests OWNER $DB_USER"
GATEHOUSE_TEST_PG="postgres://$DB_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/gatehouse_store_tests" \
  npx jest --ci src/managed/managedTokenQuery.test.ts src/inventory/UsageStore.test.ts \
  src/leaks/CompromisedList.test.ts src/signals/SignalDetector.test.ts

# The backends created these; listing them shows they shared the cluster.
echo "replicas: plugin databases: $(as_pg "$PG_BIN/psql" -h "$PGSOCK" \
  -p "$PG_PORT" -U postgres -d postgres -qAt -c "SELECT string_agg(datname, ' '
  ORDER BY datname) FROM pg_database WHERE datname LIKE 'backstage_plugin_%'")"
