import QtQuick
import QtTest
import QtQuick.Controls
import McpHost.Views

// The step cards, one by one, as a user sees them: each shows its fields, the start time and
// the duration; collapsed cards keep one fixed height; expanding a tool call shows the tree.
Item {
    id: root
    width: 640
    height: 900
    readonly property Item overlay: Overlay.overlay

    Component { id: userCard; UserCard {} }
    Component { id: thinkingCard; ThinkingCard {} }
    Component { id: toolCallCard; ToolCallCard {} }
    Component { id: actingCard; ActingCard {} }
    Component { id: observationCard; ObservationCard {} }
    Component { id: answerCard; AnswerCard {} }
    Component { id: errorCard; ErrorCard {} }
    Component { id: samplingCard; SamplingCard {} }

    function base(extra) {
        var p = {
            index: 0, kind: "", turnId: "t1", status: "done",
            startedAt: new Date(2026, 0, 5, 14, 3, 27), durationMs: 12400,
            expanded: false, matches: false, width: 600
        };
        for (var k in extra)
            p[k] = extra[k];
        return p;
    }

    // Every visible text in `item`'s tree, joined: what a user reads.
    function visibleText(item) {
        var out = [];
        (function walk(it) {
            if (!it || !it.visible)
                return;
            if (it.text !== undefined && typeof it.text === "string" && it.text !== "")
                out.push(it.text);
            var kids = it.children || [];
            var sawContent = false;
            for (var i = 0; i < kids.length; ++i) {
                sawContent = sawContent || kids[i] === it.contentItem;
                walk(kids[i]);
            }
            if (it.contentItem && !sawContent)
                walk(it.contentItem);
        })(item);
        return out.join("\n");
    }

    function find(item, name) {
        if (!item)
            return null;
        if (item.objectName === name)
            return item;
        var kids = item.children || [];
        for (var i = 0; i < kids.length; ++i) {
            var f = find(kids[i], name);
            if (f)
                return f;
        }
        if (item.contentItem)
            return find(item.contentItem, name);
        return null;
    }

    // The first visible item called `name` (what the user sees, not a hidden twin).
    function findShown(item, name) {
        if (!item || !item.visible)
            return null;
        if (item.objectName === name)
            return item;
        var kids = item.children || [];
        for (var i = 0; i < kids.length; ++i) {
            var f = findShown(kids[i], name);
            if (f)
                return f;
        }
        return item.contentItem ? findShown(item.contentItem, name) : null;
    }

    TestCase {
        name: "Cards"
        when: windowShown

        function test_user() {
            var c = createTemporaryObject(userCard, root, base({ kind: "user", text: "List the files in /tmp" }));
            verify(c);
            var t = visibleText(c);
            verify(t.indexOf("List the files in /tmp") >= 0, t);
            verify(t.indexOf("14:03:27") >= 0, "start time shown: " + t);
            verify(t.indexOf("12.4 s") >= 0, "duration shown: " + t);
        }

        function test_context_menu_from_the_keyboard() {
            var c = createTemporaryObject(userCard, root, base({ kind: "user", text: "Hi" }));
            var spy = createTemporaryQmlObject("import QtTest; SignalSpy { signalName: 'copyStepRequested' }", root);
            spy.target = c;
            compare(c.menu, null, "no menu is made before it is asked for");
            c.forceActiveFocus();
            keyClick(Qt.Key_F10, Qt.ShiftModifier);
            verify(c.menu);
            tryCompare(c.menu, "opened", true);
            var t = visibleText(root.overlay);
            verify(t.indexOf("Copy step as Markdown") >= 0 && t.indexOf("Copy turn as Markdown") >= 0, t);
            mouseClick(c.menu.itemAt(1));
            compare(spy.count, 1);
            compare(spy.signalArguments[0][0], 0);
        }

        function test_thinking_collapsed_height_is_fixed() {
            var brief = createTemporaryObject(thinkingCard, root, base({ kind: "thinking", text: "Hmm.", html: "" }));
            var lengthy = createTemporaryObject(thinkingCard, root, base({ kind: "thinking", text: "A long thought. ".repeat(400), html: "" }));
            compare(lengthy.height, brief.height, "collapsed cards have one height");
            verify(visibleText(brief).indexOf("Hmm.") >= 0);
            lengthy.expanded = true;
            tryVerify(() => lengthy.height > brief.height * 2, 1000, "an expanded card grows");
        }

        function test_thinking_row_that_became_the_answer_shows_it() {
            // The model turns the last iteration's row into the answer in place; the delegate
            // ListView made for "thinking" must then show the rendered answer, not an empty thought.
            var c = createTemporaryObject(thinkingCard, root, base({ kind: "answer", text: "",
                                                                     html: "<p>The sum is <b>5</b>.</p>" }));
            var t = visibleText(c);
            verify(t.indexOf("Answer") >= 0, t);
            verify(find(c, "thinkingHtml").visible, "the rendered answer is shown");
            verify(find(c, "thinkingHtml").getText(0, 100).indexOf("The sum is 5.") >= 0);
        }

        function test_thinking_streaming_shows_running_duration() {
            var c = createTemporaryObject(thinkingCard, root, base({ kind: "thinking", text: "so far", html: "", status: "running",
                                                                     durationMs: -1, startedAt: new Date(Date.now() - 3000) }));
            verify(visibleText(c).indexOf("Thinking…") >= 0);
            tryVerify(() => /\d\.\d s/.test(find(c, "cardDuration").text), 2000, "elapsed time counts while running");
        }

        function test_toolcall_collapsed_and_expanded() {
            var args = { path: "/tmp", options: { recursive: true, depth: 2 } };
            var c = createTemporaryObject(toolCallCard, root, base({
                kind: "toolCall", callId: "c1", server: "fs", tool: "list_directory",
                argsSummary: "path=/tmp, options={…}", argsJson: JSON.stringify(args, null, 2), args: args,
                approval: "auto", deadline: new Date(NaN) }));
            var t = visibleText(c);
            verify(t.indexOf("fs › list_directory") >= 0, t);
            verify(t.indexOf("path=/tmp, options={…}") >= 0, t);
            verify(!find(c, "argsTree").visible, "no tree while collapsed");
            var collapsed = c.height;
            var spy = createTemporaryQmlObject("import QtTest; SignalSpy { signalName: 'expandRequested' }", root);
            spy.target = c;
            mouseClick(c, 40, 12);
            compare(spy.count, 1);
            compare(spy.signalArguments[0][1], true, "clicking the header asks to expand");
            c.expanded = true;
            verify(find(c, "argsTree").visible);
            tryVerify(() => c.height > collapsed, 1000, "the expanded card grows");
            t = visibleText(c);
            verify(t.indexOf("options: {2}") >= 0, "tree shows the object node: " + t);
            verify(t.indexOf("path: \"/tmp\"") >= 0, "tree shows the scalar: " + t);
            verify(t.indexOf("\"recursive\": true") >= 0, "raw JSON shown: " + t);
            verify(find(c, "copyArgs").visible);
        }

        function test_acting_progress() {
            var c = createTemporaryObject(actingCard, root, base({
                kind: "acting", status: "running", durationMs: -1, startedAt: new Date(Date.now() - 2000),
                server: "fs", tool: "search", progress: 3, progressTotal: 10, progressMessage: "Scanning /usr" }));
            var t = visibleText(c);
            verify(t.indexOf("Running fs › search") >= 0, t);
            verify(t.indexOf("Scanning /usr") >= 0, t);
            verify(t.indexOf("3 / 10") >= 0, t);
            verify(find(c, "busy").visible);
            compare(find(c, "progressBar").position, 0.3);
            tryVerify(() => find(c, "elapsed").text.indexOf("elapsed") > 0 && find(c, "elapsed").text.indexOf(" s") > 0, 2000);
        }

        function test_observation_blocks() {
            var png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
            var c = createTemporaryObject(observationCard, root, base({
                kind: "observation", expanded: true, server: "fs", tool: "read", isError: false,
                previewTruncated: true, fullBytes: 3 * 1024 * 1024,
                content: [{ type: "text", text: "hello world" },
                          { type: "text", text: "{\"a\": [1, 2]}" },
                          { type: "image", mimeType: "image/png", data: png },
                          { type: "audio", mimeType: "audio/wav", data: "AAAA" },
                          { type: "resource_link", uri: "file:///tmp/x.txt", name: "x.txt" }] }));
            var t = visibleText(c);
            verify(t.indexOf("Result of fs › read") >= 0, t);
            verify(t.indexOf("hello world") >= 0, t);
            verify(t.indexOf("a: [2]") >= 0, "JSON text shown as a tree: " + t);
            verify(t.indexOf("Audio (audio/wav") >= 0, t);
            verify(t.indexOf("x.txt  <file:///tmp/x.txt>") >= 0, t);
            verify(t.indexOf("3.0 MiB") >= 0, t);
            var img = findShown(c, "blockImage");
            verify(img.visible);
            tryCompare(img, "status", Image.Ready);
            // The loaded image changes the card's layout: click where the button is after it.
            waitForRendering(c);
            var spy = createTemporaryQmlObject("import QtTest; SignalSpy { signalName: 'showAllRequested' }", root);
            spy.target = c;
            mouseClick(find(c, "showAll"));
            compare(spy.count, 1);
            mouseClick(img);
            tryVerify(() => findShown(root.overlay, "imagePopupImage") !== null, 1000, "clicking the image enlarges it");
        }

        function test_observation_error_is_red() {
            var c = createTemporaryObject(observationCard, root, base({
                kind: "observation", expanded: true, server: "fs", tool: "read", isError: true,
                previewTruncated: false, fullBytes: 10, content: [{ type: "text", text: "ENOENT" }] }));
            verify(visibleText(c).indexOf("fs › read failed") >= 0);
            verify(!find(c, "showAll").visible);
            var label = findShown(c, "blockText");
            compare(label.text, "ENOENT");
            verify(Qt.colorEqual(label.color, Style.danger));
        }

        function test_answer_html_and_tail() {
            var c = createTemporaryObject(answerCard, root, base({
                kind: "answer", status: "running", durationMs: -1,
                html: "<p>There are <b>3</b> files.</p>", text: "The first is" }));
            verify(find(c, "answerHtml").visible);
            verify(find(c, "answerHtml").getText(0, 100).indexOf("There are 3 files.") >= 0);
            compare(find(c, "answerTail").text, "The first is");
        }

        function sampling(extra) {
            var p = base({ kind: "sampling", status: "waiting", durationMs: -1, startedAt: new Date(),
                           callId: "", requestId: "smp_1", server: "summarizer", message: "Summarize the log",
                           maxTokens: 64, code: "", deadline: new Date(Date.now() + 1500),
                           content: [{ role: "user", content: { type: "text", text: "Summarize the log" } }] });
            for (var k in extra)
                p[k] = extra[k];
            return p;
        }

        function test_sampling_counts_down_and_the_timeout_denies() {
            var c = createTemporaryObject(samplingCard, root, sampling({}));
            waitForRendering(c);
            var countdown = findShown(c, "approvalCountdown");
            verify(countdown !== null, "a countdown while it waits: " + visibleText(c));
            verify(/^[12] s left$/.test(countdown.text), countdown.text);
            verify(findShown(c, "approveButton") !== null);
            tryVerify(() => findShown(c, "approvalExpired") !== null, 4000, "the deadline passes");
            verify(visibleText(c).indexOf("Denied: no answer before the deadline.") >= 0, visibleText(c));
            compare(findShown(c, "approveButton"), null, "nothing to press once it is over");
        }

        function test_sampling_denied_by_timeout_after_the_fact() {
            // What the model says once the turn went on: denied, and why.
            var c = createTemporaryObject(samplingCard, root, sampling({
                status: "denied", durationMs: 120000, code: "timeout", deadline: new Date(Date.now() - 1000) }));
            var t = visibleText(c);
            verify(t.indexOf("Denied: no answer before the deadline.") >= 0, t);
            compare(findShown(c, "approvalCountdown"), null);
            compare(findShown(c, "approveButton"), null);
            var other = createTemporaryObject(samplingCard, root, sampling({
                status: "denied", durationMs: 10, code: "", deadline: new Date(NaN) }));
            compare(findShown(other, "samplingOutcome").text, "Denied");
        }

        function test_sampling_without_deadline_has_no_countdown() {
            var c = createTemporaryObject(samplingCard, root, sampling({ deadline: new Date(NaN) }));
            compare(findShown(c, "approvalCountdown"), null);
            verify(findShown(c, "approveButton") !== null);
        }

        function test_error() {
            var c = createTemporaryObject(errorCard, root, base({ kind: "error", status: "error", text: "provider timed out" }));
            var t = visibleText(c);
            verify(t.indexOf("provider timed out") >= 0, t);
            verify(t.indexOf("error") >= 0, "status shown: " + t);
        }
    }
}
