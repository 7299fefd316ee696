import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// Where the app talks to: the local host it starts itself, or a remote host by URL with a
// bearer token (remembered in the keychain when asked).
Dialog {
    id: dialog

    property string serverUrl
    property string tokenWarning

    signal connectRemote(string url, string token, bool remember)
    signal useLocal()

    title: qsTr("Connection")
    modal: true
    standardButtons: Dialog.Cancel
    parent: Overlay.overlay
    anchors.centerIn: parent
    width: 460

    onOpened: { urlField.text = serverUrl; tokenField.text = ""; urlField.forceActiveFocus(); }

    ColumnLayout {
        anchors.fill: parent
        Label { text: qsTr("Server URL") }
        TextField {
            id: urlField
            objectName: "urlField"
            Layout.fillWidth: true
            placeholderText: "https://host.example:8080"
            inputMethodHints: Qt.ImhUrlCharactersOnly
            Accessible.name: qsTr("Server URL")
        }
        Label { text: qsTr("Token") }
        TextField {
            id: tokenField
            objectName: "tokenField"
            Layout.fillWidth: true
            echoMode: TextInput.Password
            Accessible.name: qsTr("Token")
        }
        CheckBox {
            id: remember
            objectName: "rememberToken"
            text: qsTr("Remember the token")
        }
        Label {
            Layout.fillWidth: true
            visible: dialog.tokenWarning !== ""
            text: dialog.tokenWarning
            wrapMode: Text.Wrap
            color: Style.warning
        }
        RowLayout {
            Layout.fillWidth: true
            Button {
                text: qsTr("Use the local host")
                onClicked: { dialog.useLocal(); dialog.close(); }
            }
            Item { Layout.fillWidth: true }
            Button {
                objectName: "connectButton"
                text: qsTr("Connect")
                highlighted: true
                enabled: /^https?:\/\/.+/.test(urlField.text.trim())
                onClicked: {
                    dialog.connectRemote(urlField.text.trim(), tokenField.text, remember.checked);
                    tokenField.text = "";
                    dialog.close();
                }
            }
        }
    }
}
