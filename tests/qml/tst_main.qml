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
}
