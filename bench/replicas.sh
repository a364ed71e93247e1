#!/usr/bin/env bash
# Two API servers on one PostgreSQL, first alone and then with a streaming
# replica: the read throughput, and the CPU the primary (and the replica)
# spend per read.
#
#   bench/replicas.sh        # RUNS=3 of each set-up, DURATION=15 s each, CONNECTIONS=16 per server
#
# Makes the replica afresh with .ci/replica (port 5433, replaying at once:
# REPLICA_APPLY_DELAY=0), seeds 4 readers x 10,000 todos through
# POST /todos/bulk into the database `todo_replicas`, runs VACUUM ANALYZE,
# then for each set-up and run starts two release servers (8091, 8092; the
# second set-up with DATABASE_REPLICA_URLS) and runs one wrk per server at
# the same time, each on GET /todos?size=50 as two of the readers (users
# who do not write, so the replica holds their last write). The CPU of a
# cluster is utime + stime from /proc, summed over its postmaster and every
# backend, before and after the run. Prints the median of the runs of each
# set-up side by side. Run as root on a machine with PostgreSQL on
# 127.0.0.1:5432 (user postgres, trust), as CI has; installs wrk.
#
# On a machine of 2 cores the servers, wrk, the primary and the replica share
# the cores: throughput can hardly grow there, so the honest figure is the
# CPU each read costs the primary, which a replica takes off it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/todo-target}
RUNS=${RUNS:-3}
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-16}
OUT=${OUT:-/tmp/todo-replicas-$(date +%s)}
DB=todo_replicas
PRIMARY=postgres://postgres@127.0.0.1:5432/$DB
REPLICA=postgres://postgres@127.0.0.1:5433/$DB
mkdir -p "$OUT"
psql_admin() { psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt -c "$1"; }

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p api
[ "$(psql_admin "select 1 from pg_database where datname='$DB'")" = 1 ] || psql_admin "create database $DB"
REPLICA_APPLY_DELAY=0 bash .ci/replica >/dev/null

PIDS=()
start_servers() { # $1: DATABASE_REPLICA_URLS (may be empty)
  local port
  for port in 8091 8092; do
    DATABASE_URL=$PRIMARY DATABASE_REPLICA_URLS=$1 HOST=127.0.0.1 PORT=$port \
      BCRYPT_COST=4 AUTH_RATE_LIMIT_PER_MINUTE=0 JWT_SECRET=benchmark-secret-benchmark-secret-0123 \
      DB_MAX_CONNECTIONS=$CONNECTIONS RUST_LOG=warn "$CARGO_TARGET_DIR/release/api" \
      >>"$OUT/server_$port.log" 2>&1 &
    PIDS+=($!)
  done
  for port in 8091 8092; do
    for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/health/ready" && break; sleep 0.1; done
  done
}
stop_servers() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
trap stop_servers EXIT

# The CPU seconds a cluster has spent so far: its postmaster and its children.
cluster_cpu() { # $1: data directory
  python3 - "$1" <<'EOF'
import os, sys
postmaster = int(open(os.path.join(sys.argv[1], "postmaster.pid")).readline())
ticks = 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    if int(pid) == postmaster or int(fields[1]) == postmaster:
        ticks += int(fields[11]) + int(fields[12])
print(ticks / os.sysconf("SC_CLK_TCK"))
EOF
}
PGV=$(ls /etc/postgresql | sort -V | tail -n 1)
PRIMARY_DATA=/var/lib/postgresql/$PGV/main
REPLICA_DATA=/var/lib/postgresql/$PGV/replica

# ---------------------------------------------------------------- seeding
start_servers ""
python3 - <<'EOF' > "$OUT/tokens"
import json, urllib.request
API = "http://127.0.0.1:8091/api/v1"
def call(method, path, body=None, token=None):
    req = urllib.request.Request(API + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(req) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as err:
        if err.code == 409:
            return None
        raise
for n in range(4):
    email = f"replica-reader-{n}@example.com"
    call("POST", "/auth/register", {"email": email, "username": f"replica_reader_{n}", "password": "Bench-pass-123"})
    token = call("POST", "/auth/login", {"email": email, "password": "Bench-pass-123"})["access_token"]
    have = call("GET", "/todos?size=1", token=token)["total"]
    statuses = ["pending", "in_progress", "completed"]
    for start in range(have, 10_000, 1000):
        items = [{"title": f"todo {i}", "priority": ["low", "medium", "high"][i % 3],
                  "status": statuses[i % 3], "due_date": f"2027-{1 + i % 12:02d}-{1 + i % 28:02d}T12:00:00Z"}
                 for i in range(start, min(start + 1000, 10_000))]
        call("POST", "/todos/bulk", {"items": items}, token)
    print(token)
EOF
stop_servers
psql -h 127.0.0.1 -U postgres -d "$DB" -qc 'VACUUM ANALYZE'
mapfile -t TOKENS < "$OUT/tokens"
sleep 2

# ---------------------------------------------------------------- runs
measure() { # $1: label, $2: DATABASE_REPLICA_URLS, $3: run
  start_servers "$2"
  # Warm both servers and let them see the replica.
  for port in 8091 8092; do
    wrk -t1 -c4 -d2s -s bench/wrk/get_auth.lua "http://127.0.0.1:$port/api/v1/todos?size=50" -- "${TOKENS[0]}" >/dev/null
  done
  local p0 r0
  p0=$(cluster_cpu "$PRIMARY_DATA")
  r0=$(cluster_cpu "$REPLICA_DATA")
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s bench/wrk/get_auth.lua \
    "http://127.0.0.1:8091/api/v1/todos?size=50" -- "${TOKENS[1]}" >"$OUT/$1_$3_a.txt" &
  local first=$!
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s bench/wrk/get_auth.lua \
    "http://127.0.0.1:8092/api/v1/todos?size=50" -- "${TOKENS[2]}" >"$OUT/$1_$3_b.txt"
  wait "$first"
  echo "cpu primary=$(python3 -c "print($(cluster_cpu "$PRIMARY_DATA") - $p0)") replica=$(python3 -c "print($(cluster_cpu "$REPLICA_DATA") - $r0)")" >"$OUT/$1_$3_cpu.txt"
  for port in 8091 8092; do
    curl -fs "http://127.0.0.1:$port/metrics" | grep '^db_reads_total' >>"$OUT/$1_$3_reads.txt"
  done
  stop_servers
}
for run in $(seq 1 "$RUNS"); do
  echo "== run $run/$RUNS: two servers, primary only" >&2
  measure primary "" "$run"
  echo "== run $run/$RUNS: two servers and a replica" >&2
  measure replica "$REPLICA" "$run"
done

python3 - "$OUT" "$RUNS" <<'EOF'
import re, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
def run(label, n):
    rps, p50, reqs = 0.0, [], 0
    for side in "ab":
        text = open(f"{out}/{label}_{n}_{side}.txt").read()
        m = dict(re.findall(r"(\w+)=([\d.]+)", text.split("WRKRESULT", 1)[1]))
        rps += float(m["rps"]); reqs += int(m["requests"]); p50.append(float(m["p50_ms"]))
        assert int(m["non2xx"]) == 0 and int(m["errors"]) == 0, f"{label} run {n}: failures"
    cpu = dict(re.findall(r"(\w+)=([\d.]+)", open(f"{out}/{label}_{n}_cpu.txt").read()))
    served = {}
    for line in open(f"{out}/{label}_{n}_reads.txt"):
        m = re.match(r'db_reads_total\{target="(\w+)"\} (\d+)', line)
        served[m[1]] = served.get(m[1], 0) + int(m[2])
    share = served.get("replica", 0) / max(1, sum(served.values()))
    return dict(rps=rps, p50=statistics.mean(p50), primary_us=float(cpu["primary"]) / reqs * 1e6,
                replica_us=float(cpu["replica"]) / reqs * 1e6, share=share)
rows = {label: [run(label, n) for n in range(1, runs + 1)] for label in ("primary", "replica")}
med = {label: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for label, rs in rows.items()}
print(f"GET /todos?size=50 on two servers at once; median of {runs} run(s)")
print(f"| set-up | req/s (both servers) | p50 ms | primary CPU per read | replica CPU per read | reads on the replica |")
print(f"| --- | ---: | ---: | ---: | ---: | ---: |")
for label, name in (("primary", "primary only"), ("replica", "primary + 1 replica")):
    m = med[label]
    print(f"| {name} | {m['rps']:,.0f} | {m['p50']:.1f} | {m['primary_us']:.0f} µs | {m['replica_us']:.0f} µs | {m['share']:.0%} |")
a, b = med["primary"], med["replica"]
print(f"primary CPU per read with the replica: {b['primary_us'] / a['primary_us']:.2f}x of without; "
      f"throughput {b['rps'] / a['rps']:.2f}x")
EOF
echo "(raw outputs in $OUT)"
