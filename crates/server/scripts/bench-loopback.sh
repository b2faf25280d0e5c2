#!/usr/bin/env bash
# Loopback benchmark of the release server, SQLite then PostgreSQL, back to
# back, with the load average before each run (docs/BENCHMARKS.md § Server).
#
#   CARGO_TARGET_DIR=target-server cargo build --release -p blindvault-server \
#       --bin blindvault-server --example load
#   [PORT=18907] crates/server/scripts/bench-loopback.sh target-server/release [extra load args]
#
# PostgreSQL: a fresh database per run on $PG_ADMIN_URL (default
# postgres://postgres@127.0.0.1:5432/test), dropped afterwards. PG_PARAMS is
# appended to the server's DATABASE_URL, e.g. PG_PARAMS='?sslmode=disable' for
# a same-host database without TLS (docs/BENCHMARKS.md § Server). ONLY=pg skips SQLite.
set -euo pipefail
BIN=${1:?usage: bench-loopback.sh <release dir> [load args]}
shift
PORT=${PORT:-18907}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_BASE=${PG_ADMIN_URL%/*}

run() { # $1 = label, $2 = VAR=value for the server; load args from LOAD_ARGS
  local label=$1 envvar=$2
  local d; d=$(mktemp -d)
  mkdir -p "$d/www" "$d/pkg"
  env "$envvar" "$BIN/blindvault-server" --listen "127.0.0.1:$PORT" \
    --data-dir "$d/data" --www-dir "$d/www" --pkg-dir "$d/pkg" >"$d/log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
  done
  echo "== $label  $(date -u +%FT%TZ)  loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "RSS after start: $(grep VmRSS /proc/$pid/status | tr -s ' ')"
  "$BIN/examples/load" --port "$PORT" "${LOAD_ARGS[@]}" 2>&1 | sed 's/^/  /' || true
  echo "RSS after the run: $(grep VmRSS /proc/$pid/status | tr -s ' ')  loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$d"
}

# The server listens on $PORT, so the load generator always gets that port
# (last, so a --port among the extra arguments cannot point it elsewhere).
LOAD_ARGS=("$@" --port "$PORT")
[ "${ONLY:-}" = pg ] || run "SQLite (synchronous=FULL, default)" BLINDVAULT_SQLITE_SYNC=full
DB="bv_bench_$$"
psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $DB" >/dev/null
run "PostgreSQL${PG_PARAMS:+ $PG_PARAMS}" DATABASE_URL="$PG_BASE/$DB${PG_PARAMS:-}"
psql "$PG_ADMIN_URL" -qc "DROP DATABASE $DB WITH (FORCE)" >/dev/null
