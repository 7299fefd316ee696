import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A tool call: "server › tool" and a one-line argument summary; expanded, the arguments as a
// JSON tree and as raw text with a Copy button. A call waiting for approval carries the
// approval panel inline and stays open until it is answered.
StepCard {
    id: card
    required property string callId
    required property string server
    required property string tool
    required property string argsSummary
    required property string argsJson
    required property var args
    required property string approval
    required property var deadline

    readonly property bool awaitingApproval: approval === "required" && status === "waiting"

    signal approve(string callId, bool approved, string scope)
    signal copyText(string text)

    title: card.server + " › " + card.tool
    symbol: "⚙"
    forceOpen: awaitingApproval

    Label {
        objectName: "argsSummary"
        width: parent.width
        text: card.argsSummary
        elide: Text.ElideRight
        maximumLineCount: 1
        font.family: "monospace"
        color: Style.mutedText
    }
    Label {
        objectName: "approvalOutcome"
        width: parent.width
        visible: card.approval === "denied" || card.approval === "approved"
        text: card.approval === "denied" ? qsTr("Denied") : qsTr("Approved")
        color: card.approval === "denied" ? Style.danger : Style.success
    }
    ApprovalCard {
        objectName: "approvalPanel"
        width: parent.width
        visible: card.awaitingApproval
        callId: card.callId
        server: card.server
        tool: card.tool
        argsJson: card.argsJson
        deadline: card.deadline
        onApprove: (callId, approved, scope) => card.approve(callId, approved, scope)
    }
    Loader {
        objectName: "argsTree"
        width: parent.width
        active: card.open && !card.awaitingApproval
        visible: active
        sourceComponent: Column {
            spacing: 4
            Label {
                text: qsTr("Arguments")
                color: Style.mutedText
            }
            JsonNode {
                width: parent.width
                value: card.args
                open: true
            }
            RowLayout {
                width: parent.width
                Label {
                    text: qsTr("Raw")
                    color: Style.mutedText
                    Layout.fillWidth: true
                }
                Button {
                    objectName: "copyArgs"
                    text: qsTr("Copy")
                    onClicked: card.copyText(card.argsJson)
                }
            }
            TextArea {
                objectName: "rawArgs"
                width: parent.width
                text: card.argsJson
                readOnly: true
                selectByMouse: true
                font.family: "monospace"
                wrapMode: TextEdit.WrapAnywhere
                background: Rectangle { color: Style.codeBackground }
            }
        }
    }
}
