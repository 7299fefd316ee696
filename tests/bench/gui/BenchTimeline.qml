import QtQuick
import QtQuick.Controls

// The timeline benchmark's window (loaded as a file of McpHost.Views, see timeline_bench.cpp): the app's own timeline view at the app's window size, on a
// model the benchmark feeds directly.
ApplicationWindow {
    id: window
    required property var model
    width: 1100
    height: 760
    visible: true

    TimelineView {
        id: view
        anchors.fill: parent
        timeline: window.model
    }

    function showEnd() {
        view.list.positionViewAtEnd()
    }

    // Moves the view up by `pixels`; true once it is at the start.
    function scrollUp(pixels) {
        const list = view.list
        list.contentY = Math.max(list.originY, list.contentY - pixels)
        return list.atYBeginning
    }
}
