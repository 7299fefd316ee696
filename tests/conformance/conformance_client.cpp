// The driver the official MCP conformance suite runs for each client scenario:
//   conformance client --command "mcp-conformance-client" --scenario <name>
// It appends the server URL as the last argument and names the scenario in
// MCP_CONFORMANCE_SCENARIO. Everything here is the host's real client (McpClient over
// StreamableHttpTransport); the driver only decides what to call.

#include "mcpclient.h"
#include "streamablehttptransport.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

#include <cstdio>

namespace {

/// A value for one JSON Schema property: its default, else the first enum value, else a
/// plain example of its type (what a form would offer before the user types).
QJsonValue exampleFor(const QJsonObject &schema)
{
    if (schema.contains(QStringLiteral("default")))
        return schema.value(QStringLiteral("default"));
    const QJsonArray values = schema.value(QStringLiteral("enum")).toArray();
    if (!values.isEmpty())
        return values.first();
    const QString type = schema.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("integer") || type == QLatin1String("number"))
        return 1;
    if (type == QLatin1String("boolean"))
        return false;
    if (type == QLatin1String("array"))
        return QJsonArray();
    if (type == QLatin1String("object"))
        return QJsonObject();
    return QStringLiteral("example");
}

QJsonObject argumentsFor(const QJsonObject &schema, bool onlyDefaults)
{
    QJsonObject args;
    const QJsonObject props = schema.value(QStringLiteral("properties")).toObject();
    for (auto it = props.begin(); it != props.end(); ++it) {
        const QJsonObject prop = it.value().toObject();
        if (onlyDefaults && !prop.contains(QStringLiteral("default")))
            continue;
        args.insert(it.key(), exampleFor(prop));
    }
    return args;
}

/// Accepts every form elicitation with the schema's defaults filled in (SEP-1034).
class DefaultsElicitor : public Mcp::ElicitationHandler
{
public:
    void elicit(const QString &, const QJsonObject &params, RpcResponder responder) override
    {
        if (params.value(QStringLiteral("mode")).toString() == QLatin1String("url")) {
            responder.reply({{QStringLiteral("action"), QStringLiteral("decline")}});
            return;
        }
        const QJsonObject schema = params.value(QStringLiteral("requestedSchema")).toObject();
        responder.reply({{QStringLiteral("action"), QStringLiteral("accept")},
                         {QStringLiteral("content"), argumentsFor(schema, true)}});
    }
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: mcp-conformance-client <server-url>\n");
        return 2;
    }
    const QString scenario = qEnvironmentVariable("MCP_CONFORMANCE_SCENARIO");
    StreamableHttpTransport::Options to;
    to.url = QUrl(args.last());
    auto *transport = new StreamableHttpTransport(to);
    McpClient::Options co;
    co.serverName = QStringLiteral("conformance");
    co.requestTimeoutMs = 20000;
    McpClient client(transport, co);
    DefaultsElicitor elicitor;
    client.setElicitationHandler(&elicitor);

    int exitCode = 0;
    auto finish = [&](int code) {
        exitCode = code;
        QObject::connect(&client, &McpClient::closed, &app, [] { QCoreApplication::exit(); });
        client.close();
    };

    // Calls every listed tool once, one after another, with arguments from its schema.
    std::function<void(int)> callFrom = [&](int index) {
        if (index >= client.tools().size()) {
            finish(exitCode);
            return;
        }
        const Mcp::Tool tool = client.tools().at(index);
        client.callTool(tool.name, argumentsFor(tool.inputSchema, false),
                        [&, index, name = tool.name](const Mcp::ToolResult &r) {
                            std::printf("%s -> %s%s\n", qPrintable(name),
                                        r.isError ? "error: " : "", qPrintable(r.text()));
                            if (r.rpcErrorCode)
                                exitCode = 1;
                            callFrom(index + 1);
                        });
    };

    QObject::connect(&client, &McpClient::failed, &app, [&](const QString &reason) {
        std::fprintf(stderr, "connection failed: %s\n", qPrintable(reason));
        exitCode = 1;
        QCoreApplication::exit();
    });
    QObject::connect(&client, &McpClient::ready, &app, [&] {
        std::printf("connected: %s %s, protocol %s, %lld tools\n",
                    qPrintable(client.serverInfo().name), qPrintable(client.serverInfo().version),
                    qPrintable(client.serverInfo().protocolVersion),
                    qlonglong(client.tools().size()));
        if (scenario == QLatin1String("initialize")) {
            finish(0);
            return;
        }
        // Server-initiated requests (elicitation) travel on the GET stream: wait until it is
        // open, or known to be unavailable, before calling tools.
        if (transport->hasServerStream() || transport->serverStreamUnsupported()) {
            callFrom(0);
            return;
        }
        auto started = std::make_shared<bool>(false);
        auto go = [&, started] {
            if (!std::exchange(*started, true))
                callFrom(0);
        };
        QObject::connect(transport, &StreamableHttpTransport::serverStreamOpened, &app, go);
        QObject::connect(transport, &StreamableHttpTransport::serverStreamUnavailable, &app, go);
        QTimer::singleShot(2000, &app, go);
    });
    client.start();
    app.exec();
    return exitCode;
}
