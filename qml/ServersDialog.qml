import QtQuick
import QtQuick.Controls

// The servers panel in a dialog of its own file, so that Main.qml makes it by URL when it is
// first opened: a type named in Main.qml, even inside a Component, would be loaded with the
// window, before its first frame.
Dialog {
    id: dialog

    property var servers: null

    title: qsTr("MCP servers")
    anchors.centerIn: parent
    width: parent ? parent.width * 0.8 : 640
    height: parent ? parent.height * 0.8 : 480
    modal: true
    standardButtons: Dialog.Close
    onOpened: if (dialog.servers) dialog.servers.refresh()
    // The servers model polls while the panel is shown.
    onVisibleChanged: if (dialog.servers) dialog.servers.active = visible

    ServersPanel {
        anchors.fill: parent
        model: dialog.servers
        onRestartRequested: name => { if (dialog.servers) dialog.servers.restart(name); }
        onEnabledToggled: (name, enabled) => { if (dialog.servers) dialog.servers.setEnabled(name, enabled); }
    }
}
