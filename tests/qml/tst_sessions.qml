import QtQuick
import QtQuick.Controls
import QtTest
import McpHost.Gui
import McpHost.Views
import "Helpers.js" as H

// The sessions sidebar as a user drives it: typing in the filter narrows the list, Ctrl+N asks
// for a new session, Delete shows the undo bar (and Undo asks to restore), F2 renames inline,
// Ctrl+K jumps to a session by typing part of its name; a row's menu exports the session as JSON
// or Markdown through a save dialog, Import… (and Ctrl+O) imports one through an open dialog,
// and what the archive controller says shows under the list.
Item {
    id: root
    width: 320
    height: 600
    readonly property Item overlay: Overlay.overlay

    // Stands in for App.archive: records what the sidebar asks of it.
    QtObject {
        id: stubArchive
        property bool busy: false
        property string statusText: ""
        property string errorText: ""
        property var calls: []
        function suggestedFile(title, format) {
            return "file:///tmp/" + title + (format === "markdown" ? ".md" : ".json");
        }
        function exportSession(sessionId, file, format) {
            calls.push(["export", sessionId, String(file), format]);
            return true;
        }
        function importSession(file) {
            calls.push(["import", String(file)]);
            return true;
        }
    }

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
            archive: stubArchive
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

        // Closes a file dialog as the user's Open or Cancel would. On Qt 6.8 the dialog may be a
        // window of its own: the test window is made active again, or the keys of the tests
        // that follow would go nowhere.
        function closeDialog(dialog) {
            dialog.close();
            tryCompare(dialog, "visible", false);
            reactivate();
        }

        function reactivate() {
            root.Window.window.requestActivate();
            tryCompare(root.Window.window, "active", true);
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
            // Chooses `file` in an open file dialog (its folder first); the test then says
        // accepted() as the dialog does when the user clicks Open (the offscreen dialog's accept()
        // takes the file from its own list view instead).
        function pick(dialog, file) {
            var text = String(file);
            dialog.currentFolder = text.substring(0, text.lastIndexOf("/"));
            dialog.selectedFile = file;
            tryCompare(dialog, "selectedFile", file);
        }

        // The row's menu: Rename, Delete, Export as JSON…, Export as Markdown…, Import session….
        function openRowMenu(s, row) {
            var list = H.findShown(s, "sessionList");
            list.forceActiveFocus();
            list.currentIndex = row;
            keyClick(Qt.Key_Menu);
            var item = null;
            tryVerify(() => (item = H.findShown(root.overlay, "exportJson")) !== null, 2000, "the row menu opens");
            return item;
        }

        function test_row_menu_exports() {
            stubArchive.calls = [];
            var s = make();
            var item = openRowMenu(s, 0);
            compare(item.text, "Export as JSON…");
            verify(H.findShown(root.overlay, "exportMarkdown"));
            compare(H.findShown(root.overlay, "exportMarkdown").text, "Export as Markdown…");
            compare(H.findShown(root.overlay, "importFromMenu").text, "Import session…");
            mouseClick(item);
            var dialog = s.exportDialog;
            tryCompare(dialog, "visible", true);
            compare(dialog.fileMode, 2 /* FileDialog.SaveFile */);
            compare(dialog.sessionId, "s3");
            compare(dialog.format, "json");
            verify(String(dialog.selectedFile).indexOf("Deploy the staging server.json") >= 0 ||
                   String(dialog.selectedFile).indexOf("Deploy%20the%20staging%20server.json") >= 0,
                   String(dialog.selectedFile));
            // The suggested file is what the controller gets when the user just accepts.
            dialog.accept();
            reactivate();
            compare(stubArchive.calls.length, 1);
            compare(stubArchive.calls[0], ["export", "s3", "file:///tmp/Deploy the staging server.json", "json"]);

            openRowMenu(s, 1);
            mouseClick(H.findShown(root.overlay, "exportMarkdown"));
            tryCompare(dialog, "visible", true);
            compare(dialog.format, "markdown");
            compare(dialog.sessionId, "s2");
            dialog.accept();
            reactivate();
            compare(stubArchive.calls[1], ["export", "s2", "file:///tmp/Read the changelog.md", "markdown"]);
        }

        function test_import_from_button_menu_and_shortcut() {
            stubArchive.calls = [];
            var s = make();
            compare(s.importDialog, null, "the file dialogs load on first use, not with the sidebar");
            mouseClick(H.findShown(s, "importSession"));
            var dialog = s.importDialog;
            verify(dialog);
            tryCompare(dialog, "visible", true);
            compare(dialog.fileMode, 0 /* FileDialog.OpenFile */);
            // The open dialog takes only a file that exists: this test's own.
            var picked = Qt.resolvedUrl("tst_sessions.qml");
            pick(dialog, picked);
            dialog.accepted();
            compare(stubArchive.calls, [["import", String(picked)]]);
            // Saying accepted() does not close the dialog as the user's Open does.
            closeDialog(dialog);

            openRowMenu(s, 0);
            mouseClick(H.findShown(root.overlay, "importFromMenu"));
            tryCompare(dialog, "visible", true);
            dialog.reject();
            reactivate();
            tryCompare(dialog, "visible", false);
            compare(stubArchive.calls.length, 1, "a cancelled dialog imports nothing");

            H.findShown(s, "sessionFilter").forceActiveFocus();
            keySequence("Ctrl+O");
            tryCompare(dialog, "visible", true);
            dialog.reject();
            reactivate();
        }

        function test_archive_says_what_happened() {
            var s = make();
            compare(H.findShown(s, "archiveStatus"), null);
            stubArchive.statusText = "Exported to /tmp/picked.json (2.1 KiB)";
            compare(H.findShown(s, "archiveStatus").text, "Exported to /tmp/picked.json (2.1 KiB)");
            stubArchive.errorText = "Not imported: version: the document has version 99";
            compare(H.findShown(s, "archiveStatus").text, "Not imported: version: the document has version 99");
            stubArchive.errorText = "";
            stubArchive.statusText = "";
            compare(H.findShown(s, "archiveStatus"), null);
            stubArchive.busy = true;
            compare(H.findShown(s, "importSession").enabled, false, "one transfer at a time");
            stubArchive.busy = false;
        }

        // With the app's own controller (connected to no server here): what it says about the
        // import shows under the list.
        function test_real_controller_says_why_not() {
            var s = createTemporaryObject(sidebarComponent, root, { archive: App.archive });
            verify(s);
            waitForRendering(s);
            compare(s.importDialog, null, "the file dialogs load on first use, not with the sidebar");
            mouseClick(H.findShown(s, "importSession"));
            var dialog = s.importDialog;
            verify(dialog);
            tryCompare(dialog, "visible", true);
            pick(dialog, Qt.resolvedUrl("Helpers.js"));
            dialog.accepted();
            closeDialog(dialog);
            tryVerify(() => H.findShown(s, "archiveStatus") !== null && !App.archive.busy, 10000);
            verify(App.archive.errorText.indexOf("Not imported: ") === 0, App.archive.errorText);
            compare(H.findShown(s, "archiveStatus").text, App.archive.errorText);
        }
    }
}
