import QtQuick
import QtQuick.Controls

// What the user sent.
StepCard {
    id: card
    required property string text

    title: qsTr("You")
    symbol: "❯"
    symbolColor: Style.accent
    collapsible: false

    TextEdit {
        objectName: "userText"
        width: parent.width
        text: card.text
        readOnly: true
        selectByMouse: true
        wrapMode: TextEdit.Wrap
        textFormat: TextEdit.PlainText
        color: Style.text
        activeFocusOnTab: false
    }
}
