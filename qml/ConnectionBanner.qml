import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A strip at the top while the connection is not well (reconnecting, failed, …): the text the
// controllers give, and a button to open the connection dialog.
Pane {
    id: banner

    property string text
    property bool failed: false

    signal connectRequested()

    visible: text !== ""
    padding: 6
    background: Rectangle { color: banner.failed ? Style.danger : Style.warning; opacity: 0.2 }

    RowLayout {
        anchors.fill: parent
        Label {
            objectName: "bannerText"
            Layout.fillWidth: true
            text: banner.text
            wrapMode: Text.Wrap
            color: Style.text
        }
        Button {
            text: qsTr("Connection…")
            onClicked: banner.connectRequested()
        }
    }
}
