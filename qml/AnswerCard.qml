import QtQuick
import QtQuick.Controls

// The model's answer: the closed Markdown blocks the model rendered once (html, shown as rich
// text) and the streaming tail as plain text until its block closes.
StepCard {
    id: card
    required property string html
    required property string text

    title: qsTr("Answer")
    symbol: "✦"
    symbolColor: Style.accent
    collapsible: false

    TextEdit {
        objectName: "answerHtml"
        width: parent.width
        visible: card.html !== ""
        text: card.html
        textFormat: TextEdit.RichText
        readOnly: true
        selectByMouse: true
        wrapMode: TextEdit.Wrap
        color: Style.text
        activeFocusOnTab: false
        onLinkActivated: link => Qt.openUrlExternally(link)
    }
    TextEdit {
        objectName: "answerTail"
        width: parent.width
        visible: card.text !== ""
        text: card.text
        textFormat: TextEdit.PlainText
        readOnly: true
        selectByMouse: true
        wrapMode: TextEdit.Wrap
        color: Style.text
        activeFocusOnTab: false
    }
}
