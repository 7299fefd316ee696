pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "Format.js" as Format

// What a tool returned: its content blocks (errors in red), the preview capped by the model
// with "Show all" to open the whole result in a viewer, images enlarged in a popup.
StepCard {
    id: card
    required property string server
    required property string tool
    required property bool isError
    required property var content
    required property bool previewTruncated
    required property var fullBytes

    signal showAllRequested(int row)

    title: card.isError ? qsTr("%1 › %2 failed").arg(card.server).arg(card.tool)
                        : qsTr("Result of %1 › %2").arg(card.server).arg(card.tool)
    symbol: card.isError ? "✖" : "✔"
    symbolColor: card.isError ? Style.danger : Style.success

    Repeater {
        model: card.content || []
        delegate: ContentBlock {
            width: parent ? parent.width : 0
            isError: card.isError
            onEnlarge: source => { enlarged.source = source; imagePopup.open(); }
        }
    }
    RowLayout {
        width: parent.width
        visible: card.previewTruncated
        Label {
            objectName: "truncatedNote"
            Layout.fillWidth: true
            text: qsTr("Preview; the whole result is %1.").arg(Format.bytes(card.fullBytes))
            color: Style.mutedText
        }
        Button {
            objectName: "showAll"
            text: qsTr("Show all")
            onClicked: card.showAllRequested(card.index)
        }
    }

    Popup {
        id: imagePopup
        objectName: "imagePopup"
        parent: Overlay.overlay
        anchors.centerIn: parent
        modal: true
        focus: true
        width: parent ? parent.width * 0.9 : 600
        height: parent ? parent.height * 0.9 : 400
        Image {
            id: enlarged
            objectName: "imagePopupImage"
            anchors.fill: parent
            fillMode: Image.PreserveAspectFit
        }
        TapHandler { onTapped: imagePopup.close() }
    }
}
