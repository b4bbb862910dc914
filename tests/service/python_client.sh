#!/usr/bin/env bash
# The Python example client (standard library only) runs a whole section against `irtcat serve` on 127.0.0.1.
# Usage: python_client.sh IRTCAT DATABASE CLIENT_SCRIPT
set -euo pipefail
irtcat=$1 database=$2 client=$3
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$database" "$work/irtcat.db"
"$irtcat" serve --db "$work/irtcat.db" client add python > "$work/credentials" 2>/dev/null
"$irtcat" serve --db "$work/irtcat.db" --port 0 > "$work/serve.out" 2>&1 &
server=$!
for _ in $(seq 200); do grep -q "listening on" "$work/serve.out" && break; sleep 0.05; done
port=$(grep -o '127\.0\.0\.1:[0-9]*' "$work/serve.out" | cut -d: -f2)
out=$(NO_PROXY='*' no_proxy='*' python3 "$client" "http://127.0.0.1:$port" \
        "$(awk '/client_id/ {print $2}' "$work/credentials")" "$(awk '/client_secret/ {print $2}' "$work/credentials")")
echo "$out" | tail -n 1
echo "$out" | tail -n 1 | grep -q "^finished after [0-9]* items"
