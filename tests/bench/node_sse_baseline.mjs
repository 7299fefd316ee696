// Minimal Node.js SSE server: the baseline of the streaming benchmarks (docs/benchmarks.md,
// issue 4). node:http only.
//
//   node node_sse_baseline.mjs [--port 0] [--heartbeat SECONDS]
//
// Prints `LISTENING <port>` on stdout once it accepts connections.
//   GET  /stream   holds a text/event-stream response (no Content-Length; Node frames it with
//                  chunked transfer encoding); a `: heartbeat` comment every --heartbeat s.
//   POST /fanout   {count, payload_bytes, interval_ms?}: broadcasts `count` events to every open stream as
//                  fast as it can, answers 202 at once. Each event has the shape of ours:
//                  `id: <seq>\nevent: partial_response\ndata: {"iteration":1,"delta":"…",
//                  "type":"partial_response","session_id":…,"turn_id":…,"seq":…,"ts":…}\n\n`,
//                  encoded once and written to every stream. One event per turn of the event
//                  loop (setImmediate), so sockets are flushed between events, as ours does when
//                  each model chunk arrives in its own read. With `interval_ms` > 0: one event
//                  every interval_ms instead (a fixed offered rate, for latency).
//   GET  /health   {"streams": n}
import http from 'node:http';
import { randomUUID } from 'node:crypto';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const port = Number(opt('--port', '0'));
const heartbeatS = Number(opt('--heartbeat', '15'));

const streams = new Set();
const sessionId = randomUUID();
let seq = 0;

function heartbeat() {
  for (const res of streams) res.write(': heartbeat\n\n');
}
setInterval(heartbeat, heartbeatS * 1000).unref();

function fanout(count, payloadBytes, intervalMs) {
  const delta = 'x'.repeat(payloadBytes);
  const turnId = randomUUID();
  let sent = 0;
  const next = () => {
    if (sent++ >= count) return;
    const s = ++seq;
    const data = JSON.stringify({
      iteration: 1,
      delta,
      type: 'partial_response',
      session_id: sessionId,
      turn_id: turnId,
      seq: s,
      ts: new Date().toISOString(),
    });
    const frame = `id: ${s}\nevent: partial_response\ndata: ${data}\n\n`;
    for (const res of streams) res.write(frame);
    if (intervalMs > 0) setTimeout(next, intervalMs);
    else setImmediate(next);
  };
  next();
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/stream') {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    streams.add(res);
    const gone = () => streams.delete(res);
    req.on('close', gone);
    res.on('close', gone);
    return;
  }
  if (req.method === 'POST' && url.pathname === '/fanout') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let p;
      try {
        p = JSON.parse(body || '{}');
      } catch {
        res.writeHead(400).end('{"error":"bad json"}');
        return;
      }
      res.writeHead(202, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ streams: streams.size }));
      fanout(Number(p.count ?? 1000), Number(p.payload_bytes ?? 8), Number(p.interval_ms ?? 0));
    });
    return;
  }
  if (req.method === 'GET' && url.pathname === '/health') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ streams: streams.size }));
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 0;
server.requestTimeout = 0;
server.headersTimeout = 0;
server.timeout = 0;
server.listen(port, '127.0.0.1', 1024, () => {
  console.log(`LISTENING ${server.address().port}`);
});
const stop = () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 500);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
