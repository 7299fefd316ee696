// mcp-hostd: parses the command line and hands over to the server library.
#include "archivecommand.h"
#include "askcommand.h"
#include "doctor.h"
#include "hostconfig.h"
#include "logging.h"
#include "servecommand.h"
#include "storefactory.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QTextStream>

#include <QFile>
#include <QFileInfo>

#include <cstdio>
#include <optional>
#include <sys/stat.h>

namespace {
int fail(const QString &message, int code = 2)
{
    std::fprintf(stderr, "mcp-hostd: %s\n", qPrintable(message));
    return code;
}

// A command-line number checked by the same range as its config key.
template<typename T>
bool readNumber(const QCommandLineParser &parser, const QCommandLineOption &option,
                const ValueRange &range, std::optional<T> *out, QString *error)
{
    if (!parser.isSet(option))
        return true;
    QString why;
    const auto v = range.parse(parser.value(option), &why);
    if (!v) {
        *error = QStringLiteral("--%1 %2").arg(option.names().constFirst(), why);
        return false;
    }
    *out = T(*v);
    return true;
}

// The first line of a file only its owner can read. A token in a file others can read is
// refused, as ssh refuses such a key: the point of the file is that nobody else sees it.
std::optional<QString> readTokenFile(const QString &path, QString *error)
{
    struct stat st = {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0) {
        *error = QStringLiteral("--token-file %1: no such file").arg(path);
        return std::nullopt;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        *error = QStringLiteral("--token-file %1 can be read or written by other users (mode "
                                "%2): run chmod 600 %1")
                         .arg(path, QString::number(st.st_mode & 0777, 8).rightJustified(4, '0'));
        return std::nullopt;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("--token-file %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    const QString token = QString::fromUtf8(file.readLine(4096)).trimmed();
    if (token.isEmpty()) {
        *error = QStringLiteral("--token-file %1: the first line is empty").arg(path);
        return std::nullopt;
    }
    return token;
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("mcp-hostd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(MCPHOST_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
            "MCP Host server.\n\nCommands:\n"
            "  (none), serve  serve the HTTP API, the SSE stream and the test page\n"
            "  doctor         start every configured MCP server and report its state\n"
            "  ask TEXT       run one turn (Think -> Act -> Observe -> Answer) and print each "
            "step\n"
            "  export ID      print a stored session as its JSON document (or Markdown)\n"
            "  import FILE    store a session document as a new session"));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption configOption(
            QStringLiteral("config"),
            QStringLiteral("Configuration file (mcpServers format plus the host's sections)."),
            QStringLiteral("file"));
    const QCommandLineOption listenOption(
            QStringLiteral("listen"),
            QStringLiteral(
                    "serve: address to listen on (default 127.0.0.1; any other needs --token)."),
            QStringLiteral("address"));
    const QCommandLineOption portOption(
            QStringLiteral("port"),
            QStringLiteral("serve: port (default 8765; 0 = any free port)."),
            QStringLiteral("port"));
    const QCommandLineOption tokenFileOption(
            QStringLiteral("token-file"),
            QStringLiteral("serve: read the bearer token every API request must carry from the "
                           "first line of this file (mode 600). This or MCPHOST_TOKEN is the "
                           "safe way to pass a token."),
            QStringLiteral("file"));
    const QCommandLineOption tokenOption(
            QStringLiteral("token"),
            QStringLiteral("serve: the bearer token itself. Unsafe: every local user can read "
                           "it in the process list; use --token-file or MCPHOST_TOKEN."),
            QStringLiteral("token"));
    const QCommandLineOption maxConnOption(
            QStringLiteral("max-connections"),
            QStringLiteral("serve: most concurrent SSE streams (default 50; 1 to 100000)."),
            QStringLiteral("n"));
    const QCommandLineOption heartbeatOption(
            QStringLiteral("heartbeat"),
            QStringLiteral("serve: seconds between heartbeat comments (default 15; 0.1 to 3600)."),
            QStringLiteral("seconds"));
    const QCommandLineOption originOption(
            QStringLiteral("allow-origin"),
            QStringLiteral(
                    "serve: a browser origin allowed besides the server's own (repeatable)."),
            QStringLiteral("origin"));
    const QCommandLineOption storeOption(
            QStringLiteral("store"),
            QStringLiteral("serve, ask, export, import: where sessions live: sqlite (default: "
                           "sessions.db in the user's data folder), sqlite:PATH, memory, or "
                           "redis://host:port/db."),
            QStringLiteral("store"));
    const QCommandLineOption ttlOption(
            QStringLiteral("session-ttl"),
            QStringLiteral("serve: seconds an idle session is kept (default 3600; 1 to 2592000)."),
            QStringLiteral("seconds"));
    const QCommandLineOption jsonOption(QStringLiteral("json"),
                                        QStringLiteral("doctor, ask: print JSON."));
    const QCommandLineOption logOption(
            QStringLiteral("log-level"),
            QStringLiteral(
                    "debug, info, warning or error (default: info for serve, warning otherwise)."),
            QStringLiteral("level"));
    const QCommandLineOption sessionOption(
            QStringLiteral("session"),
            QStringLiteral("ask: the session to continue (accepted; the CLI keeps no sessions "
                           "between runs, so every ask starts a new one)."),
            QStringLiteral("id"));
    const QCommandLineOption providerOption(
            QStringLiteral("provider"),
            QStringLiteral(
                    "openai, anthropic or offline (default: config, environment, else automatic)."),
            QStringLiteral("name"));
    const QCommandLineOption modelOption(QStringLiteral("model"),
                                         QStringLiteral("The model id to use."),
                                         QStringLiteral("model"));
    const QCommandLineOption yesOption(
            QStringLiteral("yes"),
            QStringLiteral("ask: approve tool calls and sampling requests that need approval "
                           "(on a terminal you are asked; otherwise they are denied)."));
    const QCommandLineOption formatOption(
            QStringLiteral("format"),
            QStringLiteral("export: json (the session document, default) or markdown."),
            QStringLiteral("format"));
    const QCommandLineOption outputOption(
            {QStringLiteral("o"), QStringLiteral("output")},
            QStringLiteral("export: write to this file (default: standard output)."),
            QStringLiteral("file"));
    parser.addOptions({formatOption, outputOption});
    parser.addOptions({configOption, listenOption, portOption, tokenFileOption, tokenOption,
                       maxConnOption, heartbeatOption, originOption, storeOption, ttlOption,
                       jsonOption, logOption, sessionOption, providerOption, modelOption,
                       yesOption});
    parser.addPositionalArgument(
            QStringLiteral("command"),
            QStringLiteral("serve (default) | doctor | ask | export | import"));
    parser.addPositionalArgument(QStringLiteral("text"), QStringLiteral("ask: the message"),
                                 QStringLiteral("[text]"));
    // Not process(): an unknown option should point to --help and exit with 2 (usage).
    if (!parser.parse(QCoreApplication::arguments()))
        return fail(QStringLiteral("%1\nsee mcp-hostd --help").arg(parser.errorText()));
    // --help-all is Qt's own (added with --help); process() would handle it, parse() does not.
    if (parser.isSet(helpOption) || parser.optionNames().contains(QLatin1String("help-all")))
        parser.showHelp(0);
    if (parser.isSet(versionOption))
        parser.showVersion();
    if (parser.isSet(providerOption)) {
        if (const auto problem = ProviderConfig::nameProblem(parser.value(providerOption)))
            return fail(QStringLiteral("--provider ") + *problem);
    }

    const QStringList args = parser.positionalArguments();
    const QString command = args.value(0, QStringLiteral("serve"));
    const bool serving = command == QLatin1String("serve");
    const QString level = parser.value(logOption).isEmpty()
            ? (serving ? QStringLiteral("info") : QStringLiteral("warning"))
            : parser.value(logOption);
    if (!applyLogLevel(level))
        return fail(QStringLiteral("unknown --log-level \"%1\" (use debug, info, warning or error)")
                            .arg(level));

    if (command == QLatin1String("export") || command == QLatin1String("import")) {
        ArchiveCommand::Options options;
        options.import = command == QLatin1String("import");
        if (args.size() != 2)
            return fail(options.import
                                ? QStringLiteral("import needs one file, e.g. mcp-hostd import "
                                                 "notes.json")
                                : QStringLiteral("export needs one session id, e.g. mcp-hostd "
                                                 "export notes -o notes.json"));
        if (options.import)
            options.path = args.at(1);
        else
            options.sessionId = args.at(1);
        if (!options.import) {
            options.path = parser.value(outputOption);
            if (parser.isSet(formatOption))
                options.format = parser.value(formatOption);
            if (options.format != QLatin1String("json")
                && options.format != QLatin1String("markdown"))
                return fail(QStringLiteral("--format must be json or markdown, not \"%1\"")
                                    .arg(options.format.left(40)));
        }
        options.configPath = parser.value(configOption);
        options.store = parser.value(storeOption);
        if (const QString why = StoreFactory::check(options.store); !why.isEmpty())
            return fail(QStringLiteral("--store: %1").arg(why));
        ArchiveCommand archive(options);
        int exitCode = 0;
        archive.run([&exitCode](int code) {
            exitCode = code;
            QCoreApplication::exit(code);
        });
        app.exec();
        return exitCode;
    }

    if (command == QLatin1String("ask")) {
        AskCommand::Options options;
        options.question = args.mid(1).join(QLatin1Char(' '));
        if (options.question.trimmed().isEmpty())
            return fail(QStringLiteral(
                    "ask needs a message, e.g. mcp-hostd ask \"call echo with message=hi\""));
        options.configPath = parser.value(configOption);
        options.provider = parser.value(providerOption);
        options.model = parser.value(modelOption);
        options.sessionId = parser.value(sessionOption);
        options.store = parser.value(storeOption);
        if (const QString why = StoreFactory::check(options.store); !why.isEmpty())
            return fail(QStringLiteral("--store: %1").arg(why));
        options.json = parser.isSet(jsonOption);
        options.approveAll = parser.isSet(yesOption);
        // JSON lines are for programs: they get no prompts mixed into the events.
        options.interactive = !options.json && AskCommand::isTerminal();
        AskCommand ask(options);
        int exitCode = 0;
        ask.run([&exitCode](int code) {
            exitCode = code;
            QCoreApplication::exit(code);
        });
        app.exec();
        return exitCode;
    }

    if (command == QLatin1String("doctor")) {
        const HostConfig config = HostConfig::load(parser.value(configOption));
        Doctor doctor(config);
        int exitCode = 0;
        const bool json = parser.isSet(jsonOption);
        doctor.run([&](const QJsonObject &report, int code) {
            QTextStream out(stdout);
            if (json)
                out << QJsonDocument(report).toJson(QJsonDocument::Indented);
            else
                out << Doctor::formatText(report);
            out.flush();
            exitCode = code;
            QCoreApplication::exit(code);
        });
        app.exec();
        return exitCode;
    }

    if (!serving)
        return fail(
                QStringLiteral(
                        "unknown command \"%1\" (use serve, doctor, ask, export or import)\nsee "
                        "mcp-hostd --help")
                        .arg(command));

    ServeCommand::Options options;
    options.host.configPath = parser.value(configOption);
    options.host.cli.provider = parser.value(providerOption);
    options.host.cli.model = parser.value(modelOption);
    options.host.store = parser.value(storeOption);
    if (const QString why = StoreFactory::check(options.host.store); !why.isEmpty())
        return fail(QStringLiteral("--store: %1").arg(why));
    // Every number through the range of its config key: the same check, the same message.
    using Server = HostConfig::Server;
    QString error;
    std::optional<double> port;
    std::optional<double> maxConnections;
    if (!readNumber(parser, ttlOption, HostConfig::Sessions::kIdleTtlSeconds,
                    &options.host.sessions.idleTtlSeconds, &error)
        || !readNumber(parser, portOption, Server::kPort, &port, &error)
        || !readNumber(parser, maxConnOption, Server::kMaxConnections, &maxConnections, &error)
        || !readNumber(parser, heartbeatOption, Server::kHeartbeatSeconds,
                       &options.cli.heartbeatSeconds, &error))
        return fail(error);
    if (port)
        options.cli.port = quint16(*port);
    if (maxConnections)
        options.cli.maxConnections = int(*maxConnections);
    if (parser.isSet(listenOption)) {
        QString why;
        options.cli.listen = Server::parseListen(parser.value(listenOption), &why);
        if (!options.cli.listen)
            return fail(QStringLiteral("--listen ") + why);
    }
    if (parser.isSet(tokenOption) && parser.isSet(tokenFileOption))
        return fail(QStringLiteral("use --token-file or --token, not both"));
    if (parser.isSet(tokenFileOption)) {
        const auto token = readTokenFile(parser.value(tokenFileOption), &error);
        if (!token)
            return fail(error);
        options.cli.token = *token;
    } else if (parser.isSet(tokenOption)) {
        options.cli.token = parser.value(tokenOption);
    } else if (!qEnvironmentVariable("MCPHOST_TOKEN").isEmpty()) {
        options.cli.token = qEnvironmentVariable("MCPHOST_TOKEN");
    }
    if (parser.isSet(originOption))
        options.cli.allowedOrigins = parser.values(originOption);

    ServeCommand serve(options);
    serve.installSignalHandlers();
    int exitCode = 0;
    const auto stopped = [&exitCode](int code) {
        exitCode = code;
        QCoreApplication::exit(code);
    };
    const auto ready = [&serve] {
        QTextStream out(stdout);
        out << "MCP Host " << MCPHOST_VERSION << " serving; open "
            << serve.http()->pageUrl().toString() << '\n';
        out.flush();
    };
    if (!serve.start(&error, stopped, ready))
        return fail(error, 1);
    app.exec();
    return exitCode;
}
