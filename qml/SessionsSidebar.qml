pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "Format.js" as Format

// The sessions, newest first: title, last activity and turn count; a filter that narrows the
// list as you type, New (Ctrl+N), inline rename (F2 or double click), delete (Delete key or
// the row's menu) with an undo bar, Ctrl+K to jump to a session by name, and export (the row's
// menu: JSON or Markdown) and import (Import…, Ctrl+O) through file dialogs. The model is the
// sessions model (roles sessionId, title, updated, turnCount, busy); what to do goes out as
// signals, except export and import, which go to `archive` (App.archive: exportSession,
// importSession, suggestedFile, statusText, errorText, busy).
FocusScope {
    id: sidebar

    property var model: null
    property var archive: null
    property string currentSessionId
    property alias filterText: filterField.text
    property int undoSeconds: 5
    property string removedTitle
    property date now: new Date()
    readonly property alias jumpPopup: jump
    // The file dialogs (SessionFileDialogs.qml), loaded on first use.
    readonly property var exportDialog: fileDialogs.item ? fileDialogs.item.exportDialog : null
    readonly property var importDialog: fileDialogs.item ? fileDialogs.item.importDialog : null

    signal newRequested()
    signal openRequested(string sessionId)
    signal renameRequested(string sessionId, string title)
    signal removeRequested(string sessionId)
    signal undoRequested()

    function matches(title, filter) {
        return filter === "" || (title || qsTr("New conversation")).toLowerCase().indexOf(filter.toLowerCase()) >= 0;
    }
    function remove(sessionId, title) {
        removedTitle = title || qsTr("New conversation");
        sidebar.removeRequested(sessionId);
        undoBar.visible = true;
        undoTimer.restart();
    }
    function openJump() {
        jump.open();
    }
    // SessionFileDialogs.qml, loaded (synchronously) the first time a dialog is needed.
    function loadFileDialogs() {
        fileDialogs.active = true;
        return fileDialogs.item;
    }
    // The save dialog for one session, starting at a file named after its title.
    function exportSession(sessionId, title, format) {
        if (!archive)
            return;
        const dialog = loadFileDialogs().exportDialog;
        dialog.sessionId = sessionId;
        dialog.format = format;
        var file = archive.suggestedFile(title, format);
        dialog.currentFolder = file.toString().substring(0, file.toString().lastIndexOf("/"));
        dialog.selectedFile = file;
        dialog.open();
    }
    function importSession() {
        if (archive)
            loadFileDialogs().importDialog.open();
    }

    implicitWidth: 260

    Shortcut {
        sequences: [StandardKey.New]
        onActivated: sidebar.newRequested()
    }
    Shortcut {
        sequence: "Ctrl+K"
        onActivated: sidebar.openJump()
    }
    Shortcut {
        sequences: [StandardKey.Open]
        onActivated: sidebar.importSession()
    }
    Loader {
        id: fileDialogs
        active: false
        source: Qt.resolvedUrl("SessionFileDialogs.qml")
        onLoaded: item.archive = Qt.binding(() => sidebar.archive)
    }
    Timer {
        id: undoTimer
        interval: sidebar.undoSeconds * 1000
        onTriggered: undoBar.visible = false
    }
    Timer {
        interval: 30000
        repeat: true
        running: true
        onTriggered: sidebar.now = new Date()
    }

    Rectangle {
        anchors.fill: parent
        color: Style.background
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 6
        spacing: 6

        RowLayout {
            Layout.fillWidth: true
            TextField {
                id: filterField
                objectName: "sessionFilter"
                Layout.fillWidth: true
                placeholderText: qsTr("Filter sessions")
                Accessible.name: qsTr("Filter sessions")
                Keys.onDownPressed: sessionList.forceActiveFocus()
            }
            Button {
                objectName: "newSession"
                text: qsTr("New")
                ToolTip.visible: hovered
                ToolTip.text: qsTr("New session (Ctrl+N)")
                onClicked: sidebar.newRequested()
            }
            Button {
                objectName: "importSession"
                text: qsTr("Import…")
                enabled: sidebar.archive !== null && !sidebar.archive.busy
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Import a session from a JSON file (Ctrl+O)")
                onClicked: sidebar.importSession()
            }
        }

        ListView {
            id: sessionList
            objectName: "sessionList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: sidebar.model
            keyNavigationEnabled: true
            activeFocusOnTab: true
            currentIndex: -1
            ScrollBar.vertical: ScrollBar {}

            delegate: ItemDelegate {
                id: row
                required property int index
                required property string sessionId
                required property string title
                required property var updated
                required property int turnCount
                required property bool busy

                readonly property bool shown: sidebar.matches(title, sidebar.filterText)
                property bool editing: false

                objectName: "sessionRow"
                width: ListView.view.width
                // Rows the filter hides take no room (the C++ filter model hides them too).
                visible: shown
                height: shown ? implicitHeight : 0
                highlighted: sessionId === sidebar.currentSessionId || ListView.isCurrentItem
                Accessible.name: title

                function startRename() {
                    editing = true;
                    editor.text = title;
                    editor.forceActiveFocus();
                    editor.selectAll();
                }

                onClicked: { sessionList.currentIndex = index; sidebar.openRequested(sessionId); }
                onDoubleClicked: startRename()
                Keys.onReturnPressed: sidebar.openRequested(sessionId)
                Keys.onPressed: function (event) {
                    if (event.key === Qt.Key_F2) {
                        row.startRename();
                        event.accepted = true;
                    } else if (event.key === Qt.Key_Delete) {
                        sidebar.remove(row.sessionId, row.title);
                        event.accepted = true;
                    } else if (event.key === Qt.Key_Menu) {
                        rowMenu.popup(row, 0, row.height);
                        event.accepted = true;
                    }
                }

                contentItem: ColumnLayout {
                    spacing: 1
                    RowLayout {
                        visible: !row.editing
                        Label {
                            objectName: "sessionTitle"
                            Layout.fillWidth: true
                            text: row.title !== "" ? row.title : qsTr("New conversation")
                            elide: Text.ElideRight
                            font.bold: row.highlighted
                            color: Style.text
                        }
                        Label {
                            text: row.busy ? "●" : ""
                            color: Style.accent
                            Accessible.name: row.busy ? qsTr("running") : ""
                        }
                    }
                    TextField {
                        id: editor
                        objectName: "renameField"
                        Layout.fillWidth: true
                        visible: row.editing
                        Accessible.name: qsTr("Session title")
                        onAccepted: {
                            var t = text.trim();
                            row.editing = false;
                            if (t !== "" && t !== row.title)
                                sidebar.renameRequested(row.sessionId, t.substring(0, 200));
                            sessionList.forceActiveFocus();
                        }
                        Keys.onEscapePressed: { row.editing = false; sessionList.forceActiveFocus(); }
                        onActiveFocusChanged: if (!activeFocus) row.editing = false
                    }
                    Label {
                        objectName: "sessionMeta"
                        text: Format.when(row.updated, sidebar.now) + " · " + (row.turnCount === 1 ? qsTr("1 turn") : qsTr("%1 turns").arg(row.turnCount))
                        color: Style.mutedText
                        font.pointSize: editor.font.pointSize * 0.9
                    }
                }

                TapHandler {
                    acceptedButtons: Qt.RightButton
                    onTapped: function (eventPoint) { rowMenu.popup(row, eventPoint.position.x, eventPoint.position.y); }
                }
                Menu {
                    id: rowMenu
                    MenuItem {
                        text: qsTr("Rename")
                        onTriggered: row.startRename()
                    }
                    MenuItem {
                        objectName: "deleteSession"
                        text: qsTr("Delete")
                        onTriggered: sidebar.remove(row.sessionId, row.title)
                    }
                    MenuSeparator {}
                    MenuItem {
                        objectName: "exportJson"
                        text: qsTr("Export as JSON…")
                        enabled: sidebar.archive !== null && !sidebar.archive.busy
                        onTriggered: sidebar.exportSession(row.sessionId, row.title, "json")
                    }
                    MenuItem {
                        objectName: "exportMarkdown"
                        text: qsTr("Export as Markdown…")
                        enabled: sidebar.archive !== null && !sidebar.archive.busy
                        onTriggered: sidebar.exportSession(row.sessionId, row.title, "markdown")
                    }
                    MenuItem {
                        objectName: "importFromMenu"
                        text: qsTr("Import session…")
                        enabled: sidebar.archive !== null && !sidebar.archive.busy
                        onTriggered: sidebar.importSession()
                    }
                }
            }

            Label {
                anchors.centerIn: parent
                visible: sessionList.count === 0
                text: qsTr("No sessions yet")
                color: Style.mutedText
            }
        }

        // What the last export or import did (the server's own words when it refused).
        RowLayout {
            objectName: "archiveBar"
            Layout.fillWidth: true
            visible: sidebar.archive !== null && (sidebar.archive.busy || archiveText.text !== "")
            BusyIndicator {
                running: sidebar.archive !== null && sidebar.archive.busy
                visible: running
                Layout.preferredWidth: 20
                Layout.preferredHeight: 20
            }
            Label {
                id: archiveText
                objectName: "archiveStatus"
                property bool dismissed: false
                Layout.fillWidth: true
                text: !sidebar.archive || dismissed ? ""
                    : sidebar.archive.errorText !== "" ? sidebar.archive.errorText : sidebar.archive.statusText
                wrapMode: Text.Wrap
                maximumLineCount: 6
                elide: Text.ElideRight
                color: sidebar.archive && sidebar.archive.errorText !== "" ? Style.danger : Style.mutedText
                Connections {
                    target: sidebar.archive
                    ignoreUnknownSignals: true
                    function onStatusChanged() { archiveText.dismissed = false; }
                }
            }
            ToolButton {
                text: "×"
                visible: archiveText.text !== ""
                Accessible.name: qsTr("Dismiss")
                onClicked: archiveText.dismissed = true
            }
        }

        Pane {
            id: undoBar
            objectName: "undoBar"
            Layout.fillWidth: true
            visible: false
            padding: 6
            background: Rectangle { color: Style.surface; border.color: Style.border; radius: 4 }
            RowLayout {
                anchors.fill: parent
                Label {
                    objectName: "undoText"
                    Layout.fillWidth: true
                    text: qsTr("Deleted “%1”").arg(sidebar.removedTitle)
                    elide: Text.ElideRight
                    color: Style.text
                }
                Button {
                    objectName: "undoButton"
                    text: qsTr("Undo")
                    onClicked: {
                        undoBar.visible = false;
                        sidebar.undoRequested();
                    }
                }
            }
        }
    }

    Popup {
        id: jump
        objectName: "jumpPopup"
        parent: Overlay.overlay
        x: parent ? (parent.width - width) / 2 : 0
        y: parent ? parent.height * 0.15 : 0
        width: 420
        height: 360
        modal: true
        focus: true
        onOpened: { jumpField.text = ""; jumpField.forceActiveFocus(); jumpList.currentIndex = 0; }

        function pick(sessionId) {
            jump.close();
            sidebar.openRequested(sessionId);
        }

        ColumnLayout {
            anchors.fill: parent
            TextField {
                id: jumpField
                objectName: "jumpField"
                Layout.fillWidth: true
                placeholderText: qsTr("Jump to session…")
                Accessible.name: qsTr("Jump to session")
                Keys.onDownPressed: jumpList.incrementCurrentIndex()
                Keys.onUpPressed: jumpList.decrementCurrentIndex()
                onTextChanged: jumpList.selectFirstShown()
                onAccepted: {
                    var it = jumpList.currentItem;
                    if (it && sidebar.matches(it.title, jumpField.text))
                        jump.pick(it.sessionId);
                }
            }
            ListView {
                id: jumpList
                objectName: "jumpList"
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                model: jump.visible ? sidebar.model : null
                function selectFirstShown() {
                    for (var i = 0; i < count; ++i) {
                        var it = itemAtIndex(i);
                        if (it && sidebar.matches(it.title, jumpField.text)) {
                            currentIndex = i;
                            return;
                        }
                    }
                    currentIndex = -1;
                }
                delegate: ItemDelegate {
                    required property int index
                    required property string sessionId
                    required property string title
                    readonly property bool shown: sidebar.matches(title, jumpField.text)
                    objectName: "jumpRow"
                    width: ListView.view.width
                    visible: shown
                    height: shown ? implicitHeight : 0
                    highlighted: ListView.isCurrentItem
                    text: title !== "" ? title : qsTr("New conversation")
                    onClicked: jump.pick(sessionId)
                }
            }
        }
    }
}
