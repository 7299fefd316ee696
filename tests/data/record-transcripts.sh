#!/usr/bin/env bash
# Records the event transcripts the timeline model tests replay (tests/gui/tst_timelinemodel.cpp):
# the real mcp-hostd with the fixture MCP server (stdio) and the scripted LLM, one session per
# scenario, its stream read with `curl -N` on /api/v3/chat/stream. Each tests/data/<name>.jsonl
# holds the stream's `data:` objects, one a line, exactly as the server sent them.
#   tests/data/record-transcripts.sh [BIN]     (BIN: default build/bin)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${1:-$root/build/bin}"
for f in "$bin/mcp-hostd" "$bin/scripted-llm" "$bin/mcp-fixture-server"; do
  [[ -x "$f" ]] || { echo "missing $f (build mcp-hostd scripted-llm mcp-fixture-server)" >&2; exit 1; }
done

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
  for _ in $(seq 1 400); do
    if m=$(sed -nE "s#$2#\\1#p" "$1" 2>/dev/null | head -1) && [[ -n "$m" ]]; then
      echo "$m"; return 0
    fi
    sleep 0.05
  done
  echo "timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; return 1
}

"$bin/scripted-llm" --port 0 >"$work/llm.out" 2>"$work/llm.err" &
pids+=($!)
llm=$(wait_for "$work/llm.out" '^LISTENING ([0-9]+).*')

# The fixture's `audio` tool needs approval; no provider retries (a failing endpoint fails the
# turn at once); three iterations at most.
cat >"$work/config.json" <<JSON
{
  "provider": {"name": "openai", "model": "scripted", "base_url": "http://127.0.0.1:$llm/v1",
               "api_key": "recording", "max_retries": 0},
  "agent": {"max_iterations": 3},
  "approval": {"default": "allow", "tools": {"fixture/audio": "ask"}},
  "mcpServers": {"fixture": {"command": "$bin/mcp-fixture-server", "args": []}}
}
JSON
HOME="$work" "$bin/mcp-hostd" --port 0 --log-level warning --config "$work/config.json" \
  >"$work/host.out" 2>"$work/host.err" &
pids+=($!)
port=$(wait_for "$work/host.out" '.*http://127\.0\.0\.1:([0-9]+)/.*')
api="http://127.0.0.1:$port"

post() { # PATH JSON
  curl -sf -X POST -H 'Content-Type: application/json' --data "$2" "$api$1"
}
script() { # JSON array of replies
  curl -sf -X POST -H 'Content-Type: application/json' --data "$1" \
    "http://127.0.0.1:$llm/script" >/dev/null
}
new_session() {
  post /api/v3/sessions '{}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["session_id"])'
}
# listen SESSION FILE [LAST_EVENT_ID]: reads the session's stream into FILE in the background.
listen() {
  curl -sN -H "Last-Event-ID: ${3:-0}" "$api/api/v3/chat/stream?session_id=$1" >"$2" &
  listener=$!
  pids+=("$listener")
  wait_for "$2" '^event: (session_start)$' >/dev/null
}
# wait_event FILE REGEX: waits until a data line matches REGEX (an extended regex).
wait_event() {
  for _ in $(seq 1 400); do
    grep -Eq "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "timed out waiting for $2 in $1" >&2; cat "$1" >&2; return 1
}
turn_over='"type":"(final_response|error)"'
# save FILE NAME: the data lines of the stream(s), one JSON object a line.
save() {
  sed -n 's/^data: //p' "$1" >"$here/$2.jsonl"
  echo "$2: $(wc -l <"$here/$2.jsonl") events"
}
stop_listening() {
  kill "$listener" 2>/dev/null || true
  wait "$listener" 2>/dev/null || true
}
# run NAME SCRIPT MESSAGE: one turn from send to its end, recorded.
run() {
  script "$2"
  local s; s=$(new_session)
  listen "$s" "$work/$1.sse"
  post /api/v3/chat/send "{\"session_id\":\"$s\",\"message\":\"$3\"}" >/dev/null
  wait_event "$work/$1.sse" "$turn_over"
  sleep 0.2
  stop_listening
  save "$work/$1.sse" "$1"
}

# 1. A plain answer in Markdown (no tools).
run plain-answer '[{"text": "# Plan\n\nHere is **the** answer with _emphasis_.\n\n- one\n- two\n\n```sh\necho hi\n```\n\nDone.", "chunk_size": 6, "usage": {"input_tokens": 42, "output_tokens": 17}}]' \
  'Give me a plan'

# 2. Two tool calls in one answer, then the answer.
run two-tool-calls '[{"text": "Let me check both.", "tool_calls": [{"name": "echo", "arguments": {"message": "hi"}, "id": "call_a"}, {"name": "slow", "arguments": {"steps": 3, "delay_ms": 30}, "id": "call_b"}], "usage": {"input_tokens": 50, "output_tokens": 12}}, {"text": "The server echoed hi and the slow tool finished.", "usage": {"input_tokens": 90, "output_tokens": 11}}]' \
  'Echo hi and run slow'

# 3. A tool call that needs approval (approved), then the answer.
script '[{"tool_calls": [{"name": "audio", "arguments": {}, "id": "call_audio"}]}, {"text": "Here is the sound."}]'
s=$(new_session)
listen "$s" "$work/approval.sse"
post /api/v3/chat/send "{\"session_id\":\"$s\",\"message\":\"Play a sound\"}" >/dev/null
wait_event "$work/approval.sse" '"approval":"required"'
sleep 0.3
post /api/v3/chat/approve "{\"session_id\":\"$s\",\"call_id\":\"call_audio\",\"approved\":true}" >/dev/null
wait_event "$work/approval.sse" "$turn_over"
sleep 0.2; stop_listening; save "$work/approval.sse" approval

# 4. Cancelled while a tool runs (with MCP progress).
script '[{"text": "Running the slow tool.", "tool_calls": [{"name": "slow", "arguments": {"steps": 40, "delay_ms": 100}, "id": "call_slow"}]}, {"text": "never used"}]'
s=$(new_session)
listen "$s" "$work/cancel.sse"
post /api/v3/chat/send "{\"session_id\":\"$s\",\"message\":\"Run slow\"}" >/dev/null
wait_event "$work/cancel.sse" '"progress":3[,}].*"type":"acting"'
post /api/v3/chat/cancel "{\"session_id\":\"$s\"}" >/dev/null
wait_event "$work/cancel.sse" "$turn_over"
sleep 0.3; stop_listening; save "$work/cancel.sse" cancel-mid-tool

# 5. The iteration cap (agent.max_iterations 3): the model keeps calling tools.
run max-iterations '[{"tool_calls": [{"name": "echo", "arguments": {"message": "1"}, "id": "c1"}]}, {"tool_calls": [{"name": "echo", "arguments": {"message": "2"}, "id": "c2"}]}, {"text": "Stopping here: I ran out of steps.", "tool_calls": [{"name": "echo", "arguments": {"message": "3"}, "id": "c3"}]}]' \
  'Echo forever'

# 6. A tool error, then the model endpoint fails (HTTP 500): the turn ends with an error.
run error '[{"text": "Trying the tool.", "tool_calls": [{"name": "fail", "arguments": {"reason": "disk full"}, "id": "call_fail"}]}, {"fault": "500", "error_message": "upstream exploded"}]' \
  'Try the failing tool'

# 7. A reconnect that replays: the first connection drops mid-turn, the second resumes from an
#    earlier Last-Event-ID, so some events arrive twice.
script '[{"text": "Thinking about it.", "tool_calls": [{"name": "slow", "arguments": {"steps": 5, "delay_ms": 100}, "id": "call_r"}]}, {"text": "All done after the reconnect, with a longer answer streamed in pieces.", "chunk_size": 5}]'
s=$(new_session)
listen "$s" "$work/replay1.sse"
post /api/v3/chat/send "{\"session_id\":\"$s\",\"message\":\"Reconnect test\"}" >/dev/null
wait_event "$work/replay1.sse" '"progress":2[,}].*"type":"acting"'
stop_listening
listen "$s" "$work/replay2.sse" 3
wait_event "$work/replay2.sse" "$turn_over"
sleep 0.2; stop_listening
cat "$work/replay1.sse" "$work/replay2.sse" >"$work/replay.sse"
save "$work/replay.sse" reconnect-replay

# 8. An elicitation and a sampling request, both withdrawn by the MCP server before an answer.
run withdrawn '[{"tool_calls": [{"name": "ask_elicitation", "arguments": {"message": "What is your name?", "cancel_after_ms": 400}, "id": "call_eli"}, {"name": "ask_sampling", "arguments": {"prompt": "Say hi", "cancel_after_ms": 400}, "id": "call_smp"}]}, {"text": "Both questions were withdrawn."}]' \
  'Ask me something'
