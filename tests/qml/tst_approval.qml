import QtQuick
import QtQuick.Controls
import QtTest
import McpHost.Views
import "Helpers.js" as H

// Approving a tool call inline: the card shows the full arguments, the scope the user picks
// goes out with the answer, and a deadline that passes turns into a visible denial.
Item {
    id: root
    width: 700
    height: 900

    Component { id: toolCallCard; ToolCallCard {} }
    Component { id: samplingCard; SamplingCard {} }
    Component { id: spyComponent; SignalSpy {} }

    function pending(extra) {
        var args = { path: "/etc/hosts", content: "127.0.0.1 example" };
        var p = { kind: "toolCall", status: "waiting", durationMs: -1, startedAt: new Date(),
                  callId: "call-7", server: "fs", tool: "write_file",
                  argsSummary: "path=/etc/hosts, content=…", argsJson: JSON.stringify(args, null, 2),
                  args: args, approval: "required", deadline: new Date(Date.now() + 60000) };
        for (var k in extra)
            p[k] = extra[k];
        return H.step(p);
    }

    TestCase {
        name: "Approval"
        when: windowShown

        // A fresh card: laid out and drawn before it is clicked.
        function make(component, props) {
            var c = createTemporaryObject(component, root, props);
            verify(c);
            waitForRendering(c);
            return c;
        }

        function choose(box, value) {
            box.forceActiveFocus();
            var at = box.indexOfValue(value);
            verify(at >= 0, value);
            box.currentIndex = at;
            box.activated(at);
        }

        function test_panel_shows_full_arguments_while_collapsed() {
            var c = make(toolCallCard, pending({}));
            var t = H.visibleText(c);
            verify(t.indexOf("Allow fs › write_file to run") >= 0, t);
            verify(t.indexOf("127.0.0.1 example") >= 0, "the full arguments, not the summary: " + t);
            verify(H.findShown(c, "approveButton").enabled);
            verify(H.findShown(c, "denyButton").enabled);
            verify(/\d+ s left/.test(H.findShown(c, "approvalCountdown").text));
        }

        function test_approve_always_this_tool() {
            var c = make(toolCallCard, pending({}));
            var spy = createTemporaryObject(spyComponent, root, { target: c, signalName: "approve" });
            choose(H.findShown(c, "scopeBox"), "tool");
            compare(H.findShown(c, "scopeBox").currentText, "Always for this tool");
            mouseClick(H.findShown(c, "approveButton"));
            compare(spy.count, 1);
            compare(spy.signalArguments[0][0], "call-7");
            compare(spy.signalArguments[0][1], true);
            compare(spy.signalArguments[0][2], "tool");
        }

        function test_deny_once_by_default_and_each_scope() {
            var c = make(toolCallCard, pending({}));
            var spy = createTemporaryObject(spyComponent, root, { target: c, signalName: "approve" });
            mouseClick(H.findShown(c, "denyButton"));
            compare(spy.signalArguments[0][1], false);
            compare(spy.signalArguments[0][2], "once");
            var scopes = ["session", "server"];
            for (var i = 0; i < scopes.length; ++i) {
                choose(H.findShown(c, "scopeBox"), scopes[i]);
                mouseClick(H.findShown(c, "denyButton"));
                compare(spy.signalArguments[i + 1][2], scopes[i]);
            }
        }

        function test_keyboard_approve() {
            var c = make(toolCallCard, pending({}));
            var spy = createTemporaryObject(spyComponent, root, { target: c, signalName: "approve" });
            var button = H.findShown(c, "approveButton");
            button.forceActiveFocus();
            keyClick(Qt.Key_Space);
            compare(spy.count, 1);
            compare(spy.signalArguments[0][1], true);
        }

        function test_countdown_to_zero_shows_denied_by_timeout() {
            var c = make(toolCallCard, pending({ deadline: new Date(Date.now() + 1500) }));
            verify(H.findShown(c, "approvalExpired") === null);
            tryVerify(() => H.findShown(c, "approvalExpired") !== null, 4000, "the deadline passes");
            verify(H.visibleText(c).indexOf("Denied: no answer before the deadline.") >= 0);
            compare(H.findShown(c, "approveButton"), null, "no button to press once it is over");
        }

        function test_answered_call_shows_outcome_not_panel() {
            var c = make(toolCallCard, pending({ status: "denied", approval: "denied", durationMs: 0 }));
            compare(H.findShown(c, "approvalPanel"), null);
            verify(H.visibleText(c).indexOf("Denied") >= 0);
        }

        function test_sampling_offers_once_and_session_only() {
            var c = make(samplingCard, H.step({
                kind: "sampling", status: "waiting", durationMs: -1, callId: "", requestId: "s-1", server: "summarizer",
                message: "Summarize the log", deadline: new Date(NaN), code: "", maxTokens: 256,
                content: [{ role: "user", content: { type: "text", text: "Summarize the log" } }] }));
            var t = H.visibleText(c);
            verify(t.indexOf("user: Summarize the log") >= 0, t);
            verify(t.indexOf("At most 256 tokens") >= 0, t);
            var box = H.findShown(c, "scopeBox");
            compare(box.count, 2);
            var spy = createTemporaryObject(spyComponent, root, { target: c, signalName: "approve" });
            choose(box, "session");
            mouseClick(H.findShown(c, "approveButton"));
            compare(spy.signalArguments[0][0], "s-1");
            compare(spy.signalArguments[0][2], "session");
        }
    }
}
