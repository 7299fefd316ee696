import QtQuick
import QtQuick.Dialogs

// The sessions sidebar's file dialogs: export (JSON or Markdown) and import. In a file of
// their own, which the sidebar loads the first time one is needed: QtQuick.Dialogs (a plugin
// and three libraries) is then not loaded before the window's first frame.
QtObject {
    id: dialogs

    property var archive: null

    readonly property FileDialog exportDialog: FileDialog {
        objectName: "exportDialog"
        property string sessionId
        property string format: "json"
        title: format === "markdown" ? qsTr("Export as Markdown") : qsTr("Export as JSON")
        fileMode: FileDialog.SaveFile
        nameFilters: format === "markdown" ? [qsTr("Markdown files (*.md)"), qsTr("All files (*)")]
                                           : [qsTr("JSON files (*.json)"), qsTr("All files (*)")]
        onAccepted: if (dialogs.archive) dialogs.archive.exportSession(sessionId, selectedFile, format)
    }
    readonly property FileDialog importDialog: FileDialog {
        objectName: "importDialog"
        title: qsTr("Import session")
        fileMode: FileDialog.OpenFile
        nameFilters: [qsTr("Session documents (*.json)"), qsTr("All files (*)")]
        onAccepted: if (dialogs.archive) dialogs.archive.importSession(selectedFile)
    }
}
