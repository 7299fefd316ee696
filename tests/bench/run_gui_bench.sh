#!/usr/bin/env bash
# The desktop app benchmarks of issue 8 (docs/benchmarks.md, "Desktop app"), under a private
# Xvfb (1280x800x24, software renderer, scale 1, C.UTF-8, TZ=UTC):
#   launch:   gui_launch_bench: fork -> first frame of mcp-host against the floor (a bare Qt
#             Quick window started the same way), fork -> ready (local server up, every MCP
#             server out of "starting") against the slowest server's own start, ROUNDS rounds;
#   timeline: timeline_bench (when built): 1,000 partial_response events/s streaming into the
#             timeline, and a 10,000-step session opened and scrolled end to start: frame times
#             from QQuickWindow::frameSwapped, open time, RSS.
#   tests/bench/run_gui_bench.sh [ROUNDS]       (default 7)
# BIN=<dir> selects the binaries (default build/bin).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rounds=${1:-7}
bin="${BIN:-$root/build/bin}"
[[ "$rounds" =~ ^[0-9]+$ && "$rounds" -ge 1 ]] || { echo "usage: $0 [ROUNDS>=1]" >&2; exit 2; }
for f in "$bin/mcp-host" "$bin/bare_window_bench" "$bin/gui_launch_bench" "$bin/mcp-fixture-server"; do
  [[ -x "$f" ]] || { echo "missing $f (build mcp-host, bare_window_bench, gui_launch_bench, mcp-fixture-server)" >&2; exit 1; }
done
command -v Xvfb >/dev/null || { echo "Xvfb is not installed (apt-get install xvfb)" >&2; exit 1; }

work=$(mktemp -d)
xvfb_pid=""
cleanup() {
  if [[ -n "$xvfb_pid" ]]; then kill "$xvfb_pid" 2>/dev/null || true; wait "$xvfb_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Xvfb picks a free display and writes its number to fd 3.
exec 3>"$work/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 2>"$work/xvfb.err" &
xvfb_pid=$!
for _ in $(seq 1 100); do [[ -s "$work/display" ]] && break; sleep 0.05; done
exec 3>&-
display=$(tr -d '\n' <"$work/display")
[[ -n "$display" ]] || { echo "Xvfb did not start:" >&2; cat "$work/xvfb.err" >&2; exit 1; }
export DISPLAY=":$display"

# The MCP servers of "ready": the fixture and the three reference servers, run by node directly
# (npx would add its own start to every round).
nm="$root/tests/node_modules/@modelcontextprotocol"
python3 - "$work/config.json" "$bin" "$nm" <<'PY'
import json, sys
dst, bin_dir, nm = sys.argv[1:]
servers = {"fixture": {"command": f"{bin_dir}/mcp-fixture-server"}}
for name, args in (("everything", ["stdio"]), ("filesystem", ["/tmp"]), ("memory", [])):
    servers[name] = {"command": "node", "args": [f"{nm}/server-{name}/dist/index.js", *args],
                     "env": {"MEMORY_FILE_PATH": "/tmp/mcp-host-gui-bench-memory.jsonl"}}
json.dump({"mcpServers": servers}, open(dst, "w"))
PY

echo "== launch ($rounds rounds, display $DISPLAY)"
"$bin/gui_launch_bench" --bin "$bin" --config "$work/config.json" --rounds "$rounds"

if [[ -x "$bin/timeline_bench" ]]; then
  echo
  echo "== timeline"
  env QT_QPA_PLATFORM=xcb QT_QUICK_BACKEND=software QT_SCALE_FACTOR=1 LC_ALL=C.UTF-8 TZ=UTC \
    HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" \
    "$bin/timeline_bench" --rounds "$rounds"
fi
