import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "Format.js" as Format

// One MCP content block of a tool result, by its type: text (JSON shown as a tree, Markdown
// rendered when the model handed `html`), image inline (click or Enter enlarges), audio as a
// labelled block, resource links and embedded resources. Unknown types say what they are.
Column {
    id: block

    required property var modelData
    property bool isError: false
    readonly property var b: modelData || ({})
    readonly property string type: b.type || ""
    readonly property var json: type === "text" ? Format.parseJson(b.text) : undefined
    readonly property string imageSource: type === "image" && typeof b.data === "string"
        && /^image\/(png|jpeg|gif|webp|bmp|svg\+xml)$/.test(b.mimeType || "")
        ? "data:" + b.mimeType + ";base64," + b.data : ""

    signal enlarge(string source)

    spacing: 2

    Label {
        objectName: "blockText"
        visible: block.type === "text" && block.json === undefined
        width: parent.width
        text: visible ? (block.b.html ? block.b.html : block.b.text) : ""
        textFormat: block.b.html ? Text.RichText : Text.PlainText
        wrapMode: Text.Wrap
        color: block.isError ? Style.danger : Style.text
        onLinkActivated: link => Qt.openUrlExternally(link)
    }
    Loader {
        width: parent.width
        active: block.json !== undefined
        visible: active
        sourceComponent: JsonNode {
            objectName: "blockJson"
            value: block.json
            open: true
        }
    }
    Image {
        id: image
        objectName: "blockImage"
        visible: block.imageSource !== ""
        source: block.imageSource
        asynchronous: true
        fillMode: Image.PreserveAspectFit
        width: Math.min(parent.width, 320)
        height: visible ? Math.min(240, sourceSize.height > 0 ? sourceSize.height * width / Math.max(1, sourceSize.width) : 120) : 0
        activeFocusOnTab: visible
        Accessible.role: Accessible.Graphic
        Accessible.name: qsTr("Image, press Enter to enlarge")
        Keys.onReturnPressed: block.enlarge(block.imageSource)
        Keys.onSpacePressed: block.enlarge(block.imageSource)
        TapHandler { onTapped: block.enlarge(block.imageSource) }
        Rectangle {
            anchors.fill: parent
            color: "transparent"
            border.color: image.activeFocus ? Style.accent : Style.border
        }
    }
    Label {
        objectName: "blockMedia"
        visible: block.type === "audio" || (block.type === "image" && block.imageSource === "")
        width: parent.width
        text: block.type === "audio"
              ? qsTr("♪ Audio (%1, %2)").arg(block.b.mimeType || qsTr("unknown type")).arg(Format.bytes(Math.floor((block.b.data || "").length * 3 / 4)))
              : qsTr("▣ Image (%1) not shown").arg(block.b.mimeType || qsTr("unknown type"))
        color: Style.mutedText
        padding: 4
        background: Rectangle { color: Style.codeBackground; radius: 3 }
    }
    Label {
        objectName: "blockResource"
        visible: block.type === "resource_link" || block.type === "resource"
        width: parent.width
        wrapMode: Text.WrapAnywhere
        color: Style.text
        padding: 4
        background: Rectangle { color: Style.codeBackground; radius: 3 }
        readonly property var res: block.type === "resource" ? (block.b.resource || {}) : block.b
        text: visible ? (block.type === "resource_link" ? "↗ " : "▤ ")
                        + (res.name || res.title || res.uri || "")
                        + (res.uri && (res.name || res.title) ? "  <" + res.uri + ">" : "")
                        + (res.mimeType ? "  (" + res.mimeType + ")" : "")
                        + (typeof res.text === "string" ? "\n" + res.text : "")
                        + (typeof res.blob === "string" ? "\n" + qsTr("binary, %1").arg(Format.bytes(Math.floor(res.blob.length * 3 / 4))) : "")
                      : ""
    }
    Label {
        visible: ["text", "image", "audio", "resource_link", "resource"].indexOf(block.type) < 0
        text: qsTr("(a “%1” block)").arg(block.type)
        color: Style.mutedText
    }
}
