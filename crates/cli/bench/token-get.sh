#!/usr/bin/env bash
# Benchmark (not a test): `bv item get … --field password` with a service
# token against a bare `bv --version`, release build, real server on a
# temporary SQLite database over loopback. Needs hyperfine (Debian package).
#
#   crates/cli/bench/token-get.sh            # from the repository root
#
# Prints hyperfine's table and exports JSON to $OUT (default
# target-cli/bench-token-get.json). docs/BENCHMARKS.md § CLI records the
# figures; the target is "within 100 ms of bv --version".
set -euo pipefail
cd "$(dirname "$0")/../../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target-cli}"
cargo build --release -q -p blindvault-cli --bin bv
BV="$CARGO_TARGET_DIR/release/bv"
# BV_BENCH_SERVER=path uses an already built server (e.g. a debug one: a
# slower server only makes the token path look slower, never faster).
if [ -z "${BV_BENCH_SERVER:-}" ]; then
  cargo build --release -q -p blindvault-server --bin blindvault-server
fi
SERVER="${BV_BENCH_SERVER:-$CARGO_TARGET_DIR/release/blindvault-server}"
OUT="${OUT:-$CARGO_TARGET_DIR/bench-token-get.json}"

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$SERVER" --listen "127.0.0.1:$port" --data-dir "$work/data" >/dev/null 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
  sleep 0.1
done

export BV_SERVER="http://127.0.0.1:$port" BV_CONFIG_DIR="$work/config"
export BV_PASSWORD="benchmark master password"
"$BV" account register --email bench@example.com >/dev/null
"$BV" vault create infra >/dev/null
# A vault of 50 items, like a small team's: the token path syncs it all.
for i in $(seq 50); do
  "$BV" item add "infra/prod/db-$i" --type database --host "db$i" --username app --generate >/dev/null
done
token="$("$BV" token create bench --vault infra --role read)"
unset BV_PASSWORD

# Exported, not on the command lines, so hyperfine's output holds no token.
export BV_TOKEN="$token"
"$BV" item get infra/prod/db-7 --field password >/dev/null
hyperfine --warmup 5 --runs 50 --export-json "$OUT" \
  -n 'bv --version' "$BV --version" \
  -n 'bv item get --field password (BV_TOKEN)' \
  "$BV item get infra/prod/db-7 --field password"
