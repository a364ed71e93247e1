#!/usr/bin/env bash
# Do the answers that must not tell whether an account exists take the same
# time either way?
#
#   bench/account_timing.sh
#
# Starts the release server on a fresh SQLite file (BCRYPT_COST=12, no rate
# limit), registers one account, then measures with wrk, one connection at a
# time so that the latency is the request's own: POST /auth/forgot-password
# for that account and for an unknown address, and POST /auth/login with a
# wrong password and with an unknown address. Prints p50/p99 of each and the
# ratio of the medians. Needs wrk (installed with apt-get when missing),
# curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/todo-target}
DURATION=${DURATION:-10}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p api

WORK=$(mktemp -d /tmp/account-timing.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
DATABASE_URL="sqlite://$WORK/bench.db?mode=rwc" PORT=$PORT BCRYPT_COST=12 \
  AUTH_RATE_LIMIT_PER_MINUTE=0 JWT_SECRET=benchmark-secret-benchmark-secret-0123 RUST_LOG=warn \
  "$CARGO_TARGET_DIR/release/api" > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -fs -o /dev/null "$BASE/health" && break; sleep 0.1; done

EMAIL=timing@example.com PASSWORD=timing-passw0rd
curl -fsS -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"username\":\"timing\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/register"

post() { wrk -t1 -c1 -d"${DURATION}s" -s bench/wrk/post_json.lua "$BASE$1" -- "$2" | grep WRKRESULT; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

post /api/v1/auth/forgot-password "{\"email\":\"$EMAIL\"}" >/dev/null  # warm-up
FORGOT_KNOWN=$(post /api/v1/auth/forgot-password "{\"email\":\"$EMAIL\"}")
FORGOT_UNKNOWN=$(post /api/v1/auth/forgot-password '{"email":"nobody@example.com"}')
LOGIN_WRONG=$(post /api/v1/auth/login "{\"email\":\"$EMAIL\",\"password\":\"wrong-passw0rd\"}")
LOGIN_UNKNOWN=$(post /api/v1/auth/login '{"email":"nobody@example.com","password":"wrong-passw0rd"}')

echo
echo "One connection, ${DURATION}s each, BCRYPT_COST=12, SQLite ($(nproc) cores)"
printf '%-40s %10s %10s %10s %8s\n' request req/s p50_ms p99_ms non2xx
row() { printf '%-40s %10s %10s %10s %8s\n' "$1" "$(field rps "$2")" "$(field p50_ms "$2")" "$(field p99_ms "$2")" "$(field non2xx "$2")"; }
row "forgot-password, existing account" "$FORGOT_KNOWN"
row "forgot-password, unknown address" "$FORGOT_UNKNOWN"
row "login, wrong password" "$LOGIN_WRONG"
row "login, unknown address" "$LOGIN_UNKNOWN"
ratio() { python3 -c "print(f'{float(\"$1\") / float(\"$2\"):.2f}')"; }
echo
echo "p50 ratio existing/unknown: forgot-password $(ratio "$(field p50_ms "$FORGOT_KNOWN")" "$(field p50_ms "$FORGOT_UNKNOWN")"), login $(ratio "$(field p50_ms "$LOGIN_WRONG")" "$(field p50_ms "$LOGIN_UNKNOWN")")"
