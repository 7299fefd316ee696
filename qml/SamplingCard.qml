pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A server asks the host's model to answer (MCP sampling): the messages it sends, the token
// limit, and Approve / Deny for this time or this session.
StepCard {
    id: card
    required property string callId
    required property string requestId
    required property string server
    required property string message
    required property var args
    required property var deadline

    readonly property var messages: card.args && Array.isArray(card.args.messages) ? card.args.messages : []
    readonly property bool waiting: status === "waiting"

    signal approve(string callId, bool approved, string scope)

    title: qsTr("%1 asks the model").arg(card.server)
    symbol: "⇄"
    forceOpen: waiting

    Label {
        width: parent.width
        visible: card.message !== ""
        text: card.message
        wrapMode: Text.Wrap
        color: Style.text
    }
    Repeater {
        model: card.messages
        delegate: Label {
            required property var modelData
            objectName: "samplingMessage"
            width: parent ? parent.width : 0
            wrapMode: Text.Wrap
            color: Style.text
            text: (modelData.role || "user") + ": " + (modelData.content && modelData.content.type === "text"
                  ? modelData.content.text : qsTr("(a %1 block)").arg(modelData.content ? modelData.content.type : "?"))
        }
    }
    Label {
        objectName: "samplingLimits"
        width: parent.width
        visible: card.args && card.args.maxTokens !== undefined
        text: qsTr("At most %1 tokens").arg(card.args ? card.args.maxTokens : 0)
        color: Style.mutedText
    }
    ApprovalCard {
        width: parent.width
        visible: card.waiting
        sampling: true
        callId: card.callId !== "" ? card.callId : card.requestId
        server: card.server
        argsJson: card.args && card.args.systemPrompt ? qsTr("System prompt: %1").arg(card.args.systemPrompt) : ""
        deadline: card.deadline
        onApprove: (callId, approved, scope) => card.approve(callId, approved, scope)
    }
}
