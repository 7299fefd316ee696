import QtQuick
import QtQuick.Controls

// An error of the turn (the provider, the host or the connection), in red.
StepCard {
    id: card
    required property string text

    title: qsTr("Error")
    symbol: "⚠"
    symbolColor: Style.danger
    collapsible: false

    Label {
        objectName: "errorText"
        width: parent.width
        text: card.text
        wrapMode: Text.Wrap
        textFormat: Text.PlainText
        color: Style.danger
    }
}
