// mcp-host: the desktop app. Parses the command line, then either shows the window (local mode:
// the in-process server; remote mode: --connect) or, on a machine without a display, hands
// over to the headless server mcp-hostd.
#include "app.h"
#include "connectioncontroller.h"
#include "localserver.h"
#include "privatefile.h"
#include "providerfactory.h"
#include "quitsignals.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTimer>
#include <QtQml/qqmlextensionplugin.h>

#include <QFile>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <utility>
#include <vector>

Q_IMPORT_QML_PLUGIN(McpHost_GuiPlugin)
Q_IMPORT_QML_PLUGIN(McpHost_ViewsPlugin)

namespace {
int fail(const QString &message, int code = 2)
{
    std::fprintf(stderr, "mcp-host: %s\n", qPrintable(message));
    return code;
}

// No X11 or Wayland display and no platform chosen by hand: a window cannot be shown.
bool hasDisplay()
{
    return !qEnvironmentVariableIsEmpty("DISPLAY")
            || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")
            || !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
}

bool hasArgument(int argc, char *argv[], std::initializer_list<const char *> names)
{
    for (int i = 1; i < argc; ++i) {
        for (const char *name : names) {
            if (std::strcmp(argv[i], name) == 0
                || (std::strncmp(argv[i], name, std::strlen(name)) == 0
                    && argv[i][std::strlen(name)] == '='))
                return true;
        }
    }
    return false;
}

struct Options
{
    QCommandLineParser parser;
    QCommandLineOption help;
    QCommandLineOption version;
    QCommandLineOption connect {QStringLiteral("connect"),
                                QStringLiteral("Use the MCP Host server at this URL (e.g. "
                                               "http://127.0.0.1:8765) instead of the app's "
                                               "own local server."),
                                QStringLiteral("url")};
    QCommandLineOption tokenFile {
            QStringLiteral("token-file"),
            QStringLiteral("--connect: read the server's bearer token from the first line of "
                           "this file (mode 600)."),
            QStringLiteral("file")};
    QCommandLineOption token {QStringLiteral("token"),
                              QStringLiteral("--connect: the bearer token itself. Unsafe: other "
                                             "users can read it in the process list; use "
                                             "--token-file or MCPHOST_TOKEN."),
                              QStringLiteral("token")};
    QCommandLineOption config {QStringLiteral("config"),
                               QStringLiteral("Local mode: the configuration file (default: "
                                              "MCPHOST_CONFIG, ~/.config/mcp-host/config.json, "
                                              "else the example)."),
                               QStringLiteral("file")};
    QCommandLineOption provider {QStringLiteral("provider"),
                                 QStringLiteral("Local mode: openai, anthropic or offline "
                                                "(default: config, environment, else "
                                                "automatic)."),
                                 QStringLiteral("name")};
    QCommandLineOption model {QStringLiteral("model"),
                              QStringLiteral("Local mode: the model id to use."),
                              QStringLiteral("model")};

    Options()
        : help(parser.addHelpOption())
        , version(parser.addVersionOption())
    {
        parser.setApplicationDescription(QStringLiteral(
                "MCP Host desktop app.\n\nWithout --connect it starts its own server in the "
                "process (127.0.0.1, a free port, a random token). Without a display (DISPLAY "
                "and WAYLAND_DISPLAY unset, QT_QPA_PLATFORM unset) it starts the headless "
                "server mcp-hostd instead, with the same arguments."));
        parser.addOptions({connect, tokenFile, token, config, provider, model});
    }
};

// Hands the process over to mcp-hostd next to this binary, with the same arguments.
int execHeadless(int argc, char *argv[])
{
    // No QCoreApplication yet: the binary's own path comes from /proc.
    char self[4096] = {};
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    const QString dir
            = n > 0 ? QFileInfo(QString::fromLocal8Bit(self, int(n))).absolutePath() : QString();
    const QByteArray server = QFile::encodeName(QDir(dir).filePath(QStringLiteral("mcp-hostd")));
    std::fprintf(stderr,
                 "mcp-host: no display (DISPLAY and WAYLAND_DISPLAY are unset): starting the "
                 "headless server %s instead\n",
                 server.constData());
    std::fflush(stderr);
    std::vector<char *> args;
    args.push_back(const_cast<char *>(server.constData()));
    for (int i = 1; i < argc; ++i)
        args.push_back(argv[i]);
    args.push_back(nullptr);
    ::execv(server.constData(), args.data());
    return fail(
            QStringLiteral("cannot start %1: %2")
                    .arg(QString::fromLocal8Bit(server), QString::fromLocal8Bit(strerror(errno))),
            1);
}
} // namespace

int main(int argc, char *argv[])
{
    if (!hasDisplay()
        && !hasArgument(argc, argv, {"--help", "-h", "--help-all", "--version", "-v"})) {
        if (hasArgument(argc, argv, {"--connect"}))
            return fail(QStringLiteral("--connect needs a display to show the app on (DISPLAY "
                                       "and WAYLAND_DISPLAY are unset)"));
        return execHeadless(argc, argv);
    }
    if (!hasDisplay()) {
        // --help / --version on a machine without a display: no window is needed for those.
        QCoreApplication core(argc, argv);
        QCoreApplication::setApplicationName(QStringLiteral("mcp-host"));
        QCoreApplication::setApplicationVersion(QStringLiteral(MCPHOST_VERSION));
        Options options;
        options.parser.process(core);
        return 0;
    }

    // QApplication, not QGuiApplication: the tray icon needs Widgets.
    QApplication application(argc, argv);
    QApplication::setApplicationName(QStringLiteral("mcp-host"));
    QApplication::setOrganizationName(QStringLiteral("mcp-host"));
    QApplication::setApplicationVersion(QStringLiteral(MCPHOST_VERSION));
    QQuickStyle::setStyle(QStringLiteral("Fusion"));

    Options options;
    // Not process(): an unknown option should point to --help and exit with 2 (usage).
    if (!options.parser.parse(QCoreApplication::arguments()))
        return fail(QStringLiteral("%1\nsee mcp-host --help").arg(options.parser.errorText()));
    if (options.parser.isSet(options.help)
        || options.parser.optionNames().contains(QLatin1String("help-all")))
        options.parser.showHelp(0);
    if (options.parser.isSet(options.version))
        options.parser.showVersion();
    if (!options.parser.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument \"%1\"\nsee mcp-host --help")
                            .arg(options.parser.positionalArguments().constFirst()));

    if (options.parser.isSet(options.provider)) {
        if (const auto problem
            = ProviderConfig::nameProblem(options.parser.value(options.provider)))
            return fail(QStringLiteral("--provider ") + *problem);
    }
    const bool remote = options.parser.isSet(options.connect);
    QString token;
    if (options.parser.isSet(options.token) && options.parser.isSet(options.tokenFile))
        return fail(QStringLiteral("use --token-file or --token, not both"));
    if (!remote && (options.parser.isSet(options.token) || options.parser.isSet(options.tokenFile)))
        return fail(QStringLiteral("--token and --token-file go with --connect (the local "
                                   "server makes its own token)"));
    for (const QCommandLineOption *local : {&options.config, &options.provider, &options.model}) {
        if (remote && options.parser.isSet(*local))
            return fail(QStringLiteral("--%1 is for the local server; a remote server has its "
                                       "own")
                                .arg(local->names().constFirst()));
    }
    if (options.parser.isSet(options.tokenFile)) {
        const QString path = options.parser.value(options.tokenFile);
        QString error;
        const auto read
                = PrivateFile::readToken(path, QStringLiteral("--token-file ") + path, &error);
        if (!read)
            return fail(error);
        token = *read;
    } else if (options.parser.isSet(options.token)) {
        token = options.parser.value(options.token);
    } else if (remote) {
        token = qEnvironmentVariable("MCPHOST_TOKEN");
    }

    App app(nullptr);
    QApplication::setQuitOnLastWindowClosed(false);
    QQmlApplicationEngine engine;
    QObject::connect(
            &engine, &QQmlApplicationEngine::objectCreationFailed, &application,
            [] { QCoreApplication::exit(1); }, Qt::QueuedConnection);
    // Closing the window ends the sessions and stops the MCP servers before the app exits
    // (at most 5 s).
    const auto quit = [&app] {
        QTimer::singleShot(5000, qApp, [] { QCoreApplication::exit(0); });
        app.connection()->shutdown([] { QCoreApplication::exit(0); });
    };
    QObject::connect(&application, &QGuiApplication::lastWindowClosed, &app, quit);
    // Ctrl+C and SIGTERM: the same way out.
    QuitSignals quitSignals;
    QObject::connect(&quitSignals, &QuitSignals::requested, &app, quit);
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    engine.loadFromModule(QStringLiteral("McpHost.Views"), QStringLiteral("Main"));
#else
    // 6.4 has no loadFromModule: the module's files live under the resource prefix /qt/qml.
    engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
    engine.load(QUrl(QStringLiteral("qrc:/qt/qml/McpHost/Views/Main.qml")));
#endif
    if (engine.rootObjects().isEmpty())
        return 1;

    // The connection starts once the window has shown its first frame: building the local
    // host and starting its MCP server processes would otherwise come before it (or after
    // a second when no frame comes, e.g. a window opened minimized).
    bool started = false;
    const auto start = [&started, &app, &options, &token, remote] {
        if (std::exchange(started, true))
            return;
        if (remote) {
            app.connection()->connectRemote(options.parser.value(options.connect), token, false);
            return;
        }
        LocalServer::Options local;
        local.configPath = options.parser.value(options.config);
        local.provider = options.parser.value(options.provider);
        local.model = options.parser.value(options.model);
        // What Settings saved holds from the start, not only after Apply.
        app.startLocal(local);
    };
    if (auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst())) {
        QObject::connect(window, &QQuickWindow::frameSwapped, &app, start,
                         Qt::ConnectionType(Qt::SingleShotConnection | Qt::QueuedConnection));
        QTimer::singleShot(1000, &app, start);
    } else {
        start();
    }
    return QApplication::exec();
}
