pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// Settings: the model provider, model, base URL, the API key (write-only: the field never
// shows a stored key), the iteration limit, remembered approval rules with Revoke, and the
// config file in an editor that lists its validation errors as file:line:col, with Import
// (Claude Desktop / VS Code server lists). `settings` is the SettingsController, `rules` the
// approval rules model; without them the panel shows and does nothing.
FocusScope {
    id: panel

    property var settings: null
    property var rules: null
    property var configErrors: []
    property string importSummary

    signal revokeRequested(int row)

    function set(name, value) {
        if (settings && settings[name] !== value)
            settings[name] = value;
    }
    function validate() {
        configErrors = settings && typeof settings.validateConfig === "function"
            ? settings.validateConfig(configEdit.text) : [];
    }

    Timer {
        id: validateLater
        interval: 400
        onTriggered: panel.validate()
    }

    // ConfigImportDialog.qml, loaded when Import… is first clicked.
    readonly property alias importDialog: importDialog
    Loader {
        id: importDialog
        active: false
        source: Qt.resolvedUrl("ConfigImportDialog.qml")
        function open() {
            active = true;
            item.open();
        }
    }
    Connections {
        target: importDialog.item
        function onAccepted() {
            if (!panel.settings)
                return;
            var r = panel.settings.importConfig(importDialog.item.selectedFile);
            panel.importSummary = r.ok ? (r.message || qsTr("Imported: %1").arg((r.added || []).join(", ")))
                                         + ((r.notes || []).length ? "\n" + r.notes.join("\n") : "")
                                       : (r.error || r.message || qsTr("Nothing imported"));
            configEdit.text = panel.settings.configText;
        }
    }

    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth

        ColumnLayout {
            width: parent.width - 16
            x: 8
            spacing: 8

            Label { text: qsTr("Model"); font.bold: true; color: Style.text }
            GridLayout {
                columns: 2
                Layout.fillWidth: true
                Label { text: qsTr("Provider"); color: Style.text }
                ComboBox {
                    id: providerBox
                    objectName: "providerBox"
                    Layout.fillWidth: true
                    model: panel.settings && panel.settings.providers ? panel.settings.providers : ["openai", "anthropic"]
                    Accessible.name: qsTr("Provider")
                    currentIndex: panel.settings ? Math.max(0, indexOfValue(panel.settings.provider)) : 0
                    onActivated: panel.set("provider", currentValue)
                }
                Label { text: qsTr("Model"); color: Style.text }
                TextField {
                    objectName: "modelField"
                    Layout.fillWidth: true
                    text: panel.settings ? panel.settings.model : ""
                    Accessible.name: qsTr("Model")
                    onEditingFinished: panel.set("model", text.trim())
                }
                Label { text: qsTr("Base URL"); color: Style.text }
                TextField {
                    objectName: "baseUrlField"
                    Layout.fillWidth: true
                    text: panel.settings ? panel.settings.baseUrl : ""
                    placeholderText: qsTr("the provider's default")
                    Accessible.name: qsTr("Base URL")
                    onEditingFinished: panel.set("baseUrl", text.trim())
                }
                Label { text: qsTr("API key"); color: Style.text }
                RowLayout {
                    Layout.fillWidth: true
                    TextField {
                        id: keyField
                        objectName: "apiKeyField"
                        Layout.fillWidth: true
                        echoMode: TextInput.Password
                        placeholderText: panel.settings && panel.settings.apiKeySet ? qsTr("a key is stored; type to replace it") : qsTr("not set")
                        Accessible.name: qsTr("API key")
                        onAccepted: storeKey.clicked()
                    }
                    Button {
                        id: storeKey
                        text: qsTr("Store")
                        enabled: keyField.text !== ""
                        onClicked: {
                            if (panel.settings)
                                panel.settings.setApiKey(keyField.text);
                            keyField.text = "";
                        }
                    }
                }
                Label { text: qsTr("Max iterations"); color: Style.text }
                SpinBox {
                    objectName: "maxIterations"
                    from: 1
                    to: 100
                    editable: true
                    value: panel.settings ? panel.settings.maxIterations : 10
                    Accessible.name: qsTr("Max iterations")
                    onValueModified: panel.set("maxIterations", value)
                }
            }
            Button {
                text: qsTr("Apply (restarts the local host)")
                enabled: panel.settings !== null
                onClicked: panel.settings.apply()
            }

            Label { text: qsTr("Remembered approvals"); font.bold: true; color: Style.text }
            Repeater {
                model: panel.rules
                delegate: RowLayout {
                    required property int index
                    required property string scope
                    required property string server
                    required property string tool
                    required property string decision
                    required property string source
                    Layout.fillWidth: true
                    Label {
                        objectName: "ruleText"
                        Layout.fillWidth: true
                        text: (scope === "tool" ? server + " › " + tool : qsTr("every tool of %1").arg(server))
                              + ": " + decision + (source === "config" ? "  " + qsTr("(from the config)") : "")
                        color: Style.text
                        elide: Text.ElideRight
                    }
                    Button {
                        text: qsTr("Revoke")
                        enabled: source === "remembered"
                        onClicked: {
                            if (panel.rules && typeof panel.rules.revoke === "function")
                                panel.rules.revoke(index);
                            panel.revokeRequested(index);
                        }
                    }
                }
            }
            RowLayout {
                Layout.fillWidth: true
                Label {
                    Layout.fillWidth: true
                    text: qsTr("Config file") + (panel.settings && panel.settings.configPath ? ": " + panel.settings.configPath : "")
                    font.bold: true
                    color: Style.text
                    elide: Text.ElideMiddle
                }
                Button {
                    objectName: "importConfig"
                    text: qsTr("Import…")
                    onClicked: importDialog.open()
                }
                Button {
                    objectName: "saveConfig"
                    text: qsTr("Save")
                    enabled: panel.settings !== null && panel.configErrors.length === 0
                    onClicked: {
                        if (!panel.settings.saveConfig(configEdit.text))
                            panel.configErrors = panel.settings.configErrors;
                    }
                }
            }
            Label {
                Layout.fillWidth: true
                visible: panel.importSummary !== ""
                text: panel.importSummary
                wrapMode: Text.Wrap
                color: Style.mutedText
            }
            TextArea {
                id: configEdit
                objectName: "configEditor"
                Layout.fillWidth: true
                Layout.preferredHeight: 280
                text: panel.settings ? panel.settings.configText : ""
                font.family: "monospace"
                wrapMode: TextEdit.NoWrap
                selectByMouse: true
                Accessible.name: qsTr("Config file")
                background: Rectangle { color: Style.codeBackground; border.color: Style.border }
                onTextChanged: validateLater.restart()
            }
            Repeater {
                model: panel.configErrors
                delegate: Label {
                    required property var modelData
                    objectName: "configError"
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    color: Style.danger
                    text: modelData.text ? modelData.text
                        : (panel.settings && panel.settings.configPath ? panel.settings.configPath : "config") + ":"
                          + modelData.line + ":" + modelData.column + ": " + modelData.message
                }
            }
        }
    }
}
