import QtQuick
import QtQuick.Dialogs

// The settings panel's "Import MCP servers" file dialog, in a file of its own that the panel
// loads when Import… is first clicked: QtQuick.Dialogs is then not loaded before the window's
// first frame (the panel's type is resolved with the window's).
FileDialog {
    title: qsTr("Import MCP servers")
    nameFilters: [qsTr("JSON files (*.json)"), qsTr("All files (*)")]
}
