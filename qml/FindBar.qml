import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// Ctrl+F: a text to look for in the timeline; Enter finds the next step, Shift+Enter the
// previous one, Esc closes. Its field and buttons are made the first time it opens, not before
// the window's first frame (most sessions are never searched).
Pane {
    id: bar

    readonly property string text: content.item ? content.item.field.text : ""
    property string status

    signal findRequested(string text, bool forward)
    signal closed()

    function openBar() {
        content.active = true;
        visible = true;
        content.item.field.forceActiveFocus();
        content.item.field.selectAll();
    }

    visible: false
    padding: 4
    background: Rectangle { color: Style.surface; border.color: Style.border }

    Loader {
        id: content
        anchors.fill: parent
        active: false
        sourceComponent: RowLayout {
            property alias field: field
            TextField {
                id: field
                objectName: "findField"
                Layout.fillWidth: true
                placeholderText: qsTr("Find in conversation")
                Accessible.name: qsTr("Find in conversation")
                onAccepted: bar.findRequested(text, true)
                Keys.onPressed: function (event) {
                    if ((event.key === Qt.Key_Return || event.key === Qt.Key_Enter) && (event.modifiers & Qt.ShiftModifier)) {
                        bar.findRequested(text, false);
                        event.accepted = true;
                    } else if (event.key === Qt.Key_Escape) {
                        bar.visible = false;
                        bar.closed();
                        event.accepted = true;
                    }
                }
            }
            Label {
                objectName: "findStatus"
                text: bar.status
                color: Style.mutedText
            }
            ToolButton {
                text: "▲"
                Accessible.name: qsTr("Previous match")
                onClicked: bar.findRequested(field.text, false)
            }
            ToolButton {
                text: "▼"
                Accessible.name: qsTr("Next match")
                onClicked: bar.findRequested(field.text, true)
            }
            ToolButton {
                text: "✕"
                Accessible.name: qsTr("Close find")
                onClicked: { bar.visible = false; bar.closed(); }
            }
        }
    }
}
