import QtQuick
import QtQuick.Controls

// The model's reasoning text, streaming while status is "running".
StepCard {
    id: card
    required property string text

    title: card.running ? qsTr("Thinking…") : qsTr("Thought")
    symbol: "💭"

    Label {
        objectName: "thinkingText"
        width: parent.width
        text: card.text
        wrapMode: Text.Wrap
        textFormat: Text.PlainText
        color: Style.mutedText
        font.italic: true
        maximumLineCount: card.open ? 100000 : 2
        elide: card.open ? Text.ElideNone : Text.ElideRight
    }
}
