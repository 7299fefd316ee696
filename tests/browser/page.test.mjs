// Browser test of the HTML test page (resources/web/) against the real server.
//
// Starts scripted-llm (the OpenAI stand-in), mcp-hostd (OpenAI provider pointed at scripted-llm,
// the fixture MCP server, `fx/echo` needing approval) and headless Chromium (Playwright), then
// checks what a user of the page sees:
//   0. opening the page creates no session until the first message is sent (New session neither);
//      the first message creates one, the page follows it, and a reload resumes it (replayed,
//      no step left reading "Running…"); a failed MCP server is shown with its name and reason;
//   1. a turn: the timeline fills step by step (thinking, thought, tool call, acting with a
//      progress bar, observing, thinking, the answer streaming in, final), in that order;
//   2. approval: the Approve button appears, nothing runs before the click, the tool runs after;
//   3. cancel: a running `slow` tool is cancelled from the page; the final step says `cancelled`;
//   4. a dropped connection: the page talks to the server through a TCP proxy of this test that
//      cuts every connection mid-turn (and refuses new ones for a while); the page reconnects with
//      its last event id, says so, and shows every event exactly once: its accepted events equal
//      the server's own event list (a raw SSE read with last_event_id=0), and the step cards
//      match it card for card;
//   5. Markdown: an answer is rendered as Markdown (headings, emphasis, code, lists, http links)
//      while it streams, and raw HTML, javascript: and data: links in it stay inert text;
//   6. following: the timeline keeps the newest step (an approval card) in view while the reader
//      is at the bottom, in the wide layout (the timeline scrolls) and the narrow one (the
//      document scrolls), and does not move once the reader has scrolled up.
// Every finished tool call reads how it ended ("Ran …", "… cancelled after 1.2 s"), never
// "Running…".
// Screenshots go to $MCPHOST_TEST_ARTIFACTS (page-*.png). Exit status 0 on success; on any
// failure a message naming the check, the tails of the server logs, and exit status 1. Every
// process this test starts is stopped, on failure too.
//
// Environment: MCPHOST_BIN (folder with mcp-hostd, mcp-fixture-server, scripted-llm; default
// build/bin), MCPHOST_TEST_ARTIFACTS (default build/test-artifacts), MCPHOST_NODE_MODULES (default
// tests/node_modules), CHROMIUM (default /usr/bin/chromium).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
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
const OVERALL_TIMEOUT_MS = 170_000; // ctest's TIMEOUT is 180 s
const WAIT_MS = 30_000; // the longest wait for one condition (the machine may be loaded)

const { chromium } = createRequire(path.join(NODE_MODULES, 'noop.js'))('playwright-core');

// ---------------------------------------------------------------------------------------------
// Small helpers

class TestFailure extends Error {}

function fail(message) { throw new TestFailure(message); }
function check(condition, message) { if (!condition) fail(message); }
function checkEqual(actual, expected, what) {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    if (a !== e) fail(`${what}:\n    expected ${e}\n    got      ${a}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function log(...args) { console.log(`[${(process.uptime()).toFixed(1)}s]`, ...args); }

/** Polls `fn` until it returns a truthy value; fails with `what` after `timeoutMs`. */
async function waitFor(what, fn, timeoutMs = WAIT_MS) {
    const end = Date.now() + timeoutMs;
    let lastError = null;
    for (;;) {
        try {
            const v = await fn();
            if (v) return v;
        } catch (e) { lastError = e; }
        if (Date.now() > end) fail(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError.message})` : ''}`);
        await sleep(50);
    }
}

function httpRequest(method, url, body, headers = {}) {
    return new Promise((resolve, reject) => {
        const data = body === undefined ? null : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
        const req = http.request(url, {
            method,
            headers: { ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}), ...headers },
        }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => {
                const text = Buffer.concat(chunks).toString('utf8');
                let json = null;
                try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
                resolve({ status: res.statusCode, text, json });
            });
        });
        req.setTimeout(15000, () => req.destroy(new Error(`${method} ${url}: no answer in 15 s`)));
        req.on('error', reject);
        if (data) req.write(data);
        req.end();
    });
}

// ---------------------------------------------------------------------------------------------
// Processes: each one in its own process group, so stopping it also stops what it started
// (mcp-hostd's fixture MCP server).

const children = [];

function start(name, file, args, env = {}) {
    check(fs.existsSync(file), `${file} does not exist: build mcp-hostd, mcp-fixture-server and scripted-llm first`);
    const logPath = path.join(ARTIFACTS, `browser-${name}.log`);
    const logStream = fs.createWriteStream(logPath);
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const entry = { name, child, logPath, stdout: '', exited: false };
    child.stdout.on('data', (c) => { entry.stdout += c.toString(); logStream.write(c); });
    child.stderr.on('data', (c) => logStream.write(c));
    child.on('exit', (code, signal) => {
        entry.exited = true;
        logStream.write(`\n[exited: code ${code}, signal ${signal}]\n`);
        logStream.end();
    });
    children.push(entry);
    return entry;
}

async function stopAll() {
    for (const e of children) {
        if (e.exited || !e.child.pid) continue;
        try { process.kill(-e.child.pid, 'SIGTERM'); } catch { /* already gone */ }
    }
    const end = Date.now() + 5000;
    while (children.some((e) => !e.exited) && Date.now() < end) await sleep(50);
    for (const e of children) {
        if (e.exited || !e.child.pid) continue;
        try { process.kill(-e.child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
}

function logTails() {
    for (const e of children) {
        let text = '';
        try { text = fs.readFileSync(e.logPath, 'utf8'); } catch { /* no log */ }
        const lines = text.trimEnd().split('\n').slice(-25);
        console.error(`--- last lines of ${e.name} (${e.logPath}) ---\n${lines.join('\n')}`);
    }
}

// ---------------------------------------------------------------------------------------------
// The TCP proxy between the browser and the server (scenario 4)

function startProxy(targetPort) {
    const pairs = new Set();
    let blocked = false;
    let cuts = 0;
    const server = net.createServer((client) => {
        if (blocked) { client.destroy(); return; }
        const upstream = net.connect(targetPort, '127.0.0.1');
        const pair = { client, upstream };
        pairs.add(pair);
        const drop = () => { client.destroy(); upstream.destroy(); pairs.delete(pair); };
        client.on('error', drop);
        upstream.on('error', drop);
        client.on('close', drop);
        upstream.on('close', drop);
        client.pipe(upstream);
        upstream.pipe(client);
    });
    return new Promise((resolve) => {
        server.listen(0, '127.0.0.1', () => resolve({
            port: server.address().port,
            /** Cuts every proxied connection (both sides see the connection drop). */
            cutAll() {
                cuts++;
                const n = pairs.size;
                for (const p of [...pairs]) { p.client.destroy(); p.upstream.destroy(); pairs.delete(p); }
                return n;
            },
            setBlocked(b) { blocked = b; },
            get cuts() { return cuts; },
            close() { for (const p of pairs) { p.client.destroy(); p.upstream.destroy(); } server.close(); },
        }));
    });
}

// ---------------------------------------------------------------------------------------------
// A raw SSE reader (the server's own event list)

/**
 * Reads the session's stream directly from the server. `events` fills as events arrive;
 * `until(pred)` resolves when an event matching pred has arrived.
 */
function openRawStream(baseUrl, sessionId, lastEventId = 0) {
    const events = [];
    const waiters = [];
    let req = null;
    let buffer = '';
    let current = { type: '', data: [], id: '' };
    const deliver = (ev) => {
        events.push(ev);
        for (const w of [...waiters]) if (w.pred(ev)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(ev); }
    };
    const onLine = (line) => {
        if (line === '') {
            if (current.data.length) {
                let json = null;
                try { json = JSON.parse(current.data.join('\n')); } catch { /* not JSON */ }
                deliver({ type: current.type || 'message', id: current.id, json });
            }
            current = { type: '', data: [], id: current.id };
            return;
        }
        if (line.startsWith(':')) return;
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        let value = i < 0 ? '' : line.slice(i + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') current.type = value;
        else if (field === 'data') current.data.push(value);
        else if (field === 'id') current.id = value;
    };
    const url = `${baseUrl}api/v3/chat/stream?session_id=${encodeURIComponent(sessionId)}&last_event_id=${lastEventId}`;
    const opened = new Promise((resolve, reject) => {
        req = http.get(url, { headers: { Accept: 'text/event-stream' } }, (res) => {
            if (res.statusCode !== 200) { reject(new Error(`GET ${url}: HTTP ${res.statusCode}`)); return; }
            resolve();
            res.setEncoding('utf8');
            res.on('data', (chunk) => {
                buffer += chunk;
                const lines = buffer.split(/\r\n|\n/);
                buffer = lines.pop();
                for (const l of lines) onLine(l);
            });
        });
        req.on('error', (e) => { if (e.code !== 'ECONNRESET') reject(e); });
    });
    return {
        events,
        opened,
        until(what, pred, timeoutMs = WAIT_MS) {
            const found = events.find(pred);
            if (found) return Promise.resolve(found);
            return new Promise((resolve, reject) => {
                const w = { pred, resolve };
                waiters.push(w);
                setTimeout(() => {
                    const i = waiters.indexOf(w);
                    if (i >= 0) { waiters.splice(i, 1); reject(new TestFailure(`timed out after ${timeoutMs} ms waiting on the raw stream for ${what}`)); }
                }, timeoutMs);
            });
        },
        close() { if (req) req.destroy(); },
    };
}

// ---------------------------------------------------------------------------------------------
// What the page shows, recorded in the page from its first moment: every change of the timeline
// as a snapshot (step types in DOM order, progress bars, answer texts, connection state), and
// the order in which step cards were added.

function recorderScript() {
    const rec = { snaps: [], appeared: [], states: [] };
    window.__rec = rec;
    let lastKey = '';
    let lastState = '';
    const seen = new WeakSet(); // a card inside a container added in the same batch is reported twice
    const snap = () => {
        const pill = document.getElementById('conn-state');
        if (pill && pill.dataset.state !== lastState) { lastState = pill.dataset.state; rec.states.push(lastState); }
        const tl = document.getElementById('timeline');
        if (!tl) return;
        const steps = [...tl.querySelectorAll('[data-testid=step]')].map((s) => s.dataset.type);
        const acting = [...tl.querySelectorAll('[data-testid=step][data-type=acting]')].map((a) => {
            const bar = a.querySelector('[data-testid=progress]');
            return {
                shown: !!bar && !bar.parentElement.hidden,
                value: bar && bar.hasAttribute('value') ? bar.value : null,
                max: bar ? bar.max : null,
                label: (a.querySelector('[data-testid=progress-label]') || {}).textContent || '',
            };
        });
        const answers = [...tl.querySelectorAll('[data-testid=answer]')].map((x) => x.textContent);
        const key = JSON.stringify([steps, acting, answers]);
        if (key === lastKey) return;
        lastKey = key;
        rec.snaps.push({ t: Math.round(performance.now()), steps, acting, answers });
    };
    new MutationObserver((mutations) => {
        for (const m of mutations) {
            for (const n of m.addedNodes) {
                if (n.nodeType !== 1) continue;
                const cards = n.matches('[data-testid=step]') ? [n] : [...n.querySelectorAll('[data-testid=step]')];
                for (const c of cards) if (!seen.has(c)) { seen.add(c); rec.appeared.push(c.dataset.type); }
            }
        }
        snap();
    }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
}

async function record(page) { return page.evaluate(() => JSON.parse(JSON.stringify(window.__rec))); }

/** Step cards of the page's only turn: type, call id, seq, and a few texts. */
async function stepCards(page) {
    return page.$$eval('[data-testid=timeline] [data-testid=step]', (cards) => cards.map((c) => ({
        type: c.dataset.type,
        callId: c.dataset.callId || null,
        seq: c.dataset.seq ? Number(c.dataset.seq) : null,
        role: c.dataset.role || null,
        text: c.textContent,
    })));
}

const ANSWER = '[data-testid=timeline] [data-testid=step][data-type=partial_response]:not([data-role=thought]) [data-testid=answer]';

// ---------------------------------------------------------------------------------------------
// The test

const ctx = { llmUrl: null, baseUrl: null, browser: null, profileDir: null, pageErrors: [], proxy: null, raw: [] };

async function script(replies) {
    const r = await httpRequest('POST', `${ctx.llmUrl}/script`, replies);
    check(r.status === 200, `scripted-llm refused the script: HTTP ${r.status} ${r.text}`);
}

async function llmRequests() {
    const r = await httpRequest('GET', `${ctx.llmUrl}/requests`);
    check(r.status === 200 && Array.isArray(r.json), `GET /requests of scripted-llm: HTTP ${r.status} ${r.text}`);
    return r.json;
}

/**
 * Opens the page at `url` and waits until it is ready to send: with a session in the URL, its
 * stream is live; without, the page is idle (no session yet).
 */
async function openPage(url) {
    const page = await ctx.browser.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (e) => ctx.pageErrors.push(`${e.name}: ${e.message}`));
    page.consoleErrors = [];
    page.on('console', (m) => {
        if (m.type() !== 'error') return;
        const text = `${m.text()} (${m.location().url || 'no url'})`;
        page.consoleErrors.push(text);
        log(`  page console: ${text}`);
    });
    await page.goto(url);
    const resuming = /[?&]session=/.test(url);
    await page.waitForSelector(`[data-testid=conn-state][data-state=${resuming ? 'live' : 'idle'}]`);
    await page.waitForSelector('[data-testid=send]:not([disabled])');
    return { page };
}

/** Sends a message; returns the session id the page then shows, once its stream is live. */
async function send(page, text) {
    await page.fill('[data-testid=message-input]', text);
    await page.click('[data-testid=send]');
    await page.waitForFunction(() => /^[0-9a-f-]{8,}$/i.test(document.querySelector('[data-testid=session-id]').textContent));
    await page.waitForSelector('[data-testid=conn-state][data-state=live]');
    return (await page.textContent('[data-testid=session-id]')).trim();
}

async function sessionIds() {
    const r = await httpRequest('GET', `${ctx.baseUrl}api/v3/sessions`);
    check(r.status === 200 && r.json && Array.isArray(r.json.sessions), `GET /api/v3/sessions: HTTP ${r.status} ${r.text}`);
    return r.json.sessions.map((x) => x.session_id).sort();
}

/** The titles of Act steps, and a failure if one of a finished turn still reads "Running…". */
async function checkNothingRunning(page, scenario) {
    const titles = await page.$$eval('[data-testid=timeline] [data-testid=step][data-type=acting] .step-title', (ts) => ts.map((t) => t.textContent));
    const running = titles.filter((t) => /Running/i.test(t));
    check(running.length === 0, `${scenario}: a finished tool call still reads ${JSON.stringify(running)}`);
    const spinners = await page.$$eval('[data-testid=timeline] .spinner', (n) => n.length);
    checkEqual(spinners, 0, `${scenario}: spinners left in the finished turn`);
    return titles;
}

/** Parses the page's durations ("350 ms", "1.25 s", "2 min 3 s") into milliseconds. */
function parseDuration(text) {
    const t = String(text).trim();
    let m;
    if ((m = /^(\d+) ms$/.exec(t))) return Number(m[1]);
    if ((m = /^(\d+(?:\.\d+)?) s$/.exec(t))) return Number(m[1]) * 1000;
    if ((m = /^(\d+) min (\d+) s$/.exec(t))) return Number(m[1]) * 60000 + Number(m[2]) * 1000;
    return NaN;
}

/** No error in the page's error bar, no uncaught exception, no console error (but `allowed`). */
async function noErrorsShown(page, scenario, allowed = null) {
    const errors = await page.$$eval('[data-testid=error-item]', (items) => items.map((i) => i.textContent));
    check(errors.length === 0, `${scenario}: the page shows errors: ${errors.join(' | ')}`);
    check(ctx.pageErrors.length === 0, `${scenario}: uncaught exceptions in the page: ${ctx.pageErrors.join(' | ')}`);
    const consoleErrors = page.consoleErrors.filter((t) => !(allowed && allowed.test(t)));
    check(consoleErrors.length === 0, `${scenario}: errors in the browser console: ${consoleErrors.join(' | ')}`);
}

/** A screenshot with the viewport grown so the whole timeline (it scrolls by itself) shows. */
async function screenshot(page, name) {
    const file = path.join(ARTIFACTS, name);
    const size = page.viewportSize();
    const hidden = await page.$eval('[data-testid=timeline]', (t) => t.scrollHeight - t.clientHeight);
    if (hidden > 0) await page.setViewportSize({ width: size.width, height: Math.min(4000, size.height + hidden + 20) });
    await page.screenshot({ path: file, fullPage: true });
    if (hidden > 0) await page.setViewportSize(size);
    log(`  screenshot ${file}`);
}

/** Scenario 0: no session before the first message; resume after a reload; a failed server. */
async function scenarioNoEmptySession() {
    log('0. opening the page creates no session; the first message does');
    const before = await sessionIds();
    const { page } = await openPage(ctx.baseUrl);
    await sleep(500);
    checkEqual(await sessionIds(), before, 'the sessions after opening the page (it must not create one)');
    checkEqual(await page.getAttribute('[data-testid=conn-state]', 'data-state'), 'idle', 'the connection state before the first message');
    checkEqual((await page.textContent('[data-testid=session-id]')).trim(), '—', 'the session shown before the first message');
    await page.click('[data-testid=new-session]');
    await sleep(300);
    checkEqual(await sessionIds(), before, 'the sessions after pressing New session (it must not create one)');

    // The failed server, by name and with the server's reason.
    await page.waitForSelector('[data-testid=health]:not([data-status=unknown])');
    const health = await page.textContent('[data-testid=health]');
    check(health.includes('degraded'), `the header does not say the server is degraded: "${health}"`);
    const problem = await page.waitForSelector('[data-testid=health] [data-testid=server-problem][data-server=broken]', { timeout: 8000 })
        .catch(() => fail(`the header does not name the failed server and its reason: "${health}"`));
    const problemText = await problem.textContent();
    check(/^broken: (failed|restarting) — .*\/nonexistent\/mcp-server-of-the-page-test/.test(problemText),
        `the header shows the failed server as "${problemText}"`);

    const answer = 'Hello from the first message.';
    await script([{ text: answer }]);
    const sessionId = await send(page, 'Say hello');
    await page.waitForSelector('[data-testid=step][data-type=final_response]');
    const after = await sessionIds();
    checkEqual(after.filter((id) => !before.includes(id)), [sessionId], 'the sessions the first message created');
    checkEqual((await page.textContent(ANSWER)).trim(), answer, 'the answer to the first message');
    checkEqual((await page.$$eval('[data-testid=user-message]', (n) => n.map((x) => x.textContent))), ['YouSay hello'], 'the user messages shown');
    check((await page.textContent('[data-testid=opened-note]')).includes(`New session ${sessionId} started`), 'no "New session … started" note');
    check(new URL(page.url()).searchParams.get('session') === sessionId, `the address does not name the new session: ${page.url()}`);

    // A reload resumes the session: the same turn replayed, nothing created, nothing running.
    await page.reload();
    await page.waitForSelector('[data-testid=conn-state][data-state=live]');
    await page.waitForSelector('[data-testid=step][data-type=final_response]');
    checkEqual((await page.textContent('[data-testid=session-id]')).trim(), sessionId, 'the session after a reload');
    checkEqual(await sessionIds(), after, 'the sessions after a reload');
    checkEqual((await page.textContent(ANSWER)).trim(), answer, 'the answer replayed after a reload');
    await noErrorsShown(page, 'no empty session');
    await page.close();
}

/** Scenario 1: one turn with a tool, watched step by step. */
async function scenarioTurn() {
    log('1. a turn fills the timeline step by step');
    const answer = 'The slow tool finished all four steps, so the answer is 42.';
    await script([
        { text: 'I will run the slow tool.', tool_calls: [{ name: 'slow', arguments: { steps: 4, delay_ms: 300 } }], delay_ms: 200 },
        { text: answer, chunk_size: 6, delay_ms: 200 },
    ]);
    const { page } = await openPage(ctx.baseUrl);
    await send(page, 'Please run the slow tool');

    // While the tool runs: the acting card with a partly filled progress bar.
    await page.waitForSelector('[data-testid=step][data-type=acting] [data-testid=progress-label]:text-matches("^[123] / 4$")');
    await screenshot(page, 'page-turn-acting.png');
    await page.waitForSelector('[data-testid=step][data-type=final_response]');
    await screenshot(page, 'page-turn.png');

    const expected = ['thinking', 'partial_response', 'tool_call', 'acting', 'observing', 'thinking', 'partial_response', 'final_response'];
    const rec = await record(page);
    checkEqual(rec.appeared, expected, 'the order in which the step cards appeared');
    const cards = await stepCards(page);
    checkEqual(cards.map((c) => c.type), expected, 'the step cards in the timeline');

    // Step by step, not all at once: every snapshot's cards are a prefix of the final list, and
    // the intermediate states a user would see were really shown.
    for (const s of rec.snaps) {
        check(JSON.stringify(s.steps) === JSON.stringify(expected.slice(0, s.steps.length)),
            `the timeline once showed the cards ${JSON.stringify(s.steps)}, which is not a prefix of ${JSON.stringify(expected)}`);
    }
    // The states that last a while (a model reply streaming, the tool running) were each shown;
    // tool_call+acting and observing+thinking are sent in the same instant, so they may appear
    // together.
    const counts = new Set(rec.snaps.map((s) => s.steps.length));
    for (const n of [1, 2, 4, 6, 7, 8]) {
        check(counts.has(n), `the timeline never showed exactly the first ${n} step card(s) (${expected.slice(0, n).join(', ')}): the steps did not appear one by one (seen counts: ${[...counts].join(',')})`);
    }
    const progressSeen = rec.snaps.filter((s) => s.steps.length === 4 && s.acting[0] && s.acting[0].shown)
        .map((s) => s.acting[0].label);
    check(progressSeen.some((l) => /^[123] \/ 4$/.test(l)),
        `no progress bar was shown part way while the tool ran (labels seen: ${JSON.stringify(progressSeen)})`);
    const partial = rec.snaps.filter((s) => s.steps.length === 7 && s.answers.length === 1)
        .map((s) => s.answers[0]).filter((a) => a.length > 0 && a.length < answer.length);
    check(partial.length >= 2 && partial.every((a) => answer.startsWith(a)),
        `the answer did not stream in piece by piece (partial answers seen: ${JSON.stringify(partial)})`);

    // The final state.
    checkEqual((await page.textContent(ANSWER)).trim(), answer, 'the final answer text');
    checkEqual(cards[1].role, 'thought', 'the role of the first iteration\'s text');
    check(cards[1].text.includes('I will run the slow tool.'), `the thought card shows "${cards[1].text}"`);
    const args = JSON.parse(await page.textContent('[data-testid=step][data-type=tool_call] [data-testid=arguments]'));
    checkEqual(args, { delay_ms: 300, steps: 4 }, 'the arguments shown on the tool call card');
    checkEqual((await page.textContent('[data-testid=step][data-type=acting] [data-testid=progress-label]')).trim(), '4 / 4', 'the progress label after the tool finished');
    const bar = await page.$eval('[data-testid=step][data-type=acting] [data-testid=progress]', (b) => [b.value, b.max]);
    checkEqual(bar, [4, 4], 'the progress bar after the tool finished (value, max)');
    check((await page.textContent('[data-testid=step][data-type=observing]')).includes('done after 4 steps'), 'the observing card does not show the tool result "done after 4 steps"');
    checkEqual((await page.textContent('[data-testid=step][data-type=final_response] [data-testid=stop-reason]')).trim(), 'answer', 'the stop reason of the turn');
    check(await page.isHidden('[data-testid=cancel]'), 'the Cancel button is still shown after the turn ended');
    check(await page.isEnabled('[data-testid=send]'), 'the Send button is not enabled again after the turn');
    checkEqual(await checkNothingRunning(page, 'the turn'), ['Ran slow'], 'the title of the finished Act step');
    const ranFor = parseDuration(await page.textContent('[data-testid=step][data-type=acting] [data-testid=ran-for]'));
    check(ranFor >= 1000 && ranFor < 20000, `the Act step says the slow tool (4 steps of 300 ms) ran ${ranFor} ms`);
    await noErrorsShown(page, 'the turn');
    await page.close();
}

/** Scenario 2: a tool that needs approval. */
async function scenarioApprove() {
    log('2. approve a tool call');
    const answer = 'The echo tool said: hello approval.';
    await script([
        { text: '', tool_calls: [{ name: 'echo', arguments: { message: 'hello approval' } }] },
        { text: answer },
    ]);
    const { page } = await openPage(ctx.baseUrl);
    await send(page, 'Echo something');
    await page.waitForSelector('[data-testid=step][data-type=tool_call] [data-testid=approve]:not([disabled])');
    checkEqual((await page.textContent('[data-testid=step][data-type=tool_call] [data-testid=approval]')).trim(), 'approval required', 'the approval badge');
    check(await page.isVisible('[data-testid=deny]'), 'the Deny button is not shown next to Approve');
    await sleep(300); // nothing may run while the page waits for the user
    const before = await stepCards(page);
    check(!before.some((c) => c.type === 'acting' || c.type === 'observing' || c.type === 'final_response'),
        `the tool ran before it was approved (cards: ${before.map((c) => c.type).join(', ')})`);
    checkEqual((await llmRequests()).length, 1, 'model requests before the approval');
    await screenshot(page, 'page-approval.png');

    await page.click('[data-testid=approve]');
    await page.waitForSelector('[data-testid=approval-result]:text("Approved.")');
    await page.waitForSelector('[data-testid=step][data-type=final_response]');
    const cards = await stepCards(page);
    checkEqual(cards.map((c) => c.type), ['thinking', 'tool_call', 'acting', 'observing', 'thinking', 'partial_response', 'final_response'], 'the step cards after the approval');
    check(cards[3].text.includes('Echo: hello approval'), `the observing card does not show the tool's result: ${cards[3].text}`);
    checkEqual((await page.textContent(ANSWER)).trim(), answer, 'the answer after the approval');
    checkEqual((await page.textContent('[data-testid=stop-reason]')).trim(), 'answer', 'the stop reason after the approval');
    const reqs = await llmRequests();
    checkEqual(reqs.length, 2, 'model requests after the approval');
    check(JSON.stringify(reqs[1].body.messages).includes('Echo: hello approval'), 'the model was not given the approved tool\'s result');
    check(await page.isHidden('[data-testid=approve]'), 'the Approve button is still shown after the approval');
    checkEqual(await checkNothingRunning(page, 'the approval'), ['Ran echo'], 'the title of the finished Act step');
    await noErrorsShown(page, 'the approval');
    await page.close();
}

/** Scenario 3: cancel a running turn. */
async function scenarioCancel() {
    log('3. cancel a running turn');
    await script([
        { text: '', tool_calls: [{ name: 'slow', arguments: { steps: 100, delay_ms: 200 } }] },
        { text: 'This answer must never be asked for.' },
    ]);
    const { page } = await openPage(ctx.baseUrl);
    await send(page, 'Run the slow tool for twenty seconds');
    await page.waitForSelector('[data-testid=step][data-type=acting] [data-testid=progress-label]:text-matches("^([3-9]|[1-9][0-9]) / 100$")');
    await page.waitForSelector('[data-testid=cancel]:visible');
    const t0 = Date.now();
    await page.click('[data-testid=cancel]');
    await page.waitForSelector('[data-testid=step][data-type=final_response]');
    const took = Date.now() - t0;
    await screenshot(page, 'page-cancel.png');
    checkEqual((await page.textContent('[data-testid=step][data-type=final_response] [data-testid=stop-reason]')).trim(), 'cancelled', 'the stop reason shown after Cancel');
    check(took < 15000, `the cancelled turn took ${took} ms to end`);
    const label = (await page.textContent('[data-testid=step][data-type=acting] [data-testid=progress-label]')).trim();
    check(label !== '100 / 100', 'the slow tool ran to the end despite the cancel');
    const cards = await stepCards(page);
    check(!cards.some((c) => c.type === 'observing' && c.text.includes('done after 100 steps')), 'the slow tool ran to the end despite the cancel');
    check(!cards.some((c) => c.type === 'partial_response'), 'the model was asked for an answer after the cancel');
    checkEqual((await llmRequests()).length, 1, 'model requests of the cancelled turn');
    check(await page.isHidden('[data-testid=cancel]'), 'the Cancel button is still shown after the turn was cancelled');
    check(await page.isEnabled('[data-testid=send]'), 'the Send button is not enabled again after the cancel');
    // The cancelled call says so, and how long it ran (at least the 3 steps of 200 ms it showed).
    const [actTitle] = await checkNothingRunning(page, 'the cancel');
    const m = /^slow cancelled after (.+)$/.exec(actTitle);
    check(m, `the Act step of the cancelled call reads "${actTitle}", not "slow cancelled after …"`);
    const ran = parseDuration(m[1]);
    check(ran >= 400 && ran <= took + 30000, `the cancelled call says it ran "${m[1]}" (${ran} ms); it ran more than 400 ms`);
    checkEqual((await page.textContent('[data-testid=step][data-type=observing] .badge')).trim(), 'cancelled', 'the badge of the cancelled call\'s result');
    const obsRan = parseDuration(await page.textContent('[data-testid=step][data-type=observing] [data-testid=duration]'));
    check(obsRan >= 400, `the result of the cancelled call says it ran ${obsRan} ms`);
    await noErrorsShown(page, 'the cancel');
    // Replayed (the page reloaded), the cancelled call reads the same.
    await page.reload();
    await page.waitForSelector('[data-testid=conn-state][data-state=live]');
    await page.waitForSelector('[data-testid=step][data-type=final_response]');
    checkEqual(await checkNothingRunning(page, 'the cancel, replayed'), [actTitle], 'the Act step of the cancelled call after a reload');
    await noErrorsShown(page, 'the cancel, replayed');
    await page.close();
}

/** Scenario 5: Markdown answers, streamed, with hostile HTML and links kept inert. */
async function scenarioMarkdown() {
    log('5. answers render as Markdown, safely');
    const answer = [
        '## Result',
        '',
        'Here is **bold**, *emphasis* and `code <b>x</b>`.',
        '',
        '- first item',
        '- second item with [a link](https://example.com/docs)',
        '',
        '<img src=x onerror="window.__xss=1"> and [click me](javascript:window.__xss=2) and [data](data:text/html,<script>window.__xss=3</script>) <script>window.__xss=4</script>',
        '',
        '```html',
        '<script>window.__xss=5</script>',
        '```',
        '',
        '1. one',
        '2. two _and_ the end',
    ].join('\n');
    await script([{ text: answer, chunk_size: 6, delay_ms: 25 }]);
    const { page } = await openPage(ctx.baseUrl);
    await send(page, 'Answer in Markdown');
    // While the answer streams, its closed blocks are already Markdown.
    await page.waitForFunction((sel) => {
        const a = document.querySelector(sel);
        return a && a.closest('[data-testid=step]').classList.contains('streaming') && a.querySelector('strong');
    }, ANSWER, { timeout: 10000 }).catch(() => fail('the answer showed no Markdown (bold text) while it streamed'));
    await page.waitForSelector('[data-testid=step][data-type=final_response]');
    await screenshot(page, 'page-markdown.png');
    const got = await page.$eval(ANSWER, (a) => ({
        heading: [...a.querySelectorAll('h3, h4, h5, h6')].map((h) => h.textContent),
        strong: [...a.querySelectorAll('strong')].map((x) => x.textContent),
        em: [...a.querySelectorAll('em')].map((x) => x.textContent),
        code: [...a.querySelectorAll('code')].map((x) => x.textContent),
        ul: [...a.querySelectorAll('ul > li')].map((x) => x.textContent),
        ol: [...a.querySelectorAll('ol > li')].map((x) => x.textContent),
        links: [...a.querySelectorAll('a')].map((x) => [x.textContent, x.getAttribute('href')]),
        dangerous: [...a.querySelectorAll('img, script, iframe, object, embed, b, [onerror], [onclick], [src]')].map((x) => x.outerHTML),
        text: a.textContent,
        xss: window.__xss,
    }));
    checkEqual(got.heading, ['Result'], 'the headings of the answer');
    checkEqual(got.strong, ['bold'], 'the bold text of the answer');
    checkEqual(got.em, ['emphasis', 'and'], 'the emphasised text of the answer');
    checkEqual(got.code, ['code <b>x</b>', '<script>window.__xss=5</script>'], 'the code of the answer');
    checkEqual(got.ul, ['first item', 'second item with a link'], 'the bullet list of the answer');
    checkEqual(got.ol, ['one', 'two and the end'], 'the numbered list of the answer');
    checkEqual(got.links, [['a link', 'https://example.com/docs']], 'the links of the answer (http and https only)');
    checkEqual(got.dangerous, [], 'elements made from raw HTML in the answer');
    for (const literal of ['<img src=x onerror="window.__xss=1">', '[click me](javascript:window.__xss=2)', '<script>window.__xss=4</script>']) {
        check(got.text.includes(literal), `the answer does not show ${literal} as text: ${got.text}`);
    }
    checkEqual(got.xss ?? null, null, 'window.__xss (set by script from the answer)');
    await page.click('[data-testid=unsafe-link] >> nth=0'); // inert: clicking goes nowhere
    await sleep(200);
    checkEqual(await page.evaluate(() => window.__xss ?? null), null, 'window.__xss after clicking the javascript: link');
    check(new URL(page.url()).origin === new URL(ctx.baseUrl).origin, `clicking the inert link navigated to ${page.url()}`);
    // Hostile Markdown (unclosed delimiters, long runs that make naive patterns backtrack) stays
    // fast: the page must not freeze on what a model sends.
    const slow = await page.evaluate(() => {
        const inputs = [
            '*a _b [c `d ~~e '.repeat(20000),
            '[['.repeat(50000) + '](',
            `# ${' '.repeat(100000)}x`,
            `\`\`\`${'a'.repeat(100000)}\``,
            `${'- '.repeat(50000)}x`,
            '**'.repeat(100000),
        ];
        return inputs.map((text) => {
            const t0 = performance.now();
            const view = new MarkdownView(document.createElement('div'));
            for (let i = 0; i < text.length; i += 4096) view.append(text.slice(i, i + 4096));
            view.finish();
            return Math.round(performance.now() - t0);
        });
    });
    log(`  hostile Markdown rendered in ${slow.join(', ')} ms`);
    check(slow.every((ms) => ms < 2000), `hostile Markdown took ${slow.join(', ')} ms to render`);
    await noErrorsShown(page, 'Markdown');
    await page.close();
}

/** Is the element fully inside what the reader sees of the timeline (without scrolling)? */
async function inView(page, selector) {
    return page.$eval(selector, (n) => {
        const r = n.getBoundingClientRect();
        const t = document.querySelector('[data-testid=timeline]');
        const tr = t.getBoundingClientRect();
        const composerTop = document.getElementById('composer').getBoundingClientRect().top;
        const top = Math.max(0, tr.top);
        const bottom = Math.min(window.innerHeight, tr.bottom, composerTop);
        return { ok: r.top >= top - 1 && r.bottom <= bottom + 1, rect: [Math.round(r.top), Math.round(r.bottom)], visible: [Math.round(top), Math.round(bottom)] };
    });
}

/** Where the reader sees the first tool call card (its top, in window pixels). */
async function cardPosition(page) {
    return page.$eval('[data-testid=step][data-type=tool_call]', (c) => Math.round(c.getBoundingClientRect().top));
}

/** Scenario 6: the timeline follows new steps at the bottom, and stays put when scrolled up. */
async function scenarioFollow(layout, viewport) {
    log(`6. the timeline follows new steps (${layout} layout, ${viewport.width}x${viewport.height})`);
    const thought = Array.from({ length: 12 }, (_, i) => `Line ${i + 1} of a long thought before the tools.`).join('\n');
    await script([
        { text: thought, tool_calls: [{ name: 'slow', arguments: { steps: 3, delay_ms: 100 } }], chunk_size: 40, delay_ms: 10 },
        { text: '', tool_calls: [{ name: 'echo', arguments: { message: 'follow me' } }] },
        { text: 'The echo tool said: follow me.', chunk_size: 4, delay_ms: 40 },
    ]);
    const { page } = await openPage(ctx.baseUrl);
    await page.setViewportSize(viewport);
    const sessionId = await send(page, 'Run slow, then echo');
    await page.waitForSelector('[data-testid=step][data-type=tool_call] [data-testid=approve]');
    await sleep(400); // a few frames for the page to follow
    let where = await inView(page, '[data-testid=approve]');
    check(where.ok, `${layout} layout: the Approve button is off-screen (at ${where.rect}, visible ${where.visible})`);
    // The screenshot grows the window and shrinks it again: the newest step stays in view.
    await screenshot(page, `page-follow-${layout}.png`);
    await sleep(400);
    where = await inView(page, '[data-testid=approve]');
    check(where.ok, `${layout} layout: after the window was resized, the Approve button is off-screen (at ${where.rect}, visible ${where.visible})`);
    const hidden = await page.evaluate(() => {
        const t = document.querySelector('[data-testid=timeline]');
        return getComputedStyle(t).overflowY === 'visible' ? document.scrollingElement.scrollHeight - innerHeight : t.scrollHeight - t.clientHeight;
    });
    check(hidden > 200, `${layout} layout: the turn fits the window (${hidden} px hidden); the test shows nothing`);

    // The reader scrolls up; the rest of the turn arrives; the view stays where the reader put it.
    const box = await page.$eval('[data-testid=timeline]', (t) => { const r = t.getBoundingClientRect(); return [r.left + r.width / 2, Math.max(r.top, 0) + 100]; });
    await page.mouse.move(box[0], box[1]);
    // A nudge first: 30 px up, within the "near the end" margin, while the approval's countdown
    // ticks. Following stops at the wheel itself; the tick must not scroll the reader back down.
    const nudgedFrom = await cardPosition(page);
    await page.mouse.wheel(0, -30);
    await sleep(1300);
    check(await page.evaluate(() => window.mcpHost.state.stickToBottom) === false,
          `${layout} layout: after a 30 px nudge up, the page still follows the end`);
    const nudgedTo = await cardPosition(page);
    check(nudgedTo > nudgedFrom, `${layout} layout: a 30 px nudge up was undone (a card at y=${nudgedFrom}, then y=${nudgedTo})`);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction(() => window.mcpHost.state.stickToBottom === false, null, { timeout: 5000 })
        .catch(() => fail(`${layout} layout: the page did not notice that the reader scrolled up`));
    await sleep(200);
    const top = await cardPosition(page);
    const callId = await page.getAttribute('[data-testid=step][data-type=tool_call]:has([data-testid=approve])', 'data-call-id');
    const r = await httpRequest('POST', `${ctx.baseUrl}api/v3/chat/approve`, { session_id: sessionId, call_id: callId, approved: true });
    check(r.status === 200, `approving through the API: HTTP ${r.status} ${r.text}`);
    await page.waitForSelector('[data-testid=step][data-type=final_response]');
    await sleep(300);
    const topAfter = await cardPosition(page);
    check(Math.abs(topAfter - top) <= 2, `${layout} layout: the timeline moved (a card from y=${top} to y=${topAfter}) while the reader was scrolled up`);
    await checkNothingRunning(page, `following (${layout})`);
    await noErrorsShown(page, `following (${layout})`);
    await page.close();
}

/** Scenario 4: the connection drops mid-turn; the page reconnects and shows every event once. */
async function scenarioDrop() {
    log('4. survive a dropped connection');
    const proxy = await startProxy(new URL(ctx.baseUrl).port);
    ctx.proxy = proxy;
    const answer = 'After the drop every step is still here exactly once.';
    await script([
        { text: 'Running slow.', tool_calls: [{ name: 'slow', arguments: { steps: 10, delay_ms: 250 } }] },
        { text: answer, chunk_size: 5, delay_ms: 40 },
    ]);
    const { page } = await openPage(`http://127.0.0.1:${proxy.port}/`);
    const sessionId = await send(page, 'Run slow, then answer');
    // A live reader of our own (not through the proxy) tells when the server has moved on.
    const live = openRawStream(ctx.baseUrl, sessionId);
    ctx.raw.push(live);
    await live.opened;

    await page.waitForSelector('[data-testid=step][data-type=acting] [data-testid=progress-label]:text-matches("^[2-7] / 10$")');
    const shownBefore = await page.evaluate(() => window.mcpHost.state.lastSeq);
    proxy.setBlocked(true);
    const cut = proxy.cutAll();
    log(`  cut ${cut} connection(s) after event ${shownBefore}; refusing new ones until the server has sent more`);
    check(cut >= 1, 'no proxied connection to cut');
    await page.waitForSelector('[data-testid=conn-state][data-state=reconnecting]');
    const seqAtCut = Math.max(0, ...live.events.map((e) => Number(e.id) || 0));
    await live.until('two more events while the page is cut off', (e) => Number(e.id) >= seqAtCut + 2);
    proxy.setBlocked(false);

    const note = await page.waitForSelector('[data-testid=reconnected]');
    const noteText = await note.textContent();
    await page.waitForSelector('[data-testid=conn-state][data-state=live]');
    await page.waitForSelector('[data-testid=step][data-type=final_response]');
    await screenshot(page, 'page-reconnect.png');
    await live.until('final_response on the live reader', (e) => e.type === 'final_response');

    // The server's own event list, replayed from the start.
    const replay = openRawStream(ctx.baseUrl, sessionId, 0);
    ctx.raw.push(replay);
    await replay.opened;
    await replay.until('final_response in the replay', (e) => e.type === 'final_response');
    const serverEvents = replay.events.filter((e) => e.type !== 'session_start');
    replay.close();
    live.close();
    checkEqual(live.events.filter((e) => e.type !== 'session_start').map((e) => [e.id, e.type]),
        serverEvents.map((e) => [e.id, e.type]), 'the live stream and the replay of the server (server-side consistency)');
    const seqs = serverEvents.map((e) => Number(e.id));
    checkEqual(seqs, seqs.map((_, i) => i + 1), 'the server\'s event ids (1..N without gaps)');

    const m = /resumed after event (\d+)/.exec(noteText);
    check(m, `the reconnected note does not say where it resumed: "${noteText}"`);
    const resumedAfter = Number(m[1]);
    check(resumedAfter >= shownBefore && resumedAfter < seqs.length,
        `the page resumed after event ${resumedAfter}, expected a point mid-turn (shown before the cut: ${shownBefore}, events: ${seqs.length})`);
    const rec = await record(page);
    check(rec.states.includes('reconnecting'), `the connection state never showed reconnecting (states: ${rec.states.join(' → ')})`);

    // The page's accepted events (the raw log without the ones it dropped as duplicates) are
    // exactly the server's events, in order.
    const rawLog = await page.$$eval('[data-testid=raw-log] [data-testid=raw-event]', (items) => items.map((i) => ({
        id: i.dataset.id, type: i.dataset.type, flagged: i.classList.contains('raw-flagged'),
    })));
    const accepted = rawLog.filter((r) => !r.flagged && r.type !== 'session_start').map((r) => [Number(r.id), r.type]);
    checkEqual(accepted, serverEvents.map((e) => [Number(e.id), e.type]), 'the events the page accepted vs. the server\'s event list');
    const sessionStarts = rawLog.filter((r) => r.type === 'session_start').length;
    check(sessionStarts >= 2, `the raw log shows ${sessionStarts} session_start event(s); a reconnect makes a second`);

    // The timeline, card for card, against the server's events.
    const cards = await stepCards(page);
    const expectedCards = [];
    const seenCalls = new Set();
    const seenText = new Set();
    for (const e of serverEvents) {
        const j = e.json;
        if (e.type === 'acting') { if (seenCalls.has(j.call_id)) continue; seenCalls.add(j.call_id); }
        if (e.type === 'partial_response') { if (seenText.has(j.iteration)) continue; seenText.add(j.iteration); }
        expectedCards.push([e.type, j.seq]);
    }
    checkEqual(cards.map((c) => [c.type, c.seq]), expectedCards, 'the step cards (type, first event id) vs. the server\'s events');
    const deltas = (it) => serverEvents.filter((e) => e.type === 'partial_response' && e.json.iteration === it).map((e) => e.json.delta).join('');
    const final = serverEvents.find((e) => e.type === 'final_response').json;
    checkEqual(final.content, answer, 'the server\'s final answer');
    checkEqual((await page.textContent(ANSWER)).trim(), answer, 'the answer shown after the reconnect');
    checkEqual(await page.textContent('[data-testid=thought]'), deltas(1), 'the thought shown after the reconnect');
    const progress = serverEvents.filter((e) => e.type === 'acting' && typeof e.json.progress === 'number').map((e) => e.json.progress);
    checkEqual(progress, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'the progress events of the server');
    checkEqual((await page.textContent('[data-testid=progress-label]')).trim(), '10 / 10', 'the progress label after the reconnect');
    checkEqual(await checkNothingRunning(page, 'the dropped connection'), ['Ran slow'], 'the title of the Act step after the reconnect');
    // The browser reports the cut and refused connections in the console.
    await noErrorsShown(page, 'the dropped connection', /net::ERR_(CONNECTION_RESET|CONNECTION_CLOSED|EMPTY_RESPONSE|CONNECTION_REFUSED|CONNECTION_ABORTED|INCOMPLETE_CHUNKED_ENCODING)/);
    log(`  resumed after event ${resumedAfter}; ${serverEvents.length} events, ${rawLog.filter((r) => r.flagged).length} flagged in the raw log`);
    await page.close();
}

async function main() {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    check(fs.existsSync(CHROMIUM), `${CHROMIUM} does not exist (Debian package chromium)`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcphost-browser-'));
    ctx.tmp = tmp;

    const llm = start('scripted-llm', path.join(BIN, 'scripted-llm'), ['--port', '0']);
    const llmPort = Number((await waitFor('scripted-llm to print LISTENING', () => /LISTENING (\d+)/.exec(llm.stdout) || (llm.exited && fail('scripted-llm exited')), 20000))[1]);
    ctx.llmUrl = `http://127.0.0.1:${llmPort}`;

    const config = path.join(tmp, 'config.json');
    fs.writeFileSync(config, JSON.stringify({
        mcpServers: {
            fx: { command: path.join(BIN, 'mcp-fixture-server'), args: [] },
            broken: { command: '/nonexistent/mcp-server-of-the-page-test', args: [] },
        },
        approval: { tools: { 'fx/echo': 'ask' } },
    }, null, 2));
    const hostd = start('mcp-hostd', path.join(BIN, 'mcp-hostd'), ['--port', '0', '--config', config], {
        OPENAI_BASE_URL: `${ctx.llmUrl}/v1`, OPENAI_API_KEY: 'test-key', MCPHOST_PROVIDER: '', ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: '',
        HOME: tmp, XDG_CONFIG_HOME: path.join(tmp, 'config'), XDG_DATA_HOME: path.join(tmp, 'data'),
    });
    const m = await waitFor('mcp-hostd to print its URL', () => /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(hostd.stdout) || (hostd.exited && fail('mcp-hostd exited')), 30000);
    ctx.baseUrl = m[1];
    log(`scripted-llm at ${ctx.llmUrl}, mcp-hostd at ${ctx.baseUrl}`);
    await waitFor('the fixture MCP server\'s tools', async () => {
        const r = await httpRequest('GET', `${ctx.baseUrl}api/v3/tools`);
        return r.status === 200 && r.text.includes('"slow"') && r.text.includes('"echo"');
    });

    ctx.profileDir = path.join(tmp, 'chromium-profile');
    ctx.browser = await chromium.launchPersistentContext(ctx.profileDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
        viewport: { width: 1280, height: 900 },
        timeout: 60000,
    });
    await ctx.browser.addInitScript(recorderScript);

    await scenarioNoEmptySession();
    await scenarioTurn();
    await scenarioApprove();
    await scenarioCancel();
    await scenarioMarkdown();
    await scenarioFollow('wide', { width: 1280, height: 640 });
    await scenarioFollow('narrow', { width: 760, height: 700 });
    await scenarioDrop();
}

let cleaning = null;
function cleanup() {
    if (!cleaning) cleaning = doCleanup();
    return cleaning;
}

async function doCleanup() {
    for (const r of ctx.raw) r.close();
    if (ctx.proxy) ctx.proxy.close();
    if (ctx.browser) {
        await Promise.race([ctx.browser.close().catch(() => {}), sleep(10000)]);
    }
    await stopAll();
    if (ctx.tmp) fs.rmSync(ctx.tmp, { recursive: true, force: true });
}

let exitCode = 0;
const watchdog = setTimeout(async () => {
    console.error(`FAIL: the browser test did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`);
    logTails();
    await cleanup();
    process.exit(1);
}, OVERALL_TIMEOUT_MS);

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, async () => {
        console.error(`FAIL: stopped by ${signal}`);
        await cleanup();
        process.exit(1);
    });
}

try {
    await main();
    log('PASS: the page test (no empty session, turn, approval, cancel, Markdown, following, dropped connection)');
} catch (e) {
    exitCode = 1;
    console.error(`FAIL: ${e instanceof TestFailure ? e.message : (e && e.stack) || e}`);
    logTails();
    // A picture of the failure, when a page is still open.
    try {
        const pages = ctx.browser ? ctx.browser.pages() : [];
        if (pages.length) await pages[pages.length - 1].screenshot({ path: path.join(ARTIFACTS, 'page-failure.png'), fullPage: true });
    } catch { /* no picture */ }
} finally {
    await cleanup();
    clearTimeout(watchdog);
}
process.exit(exitCode);
