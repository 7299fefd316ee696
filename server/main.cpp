// mcp-hostd: parses the command line and hands over to the server library.
#include "askcommand.h"
#include "doctor.h"
#include "hostconfig.h"
#include "logging.h"
#include "servecommand.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QTextStream>

#include <cstdio>

namespace {
int fail(const QString &message, int code = 2)
{
    std::fprintf(stderr, "mcp-hostd: %s\n", qPrintable(message));
    return code;
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
            "step"));
    parser.addHelpOption();
    parser.addVersionOption();
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
    const QCommandLineOption tokenOption(
            QStringLiteral("token"),
            QStringLiteral("serve: bearer token every API request must carry (or MCPHOST_TOKEN)."),
            QStringLiteral("token"));
    const QCommandLineOption maxConnOption(
            QStringLiteral("max-connections"),
            QStringLiteral("serve: most concurrent SSE streams (default 50)."),
            QStringLiteral("n"));
    const QCommandLineOption heartbeatOption(
            QStringLiteral("heartbeat"),
            QStringLiteral("serve: seconds between heartbeat comments (default 15)."),
            QStringLiteral("seconds"));
    const QCommandLineOption originOption(
            QStringLiteral("allow-origin"),
            QStringLiteral(
                    "serve: a browser origin allowed besides the server's own (repeatable)."),
            QStringLiteral("origin"));
    const QCommandLineOption storeOption(QStringLiteral("store"),
                                         QStringLiteral("serve: session store: memory (default)."),
                                         QStringLiteral("kind"), QStringLiteral("memory"));
    const QCommandLineOption ttlOption(
            QStringLiteral("session-ttl"),
            QStringLiteral("serve: seconds an idle session is kept (default 3600)."),
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
                           "(otherwise they are denied)."));
    parser.addOptions({configOption, listenOption, portOption, tokenOption, maxConnOption,
                       heartbeatOption, originOption, storeOption, ttlOption, jsonOption, logOption,
                       sessionOption, providerOption, modelOption, yesOption});
    parser.addPositionalArgument(QStringLiteral("command"),
                                 QStringLiteral("serve (default) | doctor | ask"));
    parser.addPositionalArgument(QStringLiteral("text"), QStringLiteral("ask: the message"),
                                 QStringLiteral("[text]"));
    parser.process(app);

    const QStringList args = parser.positionalArguments();
    const QString command = args.value(0, QStringLiteral("serve"));
    const bool serving = command == QLatin1String("serve");
    const QString level = parser.value(logOption).isEmpty()
            ? (serving ? QStringLiteral("info") : QStringLiteral("warning"))
            : parser.value(logOption);
    if (!applyLogLevel(level))
        return fail(QStringLiteral("unknown --log-level \"%1\" (use debug, info, warning or error)")
                            .arg(level));

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
        options.json = parser.isSet(jsonOption);
        options.approveAll = parser.isSet(yesOption);
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
        return fail(QStringLiteral("unknown command \"%1\"\n%2").arg(command, parser.helpText()));

    ServeCommand::Options options;
    options.host.configPath = parser.value(configOption);
    options.host.cli.provider = parser.value(providerOption);
    options.host.cli.model = parser.value(modelOption);
    if (parser.value(storeOption) != QLatin1String("memory"))
        return fail(QStringLiteral("--store %1: only \"memory\" is available in this version")
                            .arg(parser.value(storeOption)));
    if (parser.isSet(ttlOption)) {
        bool ok = false;
        const double s = parser.value(ttlOption).toDouble(&ok);
        if (!ok || s <= 0)
            return fail(QStringLiteral("--session-ttl must be a positive number of seconds"));
        options.host.sessionTtlMs = qint64(s * 1000);
    }
    if (parser.isSet(listenOption)) {
        options.http.address = QHostAddress(parser.value(listenOption));
        if (options.http.address.isNull())
            return fail(QStringLiteral("--listen \"%1\" is not an IP address")
                                .arg(parser.value(listenOption)));
        options.listenSet = true;
    }
    if (parser.isSet(portOption)) {
        bool ok = false;
        const uint port = parser.value(portOption).toUInt(&ok);
        if (!ok || port > 65535)
            return fail(QStringLiteral("--port must be a number from 0 to 65535"));
        options.http.port = quint16(port);
        options.portSet = true;
    }
    options.http.token = parser.isSet(tokenOption) ? parser.value(tokenOption)
                                                   : qEnvironmentVariable("MCPHOST_TOKEN");
    if (parser.isSet(maxConnOption)) {
        bool ok = false;
        const int n = parser.value(maxConnOption).toInt(&ok);
        if (!ok || n < 1)
            return fail(QStringLiteral("--max-connections must be a positive number"));
        options.http.sse.maxConnections = n;
        options.maxConnectionsSet = true;
    }
    if (parser.isSet(heartbeatOption)) {
        bool ok = false;
        const double s = parser.value(heartbeatOption).toDouble(&ok);
        if (!ok || s <= 0)
            return fail(QStringLiteral("--heartbeat must be a positive number of seconds"));
        options.http.sse.heartbeatMs = int(s * 1000);
    }
    options.http.allowedOrigins = parser.values(originOption);

    ServeCommand serve(options);
    serve.installSignalHandlers();
    QString error;
    int exitCode = 0;
    if (!serve.start(&error, [&exitCode](int code) {
            exitCode = code;
            QCoreApplication::exit(code);
        }))
        return fail(error, 1);
    QTextStream out(stdout);
    out << "MCP Host " << MCPHOST_VERSION << " serving; open " << serve.http()->pageUrl().toString()
        << '\n';
    out.flush();
    app.exec();
    return exitCode;
}
