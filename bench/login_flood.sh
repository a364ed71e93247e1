#!/usr/bin/env bash
# Does a flood of logins (bcrypt at cost 12) slow down everybody else?
#
#   bench/login_flood.sh
#
# Starts the release server on a fresh SQLite file with BCRYPT_COST=12 and no
# rate limit, then measures GET /api/v1/users/me with wrk: alone, and while a
# second wrk floods POST /api/v1/auth/login. Prints p50/p99 of both runs.
# Needs wrk (installed with apt-get when missing), curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/todo-target}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
FLOOD_CONNECTIONS=${FLOOD_CONNECTIONS:-32}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p api

WORK=$(mktemp -d /tmp/login-flood.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
DATABASE_URL="sqlite://$WORK/bench.db?mode=rwc" PORT=$PORT BCRYPT_COST=12 \
  AUTH_RATE_LIMIT_PER_MINUTE=0 JWT_SECRET=benchmark-secret-benchmark-secret-0123 RUST_LOG=warn \
  "$CARGO_TARGET_DIR/release/api" > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -fs -o /dev/null "$BASE/health" && break; sleep 0.1; done

EMAIL=flood@example.com PASSWORD=flood-passw0rd
curl -fsS -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"username\":\"flood\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/register"
TOKEN=$(curl -fsS -H 'Content-Type: application/json' -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" \
  "$BASE/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

me() { wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s bench/wrk/get_auth.lua "$BASE/api/v1/users/me" -- "$TOKEN" | grep WRKRESULT; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

me >/dev/null  # warm-up
ALONE=$(me)
wrk -t1 -c"$FLOOD_CONNECTIONS" -d"$((DURATION + 4))s" --timeout 30s -s bench/wrk/login.lua \
  "$BASE/api/v1/auth/login" -- "$EMAIL" "$PASSWORD" > "$WORK/flood.txt" &
FLOOD=$!
sleep 2
DURING=$(me)
wait $FLOOD
FLOODED=$(grep WRKRESULT "$WORK/flood.txt")

echo
echo "GET /api/v1/users/me, $CONNECTIONS connections, ${DURATION}s each; logins at BCRYPT_COST=12 ($(nproc) cores)"
printf '%-28s %10s %10s %10s %8s\n' run req/s p50_ms p99_ms non2xx
printf '%-28s %10s %10s %10s %8s\n' "alone" "$(field rps "$ALONE")" "$(field p50_ms "$ALONE")" "$(field p99_ms "$ALONE")" "$(field non2xx "$ALONE")"
printf '%-28s %10s %10s %10s %8s\n' "during a login flood" "$(field rps "$DURING")" "$(field p50_ms "$DURING")" "$(field p99_ms "$DURING")" "$(field non2xx "$DURING")"
printf '%-28s %10s %10s %10s %8s\n' "the flood (POST /auth/login)" "$(field rps "$FLOODED")" "$(field p50_ms "$FLOODED")" "$(field p99_ms "$FLOODED")" "$(field non2xx "$FLOODED")"
