import QtQuick
import QtQuick.Controls

// The model's text of one iteration, streaming while status is "running". The timeline model
// turns the last iteration's row into the answer in place (kind "answer", via dataChanged), and
// a ListView keeps the delegate it chose at creation: so this card shows both. A thought is
// plain italic text; the answer is its closed Markdown blocks (html, rendered once by the
// model, no raw HTML) followed by the streaming tail.
StepCard {
    id: card
    required property string text
    required property string html
    readonly property bool isAnswer: card.kind === "answer"

    title: card.isAnswer ? qsTr("Answer") : (card.running ? qsTr("Thinking…") : qsTr("Thought"))
    symbol: card.isAnswer ? "✦" : "☁"
    symbolColor: card.isAnswer ? Style.accent : Style.mutedText
    collapsible: !card.isAnswer

    TextEdit {
        objectName: "thinkingHtml"
        width: parent.width
        visible: card.html !== ""
        text: card.html
        textFormat: TextEdit.RichText
        readOnly: true
        selectByMouse: true
        wrapMode: TextEdit.Wrap
        color: card.isAnswer ? Style.text : Style.mutedText
        activeFocusOnTab: false
        onLinkActivated: link => Qt.openUrlExternally(link)
    }
    Label {
        objectName: "thinkingText"
        width: parent.width
        visible: card.text !== ""
        text: card.text
        wrapMode: Text.Wrap
        textFormat: Text.PlainText
        color: card.isAnswer ? Style.text : Style.mutedText
        font.italic: !card.isAnswer
        maximumLineCount: card.open || card.isAnswer ? 100000 : 2
        elide: card.open || card.isAnswer ? Text.ElideNone : Text.ElideRight
    }
}
