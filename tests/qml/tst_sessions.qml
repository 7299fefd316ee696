import QtQuick
import QtQuick.Controls
import QtTest
import McpHost.Views
import "Helpers.js" as H

// The sessions sidebar as a user drives it: typing in the filter narrows the list, Ctrl+N asks
// for a new session, Delete shows the undo bar (and Undo asks to restore), F2 renames inline,
// Ctrl+K jumps to a session by typing part of its name.
Item {
    id: root
    width: 320
    height: 600

    ListModel {
        id: sessions
        ListElement { sessionId: "s3"; title: "Deploy the staging server"; turnCount: 4; busy: false }
        ListElement { sessionId: "s2"; title: "Read the changelog"; turnCount: 1; busy: true }
        ListElement { sessionId: "s1"; title: "Server logs from yesterday"; turnCount: 12; busy: false }
    }

    Component {
        id: sidebarComponent
        SessionsSidebar {
            anchors.fill: parent
            model: sessions
        }
    }
    Component { id: spyComponent; SignalSpy {} }

    function shownTitles(sidebar) {
        return H.findAllShown(sidebar, "sessionTitle").map(l => l.text);
    }

    TestCase {
        name: "Sessions"
        when: windowShown

        function init() {
            for (var i = 0; i < sessions.count; ++i)
                sessions.setProperty(i, "updated", new Date(2026, 0, 5, 14 - i, 0, 0));
        }

        function make() {
            var s = createTemporaryObject(sidebarComponent, root);
            verify(s);
            waitForRendering(s);
            return s;
        }

        function test_list_shows_title_time_and_turns() {
            var s = make();
            compare(shownTitles(s), ["Deploy the staging server", "Read the changelog", "Server logs from yesterday"]);
            var meta = H.findAllShown(s, "sessionMeta").map(l => l.text);
            verify(meta[0].indexOf("4 turns") >= 0, meta[0]);
            verify(meta[1].indexOf("1 turn") >= 0, meta[1]);
            verify(/\d/.test(meta[2].split(" · ")[0]), "a time: " + meta[2]);
        }

        function test_filter_typing_narrows_the_list() {
            var s = make();
            var field = H.findShown(s, "sessionFilter");
            field.forceActiveFocus();
            keySequence("s");
            keySequence("e");
            keySequence("r");
            keySequence("v");
            compare(shownTitles(s), ["Deploy the staging server", "Server logs from yesterday"]);
            keySequence("e");
            keySequence("r");
            keySequence(" ");
            keySequence("l");
            compare(shownTitles(s), ["Server logs from yesterday"]);
            compare(s.filterText, "server l", "the filter text goes to the model too");
            field.clear();
            compare(shownTitles(s).length, 3);
        }

        function test_ctrl_n_emits_new() {
            var s = make();
            var spy = createTemporaryObject(spyComponent, root, { target: s, signalName: "newRequested" });
            H.findShown(s, "sessionFilter").forceActiveFocus();
            keySequence("Ctrl+N");
            compare(spy.count, 1);
            mouseClick(H.findShown(s, "newSession"));
            compare(spy.count, 2);
        }

        function test_delete_shows_undo() {
            var s = make();
            // Long enough that a slow (sanitized, loaded) run cannot see the bar leave on its own
            // before the click; test_undo_bar_goes_away covers that.
            s.undoSeconds = 60;
            var removed = createTemporaryObject(spyComponent, root, { target: s, signalName: "removeRequested" });
            var undone = createTemporaryObject(spyComponent, root, { target: s, signalName: "undoRequested" });
            compare(H.findShown(s, "undoBar"), null);
            var list = H.findShown(s, "sessionList");
            list.forceActiveFocus();
            list.currentIndex = 1;
            keyClick(Qt.Key_Delete);
            compare(removed.count, 1);
            compare(removed.signalArguments[0][0], "s2");
            var bar = H.findShown(s, "undoBar");
            verify(bar, "the undo bar shows");
            compare(H.findShown(s, "undoText").text, "Deleted “Read the changelog”");
            waitForRendering(s);
            mouseClick(H.findShown(s, "undoButton"));
            compare(undone.count, 1);
            compare(H.findShown(s, "undoBar"), null);
        }

        function test_undo_bar_goes_away() {
            var s = make();
            s.undoSeconds = 1;
            var list = H.findShown(s, "sessionList");
            list.forceActiveFocus();
            list.currentIndex = 0;
            keyClick(Qt.Key_Delete);
            verify(H.findShown(s, "undoBar"));
            tryVerify(() => H.findShown(s, "undoBar") === null, 3000);
        }

        function test_rename_inline() {
            var s = make();
            var spy = createTemporaryObject(spyComponent, root, { target: s, signalName: "renameRequested" });
            var list = H.findShown(s, "sessionList");
            list.forceActiveFocus();
            list.currentIndex = 0;
            keyClick(Qt.Key_F2);
            var editor = H.findShown(s, "renameField");
            verify(editor, "an editor in the row");
            compare(editor.text, "Deploy the staging server");
            keySequence("Ctrl+A");
            keySequence("p");
            keySequence("r");
            keySequence("o");
            keySequence("d");
            keyClick(Qt.Key_Return);
            compare(spy.count, 1);
            compare(spy.signalArguments[0][0], "s3");
            compare(spy.signalArguments[0][1], "prod");
            compare(H.findShown(s, "renameField"), null);
        }

        function test_ctrl_k_jumps() {
            var s = make();
            var spy = createTemporaryObject(spyComponent, root, { target: s, signalName: "openRequested" });
            H.findShown(s, "sessionFilter").forceActiveFocus();
            keySequence("Ctrl+K");
            var popup = s.jumpPopup;
            tryCompare(popup, "opened", true);
            compare(H.findAllShown(popup.contentItem, "jumpRow").length, 3);
            keySequence("l");
            keySequence("o");
            keySequence("g");
            compare(H.findAllShown(popup.contentItem, "jumpRow").map(r => r.text), ["Read the changelog", "Server logs from yesterday"]);
            keySequence("s");
            compare(H.findAllShown(popup.contentItem, "jumpRow").map(r => r.text), ["Server logs from yesterday"]);
            keyClick(Qt.Key_Return);
            compare(spy.count, 1);
            compare(spy.signalArguments[0][0], "s1");
            tryCompare(popup, "visible", false);
        }
    }
}
