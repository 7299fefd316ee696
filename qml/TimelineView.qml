pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// The conversation: the timeline model's steps as cards (one delegate per kind), following new
// steps while the view is at the bottom (otherwise a "N new steps ↓" button), the find bar
// (Ctrl+F), Stop (button and Esc) and the composer. `timeline` is the TimelineModel (or any
// model with its roles); its invokables are used when it has them.
FocusScope {
    id: view

    property var timeline: null
    property bool busy: false
    property bool canSend: true
    property int newSteps: 0
    readonly property alias list: list
    readonly property alias composer: composer
    // The find bar (FindBar.qml) and the whole-result viewer (TextViewer.qml) are made when first
    // used, by URL, so that neither is loaded before the window's first frame.
    readonly property var findBar: findLoader.item
    property var viewer: null

    signal sendRequested(string text)
    signal stopRequested()
    signal approve(string callId, bool approved, string scope)
    signal answerElicitation(string requestId, string action, var content)

    // The card delegates (TimelineDelegates.qml), made when the first row arrives.
    property Component delegates: null
    function ensureDelegates() {
        if (view.delegates)
            return;
        const component = Qt.createComponent("TimelineDelegates.qml");
        if (component.status !== Component.Ready) {
            console.error("TimelineDelegates.qml:", component.errorString());
            return;
        }
        view.delegates = component.createObject(view, { host: view });
    }
    onTimelineChanged: if (view.timeline && view.timeline.rowCount && view.timeline.rowCount() > 0) view.ensureDelegates()
    Component.onCompleted: if (view.timeline && view.timeline.rowCount && view.timeline.rowCount() > 0) view.ensureDelegates()

    function call(name, args, fallback) {
        if (view.timeline && typeof view.timeline[name] === "function")
            return view.timeline[name].apply(view.timeline, args);
        return fallback;
    }
    function setExpanded(row, expanded) { call("setExpanded", [row, expanded]); }
    function toggleFold(turnId) { call("toggleFold", [turnId]); }
    function copyText(text) { copier.copy(text); }
    function copyStep(row) { copier.copy(call("stepMarkdown", [row], "")); }
    function copyTurn(turnId) { copier.copy(call("turnMarkdown", [turnId], "")); }
    function showAll(row) {
        if (!view.viewer) {
            const component = Qt.createComponent("TextViewer.qml");
            if (component.status !== Component.Ready) {
                console.error("TextViewer.qml:", component.errorString());
                return;
            }
            view.viewer = component.createObject(view);
            view.viewer.copyRequested.connect(text => copier.copy(text));
        }
        view.viewer.title = qsTr("Whole result");
        view.viewer.text = call("fullResult", [row], "");
        view.viewer.open();
    }
    function openFind() {
        findLoader.active = true;
        findLoader.item.openBar();
    }
    function scrollToEnd() {
        list.positionViewAtEnd();
        newSteps = 0;
    }
    function showRow(row) {
        if (row >= 0) {
            list.currentIndex = row;
            list.positionViewAtIndex(row, ListView.Contain);
        }
    }
    function find(text, forward) {
        if (text === "") {
            if (findBar)
                findBar.status = "";
            return;
        }
        var from = list.currentIndex < 0 ? (forward ? -1 : list.count) : list.currentIndex;
        var row = call("find", [text, forward ? from + 1 : from - 1, forward], -1);
        if (findBar)
            findBar.status = row < 0 ? qsTr("Not found") : qsTr("Step %1 of %2").arg(row + 1).arg(list.count);
        showRow(row);
    }

    Shortcut {
        sequences: [StandardKey.Find]
        onActivated: view.openFind()
    }
    Shortcut {
        sequence: "Esc"
        enabled: view.busy && !(view.findBar && view.findBar.activeFocus)
        onActivated: view.stopRequested()
    }

    CopyHelper { id: copier }
    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        Loader {
            id: findLoader
            Layout.fillWidth: true
            // No room taken while the bar is closed (its own `visible`, which it sets itself).
            Layout.preferredHeight: item && item.visible ? item.implicitHeight : 0
            active: false
            source: Qt.resolvedUrl("FindBar.qml")
        }
        Connections {
            target: findLoader.item
            function onFindRequested(text, forward) { view.find(text, forward); }
            function onClosed() { composer.focusInput(); }
        }

        Item {
            Layout.fillWidth: true
            Layout.fillHeight: true

            ListView {
                id: list
                objectName: "timelineList"
                anchors.fill: parent
                anchors.margins: 8
                clip: true
                spacing: 6
                model: view.timeline
                currentIndex: -1
                keyNavigationEnabled: true
                activeFocusOnTab: true
                highlightFollowsCurrentItem: false
                boundsBehavior: Flickable.StopAtBounds
                ScrollBar.vertical: ScrollBar {}

                property bool following: true
                onMovementEnded: {
                    following = atYEnd;
                    if (atYEnd)
                        view.newSteps = 0;
                }
                onCountChanged: {
                    if (following)
                        Qt.callLater(list.positionViewAtEnd);
                }
                onContentHeightChanged: if (following && !moving) Qt.callLater(list.positionViewAtEnd)
                onAtYEndChanged: if (atYEnd) { following = true; view.newSteps = 0; }

                Connections {
                    target: view.timeline
                    ignoreUnknownSignals: true
                    function onRowsInserted(parent, first, last) {
                        // After the model's insert is done (a delegate set during it makes
                        // the view insert the first rows twice).
                        Qt.callLater(view.ensureDelegates);
                        if (!list.following)
                            view.newSteps += last - first + 1;
                    }
                    function onModelReset() { list.following = true; view.newSteps = 0; }
                }

                delegate: view.delegates
            }

            Label {
                anchors.centerIn: parent
                visible: list.count === 0
                text: qsTr("Ask something to start.")
                color: Style.mutedText
            }

            Button {
                objectName: "newStepsButton"
                anchors.horizontalCenter: parent.horizontalCenter
                anchors.bottom: parent.bottom
                anchors.bottomMargin: 12
                visible: view.newSteps > 0 && !list.following
                text: (view.newSteps === 1 ? qsTr("1 new step ↓") : qsTr("%1 new steps ↓").arg(view.newSteps))
                onClicked: view.scrollToEnd()
            }
        }

        Composer {
            id: composer
            Layout.fillWidth: true
            busy: view.busy
            canSend: view.canSend
            onSendRequested: text => view.sendRequested(text)
            onStopRequested: view.stopRequested()
        }
    }
}
