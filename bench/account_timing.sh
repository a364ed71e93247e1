#!/usr/bin/env bash
# Do the answers that must not tell whether an account exists take the same
# time either way?
#
#   bench/account_timing.sh
#
# Starts the release server on a fresh SQLite file (BCRYPT_COST=12, no rate
# limit), registers one account, then times (bench/timing.py: one request at
# a time, the two cases alternating) POST /auth/login with a wrong password
# against an unknown address (LOGIN_ROUNDS each, default 20), and
# POST /auth/forgot-password and /auth/resend-verification for that account
# against an unknown address (ROUNDS each, default 500). Prints the median
# and 90th percentile of each and the ratio of the medians. Needs curl and
# python3. API_BIN names a server binary to use instead of building the
# release one.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/todo-target}
ROUNDS=${ROUNDS:-500}
LOGIN_ROUNDS=${LOGIN_ROUNDS:-20}

if [ -z "${API_BIN:-}" ]; then
  cargo build --release -q -p api
  API_BIN="$CARGO_TARGET_DIR/release/api"
fi

WORK=$(mktemp -d /tmp/account-timing.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
DATABASE_URL="sqlite://$WORK/bench.db?mode=rwc" PORT=$PORT BCRYPT_COST=12 \
  AUTH_RATE_LIMIT_PER_MINUTE=0 JWT_SECRET=benchmark-secret-benchmark-secret-0123 RUST_LOG=warn \
  "$API_BIN" > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -fs -o /dev/null "$BASE/health" && break; sleep 0.1; done

EMAIL=timing@example.com PASSWORD=timing-passw0rd
curl -fsS -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"username\":\"timing\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/register"

echo
echo "One request at a time, alternating, BCRYPT_COST=12, SQLite ($(nproc) cores)"
python3 bench/timing.py "$BASE" "$LOGIN_ROUNDS" \
  /api/v1/auth/login "{\"email\":\"$EMAIL\",\"password\":\"wrong-passw0rd\"}" \
  '{"email":"nobody@example.com","password":"wrong-passw0rd"}'
python3 bench/timing.py "$BASE" "$ROUNDS" \
  /api/v1/auth/forgot-password "{\"email\":\"$EMAIL\"}" '{"email":"nobody@example.com"}' \
  /api/v1/auth/resend-verification "{\"email\":\"$EMAIL\"}" '{"email":"nobody@example.com"}'
