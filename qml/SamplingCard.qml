pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A server asks the host's model to answer (MCP sampling): the messages it sends, the token
// limit, and Approve / Deny for this time or this session, with the same countdown as a tool
// call's approval; when the deadline passes unanswered the card says the timeout denied it.
StepCard {
    id: card
    required property string callId
    required property string requestId
    required property string server
    required property string message
    required property var content
    required property int maxTokens
    required property var deadline
    // Why it ended: "timeout" when its deadline passed unanswered (the model says so).
    required property string code

    // The messages the server sends (MCP sampling: {role, content: {type, text}}): a list from
    // the model (not a JS Array on Qt 6.5+, so no Array.isArray) or from a test.
    readonly property var messages: card.content ? card.content : []
    readonly property bool waiting: status === "waiting"

    signal approve(string callId, bool approved, string scope)

    title: qsTr("%1 asks the model").arg(card.server)
    symbol: "⇄"
    forceOpen: waiting

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
        visible: card.maxTokens > 0
        text: qsTr("At most %1 tokens").arg(card.maxTokens)
        color: Style.mutedText
    }
    ApprovalCard {
        width: parent.width
        visible: card.waiting
        sampling: true
        callId: card.requestId !== "" ? card.requestId : card.callId
        server: card.server
        argsJson: ""
        deadline: card.deadline
        onApprove: (callId, approved, scope) => card.approve(callId, approved, scope)
    }
    Label {
        objectName: "samplingOutcome"
        width: parent.width
        visible: card.status === "denied"
        wrapMode: Text.Wrap
        color: Style.danger
        text: card.code === "timeout" ? qsTr("Denied: no answer before the deadline.") : qsTr("Denied")
    }
}
