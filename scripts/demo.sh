#!/usr/bin/env bash
# The demo: installs what is missing, builds, then runs a server and two
# clients taking ten turns, printing the seed-style alternating log, and exits.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target baton-server baton-client
bin=build/release/apps
port=${BATON_PORT:-5001}
log=$(mktemp)
"$bin/baton-server/baton-server" --port "$port" --no-admin >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q listening "$log" 2>/dev/null && break; sleep 0.1; done
echo "== two baton-clients, five turns each (the seed's Client1/Client2) =="
"$bin/baton-client/baton-client" --port "$port" --name Client1 --start 1 --count 5 --interval 0.2 --quiet &
c1=$!
sleep 0.05  # Client1 joins first, so it takes turn 1
"$bin/baton-client/baton-client" --port "$port" --name Client2 --start 2 --count 5 --interval 0.2 --quiet
wait "$c1"
kill -TERM "$server"
wait "$server"
echo "== baton-server log =="
cat "$log"
