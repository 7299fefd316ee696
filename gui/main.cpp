#include "app.h"

#include <QApplication>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QtQml/qqmlextensionplugin.h>

Q_IMPORT_QML_PLUGIN(McpHost_GuiPlugin)
Q_IMPORT_QML_PLUGIN(McpHost_ViewsPlugin)

int main(int argc, char *argv[])
{
    // QApplication, not QGuiApplication: the tray icon needs Widgets.
    QApplication application(argc, argv);
    QApplication::setApplicationName(QStringLiteral("mcp-host"));
    QApplication::setOrganizationName(QStringLiteral("mcp-host"));
    QApplication::setApplicationVersion(QStringLiteral(MCPHOST_VERSION));
    QQuickStyle::setStyle(QStringLiteral("Fusion"));

    App app;
    QQmlApplicationEngine engine;
    QObject::connect(
            &engine, &QQmlApplicationEngine::objectCreationFailed, &application,
            [] { QCoreApplication::exit(1); }, Qt::QueuedConnection);
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    engine.loadFromModule(QStringLiteral("McpHost.Views"), QStringLiteral("Main"));
#else
    // 6.4 has no loadFromModule: the module's files live under the resource prefix /qt/qml.
    engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
    engine.load(QUrl(QStringLiteral("qrc:/qt/qml/McpHost/Views/Main.qml")));
#endif
    if (engine.rootObjects().isEmpty())
        return 1;
    return QApplication::exec();
}
