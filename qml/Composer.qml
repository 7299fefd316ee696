import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// The message box at the bottom: Enter sends, Shift+Enter starts a new line; while a turn runs
// the button stops it (Esc does too, from anywhere in the window: see TimelineView).
Pane {
    id: composer

    property bool busy: false
    property bool canSend: true
    property alias text: input.text

    signal sendRequested(string text)
    signal stopRequested()

    function send() {
        var t = input.text.trim();
        if (t === "" || busy || !canSend)
            return;
        composer.sendRequested(t);
        input.text = "";
    }

    function focusInput() { input.forceActiveFocus(); }

    padding: 6
    background: Rectangle { color: Style.background; border.color: Style.border }

    RowLayout {
        anchors.fill: parent
        spacing: 6
        ScrollView {
            Layout.fillWidth: true
            Layout.preferredHeight: Math.min(Math.max(input.implicitHeight, 36), 160)
            TextArea {
                id: input
                objectName: "composerInput"
                placeholderText: qsTr("Message (Enter sends, Shift+Enter for a new line)")
                wrapMode: TextEdit.Wrap
                Accessible.name: qsTr("Message")
                Keys.onPressed: function (event) {
                    if ((event.key === Qt.Key_Return || event.key === Qt.Key_Enter)
                            && !(event.modifiers & (Qt.ShiftModifier | Qt.ControlModifier | Qt.AltModifier))) {
                        composer.send();
                        event.accepted = true;
                    }
                }
            }
        }
        Button {
            objectName: composer.busy ? "stopButton" : "sendButton"
            text: composer.busy ? qsTr("Stop") : qsTr("Send")
            enabled: composer.busy || (composer.canSend && input.text.trim() !== "")
            Accessible.name: text
            onClicked: composer.busy ? composer.stopRequested() : composer.send()
        }
    }
}
