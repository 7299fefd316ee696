// The floor of the launch benchmark: a bare Qt Quick window (one Window, one Text) started the
// way mcp-host starts (QApplication, the Fusion style, a static QML module loaded from its
// resources). Prints "FIRST_FRAME <steady-clock ns>" when its first frame is on screen, then
// quits.

#include <QApplication>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QtQml/qqmlextensionplugin.h>

#include <chrono>
#include <cstdio>

Q_IMPORT_QML_PLUGIN(McpHostBench_BarePlugin)

int main(int argc, char *argv[])
{
    QApplication application(argc, argv);
    QQuickStyle::setStyle(QStringLiteral("Fusion"));
    QQmlApplicationEngine engine;
    bool seen = false;
    QObject::connect(
            &engine, &QQmlApplicationEngine::objectCreated, &application,
            [&seen](QObject *object, const QUrl &) {
                auto *window = qobject_cast<QQuickWindow *>(object);
                if (!window)
                    return;
                QObject::connect(
                        window, &QQuickWindow::frameSwapped, window,
                        [&seen] {
                            if (seen)
                                return;
                            seen = true;
                            const auto ns
                                    = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                              std::chrono::steady_clock::now().time_since_epoch())
                                              .count();
                            std::printf("FIRST_FRAME %lld\n", static_cast<long long>(ns));
                            std::fflush(stdout);
                            QMetaObject::invokeMethod(QCoreApplication::instance(),
                                                      &QCoreApplication::quit,
                                                      Qt::QueuedConnection);
                        },
                        Qt::DirectConnection);
            });
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    engine.loadFromModule(QStringLiteral("McpHostBench.Bare"), QStringLiteral("BareMain"));
#else
    engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
    engine.load(QUrl(QStringLiteral("qrc:/qt/qml/McpHostBench/Bare/BareMain.qml")));
#endif
    if (engine.rootObjects().isEmpty())
        return 1;
    return QApplication::exec();
}
