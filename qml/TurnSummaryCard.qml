import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "Format.js" as Format

// The end of a turn: iterations, why it stopped, tokens, how long it took, and the toggle that
// folds the turn's finished steps into one line.
StepCard {
    id: card
    required property int iterations
    required property string stopReason
    required property var inputTokens
    required property var outputTokens

    signal foldToggled(string turnId)

    title: qsTr("Turn finished")
    symbol: "■"
    collapsible: false

    RowLayout {
        width: parent.width
        Label {
            objectName: "summaryText"
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            color: Style.mutedText
            text: (card.iterations === 1 ? qsTr("1 iteration") : qsTr("%1 iterations").arg(card.iterations)) + " · " + card.stopReason
                  + " · " + qsTr("%1 in / %2 out tokens").arg(card.inputTokens).arg(card.outputTokens)
                  + (card.durationMs >= 0 ? " · " + Format.duration(card.durationMs) : "")
        }
        Button {
            objectName: "foldButton"
            text: qsTr("Fold steps")
            onClicked: card.foldToggled(card.turnId)
        }
    }
}
