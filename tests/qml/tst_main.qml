import QtQuick
import QtQuick.Controls
import QtTest
import McpHost.Gui
import McpHostTest
import "Helpers.js" as H

// The whole window loads from the module as the app loads it, and shows its parts even before
// a controller is there: the sessions list, the timeline's empty state and the composer.
TestCase {
    id: test
    name: "Main"

    function test_window_loads() {
        var component = Qt.createComponent("qrc:/qt/qml/McpHost/Views/Main.qml");
        compare(component.status, Component.Ready, component.errorString());
        var window = createTemporaryObject(component, test);
        verify(window);
        window.show();
        tryCompare(window, "visible", true);
        var text = H.visibleText(window.contentItem);
        verify(text.indexOf("Ask something to start.") >= 0, text);
        verify(text.indexOf("No sessions yet") >= 0, text);
        verify(H.findShown(window.contentItem, "composerInput"));
        verify(H.findShown(window.contentItem, "sessionFilter"));
        compare(H.findShown(window.contentItem, "sendButton").enabled, false, "nothing to send to yet");
    }

    // A clicked notification (App emits revealCall after opening the session): the window
    // scrolls the call's step into view and makes it current.
    function test_reveal_call_brings_the_step_into_view() {
        var component = Qt.createComponent("qrc:/qt/qml/McpHost/Views/Main.qml");
        var window = createTemporaryObject(component, test, { height: 360 });
        verify(window);
        window.show();
        tryCompare(window, "visible", true);
        App.conversation.close(); // clears the timeline
        verify(Transcript.play(App.timeline, "two-tool-calls", -1) > 0);
        var list = H.find(window.contentItem, "timelineList");
        verify(list);
        tryVerify(() => list.atYEnd, 2000, "it follows the end");
        var row = App.timeline.rowOfCall("call_a");
        verify(row >= 0);
        var before = list.itemAtIndex(row);
        verify(!before || before.y + before.height <= list.contentY || before.y >= list.contentY + list.height,
               "the call is out of view before");
        App.revealCall("", "call_a");
        tryCompare(list, "currentIndex", row);
        tryVerify(() => {
            var item = list.itemAtIndex(row);
            return item && item.y >= list.contentY - 1 && item.y < list.contentY + list.height;
        }, 2000, "the call is in view");
        App.conversation.close(); // clears the timeline
    }

    // The servers, settings and connection dialogs are made when first opened (not with the
    // window), once each, and follow the app's state like the rest of the window.
    function test_dialogs_are_made_on_first_open() {
        var component = Qt.createComponent("qrc:/qt/qml/McpHost/Views/Main.qml");
        var window = createTemporaryObject(component, test);
        verify(window);
        window.show();
        tryCompare(window, "visible", true);
        compare(window.serversDialog, null);
        compare(window.settingsDialog, null);
        compare(window.connectionDialog, null);

        window.openServers();
        verify(window.serversDialog);
        tryCompare(window.serversDialog, "opened", true);
        compare(window.serversDialog.servers, App.servers);
        var servers = window.serversDialog;
        servers.close();
        tryCompare(servers, "visible", false);
        window.openServers();
        compare(window.serversDialog, servers, "made once");
        servers.close();
        tryCompare(servers, "visible", false);

        window.openSettings();
        verify(window.settingsDialog);
        tryCompare(window.settingsDialog, "opened", true);
        compare(window.settingsDialog.settings, App.settings);
        verify(H.findShown(window.settingsDialog.contentItem, "importConfig"), "the settings panel is in it");
        window.settingsDialog.close();
        tryCompare(window.settingsDialog, "visible", false);

        window.openConnection();
        verify(window.connectionDialog);
        tryCompare(window.connectionDialog, "opened", true);
        compare(window.connectionDialog.serverUrl, App.connection.serverUrl);
        window.connectionDialog.close();
        tryCompare(window.connectionDialog, "visible", false);
    }
}
