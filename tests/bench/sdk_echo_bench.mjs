#!/usr/bin/env node
// Benchmark: initialize time and the latency of N sequential tools/call "echo" to
// server-everything over stdio, by the official TypeScript SDK client (Client +
// StdioClientTransport). Prints one JSON line in the same shape as mcp_echo_bench.cpp
// (our client) so the two compare directly:
//
//   {"client":"ts-sdk","initialize_ms":…,"calls":N,"median_us":…,"p99_us":…,"mean_us":…}
//
//   node tests/bench/sdk_echo_bench.mjs [--calls N] [--node PATH] [--server PATH/TO/index.js]
//
// Modules resolve relative to this file (tests/node_modules), whatever the working directory.
// initialize_ms spans spawning the server process and the initialize handshake (connect()),
// as the C++ benchmark measures from start() to ready. Each call sample is the wall time of
// one awaited callTool(); the percentiles use the same nearest-rank rule as the C++ side.

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const defaultServer = fileURLToPath(
    new URL('../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url));

const { values } = parseArgs({
    options: {
        calls: { type: 'string', default: '2000' },
        node: { type: 'string', default: process.execPath },
        server: { type: 'string', default: defaultServer },
        help: { type: 'boolean', short: 'h', default: false },
    },
});
if (values.help) {
    console.log('usage: sdk_echo_bench.mjs [--calls N] [--node PATH] [--server PATH/TO/index.js]');
    process.exit(0);
}
const calls = Number.parseInt(values.calls, 10);
if (!Number.isInteger(calls) || calls <= 0) {
    console.error(`--calls must be a positive integer, got "${values.calls}"`);
    process.exit(2);
}

const client = new Client({ name: 'sdk-echo-bench', version: '1.0.0' }, { capabilities: {} });
const transport = new StdioClientTransport({
    command: values.node,
    args: [values.server, 'stdio'],
    stderr: 'ignore',
});

let exitCode = 0;
try {
    const initStart = process.hrtime.bigint();
    await client.connect(transport);
    const initializeMs = Number(process.hrtime.bigint() - initStart) / 1e6;

    const samples = new Array(calls);
    for (let i = 0; i < calls; ++i) {
        const t0 = process.hrtime.bigint();
        const r = await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
        samples[i] = Number(process.hrtime.bigint() - t0) / 1e3;
        if (r.isError) throw new Error(`echo failed: ${JSON.stringify(r.content)}`);
    }

    const sorted = [...samples].sort((a, b) => a - b);
    const pct = (p) => sorted[Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
    const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
    console.log(JSON.stringify({
        client: 'ts-sdk',
        initialize_ms: initializeMs,
        calls,
        median_us: pct(0.5),
        p99_us: pct(0.99),
        mean_us: mean,
    }));
} catch (e) {
    console.error(`sdk_echo_bench: ${e instanceof Error ? e.message : String(e)}`);
    exitCode = 1;
} finally {
    await client.close().catch(() => {});
}
process.exit(exitCode);
