// The QuickTest runner of the views: every tst_*.qml in tests/qml against the McpHost.Views
// module, imported from the build's QML root, in the Fusion style the app uses.
#include <QQmlEngine>
#include <QQuickStyle>
#include <QtQml/qqmlextensionplugin.h>
#include <QtQuickTest/quicktest.h>

Q_IMPORT_QML_PLUGIN(McpHost_GuiPlugin)
Q_IMPORT_QML_PLUGIN(McpHost_ViewsPlugin)

class Setup : public QObject
{
    Q_OBJECT

public Q_SLOTS:
    void applicationAvailable() { QQuickStyle::setStyle(QStringLiteral("Fusion")); }
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        engine->addImportPath(QStringLiteral(MCPHOST_QML_IMPORT_DIR));
    }
};

QUICK_TEST_MAIN_WITH_SETUP(tst_qml, Setup)

#include "tst_qml.moc"
