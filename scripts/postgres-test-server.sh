#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (docs/stores/postgresql.md):
#
#   scripts/postgres-test-server.sh start [DIR]   initdb in DIR (default: a new temp folder),
#                                                 start on a unix socket only, print the URL
#   scripts/postgres-test-server.sh stop  [DIR]   stop it and remove DIR
#
# The server listens on no TCP port (listen_addresses=''), trusts local
# connections, and runs without fsync: it holds test data only. `start`
# prints the URL and writes it to DIR/url; tests read it from
# DBSYNC_TEST_POSTGRES_URL:
#
#   export DBSYNC_TEST_POSTGRES_URL=$(scripts/postgres-test-server.sh start /tmp/dbsync-pg)
#   ctest --test-dir build -R 'postgres|Postgres'
#   scripts/postgres-test-server.sh stop /tmp/dbsync-pg
#
# PostgreSQL refuses to run as root: as root the cluster belongs to the
# 'postgres' user (Debian's package creates it) and commands run through
# runuser. Without DIR, stop uses the folder the last start of this user
# recorded in ${XDG_RUNTIME_DIR:-/tmp}/dbsync-pg-test-server.
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "postgres-test-server: no PostgreSQL server binaries (install Debian's postgresql package: scripts/install-deps.sh)" >&2
  exit 4
fi
STATE=${XDG_RUNTIME_DIR:-/tmp}/dbsync-pg-test-server.$(id -u)

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local dir=${1:-}
  if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/dbsync-pg.XXXXXX")
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/data/postmaster.pid" ]; then
    echo "postgres-test-server: a server already runs in '$dir'; stop it first" >&2
    exit 2
  fi
  rm -rf "$dir/data" "$dir/socket"
  mkdir -p "$dir/socket"
  if [ "$(id -u)" = 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
      echo "postgres-test-server: running as root needs the 'postgres' user (Debian's postgresql package)" >&2
      exit 4
    fi
    chown postgres: "$dir" "$dir/socket"
    chmod 755 "$dir"
  fi
  local user
  user=$(as_owner id -un)
  as_owner "$PG_BIN/initdb" -D "$dir/data" -A trust -U "$user" -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 4
  }
  # A fresh port number keeps the socket name apart from other servers.
  local port=$((20000 + RANDOM % 20000))
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir/socket' -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
    >/dev/null || {
    cat "$dir/server.log" >&2
    exit 4
  }
  local url="postgresql:///postgres?host=$dir/socket&port=$port&user=$user"
  echo "$url" >"$dir/url"
  echo "$dir" >"$STATE"
  echo "$url"
}

stop() {
  local dir=${1:-}
  if [ -z "$dir" ] && [ -f "$STATE" ]; then dir=$(cat "$STATE"); fi
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    echo "postgres-test-server: no server folder to stop" >&2
    exit 2
  fi
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  fi
  # Only what start made is removed; the folder too when that leaves it empty.
  rm -rf "$dir/data" "$dir/socket" "$dir/url" "$dir/initdb.log" "$dir/server.log"
  rmdir "$dir" 2>/dev/null || true
  if [ -f "$STATE" ] && [ "$(cat "$STATE")" = "$dir" ]; then rm -f "$STATE"; fi
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *)
    echo "usage: $0 start|stop [DIR]" >&2
    exit 2
    ;;
esac
