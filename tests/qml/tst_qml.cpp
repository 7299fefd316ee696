// The QuickTest runner of the views: every tst_*.qml in tests/qml against the McpHost.Views
// module, imported from the build's QML root, in the Fusion style the app uses.
#include "app.h"
#include "transcriptplayer.h"

#include <QQmlEngine>
#include <QQuickStyle>
#include <QtQml/qqmlextensionplugin.h>
#include <QtQuickTest/quicktest.h>

#include <memory>

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
        // Main.qml reaches the controllers through the App singleton: one per test file's
        // engine, as main.cpp makes one before its engine.
        // One App at a time (App asserts it): the previous test file's goes first.
        m_app.reset();
        m_app = std::make_unique<App>(nullptr);
        qmlRegisterSingletonInstance("McpHostTest", 1, 0, "Transcript", &m_player);
    }
    void cleanupTestCase() { m_app.reset(); }

private:
    std::unique_ptr<App> m_app;
    TranscriptPlayer m_player;
};

QUICK_TEST_MAIN_WITH_SETUP(tst_qml, Setup)

#include "tst_qml.moc"
