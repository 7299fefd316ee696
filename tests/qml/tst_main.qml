import QtQuick
import QtQuick.Controls
import QtTest
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
}
