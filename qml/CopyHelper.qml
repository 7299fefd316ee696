import QtQuick

// Puts text on the clipboard (Qt Quick has no clipboard API of its own: a hidden TextEdit's
// copy() does it).
Item {
    id: helper
    visible: false
    property string lastCopied

    function copy(text) {
        edit.text = text;
        edit.selectAll();
        edit.copy();
        edit.text = "";
        lastCopied = text;
    }

    TextEdit {
        id: edit
        visible: false
        textFormat: TextEdit.PlainText
    }
}
