import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A popup with a long text (a tool's whole result) to read, select and copy.
Popup {
    id: viewer

    property string title
    property string text

    signal copyRequested(string text)

    parent: Overlay.overlay
    anchors.centerIn: parent
    width: parent ? parent.width * 0.85 : 640
    height: parent ? parent.height * 0.85 : 480
    modal: true
    focus: true

    ColumnLayout {
        anchors.fill: parent
        RowLayout {
            Layout.fillWidth: true
            Label {
                Layout.fillWidth: true
                text: viewer.title
                font.bold: true
                elide: Text.ElideRight
            }
            Button {
                text: qsTr("Copy")
                onClicked: viewer.copyRequested(viewer.text)
            }
            Button {
                text: qsTr("Close")
                onClicked: viewer.close()
            }
        }
        ScrollView {
            Layout.fillWidth: true
            Layout.fillHeight: true
            TextArea {
                objectName: "viewerText"
                text: viewer.text
                readOnly: true
                selectByMouse: true
                font.family: "monospace"
                wrapMode: TextEdit.WrapAnywhere
            }
        }
    }
}
