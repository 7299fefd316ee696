pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// One field of an elicitation form (a row of the ElicitationForm model): its label, the editor
// that fits its type, its description and, after validation, its error. Edits go back through
// `edited(row, value)`: text for text and number fields, a bool, a list of chosen values.
ColumnLayout {
    id: field

    required property int index
    required property string name
    required property string title
    required property string description
    required property string type
    required property string format
    required property var minimum
    required property var maximum
    required property int maxLength
    required property var options
    required property bool required
    required property var value
    required property string error
    required property string hint
    property bool enabled: true

    readonly property bool boundedInteger: type === "integer" && typeof minimum === "number" && typeof maximum === "number"
        && minimum >= -2147483647 && maximum <= 2147483647

    signal edited(int row, var value)
    /// A multi-select option was checked or unchecked.
    signal optionChosen(int row, string option, bool chosen)

    // Whether `option` is among the chosen values (a JS array or, on Qt 6.5+, a list from C++
    // that is not an Array: only length and indexing are used).
    function isChosen(option) {
        var list = field.value;
        if (!list || typeof list !== "object")
            return false;
        for (var i = 0; i < list.length; ++i) {
            if (list[i] === option)
                return true;
        }
        return false;
    }

    spacing: 2

    Label {
        objectName: "fieldLabel"
        visible: field.type !== "boolean"
        text: field.title + (field.required ? " *" : "")
        color: Style.text
        font.bold: true
    }
    TextField {
        objectName: "textEditor"
        Layout.fillWidth: true
        visible: field.type === "string" || field.type === "number" || (field.type === "integer" && !field.boundedInteger)
        enabled: field.enabled
        text: field.value === undefined || field.value === null ? "" : String(field.value)
        placeholderText: field.hint
        maximumLength: field.maxLength > 0 ? field.maxLength : 32767
        inputMethodHints: field.type === "number" || field.type === "integer" ? Qt.ImhFormattedNumbersOnly
                        : field.format === "email" ? Qt.ImhEmailCharactersOnly
                        : field.format === "uri" ? Qt.ImhUrlCharactersOnly : Qt.ImhNone
        Accessible.name: field.title
        onTextEdited: field.edited(field.index, text)
    }
    SpinBox {
        objectName: "spinEditor"
        visible: field.boundedInteger
        enabled: field.enabled
        editable: true
        from: field.boundedInteger ? field.minimum : 0
        to: field.boundedInteger ? field.maximum : 0
        value: typeof field.value === "number" ? field.value : Number(field.value || from)
        Accessible.name: field.title
        onValueModified: field.edited(field.index, String(value))
    }
    Switch {
        objectName: "boolEditor"
        visible: field.type === "boolean"
        enabled: field.enabled
        text: field.title + (field.required ? " *" : "")
        checked: field.value === true
        onToggled: field.edited(field.index, checked)
    }
    ComboBox {
        objectName: "enumEditor"
        Layout.fillWidth: true
        visible: field.type === "enum"
        enabled: field.enabled
        model: field.type === "enum" ? field.options : []
        textRole: "label"
        valueRole: "value"
        Accessible.name: field.title
        Component.onCompleted: currentIndex = field.type === "enum" ? indexOfValue(field.value) : -1
        displayText: currentIndex < 0 ? qsTr("Choose…") : currentText
        onActivated: field.edited(field.index, currentValue)
    }
    Column {
        objectName: "multiEditor"
        visible: field.type === "multiEnum"
        Repeater {
            model: field.type === "multiEnum" ? field.options : []
            delegate: CheckBox {
                required property var modelData
                enabled: field.enabled
                text: modelData.label
                checked: field.isChosen(modelData.value)
                onToggled: field.optionChosen(field.index, modelData.value, checked)
            }
        }
    }
    Label {
        objectName: "fieldDescription"
        Layout.fillWidth: true
        visible: field.description !== ""
        text: field.description
        wrapMode: Text.Wrap
        color: Style.mutedText
    }
    Label {
        objectName: "fieldError"
        Layout.fillWidth: true
        visible: field.error !== ""
        text: field.error
        wrapMode: Text.Wrap
        color: Style.danger
    }
}
