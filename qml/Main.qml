import QtQuick
import QtQuick.Controls
import McpHost.Gui

ApplicationWindow {
    id: window
    width: 1100
    height: 760
    visible: true
    title: qsTr("MCP Host %1").arg(App.version)

    Label {
        anchors.centerIn: parent
        text: qsTr("MCP Host")
    }
}
