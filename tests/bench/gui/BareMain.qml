import QtQuick

// The floor for mcp-host's launch: one Window, one Text, the size of the app's window.
Window {
    width: 1100
    height: 760
    visible: true
    title: "bare"

    Text {
        anchors.centerIn: parent
        text: "MCP Host"
    }
}
