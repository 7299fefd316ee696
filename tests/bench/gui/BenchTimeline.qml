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
        // At originY it is at the start (atYBeginning can stay false by a fraction of a pixel
        // while the ListView corrects its height estimate: the scroll then never ended).
        return list.atYBeginning || (list.contentY <= list.originY && list.indexAt(0, list.contentY + 1) === 0)
    }
}
