#!/usr/bin/env bash
# The performance benchmark: this server and the FastAPI peer, side by side,
# against the same PostgreSQL, with the database's own single-row limit.
#
#   bench/compare.sh                 # RUNS=3 by default; DURATION=15 s per endpoint
#
# For each run: this server (release build) is measured by ../shared/bench/run_bench.sh
# (seeding 10 users x 10,000 todos through POST /todos/bulk on the first run, then wrk
# at 32 connections on the hot endpoints and a 1000-item bulk create; then POST /todos on one
# connection, for 1000 single creates one after another), then the peer
# the same way, then `pgbench -S` at the same client count. It prints the medians of
# the runs side by side with the ratios, the SQL statements per request, and the peak
# RSS. Installs what it needs (wrk, the peer's virtualenv, PostgreSQL roles and
# databases); expects PostgreSQL on 127.0.0.1:5432 where user postgres may connect.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED=${SHARED:-$ROOT/../shared/bench}
[ -x "$SHARED/run_bench.sh" ] || { echo "compare: no ../shared/bench beside the checkout" >&2; exit 2; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/todo-target}
RUNS=${RUNS:-3}
export DURATION=${DURATION:-15} CONNECTIONS=${CONNECTIONS:-32} THREADS=${THREADS:-2}
PORT=${PORT:-8081}
PEER_PORT=${PEER_PORT:-8000}
OUT=${OUT:-/tmp/todo-compare-$(date +%s)}
mkdir -p "$OUT"
psql_admin() { psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt -c "$1"; }

# ---------------------------------------------------------------- set-up
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v pgbench >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql-contrib >/dev/null; }
(cd "$SHARED/peer_fastapi" && ./setup.sh >&2)
[ "$(psql_admin "select 1 from pg_database where datname='todo_bench'")" = 1 ] ||
  psql_admin "create database todo_bench owner bench"
[ "$(psql_admin "select 1 from pg_database where datname='pgbench_bench'")" = 1 ] || {
  psql_admin "create database pgbench_bench owner bench"
  PGPASSWORD=bench pgbench -h 127.0.0.1 -U bench -i -s 10 -q pgbench_bench >&2
}
cargo build --release -q -p api

start_ours() {
  DATABASE_URL=postgres://bench:bench@127.0.0.1:5432/todo_bench HOST=127.0.0.1 PORT=$PORT \
    BCRYPT_COST=4 AUTH_RATE_LIMIT_PER_MINUTE=0 JWT_SECRET=benchmark-secret-benchmark-secret-0123 \
    DB_MAX_CONNECTIONS=${DB_MAX_CONNECTIONS:-$CONNECTIONS} RUST_LOG=warn \
    "$CARGO_TARGET_DIR/release/api" > "$OUT/server.log" 2>&1 &
  OURS=$!
  for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/health" && return; sleep 0.1; done
  tail -20 "$OUT/server.log" >&2; exit 1
}
# 1000 single POST /todos one after another, as a client without the bulk route would send
# them: wrk on one keep-alive connection, as the seeded writer user (run_bench.sh's conventions).
sequential_posts() {
  local api="http://127.0.0.1:$PORT/api/v1" token category
  token=$(curl -fsS -H 'Content-Type: application/json' -d '{"email":"ours-writer@example.com","password":"Bench-pass-123"}' \
    "$api/auth/login" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
  category=$(curl -fsS -H "Authorization: Bearer $token" "$api/categories?size=1" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')
  wrk -t1 -c1 -d"$DURATION"s -s "$SHARED/wrk/post_todo.lua" "$api/todos" -- "$token" "$category"
}
stop_ours() { kill "$OURS" 2>/dev/null || true; wait "$OURS" 2>/dev/null || true; }
trap stop_ours EXIT

settle="PGPASSWORD=bench PGOPTIONS='-c client_min_messages=error' psql -h 127.0.0.1 -U bench -d todo_bench -qc 'VACUUM ANALYZE'"
for run in $(seq 1 "$RUNS"); do
  echo "== run $run/$RUNS: this server" >&2
  start_ours
  AFTER_SEED=$settle BASE_URL="http://127.0.0.1:$PORT" SERVER_PID=$OURS RUN_TAG=ours \
    "$SHARED/run_bench.sh" > "$OUT/ours_$run.txt"
  [ "$run" = 1 ] && python3 bench/statements.py "http://127.0.0.1:$PORT" > "$OUT/statements.txt"
  sequential_posts > "$OUT/ours_sequential_$run.txt"
  stop_ours
  echo "== run $run/$RUNS: the peer" >&2
  (cd "$SHARED/peer_fastapi" && WORKERS=2 PORT=$PEER_PORT ./bench_peer.sh) > "$OUT/peer_$run.txt"
  echo "== run $run/$RUNS: pgbench -S" >&2
  PGPASSWORD=bench pgbench -h 127.0.0.1 -U bench -S -M prepared -c "$CONNECTIONS" -j "$THREADS" \
    -T "$DURATION" -n pgbench_bench > "$OUT/pgbench_$run.txt" 2>&1
done

python3 bench/report.py "$OUT" "$RUNS"
echo "(raw outputs in $OUT)"
