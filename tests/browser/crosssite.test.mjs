// Browser test: pages of other sites cannot change the server's state.
//
// Starts mcp-hostd (the built-in offline model, the fixture MCP server as "fx") and a second tiny
// HTTP server of this test on another port that serves the attacker's pages, then opens those
// pages in headless Chromium (Playwright) from two places:
//   - cross-site: http://attacker.test:<port>/ (Chromium resolves attacker.test to 127.0.0.1);
//   - same-site:  http://127.0.0.1:<other port>/ (same host, another port: another origin).
// Each page tries what a hostile page can do without the server's consent: an <img>, an <iframe>
// and a <script> pointed at the stream URL (GET; a stream without session_id creates a session),
// `fetch(…, {mode: 'no-cors', method: 'POST'})` to create a session, send, /chat and restart, and
// form POSTs (text/plain bodies that read as JSON) to the same routes. After each page, the
// session count and the fixture server's restart count are unchanged.
// A control: the server's own page (same origin) can still create a session the same way, and a
// client without browser headers (this script) too.
//
// Exit status 0 on success; on failure a message naming the check and the tail of the server log.
// Environment: MCPHOST_BIN (folder with mcp-hostd and mcp-fixture-server; default build/bin),
// MCPHOST_TEST_ARTIFACTS, MCPHOST_NODE_MODULES, CHROMIUM (default /usr/bin/chromium).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BIN = process.env.MCPHOST_BIN || path.join(ROOT, 'build/bin');
const ARTIFACTS = process.env.MCPHOST_TEST_ARTIFACTS || path.join(ROOT, 'build/test-artifacts');
const NODE_MODULES = process.env.MCPHOST_NODE_MODULES || path.join(ROOT, 'tests/node_modules');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OVERALL_TIMEOUT_MS = 110_000; // ctest's TIMEOUT is 120 s

const { chromium } = createRequire(path.join(NODE_MODULES, 'noop.js'))('playwright-core');

class TestFailure extends Error {}
const fail = (message) => { throw new TestFailure(message); };
const check = (condition, message) => { if (!condition) fail(message); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...args) => console.log(`[${process.uptime().toFixed(1)}s]`, ...args);

async function waitFor(what, fn, timeoutMs = 30000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
        try { const v = await fn(); if (v) return v; } catch { /* not yet */ }
        if (Date.now() > end) fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await sleep(50);
    }
}

/** A request without any browser header (as curl or our clients send it). */
function request(method, url, body) {
    return new Promise((resolve, reject) => {
        const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
        const req = http.request(url, {
            method,
            headers: data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {},
        }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => {
                const text = Buffer.concat(chunks).toString('utf8');
                let json = null;
                try { json = JSON.parse(text); } catch { /* not JSON */ }
                resolve({ status: res.statusCode, json });
            });
        });
        req.setTimeout(15000, () => req.destroy(new Error(`${method} ${url}: no answer in 15 s`)));
        req.on('error', reject);
        if (data) req.write(data);
        req.end();
    });
}

const children = [];
function start(name, file, args, env) {
    check(fs.existsSync(file), `${file} does not exist: build mcp-hostd and mcp-fixture-server first`);
    const logPath = path.join(ARTIFACTS, `crosssite-${name}.log`);
    const logStream = fs.createWriteStream(logPath);
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const entry = { name, child, logPath, stdout: '', exited: false };
    child.stdout.on('data', (c) => { entry.stdout += c.toString(); logStream.write(c); });
    child.stderr.on('data', (c) => logStream.write(c));
    child.on('exit', () => { entry.exited = true; logStream.end(); });
    children.push(entry);
    return entry;
}

async function stopAll() {
    for (const e of children) if (!e.exited && e.child.pid) { try { process.kill(-e.child.pid, 'SIGTERM'); } catch { /* gone */ } }
    const end = Date.now() + 5000;
    while (children.some((e) => !e.exited) && Date.now() < end) await sleep(50);
    for (const e of children) if (!e.exited && e.child.pid) { try { process.kill(-e.child.pid, 'SIGKILL'); } catch { /* gone */ } }
}

/**
 * The attacker's page: every way a page can make a browser send a request that changes state
 * without asking the server first. Each attempt reports when the browser is done with it (load or
 * error of the element, the fetch settling, the form's frame loading), so the test knows that the
 * request reached the server before it counts.
 */
function attackerPage(api) {
    const stream = `${api}api/v3/chat/stream`;
    const forms = [
        ['/api/v3/sessions', '{"session_id":"evil-form', '"}'],
        ['/api/v3/chat/send', '{"message":"from a form","x":"', '"}'],
        ['/chat', '{"message":"from a form","x":"', '"}'],
        ['/api/v3/servers/fx/restart', '{"x":"', '"}'],
    ];
    const fetches = [
        ['/api/v3/sessions', '{"session_id":"evil-fetch"}'],
        ['/api/v3/chat/send', '{"message":"from fetch"}'],
        ['/chat', '{"message":"from fetch"}'],
        ['/api/v3/servers/fx/restart', '{}'],
    ];
    return `<!doctype html><meta charset="utf-8"><title>attacker</title><body><script>
window.done = [];
const finished = (what) => window.done.push(what);
const element = (tag, src) => {
    const e = document.createElement(tag);
    e.onload = () => finished(tag);
    e.onerror = () => finished(tag);
    e.src = src;
    document.body.appendChild(e);
};
element('img', ${JSON.stringify(stream)});
element('script', ${JSON.stringify(stream + '?via=script')});
element('iframe', ${JSON.stringify(stream + '?via=iframe')});
for (const [route, body] of ${JSON.stringify(fetches)}) {
    fetch(${JSON.stringify(api.replace(/\/$/, ''))} + route, { mode: 'no-cors', method: 'POST', body })
        .then(() => finished('fetch ' + route), () => finished('fetch ' + route));
}
${JSON.stringify(forms)}.forEach(([route, name, value], i) => {
    const frame = document.createElement('iframe');
    frame.name = 'sink' + i;
    frame.onload = () => { if (frame.dataset.sent) finished('form ' + route); };
    document.body.appendChild(frame);
    const form = document.createElement('form');
    form.method = 'POST';
    form.enctype = 'text/plain';
    form.target = frame.name;
    form.action = ${JSON.stringify(api.replace(/\/$/, ''))} + route;
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.appendChild(input);
    document.body.appendChild(form);
    frame.dataset.sent = '1';
    form.submit();
});
</script></body>`;
}
const ATTEMPTS = 3 + 4 + 4; // img, script, iframe; four fetches; four forms

const ctx = { tmp: null, browser: null, attacker: null };

async function sessionCount(api) {
    const r = await request('GET', `${api}api/v3/sessions`);
    check(r.status === 200, `GET /api/v3/sessions: ${r.status}`);
    return r.json.sessions.length;
}

async function restarts(api) {
    const r = await request('GET', `${api}api/v3/servers`);
    return r.json.servers.find((s) => s.name === 'fx').restarts;
}

async function attackFrom(name, pageUrl, api) {
    const sessionsBefore = await sessionCount(api);
    const restartsBefore = await restarts(api);
    const page = await ctx.browser.newPage();
    // 'domcontentloaded': a stream that was let through never ends, so 'load' may never come.
    await page.goto(pageUrl, { waitUntil: 'domcontentloaded' });
    // A request let through may never finish (a stream that was opened): wait a while, then count.
    let done = [];
    const end = Date.now() + 8000;
    while (Date.now() < end) {
        done = await page.evaluate(() => window.done);
        if (done.length >= ATTEMPTS) break;
        await sleep(100);
    }
    // Let the server finish anything a request started (a turn, a restart).
    await sleep(500);
    const sessionsAfter = await sessionCount(api);
    const restartsAfter = await restarts(api);
    await page.close();
    check(sessionsAfter === sessionsBefore,
        `the ${name} page changed the session count from ${sessionsBefore} to ${sessionsAfter} (attempts: ${done.join(', ')})`);
    check(restartsAfter === restartsBefore,
        `the ${name} page restarted the MCP server (${restartsBefore} -> ${restartsAfter} restarts)`);
    log(`  ${name} page: ${done.length} attempts, no session created, nothing restarted`);
}

async function main() {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    check(fs.existsSync(CHROMIUM), `${CHROMIUM} does not exist (Debian package chromium)`);
    ctx.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcphost-crosssite-'));
    const config = path.join(ctx.tmp, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ mcpServers: { fx: { command: path.join(BIN, 'mcp-fixture-server'), args: [] } } }));
    const hostd = start('mcp-hostd', path.join(BIN, 'mcp-hostd'), ['--port', '0', '--config', config], {
        MCPHOST_PROVIDER: 'offline', MCPHOST_TOKEN: '', OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '',
        HOME: ctx.tmp, XDG_CONFIG_HOME: path.join(ctx.tmp, 'config'), XDG_DATA_HOME: path.join(ctx.tmp, 'data'),
    });
    const m = await waitFor('mcp-hostd to print its URL', () => /open (http:\/\/127\.0\.0\.1:(\d+)\/)/.exec(hostd.stdout) || (hostd.exited && fail('mcp-hostd exited')));
    const api = m[1];
    await waitFor('the fixture MCP server', async () => (await request('GET', `${api}api/v3/servers`)).json.servers[0].state === 'ready');

    // The attacker's server: another port, so another origin.
    ctx.attacker = http.createServer((req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(attackerPage(api));
    });
    await new Promise((resolve) => ctx.attacker.listen(0, '127.0.0.1', resolve));
    const attackerPort = ctx.attacker.address().port;
    log(`mcp-hostd at ${api}, the attacker's pages on port ${attackerPort}`);

    ctx.browser = await chromium.launchPersistentContext(path.join(ctx.tmp, 'chromium-profile'), {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
            '--host-resolver-rules=MAP attacker.test 127.0.0.1'],
        timeout: 60000,
    });

    await attackFrom('cross-site', `http://attacker.test:${attackerPort}/`, api);
    await attackFrom('same-site (another port)', `http://127.0.0.1:${attackerPort}/`, api);

    // Controls: the server's own page creates a session with the same kind of request, and so
    // does a client without browser headers; a cross-site link still opens the page.
    const own = await ctx.browser.newPage();
    await own.goto(api);
    const status = await own.evaluate(async () => (await fetch('/api/v3/sessions', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"session_id":"own-page"}',
    })).status);
    check(status === 201, `the server's own page: POST /api/v3/sessions answered ${status}`);
    await own.close();
    check((await request('POST', `${api}api/v3/sessions`, { session_id: 'plain-client' })).status === 201,
        'a client without browser headers cannot create a session');
    for (const id of ['own-page', 'plain-client'])
        check((await request('GET', `${api}api/v3/sessions/${id}`)).status === 200, `the control's session ${id} does not exist`);
    const linked = await ctx.browser.newPage();
    await linked.goto(`http://attacker.test:${attackerPort}/`);
    const response = await linked.goto(api, { referer: `http://attacker.test:${attackerPort}/` });
    check(response.status() === 200, `the page opened from a link of another site answered ${response.status()}`);
    await linked.close();
    log('  controls: the own page and a plain client create sessions; a link from another site opens the page');
}

let exitCode = 0;
const watchdog = setTimeout(async () => {
    console.error(`FAIL: the cross-site test did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`);
    process.exit(1);
}, OVERALL_TIMEOUT_MS);

try {
    await main();
    log('PASS: pages of other sites cannot change state');
} catch (e) {
    exitCode = 1;
    console.error(`FAIL: ${e instanceof TestFailure ? e.message : (e && e.stack) || e}`);
    for (const c of children) {
        let text = '';
        try { text = fs.readFileSync(c.logPath, 'utf8'); } catch { /* no log */ }
        console.error(`--- last lines of ${c.name} ---\n${text.trimEnd().split('\n').slice(-25).join('\n')}`);
    }
} finally {
    if (ctx.browser) await Promise.race([ctx.browser.close().catch(() => {}), sleep(10000)]);
    if (ctx.attacker) ctx.attacker.close();
    await stopAll();
    if (ctx.tmp) fs.rmSync(ctx.tmp, { recursive: true, force: true });
    clearTimeout(watchdog);
}
process.exit(exitCode);
