pragma Singleton
import QtQuick

// The colour tokens every view uses: App.theme's when Main.qml hands it over (`Style.theme =
// App.theme`), otherwise fallbacks picked from the system palette, so a component works (and
// is tested) without the C++ side.
QtObject {
    id: style

    property var theme: null

    readonly property SystemPalette palette: SystemPalette { colorGroup: SystemPalette.Active }
    readonly property bool dark: theme ? theme.dark : palette.window.hslLightness < palette.windowText.hslLightness

    function pick(name, lightFallback, darkFallback) {
        if (theme && theme[name] !== undefined)
            return theme[name];
        return dark ? darkFallback : lightFallback;
    }

    readonly property color background: pick("background", palette.window, palette.window)
    readonly property color surface: pick("surface", palette.base, palette.base)
    readonly property color border: pick("border", "#c8ccd2", "#4a4f57")
    readonly property color text: pick("text", palette.windowText, palette.windowText)
    readonly property color mutedText: pick("mutedText", "#5f6670", "#a3aab4")
    readonly property color accent: pick("accent", palette.highlight, palette.highlight)
    readonly property color danger: pick("danger", "#b3261e", "#f2867e")
    readonly property color warning: pick("warning", "#8a5a00", "#f0c060")
    readonly property color success: pick("success", "#1b6e2e", "#7fd48f")
    readonly property color codeBackground: pick("codeBackground", "#f2f4f7", "#24272c")
    readonly property color highlight: Qt.rgba(accent.r, accent.g, accent.b, 0.18)
}
