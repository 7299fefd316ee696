pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "Format.js" as Format

// The frame every timeline step shares: a header line (symbol, title, status, start time,
// duration), the card's own content below, a fixed height while collapsed, a context menu and
// buttons to copy the step or its turn as Markdown. Cards set `title`/`symbol` and put their
// content inside; every action is reachable from the keyboard (Space/Enter toggles, the menu
// key or Shift+F10 opens the menu).
FocusScope {
    id: card

    required property int index
    required property string kind
    required property string turnId
    required property string status
    required property var startedAt
    required property int durationMs
    required property bool expanded
    required property bool matches

    property string title
    property string symbol: "•"
    property color symbolColor: Style.mutedText
    // Collapsible cards show a fixed-height summary until expanded; the others always show all.
    property bool collapsible: true
    // Shown expanded whatever the model says (a pending approval must be visible).
    property bool forceOpen: false
    readonly property bool open: !collapsible || expanded || forceOpen
    readonly property bool running: durationMs < 0 && (status === "running" || status === "waiting")
    readonly property real collapsedHeight: Math.ceil(header.implicitHeight + metrics.height * 2 + 2 * pad + 8)
    readonly property int pad: 8
    default property alias cardContent: body.data
    property alias headerExtra: extra.data
    property date now: new Date()

    signal expandRequested(int row, bool expanded)
    signal copyStepRequested(int row)
    signal copyTurnRequested(string turnId)

    width: ListView.view ? ListView.view.width : implicitWidth
    implicitWidth: 560
    implicitHeight: open ? frame.implicitHeight : collapsedHeight
    height: implicitHeight
    clip: true
    activeFocusOnTab: true

    Accessible.role: Accessible.Grouping
    Accessible.name: title

    function toggle() {
        if (collapsible && !forceOpen)
            card.expandRequested(index, !expanded);
    }

    Keys.onSpacePressed: toggle()
    Keys.onReturnPressed: toggle()
    Keys.onMenuPressed: card.openMenu(0, header.height)
    Keys.onPressed: function (event) {
        if (event.key === Qt.Key_F10 && (event.modifiers & Qt.ShiftModifier)) {
            card.openMenu(0, header.height);
            event.accepted = true;
        }
    }

    FontMetrics { id: metrics }

    Timer {
        interval: 250
        repeat: true
        running: card.running && card.visible
        onTriggered: card.now = new Date()
    }

    Rectangle {
        id: frame
        width: parent.width
        implicitHeight: column.implicitHeight + 2 * card.pad
        height: card.open ? implicitHeight : card.collapsedHeight
        radius: 4
        color: card.matches ? Style.highlight : Style.surface
        border.color: card.activeFocus ? Style.accent : Style.border
        border.width: card.activeFocus ? 2 : 1

        ColumnLayout {
            id: column
            x: card.pad
            y: card.pad
            width: parent.width - 2 * card.pad
            spacing: 4

            RowLayout {
                id: header
                Layout.fillWidth: true
                spacing: 6

                Label {
                    text: card.collapsible && !card.forceOpen ? (card.open ? "▾" : "▸") : ""
                    visible: text !== ""
                    color: Style.mutedText
                    Accessible.ignored: true
                }
                Label {
                    text: card.symbol
                    color: card.symbolColor
                    Accessible.ignored: true
                }
                Label {
                    objectName: "cardTitle"
                    Layout.fillWidth: true
                    text: card.title
                    elide: Text.ElideRight
                    font.bold: true
                    color: Style.text
                }
                Row {
                    id: extra
                    spacing: 6
                }
                Label {
                    objectName: "cardStatus"
                    visible: card.status !== "" && card.status !== "done"
                    text: card.status
                    color: card.status === "error" || card.status === "denied" ? Style.danger
                         : card.status === "waiting" ? Style.warning : Style.mutedText
                }
                Label {
                    objectName: "cardTime"
                    text: Format.clock(card.startedAt)
                    color: Style.mutedText
                    font.pointSize: metrics.font.pointSize * 0.9
                }
                Label {
                    objectName: "cardDuration"
                    text: card.durationMs >= 0 ? Format.duration(card.durationMs)
                         : card.running ? Format.duration(Format.elapsed(card.startedAt, card.now)) : ""
                    color: Style.mutedText
                    font.pointSize: metrics.font.pointSize * 0.9
                }
                ToolButton {
                    text: "❐"
                    focusPolicy: Qt.TabFocus
                    ToolTip.visible: hovered
                    ToolTip.text: qsTr("Copy step as Markdown")
                    Accessible.name: qsTr("Copy step as Markdown")
                    onClicked: card.copyStepRequested(card.index)
                }
            }

            // A card's content: each child sets `width: parent.width`.
            Column {
                id: body
                Layout.fillWidth: true
                spacing: 4
            }
        }
    }

    TapHandler {
        acceptedButtons: Qt.LeftButton
        onTapped: function (eventPoint) {
            if (eventPoint.position.y <= header.height + card.pad) {
                card.forceActiveFocus();
                card.toggle();
            }
        }
    }
    TapHandler {
        acceptedButtons: Qt.RightButton
        onTapped: function (eventPoint) { card.openMenu(eventPoint.position.x, eventPoint.position.y); }
    }

    // The context menu is made the first time it opens: most cards never need one, and a Menu
    // per delegate made scrolling a long session slow.
    property Menu menu: null
    function openMenu(x, y) {
        if (!card.menu)
            card.menu = menuComponent.createObject(card);
        card.menu.popup(card, x, y);
    }
    Component {
        id: menuComponent
        Menu {
            MenuItem {
                text: card.open ? qsTr("Collapse") : qsTr("Expand")
                enabled: card.collapsible && !card.forceOpen
                onTriggered: card.toggle()
            }
            MenuItem {
                text: qsTr("Copy step as Markdown")
                onTriggered: card.copyStepRequested(card.index)
            }
            MenuItem {
                text: qsTr("Copy turn as Markdown")
                enabled: card.turnId !== ""
                onTriggered: card.copyTurnRequested(card.turnId)
            }
        }
    }
}
