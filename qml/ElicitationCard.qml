pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A server asks the user for input. Form mode: the fields of its schema (an ElicitationForm
// model, C++), validated before Accept sends the typed content. URL mode: the full address and
// its domain; the browser opens only after the user consents. Decline and Cancel answer too.
StepCard {
    id: card
    required property string requestId
    required property string server
    required property string message
    required property var schema
    // The fields' order as the server wrote them (empty: by name).
    required property var propertyOrder
    required property string url
    required property string urlHost
    required property var deadline

    readonly property bool waiting: status === "waiting" || status === "running"
    readonly property bool urlMode: url !== ""
    property bool consented: false

    signal answerElicitation(string requestId, string action, var content)

    title: qsTr("%1 asks for input").arg(card.server)
    symbol: "✎"
    symbolColor: Style.warning
    collapsible: false

    // The form model (ElicitationForm, C++), made when the card is: created by name so the
    // card loads (and says so) even in a build without the type.
    property var form: null
    Component.onCompleted: {
        try {
            form = Qt.createQmlObject("import McpHost.Gui; ElicitationForm {}", card, "ElicitationForm");
            form.propertyOrder = Qt.binding(() => card.propertyOrder || []);
            form.schema = Qt.binding(() => card.schema || ({}));
        } catch (e) {
            console.warn("ElicitationForm is not available:", e);
        }
    }

    Label {
        objectName: "elicitationMessage"
        width: parent.width
        text: card.message
        wrapMode: Text.Wrap
        color: Style.text
    }
    Label {
        objectName: "schemaError"
        width: parent.width
        visible: !card.urlMode && (!card.form || card.form.error !== "")
        text: qsTr("The form cannot be shown: %1").arg(card.form ? card.form.error : qsTr("no form support"))
        wrapMode: Text.Wrap
        color: Style.danger
    }
    Column {
        width: parent.width
        visible: !card.urlMode
        spacing: 8
        Repeater {
            model: card.urlMode || !card.form ? null : card.form.fields
            delegate: ElicitationField {
                width: parent ? parent.width : 0
                enabled: card.waiting
                onEdited: (row, value) => card.form.setValue(row, value)
                onOptionChosen: (row, option, chosen) => card.form.setOptionChosen(row, option, chosen)
            }
        }
    }
    ColumnLayout {
        width: parent.width
        visible: card.urlMode
        Label {
            objectName: "urlText"
            Layout.fillWidth: true
            text: card.url
            wrapMode: Text.WrapAnywhere
            font.family: "monospace"
            color: Style.text
        }
        Label {
            objectName: "urlDomain"
            text: qsTr("Domain: %1").arg(card.urlHost)
            font.bold: true
            color: Style.warning
        }
        CheckBox {
            objectName: "urlConsent"
            text: qsTr("I trust %1 and want to open this address").arg(card.urlHost)
            enabled: card.waiting
            checked: card.consented
            onToggled: card.consented = checked
        }
        Button {
            objectName: "openUrl"
            text: qsTr("Open in browser")
            enabled: card.consented && card.waiting
            onClicked: Qt.openUrlExternally(card.url)
        }
    }
    Label {
        objectName: "elicitationOutcome"
        visible: !card.waiting
        text: card.status === "done" ? qsTr("Answered") : card.status === "cancelled" ? qsTr("Cancelled")
            : qsTr("No longer waiting (%1)").arg(card.status)
        color: Style.mutedText
    }
    RowLayout {
        width: parent.width
        visible: card.waiting
        Item { Layout.fillWidth: true }
        Button {
            objectName: "cancelElicitation"
            text: qsTr("Cancel")
            onClicked: card.answerElicitation(card.requestId, "cancel", {})
        }
        Button {
            objectName: "declineElicitation"
            text: qsTr("Decline")
            onClicked: card.answerElicitation(card.requestId, "decline", {})
        }
        Button {
            objectName: "acceptElicitation"
            text: card.urlMode ? qsTr("Done") : qsTr("Send")
            highlighted: true
            enabled: !card.urlMode || card.consented
            onClicked: {
                if (card.urlMode)
                    card.answerElicitation(card.requestId, "accept", {});
                else if (card.form && card.form.validate())
                    card.answerElicitation(card.requestId, "accept", card.form.result());
            }
        }
    }
}
