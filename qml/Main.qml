pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import McpHost.Gui

// The window: sessions on the left, the conversation on the right, the connection banner on
// top; the servers and the settings in panels of their own. The views take plain properties
// and emit signals; this file wires them to App's controllers and models (each guarded until
// the part that provides it is there).
ApplicationWindow {
    id: window
    width: 1100
    height: 760
    visible: true
    title: qsTr("MCP Host %1").arg(App.version)

    readonly property var conversation: App.conversation ? App.conversation : null
    readonly property var connection: App.connection ? App.connection : null
    readonly property var timeline: App.timeline ? App.timeline : null
    readonly property var sessions: App.sessions ? App.sessions : null
    readonly property var sessionFilter: App.sessionFilter ? App.sessionFilter : null
    readonly property var servers: App.servers ? App.servers : null
    readonly property var settings: App.settings ? App.settings : null
    readonly property var approvalRules: App.approvalRules ? App.approvalRules : null
    readonly property var archive: App.archive ? App.archive : null

    color: Style.background

    Binding {
        target: Style
        property: "theme"
        value: App.theme ? App.theme : null
    }
    Binding {
        target: window.sessionFilter
        when: window.sessionFilter !== null
        property: "filterText"
        value: sidebar.filterText
    }

    // A notification was clicked (App opens its session first): bring the call into view.
    Connections {
        target: App
        ignoreUnknownSignals: true
        function onRevealCall(sessionId, callId) {
            window.raise();
            window.requestActivate();
            if (window.timeline)
                Qt.callLater(() => timelineView.showRow(window.timeline.rowOfCall(callId)));
        }
    }

    Shortcut {
        sequence: "Ctrl+,"
        onActivated: window.openSettings()
    }
    Shortcut {
        sequence: "Ctrl+Shift+M"
        onActivated: window.openServers()
    }
    Shortcut {
        sequence: "Ctrl+L"
        onActivated: timelineView.composer.focusInput()
    }

    header: ColumnLayout {
        spacing: 0
        ToolBar {
            Layout.fillWidth: true
            RowLayout {
                anchors.fill: parent
                Label {
                    Layout.fillWidth: true
                    leftPadding: 8
                    text: window.connection ? window.connection.statusText : ""
                    color: Style.mutedText
                    elide: Text.ElideRight
                }
                ToolButton {
                    text: qsTr("Find")
                    ToolTip.visible: hovered
                    ToolTip.text: qsTr("Find in conversation (Ctrl+F)")
                    onClicked: timelineView.openFind()
                }
                ToolButton {
                    text: qsTr("Servers")
                    ToolTip.visible: hovered
                    ToolTip.text: qsTr("MCP servers (Ctrl+Shift+M)")
                    onClicked: window.openServers()
                }
                ToolButton {
                    text: qsTr("Settings")
                    ToolTip.visible: hovered
                    ToolTip.text: qsTr("Settings (Ctrl+,)")
                    onClicked: window.openSettings()
                }
                ToolButton {
                    text: qsTr("Connection")
                    onClicked: window.openConnection()
                }
            }
        }
        ConnectionBanner {
            Layout.fillWidth: true
            text: window.conversation && window.conversation.bannerText !== "" ? window.conversation.bannerText
                : window.connection && window.connection.state !== "connected" ? window.connection.statusText : ""
            failed: window.connection !== null && window.connection.state === "failed"
            onConnectRequested: window.openConnection()
        }
    }

    SplitView {
        anchors.fill: parent

        SessionsSidebar {
            id: sidebar
            SplitView.preferredWidth: 270
            SplitView.minimumWidth: 180
            model: window.sessionFilter ? window.sessionFilter : window.sessions
            archive: window.archive
            currentSessionId: window.conversation ? window.conversation.sessionId : ""
            onNewRequested: if (window.conversation) window.conversation.newSession()
            onOpenRequested: sessionId => { if (window.conversation) window.conversation.open(sessionId); }
            onRenameRequested: (sessionId, title) => { if (window.sessions) window.sessions.rename(sessionId, title); }
            onRemoveRequested: sessionId => { if (window.sessions) window.sessions.remove(sessionId); }
            onUndoRequested: if (window.sessions) window.sessions.undoRemove()
        }

        TimelineView {
            id: timelineView
            SplitView.fillWidth: true
            focus: true
            timeline: window.timeline
            busy: window.conversation ? window.conversation.busy : false
            canSend: window.conversation !== null
            onSendRequested: text => window.conversation.send(text)
            onStopRequested: if (window.conversation) window.conversation.stop()
            onApprove: (callId, approved, scope) => { if (window.conversation) window.conversation.approve(callId, approved, scope); }
            onAnswerElicitation: (requestId, action, content) => {
                if (window.conversation)
                    window.conversation.answerElicitation(requestId, action, content);
            }
        }
    }

    // The dialogs are made when first opened, by URL: a type named in this file (even inside a
    // Component) would be loaded with the window, before its first frame, and most launches
    // never open one. `bindings` maps a property to a function whose value it follows.
    property var serversDialog: null
    property var settingsDialog: null
    property var connectionDialog: null
    function makeDialog(file, bindings) {
        const component = Qt.createComponent(file);
        if (component.status !== Component.Ready) {
            console.error(file + ":", component.errorString());
            return null;
        }
        const dialog = component.createObject(window.contentItem, { parent: window.contentItem });
        for (const name in bindings)
            dialog[name] = Qt.binding(bindings[name]);
        return dialog;
    }
    function openServers() {
        if (!window.serversDialog)
            window.serversDialog = makeDialog("ServersDialog.qml", { servers: () => window.servers });
        if (window.serversDialog)
            window.serversDialog.open();
    }
    function openSettings() {
        if (!window.settingsDialog)
            window.settingsDialog = makeDialog("SettingsDialog.qml", {
                settings: () => window.settings,
                rules: () => window.approvalRules
            });
        if (window.settingsDialog)
            window.settingsDialog.open();
    }
    function openConnection() {
        if (!window.connectionDialog) {
            const dialog = makeDialog("ConnectionDialog.qml", {
                serverUrl: () => window.connection ? window.connection.serverUrl : "",
                tokenWarning: () => window.connection ? window.connection.tokenWarning : ""
            });
            if (!dialog)
                return;
            dialog.connectRemote.connect((url, token, remember) => { if (window.connection) window.connection.connectRemote(url, token, remember); });
            dialog.useLocal.connect(() => { if (window.connection) window.connection.useLocal(); });
            window.connectionDialog = dialog;
        }
        window.connectionDialog.open();
    }
}
