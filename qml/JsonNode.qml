pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// One node of a JSON value shown as a tree: objects and arrays fold open (keyboard: Space or
// Enter on the focused row), scalars show their value. Nested nodes load on demand; depth is
// bounded so a hostile document cannot recurse without end.
Column {
    id: node

    property string key: ""
    property var value
    property int depth: 0
    property bool open: depth < 1
    readonly property int maxDepth: 40
    readonly property bool isArray: Array.isArray(value)
    readonly property bool isObject: value !== null && typeof value === "object" && !isArray
    readonly property bool container: isArray || isObject
    readonly property var keys: isObject ? Object.keys(value) : isArray ? value.map((v, i) => i) : []

    function scalarText(v) {
        if (v === null || v === undefined)
            return "null";
        if (typeof v === "string")
            return JSON.stringify(v);
        return String(v);
    }

    spacing: 0

    Label {
        id: row
        objectName: "jsonRow"
        x: node.depth * 14
        width: parent.width - x
        wrapMode: Text.WrapAnywhere
        font.family: "monospace"
        color: Style.text
        activeFocusOnTab: node.container
        text: (node.container ? (node.open ? "▾ " : "▸ ") : "  ")
              + (node.key !== "" ? node.key + ": " : "")
              + (node.container ? (node.isArray ? "[" + node.value.length + "]" : "{" + node.keys.length + "}")
                                : node.scalarText(node.value))
        Keys.onSpacePressed: node.open = !node.open
        Keys.onReturnPressed: node.open = !node.open
        Rectangle {
            anchors.fill: parent
            color: "transparent"
            border.color: Style.accent
            visible: row.activeFocus
        }
        TapHandler {
            enabled: node.container
            onTapped: node.open = !node.open
        }
    }

    Label {
        visible: node.container && node.open && node.depth >= node.maxDepth
        x: (node.depth + 1) * 14
        text: qsTr("… nested too deep to show")
        color: Style.mutedText
    }

    Repeater {
        model: node.container && node.open && node.depth < node.maxDepth ? node.keys : []
        delegate: Loader {
            required property var modelData
            width: node.width
            source: "JsonNode.qml"
            onLoaded: {
                item.width = Qt.binding(() => width);
                item.depth = node.depth + 1;
                item.key = String(modelData);
                item.value = node.value[modelData];
                item.open = false;
            }
        }
    }
}
