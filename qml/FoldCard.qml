import QtQuick
import QtQuick.Controls

// The one line that stands for a turn's folded steps; clicking it (or Enter) unfolds them.
StepCard {
    id: card
    required property string foldText

    signal foldToggled(string turnId)

    title: card.foldText
    symbol: "⋯"
    collapsible: false
    Keys.onReturnPressed: card.foldToggled(card.turnId)
    Keys.onSpacePressed: card.foldToggled(card.turnId)

    Button {
        objectName: "unfoldButton"
        flat: true
        text: qsTr("Show steps")
        onClicked: card.foldToggled(card.turnId)
    }
}
