#!/usr/bin/env bash
# The POST /chat benchmark of issue 7 (docs/benchmarks.md): turns per second of the synchronous
# API with the built-in offline model and the example MCP servers
# (resources/examples/mcp-servers.json), and the host's CPU per turn.
#
# For each concurrency (1 and 10 keep-alive clients), ROUNDS times, alternating the order, on a
# freshly started mcp-hostd (once its MCP servers are ready):
#   chat:  TURNS measured `POST /chat {"message":"call echo with message=hi"}` (every turn runs
#          the model twice around one tools/call of echo; each answer must contain the tool call),
#          after one unmeasured turn per client; CPU = utime+stime of the mcp-hostd process
#          (/proc/PID/stat) over the measured turns / TURNS, and the same for the MCP servers it
#          started (its descendants);
#   floor: the same number of `GET /health` on the same server and connections: the HTTP floor.
# Prints every run as a JSON line, then the medians, and CPU_bound/s = 1000 / host CPU ms per
# turn: the rate one free core would allow (mcp-hostd runs on one thread), which a loaded machine
# disturbs less than turns/s.
#   tests/bench/run_chat_bench.sh [ROUNDS] [TURNS]         (defaults: 5 rounds of 1000 turns)
# BIN=<dir> selects the binaries (default build/bin); CONFIG=<file> another MCP config;
# CONCURRENCY="1 10" the client counts; MESSAGE the user message; EXPECT what an answer contains.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rounds=${1:-5}
turns=${2:-1000}
bin="${BIN:-$root/build/bin}"
config="${CONFIG:-$root/resources/examples/mcp-servers.json}"
concurrency=${CONCURRENCY:-1 10}
message=${MESSAGE:-call echo with message=hi}
expect=${EXPECT:-\"tool\":\"echo\"}
client="$bin/chat_load_client"
for f in "$bin/mcp-hostd" "$client" "$config"; do
  [[ -e "$f" ]] || { echo "missing $f (build mcp-hostd and chat_load_client)" >&2; exit 1; }
done
[[ "$rounds" =~ ^[0-9]+$ && "$rounds" -ge 1 && "$turns" =~ ^[0-9]+$ && "$turns" -ge 1 ]] \
  || { echo "usage: $0 [ROUNDS>=1] [TURNS>=1]" >&2; exit 2; }

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Every POST /chat without session_id creates a session, and a run makes more than the default
# cap (sessions.max_sessions, 1000): run on a copy of the config with the cap raised, its
# relative cwd made absolute since the copy lives elsewhere.
python3 - "$config" "$work/config.json" <<'EOF'
import json, os, sys
src, dst = sys.argv[1:]
c = json.load(open(src))
base = os.path.dirname(os.path.abspath(src))
for s in c.get("mcpServers", {}).values():
    if "cwd" in s and not os.path.isabs(s["cwd"]):
        s["cwd"] = os.path.normpath(os.path.join(base, s["cwd"]))
c.setdefault("sessions", {})["max_sessions"] = 1000000
json.dump(c, open(dst, "w"))
EOF
config="$work/config.json"

server_port=""
start_server() {
  : >"$work/hostd.out"
  # No provider keys: the built-in offline model; a home of its own (no user config).
  env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY -u MCPHOST_TOKEN -u MCPHOST_PROVIDER HOME="$work" \
    "$bin/mcp-hostd" --port 0 --model offline --log-level warning --config "$config" \
    >"$work/hostd.out" 2>"$work/hostd.err" &
  server_pid=$!
  for _ in $(seq 1 200); do
    server_port=$(sed -nE 's#.*http://127\.0\.0\.1:([0-9]+)/.*#\1#p' "$work/hostd.out" | head -1)
    [[ -n "$server_port" ]] && break
    kill -0 "$server_pid" 2>/dev/null || { echo "mcp-hostd exited:" >&2; cat "$work/hostd.err" >&2; exit 1; }
    sleep 0.05
  done
  [[ -n "$server_port" ]] || { echo "mcp-hostd printed no URL" >&2; exit 1; }
  # Every MCP server ready (npx starts take seconds).
  for _ in $(seq 1 600); do
    if curl -sf "http://127.0.0.1:$server_port/health" | python3 -c '
import json, sys
s = json.load(sys.stdin).get("mcp_servers", [])
sys.exit(0 if s and all(x.get("state") == "ready" for x in s) else 1)'; then
      return 0
    fi
    sleep 0.1
  done
  echo "the MCP servers did not become ready:" >&2
  curl -s "http://127.0.0.1:$server_port/health" >&2 || true
  exit 1
}
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
# run BENCH CONNECTIONS client-args…: one client run, its JSON line tagged and kept.
run() {
  local b=$1 c=$2; shift 2
  local out
  out=$("$client" --connections "$c" --requests "$turns" --server-pid "$server_pid" "$@" 2>>"$work/client.err") || true
  [[ -n "$out" ]] || { echo "the client produced nothing; stderr:" >&2; tail -5 "$work/client.err" >&2; exit 1; }
  python3 -c 'import json,sys; d=json.loads(sys.argv[3]); d["bench"]=sys.argv[1]; d["clients"]=int(sys.argv[2]); print(json.dumps(d, sort_keys=True))' \
    "$b" "$c" "$out" | tee -a "$work/results.jsonl"
}
measure() { # CONNECTIONS
  start_server
  local body
  body=$(python3 -c 'import json,sys; print(json.dumps({"message": sys.argv[1]}))' "$message")
  run chat "$1" --url "http://127.0.0.1:$server_port/chat" --method POST --body "$body" --expect "$expect"
  run floor "$1" --url "http://127.0.0.1:$server_port/health" --method GET
  stop_server
}

: >"$work/results.jsonl"
read -r -a levels <<<"$concurrency"
for ((i = 1; i <= rounds; i++)); do
  if ((i % 2)); then order=("${levels[@]}"); else order=(); for ((k = ${#levels[@]} - 1; k >= 0; k--)); do order+=("${levels[k]}"); done; fi
  for c in "${order[@]}"; do measure "$c"; done
done

python3 - "$work/results.jsonl" "$rounds" "$turns" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rounds, turns = sys.argv[2:4]
def med(bench, c, key):
    vals = [r[key] for r in rows if r["bench"] == bench and r["clients"] == c and key in r]
    return statistics.median(vals) if vals else float("nan")
bad = [r for r in rows if r["answered"] != r["requests"] or r["errors"] or r["unexpected"] or r["timed_out"]]
print()
print(f"POST /chat turns/s, medians of {rounds} rounds of {turns} turns (floor: as many GET /health)")
print("%-8s %10s %9s %9s %14s %12s %14s %12s %8s" % ("clients", "turns/s", "p50_ms", "p99_ms", "host_CPU_ms/t", "CPU_bound/s", "MCP_CPU_ms/t", "floor_req/s", "errors"))
for c in sorted({r["clients"] for r in rows}):
    errs = sum(r["errors"] + r["unexpected"] + (r["requests"] - r["answered"]) for r in rows if r["clients"] == c)
    cpu = med("chat", c, "server_cpu_ms_per_request")
    print("%-8d %10.0f %9.2f %9.2f %14.3f %12.0f %14.3f %12.0f %8d" % (c, med("chat", c, "per_s"),
          med("chat", c, "latency_p50_ms"), med("chat", c, "latency_p99_ms"),
          cpu, 1000 / cpu if cpu > 0 else float("nan"), med("chat", c, "children_cpu_ms_per_request"),
          med("floor", c, "per_s"), errs))
if bad:
    print(f"{len(bad)} run(s) with errors, unexpected answers or a timeout: see the JSON lines above")
    sys.exit(1)
PY
