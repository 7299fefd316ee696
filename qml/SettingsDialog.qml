import QtQuick
import QtQuick.Controls

// The settings panel in a dialog of its own file, made by URL when first opened (see
// ServersDialog.qml for why).
Dialog {
    id: dialog

    property var settings: null
    property var rules: null

    title: qsTr("Settings")
    anchors.centerIn: parent
    width: parent ? parent.width * 0.8 : 640
    height: parent ? parent.height * 0.85 : 520
    modal: true
    standardButtons: Dialog.Close
    onOpened: if (dialog.rules) dialog.rules.refresh()

    SettingsPanel {
        anchors.fill: parent
        settings: dialog.settings
        rules: dialog.rules
    }
}
