import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "Format.js" as Format

// Asks whether a tool call (or a sampling request) may run: the full arguments, a scope, and
// Approve / Deny. A deadline counts down; when it passes, the host has denied the call and the
// card says so (the buttons go away).
Pane {
    id: approval

    property string callId
    property string server
    property string tool
    property string argsJson
    property var deadline
    // Sampling requests take "once"/"session" only.
    property bool sampling: false
    property date now: new Date()

    readonly property bool hasDeadline: deadline instanceof Date && !isNaN(deadline.getTime())
    readonly property int secondsLeft: hasDeadline ? Math.max(0, Math.ceil((deadline.getTime() - now.getTime()) / 1000)) : -1
    readonly property bool expired: hasDeadline && secondsLeft === 0
    readonly property string scope: scopeBox.currentValue === undefined ? "once" : scopeBox.currentValue

    signal approve(string callId, bool approved, string scope)

    padding: 8
    background: Rectangle {
        color: Style.codeBackground
        border.color: approval.expired ? Style.danger : Style.warning
        radius: 4
    }

    Timer {
        interval: 250
        repeat: true
        running: approval.hasDeadline && !approval.expired
        triggeredOnStart: true
        onTriggered: approval.now = new Date()
    }

    ColumnLayout {
        width: parent.width
        spacing: 6

        Label {
            objectName: "approvalQuestion"
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            font.bold: true
            color: Style.text
            text: approval.sampling ? qsTr("%1 asks the model to answer. Allow?").arg(approval.server)
                                    : qsTr("Allow %1 › %2 to run with these arguments?").arg(approval.server).arg(approval.tool)
        }
        ScrollView {
            Layout.fillWidth: true
            Layout.preferredHeight: Math.min(argsText.implicitHeight, 240)
            visible: approval.argsJson !== ""
            TextArea {
                id: argsText
                objectName: "approvalArgs"
                text: approval.argsJson
                readOnly: true
                selectByMouse: true
                font.family: "monospace"
                wrapMode: TextEdit.WrapAnywhere
            }
        }
        Label {
            objectName: "approvalExpired"
            visible: approval.expired
            color: Style.danger
            text: qsTr("Denied: no answer before the deadline.")
        }
        RowLayout {
            visible: !approval.expired
            spacing: 6
            Label {
                text: qsTr("Remember:")
                color: Style.text
            }
            ComboBox {
                id: scopeBox
                objectName: "scopeBox"
                textRole: "text"
                valueRole: "value"
                Accessible.name: qsTr("Scope of the decision")
                model: approval.sampling
                    ? [{ value: "once", text: qsTr("Only this time") },
                       { value: "session", text: qsTr("For this session") }]
                    : [{ value: "once", text: qsTr("Only this time") },
                       { value: "session", text: qsTr("This tool, this session") },
                       { value: "tool", text: qsTr("Always for this tool") },
                       { value: "server", text: qsTr("Always for this server") }]
            }
            Item { Layout.fillWidth: true }
            Label {
                objectName: "approvalCountdown"
                visible: approval.hasDeadline
                color: approval.secondsLeft <= 10 ? Style.danger : Style.mutedText
                text: qsTr("%1 s left").arg(approval.secondsLeft)
            }
            Button {
                objectName: "denyButton"
                text: qsTr("Deny")
                onClicked: approval.approve(approval.callId, false, approval.scope)
            }
            Button {
                objectName: "approveButton"
                text: qsTr("Approve")
                highlighted: true
                onClicked: approval.approve(approval.callId, true, approval.scope)
            }
        }
    }
}
