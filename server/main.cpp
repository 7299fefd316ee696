// mcp-hostd: parses the command line and hands over to the server library.
#include "doctor.h"
#include "hostconfig.h"
#include "logging.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QTextStream>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("mcp-hostd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(MCPHOST_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
            "MCP Host server.\n\nCommands:\n"
            "  doctor    start every configured MCP server and report its state"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configOption(QStringLiteral("config"),
                                          QStringLiteral("Configuration file (mcpServers format)."),
                                          QStringLiteral("file"));
    const QCommandLineOption jsonOption(QStringLiteral("json"),
                                        QStringLiteral("Print machine-readable JSON."));
    const QCommandLineOption logOption(QStringLiteral("log-level"),
                                       QStringLiteral("debug, info, warning or error (default: warning)."),
                                       QStringLiteral("level"), QStringLiteral("warning"));
    parser.addOptions({configOption, jsonOption, logOption});
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("doctor"));
    parser.process(app);

    if (!applyLogLevel(parser.value(logOption))) {
        std::fprintf(stderr, "mcp-hostd: unknown --log-level \"%s\" (use debug, info, warning or error)\n",
                     qPrintable(parser.value(logOption)));
        return 2;
    }

    const QStringList args = parser.positionalArguments();
    const QString command = args.value(0);
    if (command != QLatin1String("doctor")) {
        std::fprintf(stderr, "mcp-hostd: %s\n%s",
                     command.isEmpty() ? "a command is required"
                                       : qPrintable(QStringLiteral("unknown command \"%1\"").arg(command)),
                     qPrintable(parser.helpText()));
        return 2;
    }

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
