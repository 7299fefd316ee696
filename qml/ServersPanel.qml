pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// The MCP servers: a state chip each (starting / ready / failed / restarting / disabled), the
// reason, protocol version, tools with their annotations, the stderr tail, Restart and an
// Enable switch. The model is the servers model (roles name, state, reason, transport,
// protocolVersion, toolCount, restarts, enabled, stderrTail, tools).
FocusScope {
    id: panel

    property var model: null

    signal restartRequested(string name)
    signal enabledToggled(string name, bool enabled)

    function chipColor(state) {
        switch (state) {
        case "ready": return Style.success;
        case "failed": return Style.danger;
        case "starting":
        case "restarting": return Style.warning;
        default: return Style.mutedText;
        }
    }

    ListView {
        id: list
        objectName: "serverList"
        anchors.fill: parent
        anchors.margins: 6
        spacing: 8
        clip: true
        model: panel.model
        activeFocusOnTab: true
        keyNavigationEnabled: true
        ScrollBar.vertical: ScrollBar {}

        delegate: Pane {
            id: server
            required property string name
            required property string state
            required property string reason
            required property string transport
            required property string protocolVersion
            required property int toolCount
            required property int restarts
            required property bool enabled
            required property string stderrTail
            required property var tools
            property bool showDetails: false

            objectName: "serverRow"
            width: ListView.view.width
            padding: 8
            background: Rectangle { color: Style.surface; border.color: Style.border; radius: 4 }

            ColumnLayout {
                width: parent.width
                RowLayout {
                    Layout.fillWidth: true
                    Label {
                        objectName: "serverName"
                        text: server.name
                        font.bold: true
                        color: Style.text
                    }
                    Label {
                        objectName: "stateChip"
                        text: server.enabled ? server.state : qsTr("disabled")
                        color: panel.chipColor(server.enabled ? server.state : "disabled")
                        padding: 2
                        leftPadding: 6
                        rightPadding: 6
                        background: Rectangle { radius: height / 2; color: "transparent"; border.color: parent.color }
                    }
                    Label {
                        Layout.fillWidth: true
                        text: server.transport + (server.protocolVersion !== "" ? " · MCP " + server.protocolVersion : "")
                              + " · " + (server.toolCount === 1 ? qsTr("1 tool") : qsTr("%1 tools").arg(server.toolCount))
                              + (server.restarts > 0 ? " · " + qsTr("%1 restarts").arg(server.restarts) : "")
                        color: Style.mutedText
                        elide: Text.ElideRight
                    }
                    Switch {
                        objectName: "enableSwitch"
                        text: qsTr("Enabled")
                        checked: server.enabled
                        onToggled: panel.enabledToggled(server.name, checked)
                    }
                    Button {
                        objectName: "restartButton"
                        text: qsTr("Restart")
                        enabled: server.enabled
                        onClicked: panel.restartRequested(server.name)
                    }
                }
                Label {
                    objectName: "serverReason"
                    Layout.fillWidth: true
                    visible: server.reason !== ""
                    text: server.reason
                    wrapMode: Text.Wrap
                    color: server.state === "failed" ? Style.danger : Style.mutedText
                }
                Button {
                    flat: true
                    text: server.showDetails ? qsTr("▾ Tools and log") : qsTr("▸ Tools and log")
                    onClicked: server.showDetails = !server.showDetails
                }
                Repeater {
                    model: server.showDetails ? server.tools : []
                    delegate: Label {
                        required property var modelData
                        Layout.fillWidth: true
                        wrapMode: Text.Wrap
                        color: Style.text
                        readonly property var ann: modelData.annotations || {}
                        text: "• " + (modelData.tool || modelData.name) + (modelData.title ? " — " + modelData.title : "")
                              + (ann.readOnlyHint ? "  [" + qsTr("read-only") + "]" : "")
                              + (ann.destructiveHint ? "  [" + qsTr("destructive") + "]" : "")
                              + (ann.idempotentHint ? "  [" + qsTr("idempotent") + "]" : "")
                              + (ann.openWorldHint ? "  [" + qsTr("open world") + "]" : "")
                              + (modelData.description ? "\n   " + modelData.description : "")
                    }
                }
                TextArea {
                    objectName: "stderrTail"
                    Layout.fillWidth: true
                    visible: server.showDetails && server.stderrTail !== ""
                    text: server.stderrTail
                    readOnly: true
                    selectByMouse: true
                    font.family: "monospace"
                    wrapMode: TextEdit.WrapAnywhere
                    background: Rectangle { color: Style.codeBackground }
                }
            }
        }

        Label {
            anchors.centerIn: parent
            visible: list.count === 0
            text: qsTr("No MCP servers configured")
            color: Style.mutedText
        }
    }
}
