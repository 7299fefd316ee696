import QtQuick
import QtQuick.Controls
import QtTest
import McpHost.Gui
import McpHost.Views
import McpHostTest
import "Helpers.js" as H

// The timeline view over the real TimelineModel, fed recorded transcripts of real runs: the
// cards of each kind show what happened, a pending approval shows inline, Ctrl+F finds a
// step, Esc stops a running turn, Enter sends and Shift+Enter does not.
Item {
    id: root
    width: 800
    height: 1400

    Component {
        id: viewComponent
        TimelineView {
            anchors.fill: parent
            timeline: TimelineModel {}
        }
    }
    Component { id: spyComponent; SignalSpy {} }

    TestCase {
        name: "Timeline"
        when: windowShown

        function make(transcript, events) {
            var v = createTemporaryObject(viewComponent, root);
            verify(v);
            if (transcript)
                verify(Transcript.play(v.timeline, transcript, events === undefined ? -1 : events) > 0);
            waitForRendering(v);
            return v;
        }

        function test_two_tool_calls() {
            var v = make("two-tool-calls");
            tryVerify(() => H.visibleText(v.list).indexOf("The server echoed hi and the slow tool finished.") >= 0, 2000,
                      H.visibleText(v.list));
            var t = H.visibleText(v.list);
            verify(t.indexOf("Echo hi and run slow") >= 0, "the user's message: " + t);
            verify(t.indexOf("fixture › echo") >= 0, t);
            verify(t.indexOf("fixture › slow") >= 0, t);
            verify(t.indexOf("Turn finished") >= 0, t);
            verify(t.indexOf("2 iterations") >= 0, t);
            verify(t.indexOf("140 in / 23 out tokens") >= 0, t);
        }

        // "Show all" opens the whole result in a viewer, made on first use (not with the view).
        function test_show_all_opens_the_whole_result() {
            var v = make("two-tool-calls");
            compare(v.viewer, null, "no viewer before it is needed");
            var row = -1;
            for (var r = 0; r < v.list.count && row < 0; ++r) {
                if (v.timeline.fullResult(r) !== "")
                    row = r;
            }
            verify(row >= 0, "an observation with a result");
            v.showAll(row);
            verify(v.viewer);
            tryCompare(v.viewer, "opened", true);
            var text = H.find(v.viewer.contentItem, "viewerText");
            verify(text);
            compare(text.text, v.timeline.fullResult(row));
            v.viewer.close();
            tryCompare(v.viewer, "visible", false);
        }

        function test_pending_approval_shows_inline() {
            var v = make("approval", 3);
            var spy = createTemporaryObject(spyComponent, root, { target: v, signalName: "approve" });
            tryVerify(() => H.findShown(v.list, "approveButton") !== null, 2000, H.visibleText(v.list));
            verify(H.visibleText(v.list).indexOf("Allow fixture › audio to run") >= 0);
            mouseClick(H.findShown(v.list, "approveButton"));
            compare(spy.count, 1);
            compare(spy.signalArguments[0][0], "call_audio");
            compare(spy.signalArguments[0][1], true);
            compare(spy.signalArguments[0][2], "once");
        }

        function test_audio_result_is_a_labelled_block() {
            var v = make("approval");
            tryVerify(() => H.visibleText(v.list).indexOf("Audio (audio/wav") >= 0, 2000, H.visibleText(v.list));
        }

        function test_withdrawn_requests() {
            var v = make("withdrawn", 8);
            tryVerify(() => H.visibleText(v.list).indexOf("What is your name?") >= 0, 2000, H.visibleText(v.list));
            verify(H.visibleText(v.list).indexOf("user: Say hi") >= 0, H.visibleText(v.list));
            verify(H.visibleText(v.list).indexOf("At most 100 tokens") >= 0);
        }

        function test_find_marks_the_step() {
            var v = make("two-tool-calls");
            v.forceActiveFocus();
            keySequence("Ctrl+F");
            verify(v.findBar.visible);
            keySequence("d");
            keySequence("o");
            keySequence("n");
            keySequence("e");
            keyClick(Qt.Key_Return);
            verify(v.list.currentIndex >= 0, "a step found");
            verify(H.findShown(v.findBar, "findStatus").text.indexOf("Step") === 0);
            verify(v.list.currentItem.matches, "the found step is highlighted");
            keySequence("x");
            keySequence("y");
            keySequence("z");
            keyClick(Qt.Key_Return);
            compare(H.findShown(v.findBar, "findStatus").text, "Not found");
        }

        function test_esc_stops_and_enter_sends() {
            var v = make("");
            var stop = createTemporaryObject(spyComponent, root, { target: v, signalName: "stopRequested" });
            var send = createTemporaryObject(spyComponent, root, { target: v, signalName: "sendRequested" });
            v.composer.focusInput();
            keySequence("h");
            keySequence("i");
            keyClick(Qt.Key_Return, Qt.ShiftModifier);
            compare(send.count, 0, "Shift+Enter is a new line");
            keySequence("y");
            keyClick(Qt.Key_Return);
            compare(send.count, 1);
            compare(send.signalArguments[0][0], "hi\ny");
            v.busy = true;
            keyClick(Qt.Key_Escape);
            compare(stop.count, 1);
            verify(H.findShown(v, "stopButton"));
            mouseClick(H.findShown(v, "stopButton"));
            compare(stop.count, 2);
        }
    }
}
