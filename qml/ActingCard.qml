import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "Format.js" as Format

// A tool call that is running: a busy indicator, the time since it started, and the server's
// progress notifications (a bar when it sent a total, the message it sent).
StepCard {
    id: card
    required property string server
    required property string tool
    required property real progress
    required property real progressTotal
    required property string progressMessage

    title: qsTr("Running %1 › %2").arg(card.server).arg(card.tool)
    symbol: "⟳"
    collapsible: false

    RowLayout {
        width: parent.width
        spacing: 8
        BusyIndicator {
            objectName: "busy"
            running: card.running
            visible: card.running
            Layout.preferredWidth: 24
            Layout.preferredHeight: 24
        }
        Label {
            objectName: "elapsed"
            text: card.running ? qsTr("%1 elapsed").arg(Format.duration(Format.elapsed(card.startedAt, card.now)) || "0 ms")
                               : Format.duration(card.durationMs)
            color: Style.mutedText
        }
        ProgressBar {
            objectName: "progressBar"
            Layout.fillWidth: true
            visible: card.progress >= 0
            indeterminate: card.progressTotal <= 0
            from: 0
            to: card.progressTotal > 0 ? card.progressTotal : 1
            value: Math.max(0, card.progress)
        }
        Label {
            objectName: "progressNumbers"
            visible: card.progress >= 0
            text: card.progressTotal > 0 ? qsTr("%1 / %2").arg(card.progress).arg(card.progressTotal) : String(card.progress)
            color: Style.mutedText
        }
    }
    Label {
        objectName: "progressMessage"
        width: parent.width
        visible: card.progressMessage !== ""
        text: card.progressMessage
        wrapMode: Text.Wrap
        color: Style.text
    }
}
