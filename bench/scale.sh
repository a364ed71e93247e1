#!/usr/bin/env bash
# How the todo list, its count, search and stats scale with one user's data, on
# PostgreSQL and on SQLite.
#
#   bench/scale.sh                                   # SIZES="10000 1000000" ENGINES="postgres sqlite"
#   SIZES=2000 DURATION=2 REPEAT=3 bench/scale.sh    # a quick look
#
# For each engine and size N: a database where one user (the owner) holds N todos (5
# categories, 2-3 of 20 equally likely tags each, a mix of statuses and due dates, the
# searched word in about 5 % of titles) beside OTHERS other users with OTHER_TODOS todos
# each (default 9 x 10,000), all seeded through POST /todos/bulk (bench/scale.py, two
# clients at once); then VACUUM ANALYZE. The databases are kept (PostgreSQL
# `todo_scale_N`, SQLite /tmp/todo_scale_N.db): a rerun finds the data there and skips the
# seeding; RESEED=1 seeds afresh. The release server runs with LIST_TOTALS_TTL_SECS=0, so
# every page pays its count, and DB_MAX_CONNECTIONS=CONNECTIONS.
#
# Requests, all as the owner, pages of 50: the first page, `status=pending&sort_by=due_date`,
# `tag=tag-07`, `search=invoice`, a cursor page at depth min(500,000, N/2), `page=10000`
# (offset 499,950: past the end below that many todos, where only the count runs),
# GET /todos/stats, POST /todos, POST /todos/bulk of 1000; and every `sort_by` at `page=100`.
# Each is timed on one connection (REPEAT times after a warm-up, default 9: the median of
# the database time that `Server-Timing` reports), and all but the sorts then run under wrk
# (CONNECTIONS connections, default 16, WARMUP s then DURATION s, defaults 2 and 10) for
# p50 / p99 and req/s. The rows the writes add are deleted afterwards with SQL.
#
# Prints a Markdown table per engine with the ratio of the largest size to the smallest;
# raw outputs (JSON, wrk, server logs) under OUT. Installs wrk and the PostgreSQL client
# when missing; expects PostgreSQL on 127.0.0.1:5432 where user postgres may connect and
# create databases. API_BIN names a server binary to use instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/todo-target}
SIZES=${SIZES:-"10000 1000000"}
ENGINES=${ENGINES:-"postgres sqlite"}
export DURATION=${DURATION:-10} CONNECTIONS=${CONNECTIONS:-16} REPEAT=${REPEAT:-9} WARMUP=${WARMUP:-2}
export THREADS=${THREADS:-2} OTHERS=${OTHERS:-9} OTHER_TODOS=${OTHER_TODOS:-10000}
PORT=${PORT:-8091}
RESEED=${RESEED:-0}
OUT=${OUT:-/tmp/todo-scale-$(date +%s)}
PG=postgres://postgres@127.0.0.1:5432
BASE=http://127.0.0.1:$PORT
mkdir -p "$OUT"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v psql >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql-client >/dev/null; }
if [ -z "${API_BIN:-}" ]; then
  cargo build --release -q -p api
  API_BIN="$CARGO_TARGET_DIR/release/api"
  SCALE_SERVER="built from $(git describe --always --dirty 2>/dev/null || echo 'this checkout')"
fi
export SCALE_SERVER=${SCALE_SERVER:-"given as API_BIN ($API_BIN)"}
# Every size runs the same binary, even if the build directory changes meanwhile.
[ "$API_BIN" -ef "$OUT/api" ] || cp "$API_BIN" "$OUT/api"
API_BIN=$OUT/api
if curl -fs -o /dev/null "$BASE/health"; then
  echo "scale: something already answers on port $PORT (set PORT)" >&2
  exit 2
fi

dsn() {  # the database of engine $1, size $2: its URL for the server
  case $1 in
    postgres) echo "$PG/todo_scale_$2" ;;
    sqlite) echo "sqlite:///tmp/todo_scale_$2.db?mode=rwc" ;;
    *) echo "scale: unknown engine $1" >&2; exit 2 ;;
  esac
}
sql_dsn() {  # what psql or Python's sqlite3 opens for engine $1, size $2
  if [ "$1" = postgres ]; then echo "$PG/todo_scale_$2"; else echo "/tmp/todo_scale_$2.db"; fi
}
pg_admin() { psql "$PG/postgres" -v ON_ERROR_STOP=1 -qAt -c "$1"; }
ensure_db() {  # an existing database, empty when $3 is "fresh"
  if [ "$1" = postgres ]; then
    [ "$3" = fresh ] && pg_admin "drop database if exists todo_scale_$2 with (force)"
    [ "$(pg_admin "select 1 from pg_database where datname = 'todo_scale_$2'")" = 1 ] ||
      pg_admin "create database todo_scale_$2"
  elif [ "$3" = fresh ]; then
    rm -f "/tmp/todo_scale_$2.db" "/tmp/todo_scale_$2.db-wal" "/tmp/todo_scale_$2.db-shm"
  fi
}
settle() {  # VACUUM ANALYZE, with the server stopped
  if [ "$1" = postgres ]; then
    PGOPTIONS='-c client_min_messages=error' psql "$(sql_dsn "$1" "$2")" -qc 'VACUUM ANALYZE'
  else
    python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("VACUUM")
c.execute("ANALYZE")' "$(sql_dsn "$1" "$2")"
  fi
}

SERVER=
start_server() {  # engine, size, log file
  DATABASE_URL=$(dsn "$1" "$2") HOST=127.0.0.1 PORT=$PORT BCRYPT_COST=4 AUTH_RATE_LIMIT_PER_MINUTE=0 \
    JWT_SECRET=benchmark-secret-benchmark-secret-0123 ACCESS_TOKEN_TTL_SECS=86400 \
    DB_MAX_CONNECTIONS=$CONNECTIONS LIST_TOTALS_TTL_SECS=0 RUST_LOG=warn \
    "$API_BIN" >> "$3" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 600); do
    curl -fs -o /dev/null "$BASE/health" && return
    kill -0 "$SERVER" 2>/dev/null || break
    sleep 0.1
  done
  tail -20 "$3" >&2
  stop_server
  return 1
}
stop_server() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=; fi
}
trap stop_server EXIT

started=$(date +%s)
for engine in $ENGINES; do
  for size in $SIZES; do
    dir=$OUT/$engine/$size
    mkdir -p "$dir"
    log=$dir/server.log
    t0=$(date +%s)
    echo "== $engine, $size todos" >&2
    ensure_db "$engine" "$size" kept
    # A kept database that this server cannot start on (e.g. migrations it does not
    # know) or that does not hold the data set is seeded afresh.
    if [ "$RESEED" = 1 ] || ! start_server "$engine" "$size" "$log" ||
      ! python3 bench/scale.py check --base "$BASE" --size "$size"; then
      stop_server
      ensure_db "$engine" "$size" fresh
      start_server "$engine" "$size" "$log" || exit 1
      python3 bench/scale.py seed --base "$BASE" --size "$size"
    fi
    stop_server
    t1=$(date +%s)
    settle "$engine" "$size"
    t2=$(date +%s)
    start_server "$engine" "$size" "$log" || exit 1
    python3 bench/scale.py measure --base "$BASE" --size "$size" --out "$dir" \
      --engine "$engine" --dsn "$(sql_dsn "$engine" "$size")"
    stop_server
    t3=$(date +%s)
    echo "$engine $size: data $((t1 - t0)) s, VACUUM ANALYZE $((t2 - t1)) s, measuring $((t3 - t2)) s" |
      tee -a "$OUT/times.txt" >&2
  done
done

{
  echo "# Scale benchmark, $(date -u +%FT%TZ), $(nproc) cores"
  echo
  echo "SIZES=\"$SIZES\" ENGINES=\"$ENGINES\" DURATION=$DURATION CONNECTIONS=$CONNECTIONS REPEAT=$REPEAT" \
    "OTHERS=$OTHERS OTHER_TODOS=$OTHER_TODOS; PostgreSQL $(pg_admin 'show server_version');" \
    "server $SCALE_SERVER"
  python3 bench/scale.py report "$OUT"
  echo
  sed 's/^/    /' "$OUT/times.txt"
  echo
  echo "(in $(($(date +%s) - started)) s; raw outputs in $OUT)"
} | tee "$OUT/report.md"
