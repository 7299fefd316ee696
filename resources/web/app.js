/*
 * MCP Host — the HTML test page.
 *
 * Plain ES2020, no dependencies, no build step. Served by mcp-hostd at `/` (this file at `/app.js`).
 * The API contract is docs/api.md: the SSE stream at api/v3/chat/stream, the REST API under api/v3,
 * errors as {"error":{"code","message"}}.
 *
 * Structure:
 *   - small helpers (el, formatting)
 *   - api(): fetch with the bearer token, JSON in and out, ApiError on every bad response
 *   - ErrorBar: visible, dismissible list of errors
 *   - SseConnection: one stream; reconnects by itself with the last seen event id and backoff
 *   - state: the one state object
 *   - renderers: one function per event type, building the timeline
 *   - the raw event log, the header, the session picker, the composer
 */
'use strict';

// ---------------------------------------------------------------------------------------------
// Constants and helpers

const PATHS = {
    stream: 'api/v3/chat/stream',
    send: 'api/v3/chat/send',
    cancel: 'api/v3/chat/cancel',
    approve: 'api/v3/chat/approve',
    elicit: 'api/v3/chat/elicit',
    sessions: 'api/v3/sessions',
    health: 'health',
};

/** Named SSE events we listen for with EventSource (`error` is special, see SseConnection). */
const EVENT_TYPES = ['session_start', 'thinking', 'partial_response', 'tool_call', 'acting',
    'observing', 'final_response', 'session_end', 'elicitation', 'sampling', 'stream_reset'];

const TOKEN_KEY = 'mcphost.token';
const LOG_OPEN_KEY = 'mcphost.rawlog.open';
const TRANSPORT_KEY = 'mcphost.transport';
const RAW_LOG_MAX = 1500;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10000;
const HEALTH_INTERVAL_MS = 30000;

const $ = (id) => document.getElementById(id);

/** A session id as the server makes and accepts them (docs/api.md). */
const SESSION_ID_RE = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * Creates an element. `attrs`: `class`, `text`, `on<event>` functions, booleans (set when true),
 * everything else as attributes. Children: nodes or strings (as text; never parsed as HTML).
 */
function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
        if (value === undefined || value === null || value === false) continue;
        if (key === 'class') node.className = value;
        else if (key === 'text') node.textContent = value;
        else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
        else if (value === true) node.setAttribute(key, '');
        else node.setAttribute(key, String(value));
    }
    for (const child of children.flat()) {
        if (child === undefined || child === null || child === false) continue;
        node.append(child instanceof Node ? child : String(child));
    }
    return node;
}

function storageGet(store, key) {
    try { return store.getItem(key); } catch { return null; }
}
function storageSet(store, key, value) {
    try {
        if (value === null) store.removeItem(key); else store.setItem(key, value);
    } catch { /* storage unavailable: keep going without it */ }
}

function fmtTime(iso) {
    const d = iso ? new Date(iso) : new Date();
    if (Number.isNaN(d.getTime())) return '';
    return d.toLocaleTimeString([], { hour12: false });
}

function fmtDuration(ms) {
    if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
    return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

function fmtUptime(seconds) {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '';
    const s = Math.floor(seconds);
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m`;
    if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
    return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

function pretty(value) {
    if (value === undefined) return '';
    if (typeof value === 'string') return value;
    try { return JSON.stringify(value, null, 2); } catch { return String(value); }
}

function safeHref(uri) {
    try {
        const url = new URL(String(uri), location.href);
        return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : null;
    } catch { return null; }
}

function safeMime(mime, family) {
    const m = String(mime || '');
    return /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/i.test(m) && m.toLowerCase().startsWith(family + '/') ? m : null;
}

function announce(text) {
    const a = $('announcer');
    a.textContent = '';
    // A fresh text node after a tick makes screen readers read it again.
    setTimeout(() => { a.textContent = text; }, 30);
}

// ---------------------------------------------------------------------------------------------
// REST API

class ApiError extends Error {
    constructor(status, code, message) {
        super(message);
        this.name = 'ApiError';
        this.status = status;
        this.code = code;
    }
}

/** Reads an error response: the server's {"error":{"code","message"}}, or whatever it sent. */
async function readApiError(res) {
    let text = '';
    try { text = await res.text(); } catch { /* body unreadable */ }
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    const err = body && typeof body === 'object' ? body.error : null;
    const code = (err && err.code) || `http_${res.status}`;
    const message = (err && (err.message || err.code))
        || (typeof err === 'string' ? err : '')
        || text.trim().slice(0, 300) || res.statusText || `HTTP ${res.status}`;
    return new ApiError(res.status, String(code), String(message));
}

function authHeaders(extra = {}) {
    const headers = { ...extra };
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    return headers;
}

async function api(method, path, body) {
    const init = { method, cache: 'no-store', headers: authHeaders({ Accept: 'application/json' }) };
    if (body !== undefined) {
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
    }
    let res;
    try {
        res = await fetch(path, init);
    } catch (e) {
        throw new ApiError(0, 'network_error', `Could not reach the server (${e.message || e}).`);
    }
    if (!res.ok) throw await readApiError(res);
    if (res.status === 204) return null;
    const text = await res.text();
    if (!text) return null;
    try { return JSON.parse(text); } catch {
        throw new ApiError(res.status, 'bad_response', `The server sent something that is not JSON: ${text.slice(0, 120)}`);
    }
}

// ---------------------------------------------------------------------------------------------
// Error bar

const ErrorBar = {
    show(context, error) {
        const bar = $('error-bar');
        const isApi = error instanceof ApiError;
        const message = isApi ? error.message : String((error && error.message) || error);
        const details = isApi ? [error.code, error.status ? `HTTP ${error.status}` : ''].filter(Boolean).join(', ') : '';
        const item = el('div', { class: 'error-item', 'data-testid': 'error-item', 'data-code': isApi ? error.code : '' },
            el('span', { class: 'error-text' },
                context ? el('strong', {}, `${context}: `) : null,
                el('span', { 'data-testid': 'error-message' }, message),
                details ? el('span', { class: 'error-code' }, ` (${details})`) : null),
            el('button', {
                type: 'button', class: 'btn btn-small error-dismiss', 'data-testid': 'error-dismiss',
                'aria-label': 'Dismiss this error', onclick: () => { item.remove(); ErrorBar.sync(); },
            }, 'Dismiss'));
        bar.append(item);
        while (bar.children.length > 5) bar.firstElementChild.remove();
        ErrorBar.sync();
    },
    clear() { $('error-bar').replaceChildren(); ErrorBar.sync(); },
    sync() { const bar = $('error-bar'); bar.hidden = bar.children.length === 0; },
};

// ---------------------------------------------------------------------------------------------
// SSE parser (for the fetch transport; EventSource parses by itself)

class SseParser {
    constructor(onEvent, onComment) {
        this.onEvent = onEvent;
        this.onComment = onComment;
        this.buffer = '';
        this.reset();
        this.lastEventId = '';
    }
    reset() { this.eventType = ''; this.data = []; this.hasData = false; }
    push(chunk) {
        this.buffer += chunk;
        // Keep a trailing CR: its LF may be in the next chunk.
        const lines = this.buffer.split(/\r\n|\n|\r(?!$)/);
        this.buffer = lines.pop();
        for (const line of lines) this.line(line);
    }
    line(line) {
        if (line === '') {
            if (this.hasData) this.onEvent({ type: this.eventType || 'message', data: this.data.join('\n'), lastEventId: this.lastEventId });
            this.reset();
            return;
        }
        if (line.startsWith(':')) { this.onComment(line.slice(1).trim()); return; }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') this.eventType = value;
        else if (field === 'data') { this.data.push(value); this.hasData = true; }
        else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    }
}

// ---------------------------------------------------------------------------------------------
// SSE connection: one logical stream that reconnects by itself.

/**
 * Opens the stream and keeps it open. On every (re)connect it asks `buildUrl()` for the URL, so
 * the app can put the last seen event id in it (`last_event_id`); the browser's own EventSource
 * retry is never used (it would not survive a server-initiated close with a new URL).
 *
 * handlers: onState(state, attempt), onAttempt(info) before each connect, onOpen(),
 *           onEvent({type, data, lastEventId}), onComment(text), onLost(reason),
 *           onFatal(ApiError) when the server refuses for good (4xx other than 408/429).
 * Transports: 'eventsource' (default) or 'fetch' (a streamed fetch: sees heartbeat comments and
 * the HTTP status and JSON error of a refused connection).
 */
class SseConnection {
    constructor({ buildUrl, transport, handlers }) {
        this.buildUrl = buildUrl;
        this.transport = transport;
        this.h = handlers;
        this.gen = 0;
        this.attempt = 0; // consecutive failed attempts
        this.timer = null;
        this.es = null;
        this.abort = null;
        this.stopped = true;
    }

    start() {
        this.stopped = false;
        this.attempt = 0;
        this.connect();
    }

    /** Stops for good (no reconnect). */
    close(reason = 'closed') {
        this.stopped = true;
        this.teardown();
        this.h.onState('closed', 0, reason);
    }

    /** Marks the connection healthy (called by the app on session_start): resets the backoff. */
    healthy() { this.attempt = 0; }

    /** Reconnects at once (the "Reconnect now" button, the browser coming back online). */
    reconnectNow() {
        if (this.stopped) this.stopped = false;
        this.teardown();
        this.connect();
    }

    teardown() {
        this.gen++;
        clearTimeout(this.timer);
        this.timer = null;
        if (this.es) { this.es.close(); this.es = null; }
        if (this.abort) { this.abort.abort(); this.abort = null; }
    }

    connect() {
        const gen = ++this.gen;
        const url = this.buildUrl();
        this.h.onAttempt({ attempt: this.attempt, url });
        this.h.onState(this.attempt === 0 && !this.everOpened ? 'connecting' : 'reconnecting', this.attempt);
        if (this.transport === 'fetch' && typeof ReadableStream !== 'undefined') this.connectFetch(gen, url);
        else this.connectEventSource(gen, url);
    }

    connectEventSource(gen, url) {
        const es = new EventSource(url);
        this.es = es;
        let opened = false;
        const onMessage = (e) => {
            if (gen !== this.gen) return;
            this.h.onEvent({ type: e.type, data: e.data, lastEventId: e.lastEventId });
        };
        es.onopen = () => {
            if (gen !== this.gen) return;
            opened = true;
            this.opened();
        };
        for (const type of EVENT_TYPES) es.addEventListener(type, onMessage);
        es.onmessage = onMessage;
        // An SSE event named "error" arrives as a MessageEvent of type "error" on the same
        // handler as a connection failure: tell them apart by the data.
        es.onerror = (e) => {
            if (gen !== this.gen) return;
            if (typeof e.data === 'string') { onMessage(e); return; }
            es.close();
            this.es = null;
            this.lost(opened ? 'the connection dropped' : 'could not connect', url, opened);
        };
    }

    connectFetch(gen, url) {
        const ctrl = new AbortController();
        this.abort = ctrl;
        const headers = authHeaders({ Accept: 'text/event-stream' });
        (async () => {
            const res = await fetch(url, { headers, signal: ctrl.signal, cache: 'no-store' });
            if (gen !== this.gen) return;
            if (!res.ok) {
                const err = await readApiError(res);
                const retryAfter = Number(res.headers.get('Retry-After'));
                if (this.isFatal(err.status)) { this.fatal(err); return; }
                this.lost(`${err.message} (HTTP ${err.status})`, null, false, Number.isFinite(retryAfter) ? retryAfter * 1000 : 0);
                return;
            }
            this.opened();
            const parser = new SseParser((ev) => { if (gen === this.gen) this.h.onEvent(ev); },
                (text) => { if (gen === this.gen) this.h.onComment(text); });
            const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
            for (;;) {
                const { value, done } = await reader.read();
                if (gen !== this.gen) return;
                if (done) break;
                parser.push(value);
            }
            this.lost('the server closed the stream', null, true);
        })().catch((e) => {
            if (gen !== this.gen || (e && e.name === 'AbortError')) return;
            this.lost(`the connection failed (${e.message || e})`, null, true);
        });
    }

    opened() {
        this.everOpened = true;
        this.h.onOpen();
        this.h.onState('live', 0);
    }

    isFatal(status) { return status >= 400 && status < 500 && status !== 408 && status !== 429; }

    fatal(err) {
        this.stopped = true;
        this.teardown();
        this.h.onFatal(err);
        this.h.onState('closed', 0, err.message);
    }

    lost(reason, probeUrl, wasOpen, minDelayMs = 0) {
        if (this.stopped) return;
        this.h.onLost(reason);
        if (!wasOpen && probeUrl && (this.attempt === 1 || this.attempt % 5 === 4)) {
            // EventSource hides why it failed: ask once with fetch to show the server's error.
            this.probe(probeUrl).then((err) => {
                if (err && this.isFatal(err.status) && !this.stopped) this.fatal(err);
            });
        }
        this.attempt++;
        const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (this.attempt - 1));
        const delay = Math.max(minDelayMs, Math.min(BACKOFF_MAX_MS, base * (1 + Math.random() * 0.1)));
        this.h.onState('reconnecting', this.attempt);
        clearTimeout(this.timer);
        const gen = this.gen;
        this.timer = setTimeout(() => { if (gen === this.gen && !this.stopped) this.connect(); }, delay);
    }

    async probe(url) {
        const ctrl = new AbortController();
        try {
            const res = await fetch(url, { headers: authHeaders({ Accept: 'text/event-stream' }), signal: ctrl.signal, cache: 'no-store' });
            if (res.ok) { ctrl.abort(); return null; }
            return await readApiError(res);
        } catch { return null; } finally { ctrl.abort(); }
    }
}

// ---------------------------------------------------------------------------------------------
// State

const state = {
    token: '',
    transport: 'eventsource',
    conn: null, // SseConnection
    attemptInfo: null, // {sessionId, resumeFrom, reconnect} of the connection being made
    firstEventPending: false, // the next event is the connection's first (session_start)
    sessionId: null, // null until the first message creates a session (or one is opened)
    createdBySend: false, // the session was just created by sending its first message
    view: 0, // counts openSession calls: an answer that arrives after the view changed is stale
    lastSeq: 0, // highest event id shown; events with id <= lastSeq are dropped
    connectedOnce: false, // a session_start arrived for the current session view
    model: null,
    tools: [],
    server: { model: null, tools: null }, // from /health, shown before there is a session
    ended: false, // session_end seen
    runningTurn: null, // turn id of the running turn
    sending: false,
    turns: new Map(), // turn id -> Turn
    elicitations: new Map(), // request id -> {form, setDone}
    stats: { events: 0, dups: 0, heartbeats: 0 },
    stickToBottom: true, // the timeline follows new events unless the user scrolled up
    logStick: true, // the same for the raw log
    logScrollQueued: false,
};

// ---------------------------------------------------------------------------------------------
// Timeline building blocks

function timeline() { return $('timeline'); }

function appendToTimeline(node) {
    const empty = $('timeline-empty');
    if (empty) empty.remove();
    timeline().append(node);
    scrollTimeline();
}

/**
 * Following the timeline. While the reader is at the bottom, every change of the timeline (a new
 * card, text streaming in, buttons added to a card, an image loaded, the timeline itself getting
 * shorter because the error bar or the composer grew) scrolls it to the bottom on the next frame.
 * The reader leaves that mode only by scrolling away themselves: a scroll event that is merely
 * late (content grew after our own scroll) does not count. Back at the bottom, it follows again.
 * On narrow screens the document scrolls instead of the timeline (style.css), with the composer
 * sticky over the bottom of the window: there "the bottom" is the timeline's end just above it.
 */
const follow = { queued: false, autoTop: 0, lastTop: 0 };

/** {scroller, inDocument, distance}: how far the timeline's end is below what is shown. */
function followGeometry() {
    const t = timeline();
    if (getComputedStyle(t).overflowY !== 'visible') {
        return { scroller: t, inDocument: false, distance: t.scrollHeight - t.scrollTop - t.clientHeight };
    }
    const composer = $('composer');
    const visibleBottom = Math.min(window.innerHeight, composer ? composer.getBoundingClientRect().top : window.innerHeight);
    return { scroller: document.scrollingElement, inDocument: true, distance: t.getBoundingClientRect().bottom - visibleBottom };
}

function scrollTimeline() {
    if (!state.stickToBottom || follow.queued) return;
    follow.queued = true;
    requestAnimationFrame(() => {
        follow.queued = false;
        if (!state.stickToBottom) return;
        const g = followGeometry();
        g.scroller.scrollTop = g.inDocument ? Math.max(0, g.scroller.scrollTop + g.distance) : g.scroller.scrollHeight;
        follow.autoTop = g.scroller.scrollTop;
    });
}

function onTimelineScroll() {
    const g = followGeometry();
    const top = g.scroller.scrollTop;
    const movedUp = top < follow.lastTop;
    follow.lastTop = top;
    // At the end (or within 48 px of it, unless on the way up: a smooth scroll's first steps).
    if (Math.abs(g.distance) < 4 || (Math.abs(g.distance) < 48 && !movedUp)) state.stickToBottom = true;
    // The reader scrolled up (or, in the document, away to the raw log below the timeline).
    else if (top < follow.autoTop - 4 || (g.inDocument && top > follow.autoTop + 4)) state.stickToBottom = false;
}

/**
 * The reader asks to go up (wheel, keys): following stops at once, before the first scroll
 * event. Otherwise a change of the timeline in between (text streaming in, a card's buttons)
 * would scroll back to the end and undo a smooth scroll that has only just begun.
 */
function onReaderUp(event) {
    const wheel = event.type === 'wheel';
    if (wheel ? event.deltaY >= 0 : !['PageUp', 'ArrowUp', 'Home'].includes(event.key)) return;
    const target = event.target instanceof Element ? event.target : null;
    if (!wheel && target && target.closest('input, textarea, select, [contenteditable]')) return; // the caret
    const g = followGeometry();
    if (g.scroller.scrollTop <= 0) return; // nothing above: nothing to stop following for
    // A box inside a card that can scroll up itself (a long result) takes the wheel first.
    for (let el = target; el && el !== g.scroller && el !== document.body; el = el.parentElement) {
        if (el.scrollTop > 0 && el.scrollHeight > el.clientHeight) return;
    }
    if (g.inDocument || (target && timeline().contains(target))) state.stickToBottom = false;
}

function watchTimeline() {
    const t = timeline();
    new MutationObserver(scrollTimeline).observe(t, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['hidden', 'class'] });
    new ResizeObserver(scrollTimeline).observe(t);
    t.addEventListener('load', scrollTimeline, true); // images in tool results
    t.addEventListener('scroll', onTimelineScroll, { passive: true });
    window.addEventListener('scroll', () => { if (followGeometry().inDocument) onTimelineScroll(); }, { passive: true });
    window.addEventListener('resize', scrollTimeline);
    window.addEventListener('wheel', onReaderUp, { passive: true });
    window.addEventListener('keydown', onReaderUp);
}

/** A system note in the timeline (reconnects, new sessions, …). */
function note(text, testid, kind = 'info') {
    const n = el('div', { class: `note note-${kind}`, 'data-testid': testid, role: 'note' },
        el('time', { class: 'note-time', datetime: new Date().toISOString() }, fmtTime()), ' ', text);
    // Inside the running turn, the note stays between the events before and after it.
    const running = state.runningTurn && state.turns.get(state.runningTurn);
    if (running && !running.ended) { running.root.append(n); scrollTimeline(); } else appendToTimeline(n);
    return n;
}

/** A step card: <article data-testid="step" data-type=…>. Returns {card, head, body}. */
function stepCard(type, e, { title, badge, cls = '', callId, parent } = {}) {
    const card = el('article', {
        class: `step step-${type.replace(/_/g, '-')} ${cls}`.trim(), 'data-testid': 'step',
        'data-type': type, 'data-call-id': callId, 'data-seq': e && e.seq != null ? e.seq : undefined,
    });
    const head = el('header', { class: 'step-head' },
        el('span', { class: 'step-kind' }, stepLabel(type)),
        title ? el('span', { class: 'step-title' }, title) : null,
        badge || null,
        el('time', { class: 'step-time', datetime: (e && e.ts) || undefined, title: (e && e.ts) || undefined }, fmtTime(e && e.ts)));
    const body = el('div', { class: 'step-body' });
    card.append(head, body);
    (parent || timeline()).append(card);
    if (!parent) { const empty = $('timeline-empty'); if (empty) empty.remove(); }
    scrollTimeline();
    return { card, head, body };
}

function stepLabel(type) {
    return {
        thinking: 'Think', partial_response: 'Text', tool_call: 'Tool call', acting: 'Act',
        observing: 'Observe', final_response: 'Done', error: 'Error', session_end: 'Session ended',
        elicitation: 'Question', sampling: 'Sampling',
    }[type] || type;
}

function badge(text, kind = '', testid) {
    return el('span', { class: `badge ${kind ? 'badge-' + kind : ''}`.trim(), 'data-testid': testid }, text);
}

function spinner(label = 'working') {
    return el('span', { class: 'spinner', role: 'img', 'aria-label': label });
}

/** The turn's container; created by the first event of the turn (or by a successful send). */
function getTurn(turnId, input) {
    const key = turnId || '_none';
    let t = state.turns.get(key);
    if (!t) {
        const root = el('section', { class: 'turn', 'data-testid': 'turn', 'data-turn-id': turnId || undefined, 'aria-label': 'Turn' });
        t = {
            id: turnId, key, root, iterations: new Map(), calls: new Map(), userEl: null, thinking: null, ended: false, pending: new Set(),
            observedRun: [], // calls whose observing events came last, with nothing in between (see final_response)
        };
        state.turns.set(key, t);
        appendToTimeline(root);
    }
    if (input !== undefined && input !== null && input !== '' && !t.userEl) {
        t.userEl = el('div', { class: 'msg msg-user', 'data-testid': 'user-message' },
            el('span', { class: 'msg-who' }, 'You'), el('div', { class: 'msg-text' }, String(input)));
        t.root.prepend(t.userEl);
    }
    return t;
}

function getIteration(t, n) {
    const key = Number(n) || 0;
    let it = t.iterations.get(key);
    if (!it) {
        it = { n: key, textCard: null, textEl: null, view: null, hasTools: false };
        t.iterations.set(key, it);
    }
    return it;
}

/** Stops the spinner of the turn's current Think step. */
function stopThinking(t) {
    if (t.thinking) {
        t.thinking.classList.add('done');
        const s = t.thinking.querySelector('.spinner');
        if (s) s.remove();
        t.thinking = null;
    }
}

/** The card group of one tool call (tool_call, acting, observing cards). */
function getCall(t, callId, tool) {
    let c = t.calls.get(callId);
    if (!c) {
        const group = el('div', { class: 'call-group', 'data-testid': 'call', 'data-call-id': callId, role: 'group', 'aria-label': `Tool call ${tool || callId}` });
        t.root.append(group);
        scrollTimeline();
        c = { id: callId, tool, group, actions: null, status: null, acting: null, observed: false, outcome: null, observing: null };
        t.calls.set(callId, c);
    }
    return c;
}

/** Removes a call's Approve/Deny buttons and says why. */
function resolveApproval(c, text, kind = '') {
    if (!c.actions) return;
    c.actions.replaceWith(el('p', { class: `approval-result ${kind}`, 'data-testid': 'approval-result' }, text));
    c.actions = null;
}

/** Ends the turn's open steps; `e` is the event that ended it (its time ends a running call). */
function endTurn(t, e) {
    if (t.ended) return;
    t.ended = true;
    stopThinking(t);
    for (const it of t.iterations.values()) {
        if (!it.textCard) continue;
        it.textCard.classList.remove('streaming');
        it.view.finish();
    }
    const cancelled = !!e && e.type === 'final_response' && e.stop_reason === 'cancelled';
    for (const c of t.calls.values()) {
        resolveApproval(c, 'The turn is over; no longer waiting for an answer.', 'muted');
        if (c.acting && !c.outcome) finishActing(c, cancelled ? 'cancelled' : 'stopped', ranFor(c, e));
    }
    for (const done of t.pending) done('The turn is over; no longer waiting for an answer.');
    t.pending.clear();
    if (state.runningTurn === t.id) state.runningTurn = null;
    updateComposer();
}

/**
 * Marks a call's Act step finished: no spinner, and a title that says how it ended
 * (`outcome`: ok, error, cancelled, stopped) and how long it ran (`ms`, when known). Called again
 * with a later outcome (a failed result that turns out to be the cancel) it updates the card.
 */
function finishActing(c, outcome, ms) {
    c.outcome = outcome;
    if (typeof ms === 'number' && Number.isFinite(ms)) c.ranMs = ms;
    if (!c.acting) return;
    const a = c.acting;
    a.card.classList.add('done');
    a.card.dataset.state = outcome;
    const s = a.card.querySelector('.spinner');
    if (s) s.remove();
    const tool = c.tool || 'the tool';
    const took = typeof c.ranMs === 'number' ? fmtDuration(c.ranMs) : '';
    a.title.textContent = {
        ok: `Ran ${tool}`,
        error: `${tool} failed`,
        cancelled: took ? `${tool} cancelled after ${took}` : `${tool} cancelled`,
        stopped: `${tool} stopped: the turn ended`,
    }[outcome] || `${tool} finished`;
    a.ran.textContent = took;
    a.ran.hidden = !took;
}

/** How long a call ran until `e` (its observing event, or the event that ended the turn). */
function ranFor(c, e) {
    const reported = e && e.type === 'observing' && typeof e.duration_ms === 'number' && Number.isFinite(e.duration_ms) ? e.duration_ms : null;
    if (reported !== null && reported > 0) return reported;
    // The server's own timestamps: the call's first Act event to the end (the same on a replay).
    const start = c.acting ? Date.parse(c.acting.startTs) : NaN;
    const end = e && e.ts ? Date.parse(e.ts) : NaN;
    if (Number.isFinite(start) && Number.isFinite(end) && end >= start) return end - start;
    return reported;
}

// ---------------------------------------------------------------------------------------------
// Markdown for model text: a small subset (headings, paragraphs, emphasis, code spans, fenced
// code, lists, quotes, rules, links), built as DOM nodes. HTML in the source is never parsed:
// every character ends up in a text node, in an element this code chose, or in an attribute
// this code checked (a link's target: absolute http or https only). Searches for closing
// delimiters look a bounded distance ahead and share a work budget proportional to the text, so
// hostile text costs linear time (past the budget, the rest of a block is plain text).

// The patterns avoid ambiguous repetitions: none backtracks more than linearly on a long line.
const MD_FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const MD_HEADING = /^ {0,3}(#{1,6})(?=[ \t]|$)/;
const MD_RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const MD_ITEM = /^ {0,3}([-*+]|\d{1,9}[.)])[ \t]+(.*)$/;
const MD_QUOTE = /^ {0,3}> ?(.*)$/;
const MD_BLANK = /^[ \t]*$/;
const MD_LOOKAHEAD = 1000; // how far a closing delimiter is searched for
const MD_URL_MAX = 2048;
const MD_MAX_DEPTH = 8; // nesting of quotes and inline elements
const MD_WORK_PER_CHAR = 24; // the inline parser's work budget per character of a block
const mdWork = { left: 0 }; // set per block by mdBlockInline

function mdSafeLink(raw) {
    const s = String(raw).trim();
    if (!/^https?:\/\//i.test(s)) return null;
    try {
        const url = new URL(s);
        return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch { return null; }
}

/** An opening fence: {fence, lang} or null (a backtick fence's info has no backtick). */
function mdFence(line) {
    const m = MD_FENCE_OPEN.exec(line);
    if (!m || (m[1][0] === '`' && m[2].includes('`'))) return null;
    return { fence: m[1], lang: m[2].trim().split(/[ \t]/)[0] };
}

/** A heading: {level, text} (closing #s removed) or null. */
function mdHeading(line) {
    const m = MD_HEADING.exec(line);
    if (!m) return null;
    let text = line.slice(m[0].length).trim();
    let k = text.length;
    while (k > 0 && text[k - 1] === '#') k--;
    if (k === 0) text = '';
    else if (k < text.length && (text[k - 1] === ' ' || text[k - 1] === '\t')) text = text.slice(0, k).trimEnd();
    return { level: m[1].length, text };
}

function mdClosingFence(line, fence) {
    const m = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
    return !!m && m[1][0] === fence[0] && m[1].length >= fence.length;
}

/** A line that starts a block of its own (and so ends a paragraph or a list item). */
function mdStartsBlock(line) {
    return !!mdFence(line) || MD_HEADING.test(line) || MD_RULE.test(line) || MD_QUOTE.test(line);
}

/** Renders `text` as Markdown; returns a DocumentFragment. */
function renderMarkdown(text, depth = 0) {
    const frag = document.createDocumentFragment();
    const lines = String(text).replace(/\r\n?/g, '\n').split('\n');
    let i = 0;
    while (i < lines.length) {
        const line = lines[i];
        let m;
        if (MD_BLANK.test(line)) { i++; continue; }
        const fence = mdFence(line);
        if (fence) {
            const body = [];
            for (i++; i < lines.length && !mdClosingFence(lines[i], fence.fence); i++) body.push(lines[i]);
            i++; // the closing fence (or the end of the text)
            frag.append(el('pre', { class: 'md-code', 'data-lang': fence.lang || undefined }, el('code', {}, body.join('\n'))));
            continue;
        }
        const heading = mdHeading(line);
        if (heading) {
            // The page's own headings are h1 and h2: the answer's start at h3.
            frag.append(mdBlockInline(el(`h${Math.min(6, heading.level + 2)}`, { class: `md-h md-h${heading.level}` }), heading.text, depth));
            i++;
            continue;
        }
        if (MD_RULE.test(line)) { frag.append(el('hr', { class: 'md-rule' })); i++; continue; }
        if (MD_QUOTE.test(line)) {
            const inner = [];
            for (; i < lines.length && (m = MD_QUOTE.exec(lines[i])); i++) inner.push(m[1]);
            const quote = el('blockquote', { class: 'md-quote' });
            if (depth < MD_MAX_DEPTH) quote.append(renderMarkdown(inner.join('\n'), depth + 1));
            else quote.append(inner.join('\n'));
            frag.append(quote);
            continue;
        }
        if ((m = MD_ITEM.exec(line))) {
            const ordered = /\d/.test(m[1]);
            const start = ordered ? parseInt(m[1], 10) : 1;
            const list = el(ordered ? 'ol' : 'ul', { class: 'md-list', start: ordered && start !== 1 ? start : undefined });
            while (i < lines.length && !MD_RULE.test(lines[i]) && (m = MD_ITEM.exec(lines[i])) && /\d/.test(m[1]) === ordered) {
                const itemLines = [m[2]];
                for (i++; i < lines.length && !MD_BLANK.test(lines[i]) && !MD_ITEM.test(lines[i]) && !mdStartsBlock(lines[i]); i++) {
                    itemLines.push(lines[i].trim());
                }
                list.append(mdBlockInline(el('li'), itemLines.join('\n'), depth));
            }
            frag.append(list);
            continue;
        }
        const para = [line.replace(/^[ \t]+/, '')];
        for (i++; i < lines.length && !MD_BLANK.test(lines[i]) && !MD_ITEM.test(lines[i]) && !mdStartsBlock(lines[i]); i++) {
            para.push(lines[i].replace(/^[ \t]+/, ''));
        }
        frag.append(mdBlockInline(el('p'), para.join('\n'), depth));
    }
    return frag;
}

/** `[label](url "title")` at `i`: {label, url, end} or null. */
function mdLinkAt(text, i) {
    let depth = 0;
    let k = i;
    const limit = Math.min(text.length, i + MD_LOOKAHEAD);
    for (; k < limit && mdWork.left-- > 0; k++) {
        const c = text[k];
        if (c === '\\') { k++; continue; }
        if (c === '[') depth++;
        else if (c === ']' && --depth === 0) break;
    }
    if (k >= limit || text[k] !== ']' || text[k + 1] !== '(') return null;
    let p = k + 2;
    while (text[p] === ' ') p++;
    let parens = 0;
    const urlStart = p;
    const urlLimit = Math.min(text.length, p + MD_URL_MAX);
    for (; p < urlLimit && mdWork.left-- > 0; p++) {
        const c = text[p];
        if (c === '(') parens++;
        else if (c === ')') { if (parens === 0) break; parens--; } else if (/\s/.test(c)) break;
    }
    const url = text.slice(urlStart, p).replace(/^<(.*)>$/, '$1');
    while (text[p] === ' ') p++;
    if (text[p] === '"') {
        const q = text.indexOf('"', p + 1);
        if (q < 0 || q - p > 300) return null;
        p = q + 1;
        while (text[p] === ' ') p++;
    }
    if (text[p] !== ')') return null;
    return { label: text.slice(i + 1, k), url, end: p + 1 };
}

const MD_WORD = /[\p{L}\p{N}]/u;

/** Emphasis (`*`, `_`, `**`, `__`, `***`) or strike-through (`~~`) at `i`: {tags, inner, end} or null. */
function mdEmphasisAt(text, i) {
    const ch = text[i];
    let n = 1;
    while (text[i + n] === ch) n++;
    if (n > 3 || (ch === '~' && n !== 2)) return null;
    const after = text[i + n];
    if (after === undefined || /\s/.test(after)) return null;
    if (ch === '_' && i > 0 && MD_WORD.test(text[i - 1])) return null; // snake_case stays as it is
    const delim = ch.repeat(n);
    const limit = Math.min(text.length, i + n + MD_LOOKAHEAD);
    for (let j = text.indexOf(delim, i + n); j >= 0 && j < limit && mdWork.left-- > 0; j = text.indexOf(delim, j + 1)) {
        if (j === i + n) continue;
        const before = text[j - 1];
        const next = text[j + n];
        if (/\s/.test(before) || before === ch || next === ch) continue;
        if (ch === '_' && next !== undefined && MD_WORD.test(next)) continue;
        const tags = ch === '~' ? ['del'] : n === 1 ? ['em'] : n === 2 ? ['strong'] : ['strong', 'em'];
        return { tags, inner: text.slice(i + n, j), end: j + n };
    }
    return null;
}

/** The inline Markdown of one block, with a fresh work budget. */
function mdBlockInline(parent, text, depth) {
    mdWork.left = MD_WORK_PER_CHAR * text.length + 1024;
    return mdInline(parent, text, depth);
}

/** Appends the inline Markdown of `text` to `parent` (text nodes and chosen elements only). */
function mdInline(parent, text, depth = 0) {
    let buf = '';
    const flush = () => { if (buf) { parent.append(buf); buf = ''; } };
    let i = 0;
    while (i < text.length) {
        if (mdWork.left <= 0) { buf += text.slice(i); break; } // out of budget: the rest as text
        const ch = text[i];
        if (ch === '\\' && /[!-/:-@[-`{-~]/.test(text[i + 1] || '')) { buf += text[i + 1]; i += 2; continue; }
        if (ch === '`') {
            let n = 1;
            while (text[i + n] === '`') n++;
            const ticks = '`'.repeat(n);
            let close = -1;
            const limit = Math.min(text.length, i + n + MD_LOOKAHEAD);
            for (let j = text.indexOf(ticks, i + n); j >= 0 && j < limit && mdWork.left-- > 0; j = text.indexOf(ticks, j + 1)) {
                if (text[j - 1] !== '`' && text[j + n] !== '`') { close = j; break; }
            }
            if (close < 0) { buf += ticks; i += n; continue; }
            flush();
            let code = text.slice(i + n, close).replace(/\n/g, ' ');
            if (code.length > 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim()) code = code.slice(1, -1);
            parent.append(el('code', { class: 'md-code-span' }, code));
            i = close + n;
            continue;
        }
        if (ch === '<') {
            const m = /^<(https?:\/\/[^\s<>]{1,2048})>/i.exec(text.slice(i, i + MD_URL_MAX + 2));
            const href = m && mdSafeLink(m[1]);
            if (href) {
                flush();
                parent.append(el('a', { href, target: '_blank', rel: 'noopener noreferrer nofollow' }, m[1]));
                i += m[0].length;
                continue;
            }
        }
        if (ch === '[' && depth < MD_MAX_DEPTH) {
            const link = mdLinkAt(text, i);
            if (link) {
                flush();
                const href = mdSafeLink(link.url);
                if (href) {
                    parent.append(mdInline(el('a', { href, target: '_blank', rel: 'noopener noreferrer nofollow', title: href }), link.label, depth + 1));
                } else {
                    // Not a web link (javascript:, data:, a relative path…): shown as written, inert.
                    parent.append(el('span', { class: 'md-unsafe-link', 'data-testid': 'unsafe-link', title: 'Not a link: only http and https links are followed' }, text.slice(i, link.end)));
                }
                i = link.end;
                continue;
            }
        }
        if ((ch === '*' || ch === '_' || ch === '~') && depth < MD_MAX_DEPTH) {
            const em = mdEmphasisAt(text, i);
            if (em) {
                flush();
                const outer = el(em.tags[0]);
                const inner = em.tags[1] ? el(em.tags[1]) : outer;
                if (inner !== outer) outer.append(inner);
                mdInline(inner, em.inner, depth + 1);
                parent.append(outer);
                i = em.end;
                continue;
            }
            // A run of delimiters that opens nothing stays text as a whole.
            let n = 1;
            while (text[i + n] === ch) n++;
            buf += text.slice(i, i + n);
            i += n;
            continue;
        }
        buf += ch;
        i++;
    }
    flush();
    return parent;
}

/**
 * The end of the text's closed blocks: after the last blank line outside a fenced code block,
 * after a closing fence, after a heading or rule line. Only complete lines count: the block still
 * streaming in stays open. `scan` ({closed, pos, fence}) carries where the previous call stopped,
 * so each character is looked at once.
 */
function mdClosedUpTo(text, scan) {
    let boundary = scan.closed;
    for (;;) {
        const nl = text.indexOf('\n', scan.pos);
        if (nl < 0) break;
        const line = text.slice(scan.pos, nl);
        if (scan.fence) {
            if (mdClosingFence(line, scan.fence)) { scan.fence = null; boundary = nl + 1; }
        } else if (MD_BLANK.test(line) || MD_HEADING.test(line) || MD_RULE.test(line)) {
            boundary = nl + 1;
        } else {
            const f = mdFence(line);
            if (f) scan.fence = f.fence;
        }
        scan.pos = nl + 1;
    }
    return boundary;
}

/**
 * Model text that streams in: the closed blocks rendered as Markdown, the open block (the one
 * still growing) as plain text until it closes; `finish()` renders the whole text.
 */
class MarkdownView {
    constructor(root) {
        this.root = root;
        this.text = '';
        this.closed = 0; // characters of `text` rendered as Markdown
        this.scan = { closed: 0, pos: 0, fence: null };
        this.done = false;
        this.openNode = document.createTextNode('');
        this.openEl = el('div', { class: 'md-open' }, this.openNode);
        root.append(this.openEl);
    }

    append(delta) {
        if (!delta) return;
        if (this.done) { this.setText(this.text + delta); return; }
        this.text += delta;
        const boundary = mdClosedUpTo(this.text, this.scan);
        if (boundary > this.closed) {
            this.root.insertBefore(renderMarkdown(this.text.slice(this.closed, boundary)), this.openEl);
            this.closed = this.scan.closed = boundary;
            this.openNode.data = this.text.slice(this.closed);
        } else {
            this.openNode.appendData(delta);
        }
    }

    /** Replaces the text (the final answer) and renders it whole. */
    setText(text) {
        this.text = String(text);
        this.done = false;
        this.finish();
    }

    finish() {
        if (this.done) return;
        this.done = true;
        this.closed = this.text.length;
        this.root.replaceChildren(renderMarkdown(this.text));
    }
}

// ---------------------------------------------------------------------------------------------
// MCP content blocks

function renderContent(content) {
    const wrap = el('div', { class: 'content', 'data-testid': 'content' });
    if (content === undefined || content === null) return wrap;
    if (typeof content === 'string') { wrap.append(el('pre', { class: 'block block-text' }, content)); return wrap; }
    const blocks = Array.isArray(content) ? content : [content];
    for (const b of blocks) wrap.append(renderBlock(b));
    return wrap;
}

function renderBlock(b) {
    if (!b || typeof b !== 'object') return el('pre', { class: 'block block-text' }, String(b));
    switch (b.type) {
    case 'text':
        return el('pre', { class: 'block block-text', 'data-block': 'text' }, String(b.text ?? ''));
    case 'image': {
        const mime = safeMime(b.mimeType, 'image');
        if (!mime || typeof b.data !== 'string') return el('p', { class: 'block block-note' }, `[image: ${b.mimeType || 'unknown type'}, not shown]`);
        return el('figure', { class: 'block block-image', 'data-block': 'image' },
            el('img', { src: `data:${mime};base64,${b.data}`, alt: `Image from the tool (${mime})`, loading: 'lazy' }),
            el('figcaption', {}, mime));
    }
    case 'audio': {
        const mime = safeMime(b.mimeType, 'audio');
        if (!mime || typeof b.data !== 'string') return el('p', { class: 'block block-note' }, `[audio: ${b.mimeType || 'unknown type'}, not played]`);
        return el('figure', { class: 'block block-audio', 'data-block': 'audio' },
            el('audio', { controls: true, src: `data:${mime};base64,${b.data}`, 'aria-label': `Audio from the tool (${mime})` }),
            el('figcaption', {}, mime));
    }
    case 'resource_link': {
        const label = b.title || b.name || b.uri || 'resource';
        const href = safeHref(b.uri);
        return el('div', { class: 'block block-link', 'data-block': 'resource_link' },
            el('span', { class: 'block-kind' }, 'Resource link '),
            href ? el('a', { href, target: '_blank', rel: 'noopener noreferrer' }, label) : el('code', {}, label),
            b.uri && label !== b.uri ? el('code', { class: 'block-uri' }, ` ${b.uri}`) : null,
            b.mimeType ? el('span', { class: 'muted' }, ` · ${b.mimeType}`) : null,
            b.description ? el('div', { class: 'muted' }, b.description) : null);
    }
    case 'resource': {
        const r = b.resource || {};
        const headLine = el('div', { class: 'block-kind' }, 'Embedded resource ', el('code', {}, r.uri || ''), r.mimeType ? ` · ${r.mimeType}` : '');
        if (typeof r.text === 'string') return el('div', { class: 'block block-resource', 'data-block': 'resource' }, headLine, el('pre', { class: 'block-text' }, r.text));
        const size = typeof r.blob === 'string' ? ` (${Math.floor(r.blob.length * 3 / 4)} bytes)` : '';
        return el('div', { class: 'block block-resource', 'data-block': 'resource' }, headLine,
            el('p', { class: 'block-note' }, `Binary content${size}, not shown.`));
    }
    default:
        return el('pre', { class: 'block block-unknown', 'data-block': String(b.type || 'unknown') }, pretty(b));
    }
}

// ---------------------------------------------------------------------------------------------
// Renderers: one per event type. `e` is the event's JSON (common fields + the type's fields).

const render = {
    thinking(e) {
        const t = getTurn(e.turn_id, e.iteration === 1 ? e.input : undefined);
        stopThinking(t);
        const { card } = stepCard('thinking', e, { title: `Thinking (iteration ${e.iteration ?? '?'})`, parent: t.root });
        card.querySelector('.step-head').prepend(spinner('thinking'));
        t.thinking = card;
        if (!t.ended) { state.runningTurn = e.turn_id; updateComposer(); }
    },

    partial_response(e) {
        const t = getTurn(e.turn_id);
        const it = getIteration(t, e.iteration);
        if (!it.textCard) {
            const { card, body } = stepCard('partial_response', e, { title: 'Answer', parent: t.root, cls: 'streaming' });
            it.textCard = card;
            it.textEl = el('div', { class: 'answer-text', 'data-testid': 'answer' });
            it.view = new MarkdownView(it.textEl);
            body.append(it.textEl);
            if (it.hasTools) markThought(it);
        }
        it.view.append(String(e.delta ?? ''));
        scrollTimeline();
    },

    tool_call(e) {
        const t = getTurn(e.turn_id);
        stopThinking(t);
        const it = getIteration(t, e.iteration);
        it.hasTools = true;
        markThought(it);
        const c = getCall(t, e.call_id, e.tool);
        const approvalBadge = e.approval === 'required' ? badge('approval required', 'warn', 'approval')
            : e.approval === 'denied' ? badge('denied by policy', 'error', 'approval')
                : badge(e.approval || 'auto', 'muted', 'approval');
        const { body } = stepCard('tool_call', e, {
            title: `${e.server ? e.server + ' › ' : ''}${e.tool ?? ''}`, badge: approvalBadge, callId: e.call_id, parent: c.group,
        });
        body.append(el('div', { class: 'kv' }, el('span', { class: 'muted' }, 'Arguments')),
            el('pre', { class: 'args', 'data-testid': 'arguments' }, pretty(e.arguments ?? {})));
        if (e.approval === 'required' && !t.ended && !c.acting && !c.observed) {
            const approveBtn = el('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'approve' }, 'Approve');
            const denyBtn = el('button', { type: 'button', class: 'btn btn-danger', 'data-testid': 'deny' }, 'Deny');
            c.actions = el('div', { class: 'actions', role: 'group', 'aria-label': `Approve or deny ${e.tool}` }, approveBtn, denyBtn);
            body.append(c.actions);
            const answer = async (approved) => {
                approveBtn.disabled = denyBtn.disabled = true;
                try {
                    await api('POST', PATHS.approve, { session_id: state.sessionId, call_id: e.call_id, approved });
                    resolveApproval(c, approved ? 'Approved.' : 'Denied.', approved ? 'ok' : 'error');
                    announce(approved ? `Approved ${e.tool}` : `Denied ${e.tool}`);
                } catch (err) {
                    ErrorBar.show(approved ? 'Approving the tool call' : 'Denying the tool call', err);
                    if (err.status === 404 || err.status === 409 || err.status === 410) resolveApproval(c, 'No longer waiting for an answer.', 'muted');
                    else approveBtn.disabled = denyBtn.disabled = false;
                }
            };
            approveBtn.addEventListener('click', () => answer(true));
            denyBtn.addEventListener('click', () => answer(false));
            if (state.live) announce(`The tool ${e.tool} needs your approval`);
        }
    },

    acting(e) {
        const t = getTurn(e.turn_id);
        stopThinking(t);
        const c = getCall(t, e.call_id, e.tool);
        resolveApproval(c, 'Approved.', 'ok');
        if (!c.acting) {
            const { card, head, body } = stepCard('acting', e, { title: `Running ${e.tool ?? 'the tool'}…`, callId: e.call_id, parent: c.group });
            head.prepend(spinner('running'));
            const ran = el('span', { class: 'duration', 'data-testid': 'ran-for', hidden: true });
            head.insertBefore(ran, head.querySelector('.step-time'));
            const bar = el('progress', { class: 'progress', 'data-testid': 'progress', 'aria-label': `Progress of ${e.tool}` });
            const label = el('span', { class: 'progress-label', 'data-testid': 'progress-label' });
            const message = el('p', { class: 'progress-message', 'data-testid': 'progress-message' });
            const row = el('div', { class: 'progress-row', hidden: true }, bar, label);
            body.append(row, message);
            c.acting = { card, title: head.querySelector('.step-title'), ran, startTs: e.ts, bar, label, message, row };
        }
        const a = c.acting;
        if (typeof e.progress === 'number') {
            a.row.hidden = false;
            if (typeof e.total === 'number' && e.total > 0) {
                a.bar.max = e.total;
                a.bar.value = Math.min(e.progress, e.total);
                a.label.textContent = `${e.progress} / ${e.total}`;
            } else {
                a.bar.removeAttribute('value');
                a.label.textContent = String(e.progress);
            }
        }
        if (e.message) a.message.textContent = String(e.message);
        if (c.outcome) finishActing(c, c.outcome);
    },

    observing(e) {
        const t = getTurn(e.turn_id);
        stopThinking(t);
        const c = getCall(t, e.call_id, e.tool);
        resolveApproval(c, 'No longer waiting for an answer.', 'muted');
        c.observed = true;
        c.isError = !!e.is_error;
        const ran = ranFor(c, e);
        finishActing(c, e.is_error ? 'error' : 'ok', ran);
        if (c.acting && c.acting.bar.hasAttribute('max') && !e.is_error) c.acting.bar.value = c.acting.bar.max;
        const status = e.is_error ? badge('error', 'error', 'is-error') : badge('ok', 'ok');
        const { card, body } = stepCard('observing', e, {
            title: `Result of ${e.tool ?? 'the tool'}`, badge: status, callId: e.call_id, parent: c.group, cls: e.is_error ? 'is-error' : '',
        });
        card.dataset.isError = e.is_error ? 'true' : 'false';
        if (typeof ran === 'number') {
            card.querySelector('.step-head').insertBefore(el('span', { class: 'duration', 'data-testid': 'duration' }, fmtDuration(ran)), card.querySelector('.step-time'));
        }
        body.append(renderContent(e.content));
        c.observing = { card, status };
        t.observedRun.push(c);
    },

    final_response(e) {
        const t = getTurn(e.turn_id);
        stopThinking(t);
        const it = getIteration(t, e.iteration);
        const content = typeof e.content === 'string' ? e.content : (e.content == null ? '' : pretty(e.content));
        if (it.textCard && !it.hasTools) {
            if (content && it.view.text !== content) it.view.setText(content);
            else it.view.finish();
        } else if (content) {
            it.hasTools = false;
            it.textCard = null;
            render.partial_response({ ...e, type: 'partial_response', delta: content });
        }
        const stop = e.stop_reason || 'answer';
        const usage = e.usage && typeof e.usage === 'object'
            ? Object.entries(e.usage).filter(([, v]) => typeof v === 'number' || typeof v === 'string').map(([k, v]) => `${k.replace(/_/g, ' ')} ${v}`).join(' · ')
            : '';
        const kind = stop === 'answer' ? 'ok' : stop === 'cancelled' ? 'muted' : 'warn';
        // A cancel closes the calls still open with failed results, sent right before this event:
        // those calls were cancelled, not failed.
        if (stop === 'cancelled') for (const c of t.observedRun) if (c.isError) markCancelled(c);
        const { body } = stepCard('final_response', e, {
            title: stop === 'answer' ? 'Answered' : stop === 'cancelled' ? 'Cancelled' : 'Stopped at the iteration limit',
            badge: badge(stop, kind, 'stop-reason'), parent: t.root, cls: `stop-${stop}`,
        });
        body.append(el('p', { class: 'meta' },
            e.iterations != null ? el('span', {}, `${e.iterations} iteration${e.iterations === 1 ? '' : 's'}`) : null,
            usage ? el('span', { 'data-testid': 'usage' }, `usage: ${usage}`) : null));
        endTurn(t, e);
        if (state.live) announce(stop === 'answer' ? 'The answer is complete' : `The turn ended: ${stop}`);
    },

    error(e) {
        const t = e.turn_id ? getTurn(e.turn_id) : null;
        if (t) stopThinking(t);
        const { body } = stepCard('error', e, {
            title: String(e.code || 'error'),
            badge: badge(e.retryable ? 'retryable' : 'not retryable', e.retryable ? 'warn' : 'muted', 'retryable'),
            parent: t ? t.root : null, cls: 'is-error',
        });
        body.append(el('p', { class: 'error-message', 'data-testid': 'error-text' }, String(e.message || '')));
        if (t) endTurn(t, e);
        if (state.live) announce(`Error: ${e.message || e.code}`);
    },

    elicitation(e) {
        if (e.status === 'cancelled') { // the server withdrew its question: close its form
            const done = state.elicitations.get(e.request_id);
            if (done) done('The server withdrew the question.');
            return;
        }
        const t = e.turn_id ? getTurn(e.turn_id) : null;
        if (t) stopThinking(t);
        const { card, body } = stepCard('elicitation', e, {
            title: e.server ? `${e.server} asks` : 'A server asks', parent: t ? t.root : null,
        });
        card.dataset.requestId = e.request_id;
        body.append(el('p', { class: 'elicit-message' }, String(e.message || '')));
        const form = e.url ? buildUrlElicitation(e) : buildSchemaForm(e);
        body.append(form.node);
        const done = (text) => {
            if (!form.node.isConnected || form.node.dataset.done) return;
            form.node.dataset.done = 'true';
            form.node.querySelectorAll('input, select, textarea, button').forEach((n) => { n.disabled = true; });
            form.node.append(el('p', { class: 'approval-result muted', 'data-testid': 'elicit-result' }, text));
        };
        form.onAnswer = async (action, content) => {
            form.setBusy(true);
            try {
                const payload = { session_id: state.sessionId, request_id: e.request_id, action };
                if (action === 'accept' && content !== undefined) payload.content = content;
                await api('POST', PATHS.elicit, payload);
                if (t) t.pending.delete(done);
                done(action === 'accept' ? 'Sent.' : action === 'decline' ? 'Declined.' : 'Cancelled.');
            } catch (err) {
                ErrorBar.show('Answering the question', err);
                if (err.status === 404 || err.status === 409 || err.status === 410) done('No longer waiting for an answer.');
                else form.setBusy(false);
            }
        };
        if (t && !t.ended) t.pending.add(done);
        else if (t && t.ended) done('The turn is over; no longer waiting for an answer.');
        state.elicitations.set(e.request_id, done);
        if (state.live) announce(`${e.server || 'A server'} asks: ${e.message || ''}`);
    },

    sampling(e) {
        const t = e.turn_id ? getTurn(e.turn_id) : null;
        if (e.status === 'cancelled') { // the server withdrew the request: close its card
            const c = t && t.calls.get(e.request_id);
            if (c) resolveApproval(c, 'The server withdrew the request.', 'muted');
            return;
        }
        const { body } = stepCard('sampling', e, {
            title: `${e.server || 'A server'} wants to use the model`, parent: t ? t.root : null,
            badge: badge(e.approval === 'required' ? 'approval required' : (e.approval || 'auto'), e.approval === 'required' ? 'warn' : 'muted'),
            callId: e.request_id,
        });
        const msgs = Array.isArray(e.messages) ? e.messages : [];
        for (const m of msgs) body.append(el('div', { class: 'sampling-msg' }, el('span', { class: 'muted' }, `${m.role || '?'}: `), renderContent(m.content)));
        if (e.max_tokens != null) body.append(el('p', { class: 'meta' }, `max tokens: ${e.max_tokens}`));
        if (e.approval === 'required' && t && !t.ended) {
            const c = getCall(t, e.request_id, 'sampling');
            c.group.append(body.parentElement); // keep the card with its buttons in one group
            const approveBtn = el('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'approve' }, 'Approve');
            const denyBtn = el('button', { type: 'button', class: 'btn btn-danger', 'data-testid': 'deny' }, 'Deny');
            c.actions = el('div', { class: 'actions' }, approveBtn, denyBtn);
            body.append(c.actions);
            const answer = async (approved) => {
                approveBtn.disabled = denyBtn.disabled = true;
                try {
                    await api('POST', PATHS.approve, { session_id: state.sessionId, call_id: e.request_id, approved });
                    resolveApproval(c, approved ? 'Approved.' : 'Denied.', approved ? 'ok' : 'error');
                } catch (err) {
                    ErrorBar.show('Answering the sampling request', err);
                    if (err.status === 404 || err.status === 409) resolveApproval(c, 'No longer waiting for an answer.', 'muted');
                    else approveBtn.disabled = denyBtn.disabled = false;
                }
            };
            approveBtn.addEventListener('click', () => answer(true));
            denyBtn.addEventListener('click', () => answer(false));
        }
    },

    stream_reset(e) {
        const text = e.reason === 'store_reset'
            ? 'The server lost this session\'s stored history; reload the session.'
            : `Events after ${Number.isFinite(e.first_seq) ? e.first_seq - 1 : 'the last one shown'} are no longer stored; the oldest ones it still has follow. Reload the session for a clean view.`;
        const { card } = stepCard('stream_reset', e, { title: text, cls: 'banner', badge: badge(e.reason || 'reset', 'warn', 'reset-reason') });
        card.setAttribute('role', 'status');
        announce(text);
    },
    session_end(e) {
        for (const t of state.turns.values()) endTurn(t, e);
        const reason = e.reason || 'ended';
        const text = { deleted: 'The session was deleted.', expired: 'The session expired after being idle.', shutdown: 'The server is shutting down.' }[reason] || `The session ended (${reason}).`;
        const { card, body } = stepCard('session_end', e, { title: text, cls: 'banner', badge: badge(reason, 'warn', 'end-reason') });
        card.setAttribute('role', 'status');
        body.append(el('button', { type: 'button', class: 'btn btn-primary', onclick: () => openSession(null) }, 'Start a new session'));
        state.ended = true;
        state.runningTurn = null;
        state.live = false;
        if (state.conn) state.conn.close(`session ${reason}`);
        updateComposer();
        announce(text);
    },

    unknown(e, type) {
        const t = e && e.turn_id ? getTurn(e.turn_id) : null;
        const { body } = stepCard(type, e || {}, { title: 'Event', parent: t ? t.root : null });
        body.append(el('pre', { class: 'args' }, pretty(e)));
    },
};

/** Shows a call closed by the cancel as cancelled (not failed), with how long it ran. */
function markCancelled(c) {
    c.cancelled = true;
    if (c.acting) finishActing(c, 'cancelled');
    if (!c.observing) return;
    const { card, status } = c.observing;
    card.dataset.cancelled = 'true';
    card.classList.remove('is-error');
    status.textContent = 'cancelled';
    status.className = 'badge badge-muted';
    if (!c.acting) {
        const d = card.querySelector('[data-testid=duration]');
        if (d) d.textContent = 'never ran';
    }
}

/** The streamed text of an iteration that ends in tool calls is the model's thought. */
function markThought(it) {
    if (!it.textCard) return;
    it.textCard.dataset.role = 'thought';
    it.textCard.classList.add('thought');
    it.textCard.classList.remove('streaming');
    it.view.finish();
    it.textCard.querySelector('.step-title').textContent = 'Thought';
    it.textEl.setAttribute('data-testid', 'thought');
}

// ---------------------------------------------------------------------------------------------
// Elicitation forms

function buildUrlElicitation(e) {
    const form = { node: null, onAnswer: null, setBusy: null };
    const href = safeHref(e.url);
    const done = el('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'elicit-accept' }, 'Done');
    const decline = el('button', { type: 'button', class: 'btn', 'data-testid': 'elicit-decline' }, 'Decline');
    form.node = el('div', { class: 'elicit-form', 'data-testid': 'elicitation-form', 'data-mode': 'url' },
        el('p', {}, 'Open this page, finish there, then press Done: '),
        href ? el('a', { href, target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'elicit-url' }, e.url) : el('code', {}, String(e.url)),
        el('div', { class: 'actions' }, done, decline));
    form.setBusy = (busy) => { done.disabled = decline.disabled = busy; };
    done.addEventListener('click', () => form.onAnswer('accept'));
    decline.addEventListener('click', () => form.onAnswer('decline'));
    return form;
}

let fieldCounter = 0;

/** A form generated from the elicitation's JSON Schema (a flat object of primitive fields). */
function buildSchemaForm(e) {
    const schema = (e.schema && typeof e.schema === 'object') ? e.schema : { type: 'object', properties: {} };
    const props = schema.properties && typeof schema.properties === 'object' ? schema.properties : {};
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    const fields = [];
    const node = el('form', { class: 'elicit-form', 'data-testid': 'elicitation-form', 'data-mode': 'form', novalidate: true });

    for (const [name, prop] of Object.entries(props)) {
        const f = buildField(name, prop || {}, required.has(name));
        fields.push(f);
        node.append(f.wrap);
    }
    if (fields.length === 0) node.append(el('p', { class: 'muted' }, 'No fields: accept or decline.'));

    const accept = el('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'elicit-accept' }, 'Accept');
    const decline = el('button', { type: 'button', class: 'btn', 'data-testid': 'elicit-decline' }, 'Decline');
    const cancel = el('button', { type: 'button', class: 'btn btn-quiet', 'data-testid': 'elicit-cancel' }, 'Cancel');
    node.append(el('div', { class: 'actions' }, accept, decline, cancel));

    const form = { node, onAnswer: null, setBusy: null };
    form.setBusy = (busy) => { accept.disabled = decline.disabled = cancel.disabled = busy; };
    node.addEventListener('submit', (ev) => {
        ev.preventDefault();
        let ok = true;
        const content = {};
        for (const f of fields) {
            const r = f.read();
            if (r.error) { ok = false; f.setError(r.error); } else f.setError('');
            if (r.value !== undefined) content[f.name] = r.value;
        }
        if (!ok) { const bad = fields.find((f) => f.errorText.textContent); if (bad) bad.input.focus(); return; }
        form.onAnswer('accept', content);
    });
    decline.addEventListener('click', () => form.onAnswer('decline'));
    cancel.addEventListener('click', () => form.onAnswer('cancel'));
    return form;
}

function enumOptions(prop) {
    if (Array.isArray(prop.enum)) {
        const names = Array.isArray(prop.enumNames) ? prop.enumNames : [];
        return prop.enum.map((v, i) => ({ value: v, label: names[i] != null ? String(names[i]) : String(v) }));
    }
    const alts = Array.isArray(prop.oneOf) ? prop.oneOf : Array.isArray(prop.anyOf) ? prop.anyOf : null;
    if (alts && alts.every((a) => a && 'const' in a)) return alts.map((a) => ({ value: a.const, label: a.title != null ? String(a.title) : String(a.const) }));
    return null;
}

function buildField(name, prop, isRequired) {
    const id = `field-${++fieldCounter}`;
    const hintId = `${id}-hint`;
    const errId = `${id}-err`;
    const type = Array.isArray(prop.type) ? prop.type.find((x) => x !== 'null') : prop.type;
    const title = prop.title || name;
    const label = el('label', { for: id }, title, isRequired ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null);
    const hint = prop.description ? el('span', { class: 'hint', id: hintId }, prop.description) : null;
    const errorText = el('span', { class: 'field-error', id: errId, 'aria-live': 'polite' });
    const describedBy = [hint ? hintId : null, errId].filter(Boolean).join(' ');
    let input;
    let read;

    const itemsOptions = type === 'array' && prop.items ? enumOptions(prop.items) : null;
    const options = itemsOptions || enumOptions(prop);
    if (options) {
        const multiple = !!itemsOptions;
        input = el('select', { id, name, required: isRequired, multiple, 'aria-describedby': describedBy });
        if (!multiple && !isRequired) input.append(el('option', { value: '' }, '—'));
        if (!multiple && isRequired && prop.default === undefined) input.append(el('option', { value: '', disabled: true, selected: true }, 'Choose…'));
        const defaults = multiple ? (Array.isArray(prop.default) ? prop.default : []) : [prop.default];
        options.forEach((o, i) => {
            input.append(el('option', { value: String(i), selected: defaults.some((d) => d !== undefined && d === o.value) }, o.label));
        });
        read = () => {
            if (multiple) {
                const vals = [...input.selectedOptions].map((o) => options[Number(o.value)].value);
                if (isRequired && vals.length === 0) return { error: 'Choose at least one.' };
                if (prop.minItems && vals.length < prop.minItems) return { error: `Choose at least ${prop.minItems}.` };
                if (prop.maxItems && vals.length > prop.maxItems) return { error: `Choose at most ${prop.maxItems}.` };
                return { value: vals.length || isRequired ? vals : undefined };
            }
            if (input.value === '') return isRequired ? { error: 'Choose one.' } : { value: undefined };
            return { value: options[Number(input.value)].value };
        };
    } else if (type === 'boolean') {
        input = el('input', { id, name, type: 'checkbox', checked: prop.default === true, 'aria-describedby': describedBy });
        read = () => ({ value: input.checked });
    } else if (type === 'number' || type === 'integer') {
        input = el('input', {
            id, name, type: 'number', inputmode: type === 'integer' ? 'numeric' : 'decimal', step: type === 'integer' ? '1' : 'any',
            min: prop.minimum, max: prop.maximum, required: isRequired, value: typeof prop.default === 'number' ? prop.default : undefined, 'aria-describedby': describedBy,
        });
        read = () => {
            const raw = input.value.trim();
            if (raw === '') return isRequired ? { error: 'Required.' } : { value: undefined };
            const n = Number(raw);
            if (!Number.isFinite(n)) return { error: 'Enter a number.' };
            if (type === 'integer' && !Number.isInteger(n)) return { error: 'Enter a whole number.' };
            if (typeof prop.minimum === 'number' && n < prop.minimum) return { error: `At least ${prop.minimum}.` };
            if (typeof prop.maximum === 'number' && n > prop.maximum) return { error: `At most ${prop.maximum}.` };
            return { value: n };
        };
    } else {
        const fmt = prop.format;
        const inputType = { email: 'email', uri: 'url', date: 'date', 'date-time': 'datetime-local' }[fmt] || 'text';
        const long = inputType === 'text' && typeof prop.maxLength === 'number' && prop.maxLength > 200;
        input = el(long ? 'textarea' : 'input', {
            id, name, type: long ? undefined : inputType, required: isRequired, minlength: prop.minLength, maxlength: prop.maxLength,
            pattern: prop.pattern, 'aria-describedby': describedBy, rows: long ? 3 : undefined,
        });
        if (typeof prop.default === 'string') input.value = inputType === 'datetime-local' ? prop.default.replace(/Z$/, '').slice(0, 16) : prop.default;
        read = () => {
            let v = input.value;
            if (v === '') return isRequired ? { error: 'Required.' } : { value: undefined };
            if (typeof prop.minLength === 'number' && v.length < prop.minLength) return { error: `At least ${prop.minLength} characters.` };
            if (typeof prop.maxLength === 'number' && v.length > prop.maxLength) return { error: `At most ${prop.maxLength} characters.` };
            if (prop.pattern) { try { if (!new RegExp(prop.pattern, 'u').test(v)) return { error: 'Does not match the expected format.' }; } catch { /* bad pattern */ } }
            if (inputType !== 'text' && input.validity && !input.validity.valid) return { error: input.validationMessage || 'Invalid value.' };
            if (inputType === 'datetime-local') v = new Date(v).toISOString();
            return { value: v };
        };
    }
    const wrap = el('div', { class: `field field-${input.type === 'checkbox' ? 'check' : 'text'}` });
    if (input.type === 'checkbox') wrap.append(input, label); else wrap.append(label, input);
    if (hint) wrap.append(hint);
    wrap.append(errorText);
    input.addEventListener(input.tagName === 'SELECT' || input.type === 'checkbox' ? 'change' : 'input', () => {
        if (errorText.textContent) setError('');
    });
    const setError = (msg) => {
        errorText.textContent = msg;
        if (msg) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
    };
    return { name, wrap, input, read, setError, errorText };
}

// ---------------------------------------------------------------------------------------------
// Raw event log

function rawLog(kind, { id, type, data, flag } = {}) {
    const list = $('raw-log');
    let item;
    if (kind === 'event') {
        item = el('li', { class: `raw raw-event ${flag ? 'raw-flagged' : ''}`.trim(), 'data-testid': 'raw-event', 'data-id': id ?? '', 'data-type': type },
            el('span', { class: 'raw-time' }, fmtTime()),
            el('span', { class: 'raw-id' }, id != null ? `#${id}` : '#–'),
            el('span', { class: 'raw-type' }, type),
            flag ? el('span', { class: 'badge badge-warn' }, flag) : null,
            el('code', { class: 'raw-data' }, data));
    } else {
        item = el('li', { class: 'raw raw-meta', 'data-testid': 'raw-meta' }, el('span', { class: 'raw-time' }, fmtTime()), el('span', {}, data));
    }
    list.append(item);
    while (list.childElementCount > RAW_LOG_MAX) list.firstElementChild.remove();
    if (state.logStick && !state.logScrollQueued) {
        state.logScrollQueued = true;
        requestAnimationFrame(() => { state.logScrollQueued = false; list.scrollTop = list.scrollHeight; });
    }
}

function updateStats() {
    $('stat-events').textContent = String(state.stats.events);
    $('stat-dups').textContent = String(state.stats.dups);
    $('stat-heartbeats').textContent = state.transport === 'eventsource' && state.stats.heartbeats === 0 ? '–' : String(state.stats.heartbeats);
    if (state.transport === 'eventsource') {
        $('stat-heartbeats').title = 'EventSource does not expose SSE comments; choose the fetch transport to count heartbeats.';
    } else $('stat-heartbeats').removeAttribute('title');
}

// ---------------------------------------------------------------------------------------------
// Stream handling

function streamUrl() {
    const params = new URLSearchParams();
    if (state.sessionId) {
        params.set('session_id', state.sessionId);
        params.set('last_event_id', String(state.lastSeq));
    }
    if (state.token) params.set('access_token', state.token);
    const q = params.toString();
    return q ? `${PATHS.stream}?${q}` : PATHS.stream;
}

function onStreamEvent({ type, data, lastEventId }) {
    let e = null;
    try { e = JSON.parse(data); } catch { /* not JSON: shown raw */ }
    const evType = (e && typeof e.type === 'string' && e.type) || type;
    const idFromSeq = e && Number.isFinite(e.seq) ? e.seq : null;
    const id = idFromSeq ?? (lastEventId !== '' && lastEventId != null && Number.isFinite(Number(lastEventId)) ? Number(lastEventId) : null);
    const first = state.firstEventPending;
    state.firstEventPending = false;
    state.stats.events++;

    if (evType === 'session_start') {
        // Per connection, not part of the session's replayable history: never deduplicated.
        rawLog('event', { id, type: evType, data, flag: first ? null : 'not first: ignored' });
        if (first && e) onSessionStart(e);
        updateStats();
        return;
    }
    if (evType === 'session_end' || evType === 'stream_reset') {
        // Connection frames (no SSE id): they end or reset this stream, never deduplicated.
        rawLog('event', { id: null, type: evType, data });
        updateStats();
        if (!e) return;
        if (evType === 'stream_reset' && Number.isFinite(e.first_seq) && e.first_seq > 0)
            state.lastSeq = Math.min(state.lastSeq, e.first_seq - 1);
        try {
            (render[evType] || ((ev) => render.unknown(ev, evType)))(e);
        } catch (err) {
            console.error('rendering', evType, err);
            ErrorBar.show(`Showing a ${evType} event`, err);
        }
        return;
    }
    if (id !== null && id <= state.lastSeq) {
        state.stats.dups++;
        rawLog('event', { id, type: evType, data, flag: 'duplicate: dropped' });
        updateStats();
        return;
    }
    rawLog('event', { id, type: evType, data });
    updateStats();
    if (id !== null) state.lastSeq = id;
    if (!e) { render.unknown({ raw: data }, evType); return; }
    try {
        (render[evType] || ((ev) => render.unknown(ev, evType)))(e);
        const t = e.turn_id ? state.turns.get(e.turn_id) : null;
        if (t && evType !== 'observing') t.observedRun = [];
    } catch (err) {
        console.error('rendering', evType, err);
        ErrorBar.show(`Showing a ${evType} event`, err);
    }
}

function onSessionStart(e) {
    const info = state.attemptInfo || {};
    state.conn.healthy();
    const sid = e.session_id;
    if (info.sessionId && sid && sid !== info.sessionId) {
        for (const t of state.turns.values()) endTurn(t);
        note(`The server did not resume session ${info.sessionId}${e.created ? '; it started a new session' : '; it answered with session'} ${sid}. Earlier turns above belong to the old session.`, 'new-session-note', 'warn');
        state.lastSeq = 0;
        state.turns.clear();
        state.runningTurn = null;
    } else if (info.reconnect) {
        const n = info.resumeFrom;
        note(`Reconnected — resumed after event ${n}.`, 'reconnected', 'ok');
        if (typeof e.last_seq === 'number' && e.last_seq < n) {
            note(`The server's history ends at event ${e.last_seq}, before the ${n} events already shown.`, 'history-note', 'warn');
        }
        announce('Reconnected');
    } else if (info.created) {
        note(`New session ${sid} started.`, 'opened-note');
    } else if (info.sessionId) {
        const count = typeof e.message_count === 'number' ? `, ${e.message_count} message${e.message_count === 1 ? '' : 's'}` : '';
        note(`Opened session ${sid}${count}${e.last_seq ? ` — replaying ${e.last_seq} events` : ''}.`, 'opened-note');
    } else {
        note(`New session ${sid} started.`, 'opened-note');
    }
    state.connectedOnce = true;
    state.createdBySend = false;
    state.sessionId = sid || state.sessionId;
    state.model = e.model ?? state.model;
    state.tools = Array.isArray(e.tools) ? e.tools : state.tools;
    renderHeader();
    updateComposer();
    rememberSessionInUrl();
    selectSessionInPicker();
    if (e.created) loadSessions();
}

function connect() {
    if (state.conn) state.conn.close('replaced');
    state.conn = new SseConnection({
        buildUrl: streamUrl,
        transport: state.transport,
        handlers: {
            onAttempt: () => {
                state.attemptInfo = { sessionId: state.sessionId, resumeFrom: state.lastSeq, reconnect: state.connectedOnce, created: state.createdBySend };
                state.firstEventPending = true;
                rawLog('meta', { data: state.connectedOnce ? `reconnecting with last_event_id=${state.lastSeq}` : (state.sessionId ? `opening session ${state.sessionId} (last_event_id=${state.lastSeq})` : 'opening a new session') });
            },
            onOpen: () => { state.live = true; rawLog('meta', { data: 'stream open' }); },
            onEvent: onStreamEvent,
            onComment: (text) => {
                state.stats.heartbeats++;
                $('stat-last-heartbeat').textContent = fmtTime();
                $('stat-last-heartbeat').title = `${text || '(empty comment)'} at ${new Date().toISOString()}`;
                updateStats();
            },
            onLost: (reason) => { state.live = false; rawLog('meta', { data: `stream lost: ${reason}` }); },
            onFatal: (err) => { state.live = false; ErrorBar.show('Opening the event stream', err); rawLog('meta', { data: `stream refused: ${err.message}` }); },
            onState: setConnState,
        },
    });
    state.conn.start();
}

function setConnState(s, attempt) {
    const pill = $('conn-state');
    pill.dataset.state = s;
    pill.textContent = s === 'reconnecting' ? `reconnecting (attempt ${attempt || 1})` : s === 'idle' ? 'no session yet' : s;
    pill.title = s === 'idle' ? 'The stream opens when you send the first message (that creates the session).' : '';
    $('reconnect').hidden = !(s === 'reconnecting' || (s === 'closed' && !state.ended && !!state.conn));
    if (s !== 'live') state.live = false;
}

/**
 * Shows `sessionId` and opens its stream, resetting the timeline. Without an id, nothing is
 * asked of the server: the first message sent creates the session (see sendMessage), so opening
 * the page or pressing New session leaves no empty session behind.
 */
function openSession(sessionId) {
    if (state.conn) { const c = state.conn; state.conn = null; c.close('switching'); }
    state.view++;
    Object.assign(state, {
        sessionId: sessionId || null, createdBySend: false, lastSeq: 0, connectedOnce: false, ended: false, runningTurn: null,
        model: null, tools: [], live: false, stickToBottom: true,
    });
    follow.autoTop = 0;
    state.turns.clear();
    state.elicitations.clear();
    timeline().replaceChildren(el('p', { class: 'timeline-empty', id: 'timeline-empty' },
        sessionId ? `Opening session ${sessionId}…` : 'Type a message below: sending it starts a new session.'));
    renderHeader();
    updateComposer();
    rememberSessionInUrl();
    selectSessionInPicker();
    if (sessionId) connect(); else setConnState('idle');
}

// ---------------------------------------------------------------------------------------------
// Header, sessions, health

function renderHeader() {
    $('session-id').textContent = state.sessionId || '—';
    $('copy-session').disabled = !state.sessionId;
    $('delete-session').disabled = !state.sessionId;
    $('model').textContent = state.model || state.server.model || '—';
    const tc = $('tool-count');
    tc.textContent = state.connectedOnce ? String(state.tools.length) : typeof state.server.tools === 'number' ? String(state.server.tools) : '—';
    tc.title = state.tools.length ? state.tools.join('\n') : state.connectedOnce ? 'No tools' : '';
}

function rememberSessionInUrl() {
    try {
        const url = new URL(location.href);
        if (state.sessionId) url.searchParams.set('session', state.sessionId); else url.searchParams.delete('session');
        history.replaceState(null, '', url);
    } catch { /* not fatal */ }
}

function sessionsFromResponse(body) {
    const list = Array.isArray(body) ? body : (body && (body.sessions || body.items || body.data)) || [];
    return list.map((s) => (typeof s === 'string' ? { id: s } : { ...s, id: s.id || s.session_id })).filter((s) => s.id);
}

async function loadSessions() {
    const select = $('session-select');
    try {
        const sessions = sessionsFromResponse(await api('GET', PATHS.sessions));
        const opts = [el('option', { value: '' }, sessions.length ? '— pick a session —' : '— no sessions —')];
        for (const s of sessions) {
            const bits = [s.id];
            if (typeof s.message_count === 'number') bits.push(`${s.message_count} msg`);
            const when = s.updated_at || s.last_active || s.updated || s.created_at || s.created;
            if (when && !Number.isNaN(new Date(when).getTime())) bits.push(new Date(when).toLocaleString([], { hour12: false }));
            if (s.title) bits.push(String(s.title).slice(0, 40));
            opts.push(el('option', { value: s.id }, bits.join(' · ')));
        }
        select.replaceChildren(...opts);
        selectSessionInPicker();
    } catch (err) {
        ErrorBar.show('Loading the session list', err);
    }
}

function selectSessionInPicker() {
    const select = $('session-select');
    const has = [...select.options].some((o) => o.value === state.sessionId);
    select.value = has ? state.sessionId : '';
}

let healthFailing = false;
let healthSoon = null;
async function loadHealth() {
    const h = $('health');
    clearTimeout(healthSoon);
    healthSoon = null;
    try {
        const body = await api('GET', PATHS.health);
        healthFailing = false;
        const problems = serverProblems(body || {});
        h.replaceChildren(healthSummary(body || {}));
        if (problems.length) {
            h.append(el('ul', { class: 'server-problems', 'data-testid': 'server-problems' }, problems.map((p) => el('li', {
                class: 'server-problem', 'data-testid': 'server-problem', 'data-server': p.name, 'data-state': p.state, title: p.reason || undefined,
            }, el('strong', {}, p.name), `: ${p.state}`, p.reason ? ` — ${p.reason.length > 200 ? `${p.reason.slice(0, 200)}…` : p.reason}` : ''))));
        }
        h.dataset.status = String((body && body.status) || 'ok');
        h.title = pretty(body);
        state.server = { model: body && typeof body.model === 'string' ? body.model : null, tools: body && typeof body.tools === 'number' ? body.tools : null };
        renderHeader();
        // A server on its way up or down: look again soon rather than in 30 s.
        if (problems.some((p) => p.state !== 'failed') || serversOf(body || {}).some((x) => /^starting$/i.test(String(x.state || '')))) {
            healthSoon = setTimeout(loadHealth, 3000);
        }
    } catch (err) {
        h.textContent = err.status ? `error: ${err.message}` : 'unreachable';
        h.dataset.status = 'error';
        h.title = err.message;
        if (!healthFailing && err.status) ErrorBar.show('Checking the server health', err);
        healthFailing = true;
    }
}

/** The MCP servers of a health answer as a list of {name, state, reason, …}. */
function serversOf(b) {
    let servers = b.mcp_servers || b.servers || b.mcp;
    if (servers && !Array.isArray(servers) && typeof servers === 'object') {
        servers = Object.entries(servers).map(([name, v]) => (typeof v === 'object' && v ? { name, ...v } : { name, state: v }));
    }
    return Array.isArray(servers) ? servers.filter((s) => s && typeof s === 'object') : [];
}

/** The servers that are not ready (and not switched off): name, state and the server's reason. */
function serverProblems(b) {
    return serversOf(b).map((s) => ({
        name: String(s.name || '?'), state: String(s.state || s.status || 'unknown'),
        reason: typeof s.reason === 'string' ? s.reason : typeof s.error === 'string' ? s.error : '',
    })).filter((s) => !/^(ready|running|connected|ok|up|disabled|starting)$/i.test(s.state));
}

function healthSummary(b) {
    const parts = [String(b.status || 'ok')];
    if (b.version) parts.push(`v${String(b.version).replace(/^v/, '')}`);
    const up = typeof b.uptime_s === 'number' ? b.uptime_s : typeof b.uptime_seconds === 'number' ? b.uptime_seconds
        : typeof b.uptime_ms === 'number' ? b.uptime_ms / 1000 : typeof b.uptime === 'number' ? b.uptime : null;
    if (up !== null) parts.push(`up ${fmtUptime(up)}`);
    const counts = b.counts && typeof b.counts === 'object' ? b.counts : b;
    const sessions = typeof counts.sessions === 'number' ? counts.sessions : (counts.sessions && counts.sessions.active);
    if (typeof sessions === 'number') parts.push(`${sessions} session${sessions === 1 ? '' : 's'}`);
    const conns = typeof counts.connections === 'number' ? counts.connections : typeof counts.streams === 'number' ? counts.streams : null;
    if (conns !== null) parts.push(`${conns} stream${conns === 1 ? '' : 's'}`);
    const servers = serversOf(b);
    if (servers.length) {
        const ready = servers.filter((s) => /^(ready|running|connected|ok|up)$/i.test(String(s.state || s.status || ''))).length;
        parts.push(`MCP ${ready}/${servers.length} ready`);
    }
    return parts.join(' · ');
}

// ---------------------------------------------------------------------------------------------
// Composer

function updateComposer() {
    const busy = !!state.runningTurn || state.sending;
    const blocked = state.ended;
    $('send').disabled = busy || blocked;
    const input = $('message-input');
    const hadFocus = document.activeElement === input;
    input.disabled = busy || state.ended;
    $('cancel').hidden = !state.runningTurn;
    $('composer-hint').textContent = state.ended ? 'This session is over: start a new session to chat.'
        : state.runningTurn ? 'A turn is running… (Cancel stops it)'
            : !state.sessionId ? 'Enter sends (and starts a new session) · Shift+Enter for a new line' : 'Enter sends · Shift+Enter for a new line';
    if (!input.disabled && state.refocus) { state.refocus = false; input.focus(); } else if (hadFocus && input.disabled) state.refocus = true;
}

async function sendMessage() {
    const input = $('message-input');
    const message = input.value.trim();
    if (!message || $('send').disabled) return;
    state.sending = true;
    state.refocus = true;
    updateComposer();
    try {
        const creating = !state.sessionId;
        const view = state.view;
        // Without a session, the send creates it; its stream opens right after and replays the
        // turn from its first event (last_event_id=0), so nothing is missed.
        const res = await api('POST', PATHS.send, creating ? { message } : { session_id: state.sessionId, message });
        input.value = '';
        if (creating) {
            const sid = res && typeof res.session_id === 'string' && SESSION_ID_RE.test(res.session_id) ? res.session_id : null;
            if (!sid) throw new ApiError(0, 'bad_response', 'The server started a turn but sent no valid session id.');
            if (view !== state.view) return; // the user opened another session meanwhile
            Object.assign(state, { sessionId: sid, createdBySend: true, lastSeq: 0, connectedOnce: false });
            renderHeader();
            rememberSessionInUrl();
        }
        if (res && typeof res.turn_id === 'string') {
            const t = getTurn(res.turn_id, message);
            if (!t.ended) state.runningTurn = res.turn_id;
        }
        if (creating) { connect(); loadSessions(); }
    } catch (err) {
        ErrorBar.show('Sending the message', err);
    } finally {
        state.sending = false;
        updateComposer();
    }
}

async function cancelTurn() {
    const btn = $('cancel');
    btn.disabled = true;
    btn.textContent = 'Cancelling…';
    try {
        await api('POST', PATHS.cancel, { session_id: state.sessionId });
    } catch (err) {
        ErrorBar.show('Cancelling the turn', err);
    } finally {
        btn.disabled = false;
        btn.textContent = 'Cancel';
    }
}

async function copySessionId() {
    const id = state.sessionId;
    if (!id) return;
    const btn = $('copy-session');
    try {
        await navigator.clipboard.writeText(id);
    } catch {
        const range = document.createRange();
        range.selectNodeContents($('session-id'));
        const sel = getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        try { document.execCommand('copy'); } catch { /* the id stays selected for Ctrl+C */ }
    }
    btn.textContent = 'Copied';
    setTimeout(() => { btn.textContent = 'Copy'; }, 1500);
}

async function deleteSession() {
    const id = state.sessionId;
    if (!id || !confirm(`Delete session ${id}?`)) return;
    try {
        await api('DELETE', `${PATHS.sessions}/${encodeURIComponent(id)}`);
        loadSessions();
    } catch (err) {
        ErrorBar.show('Deleting the session', err);
    }
}

function setLogOpen(open) {
    $('log-panel').hidden = !open;
    $('toggle-log').setAttribute('aria-expanded', String(open));
    document.body.classList.toggle('log-open', open);
    storageSet(localStorage, LOG_OPEN_KEY, open ? '1' : '0');
}

// ---------------------------------------------------------------------------------------------
// Start

function init() {
    const url = new URL(location.href);
    const tokenParam = url.searchParams.get('token');
    if (tokenParam !== null) {
        storageSet(sessionStorage, TOKEN_KEY, tokenParam || null);
        url.searchParams.delete('token'); // keep the secret out of the address bar and history
        history.replaceState(null, '', url);
    }
    state.token = storageGet(sessionStorage, TOKEN_KEY) || '';
    const transportParam = url.searchParams.get('transport');
    state.transport = ['eventsource', 'fetch'].includes(transportParam) ? transportParam
        : (storageGet(localStorage, TRANSPORT_KEY) === 'fetch' ? 'fetch' : 'eventsource');
    if (typeof EventSource === 'undefined') state.transport = 'fetch';
    $('transport').value = state.transport;
    updateStats();

    const logPref = storageGet(localStorage, LOG_OPEN_KEY);
    setLogOpen(logPref === null ? window.matchMedia('(min-width: 1100px)').matches : logPref === '1');

    $('composer').addEventListener('submit', (ev) => { ev.preventDefault(); sendMessage(); });
    $('message-input').addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && !ev.altKey) {
            ev.preventDefault();
            sendMessage();
        }
    });
    $('cancel').addEventListener('click', cancelTurn);
    $('copy-session').addEventListener('click', copySessionId);
    $('new-session').addEventListener('click', () => openSession(null));
    $('delete-session').addEventListener('click', deleteSession);
    $('refresh-sessions').addEventListener('click', loadSessions);
    $('session-select').addEventListener('change', (ev) => { if (ev.target.value && ev.target.value !== state.sessionId) openSession(ev.target.value); });
    $('open-form').addEventListener('submit', (ev) => {
        ev.preventDefault();
        const id = $('session-input').value.trim();
        if (id) { openSession(id); $('session-input').value = ''; }
    });
    $('toggle-log').addEventListener('click', () => setLogOpen($('log-panel').hidden));
    $('clear-log').addEventListener('click', () => { $('raw-log').replaceChildren(); });
    $('transport').addEventListener('change', (ev) => {
        state.transport = ev.target.value;
        storageSet(localStorage, TRANSPORT_KEY, state.transport);
        updateStats();
        if (state.conn && !state.ended) { state.conn.transport = state.transport; state.conn.reconnectNow(); }
    });
    $('reconnect').addEventListener('click', () => {
        if (!state.conn) return;
        if (state.ended) openSession(null); else state.conn.reconnectNow();
    });
    window.addEventListener('online', () => { if (state.conn && !state.live && !state.ended) state.conn.reconnectNow(); });
    document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape' && !$('error-bar').hidden && !ev.target.closest('form')) ErrorBar.clear(); });
    watchTimeline();
    $('raw-log').addEventListener('scroll', () => {
        const l = $('raw-log');
        state.logStick = l.scrollHeight - l.scrollTop - l.clientHeight < 40;
    }, { passive: true });

    loadHealth();
    setInterval(loadHealth, HEALTH_INTERVAL_MS);
    loadSessions();
    openSession(url.searchParams.get('session') || url.searchParams.get('session_id') || null);
}

// Exposed for debugging in the console and for browser tests.
window.mcpHost = { state, openSession, ErrorBar };

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
