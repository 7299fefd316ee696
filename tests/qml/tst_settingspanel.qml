import QtQuick
import QtQuick.Controls
import QtTest
import McpHost.Gui
import McpHost.Views
import "Helpers.js" as H

// The settings panel's Import… of MCP servers: the file dialog loads on first use (not with
// the panel, so not before the window's first frame), the picked file goes to the settings
// controller, and what it says shows in the panel with the config text it now has.
Item {
    id: root
    width: 700
    height: 800

    // Stands in for App.settings: records the imports asked of it.
    QtObject {
        id: stubSettings
        property var providers: ["openai", "anthropic", "offline"]
        property string provider: "offline"
        property string model: ""
        property string baseUrl: ""
        property bool apiKeySet: false
        property int maxIterations: 10
        property string configPath: "/tmp/config.json"
        property string configText: "{\"mcpServers\": {}}"
        property var configErrors: []
        property var imports: []
        function validateConfig(text) { return []; }
        function importConfig(file) {
            imports.push(String(file));
            configText = "{\"mcpServers\": {\"imported\": {\"command\": \"true\"}}}";
            return { ok: true, added: ["imported"], notes: [] };
        }
    }

    Component {
        id: panelComponent
        SettingsPanel {
            anchors.fill: parent
            settings: stubSettings
        }
    }

    TestCase {
        name: "SettingsPanel"
        when: windowShown

        function test_import_loads_its_dialog_on_first_use() {
            var p = createTemporaryObject(panelComponent, root);
            verify(p);
            waitForRendering(p);
            compare(p.importDialog.item, null, "no file dialog before Import… is clicked");
            var button = H.findShown(p, "importConfig");
            verify(button);
            mouseClick(button);
            var dialog = p.importDialog.item;
            verify(dialog, "Import… loads the dialog");
            tryCompare(dialog, "visible", true);
            var picked = Qt.resolvedUrl("tst_settingspanel.qml");
            dialog.currentFolder = String(picked).substring(0, String(picked).lastIndexOf("/"));
            dialog.selectedFile = picked;
            tryCompare(dialog, "selectedFile", picked);
            dialog.accepted();
            compare(stubSettings.imports, [String(picked)]);
            compare(p.importSummary, "Imported: imported");
            verify(H.visibleText(p).indexOf("Imported: imported") >= 0, H.visibleText(p));
            dialog.close();
            tryCompare(dialog, "visible", false);
            // On Qt 6.8 the dialog may be a window of its own: the test window is made active
            // again, or the keys of the tests after this one go nowhere.
            root.Window.window.requestActivate();
            tryCompare(root.Window.window, "active", true);
        }
    }
}
