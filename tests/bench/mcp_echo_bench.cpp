// Benchmark: initialize time and the latency of N sequential tools/call "echo" to
// server-everything over stdio, by our client. Prints one JSON line, in the same shape as
// sdk_echo_bench.mjs (the official TypeScript SDK client) so the two compare directly.
//
//   build/bin/mcp_echo_bench [--calls N] [--node PATH] [--server PATH/TO/index.js]

#include "mcpclient.h"
#include "stdiotransport.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("mcphost.*=false"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption callsOption(QStringLiteral("calls"),
                                         QStringLiteral("Number of calls."), QStringLiteral("n"),
                                         QStringLiteral("2000"));
    const QCommandLineOption nodeOption(QStringLiteral("node"), QStringLiteral("Node binary."),
                                        QStringLiteral("path"), QStringLiteral("node"));
    const QCommandLineOption serverOption(
            QStringLiteral("server"), QStringLiteral("server-everything entry script."),
            QStringLiteral("path"),
            QStringLiteral(MCPHOST_NODE_MODULES
                           "/@modelcontextprotocol/server-everything/dist/index.js"));
    parser.addOptions({callsOption, nodeOption, serverOption});
    parser.process(app);
    const int calls = parser.value(callsOption).toInt();

    StdioTransport::Options o;
    o.command = parser.value(nodeOption);
    o.args = {parser.value(serverOption), QStringLiteral("stdio")};
    McpClient::Options co;
    co.serverName = QStringLiteral("everything");
    McpClient client(new StdioTransport(o), co);

    std::vector<double> samples;
    samples.reserve(size_t(calls));
    QElapsedTimer init;
    QElapsedTimer call;
    double initMs = 0;
    int exitCode = 0;

    std::function<void()> next = [&] {
        if (int(samples.size()) == calls) {
            client.close();
            return;
        }
        call.start();
        client.callTool(QStringLiteral("echo"), {{QStringLiteral("message"), QStringLiteral("hi")}},
                        [&](const Mcp::ToolResult &r) {
                            samples.push_back(double(call.nsecsElapsed()) / 1000.0);
                            if (r.isError) {
                                std::fprintf(stderr, "echo failed: %s\n", qPrintable(r.text()));
                                exitCode = 1;
                                client.close();
                                return;
                            }
                            next();
                        });
    };
    QObject::connect(&client, &McpClient::ready, [&] {
        initMs = double(init.nsecsElapsed()) / 1e6;
        next();
    });
    QObject::connect(&client, &McpClient::failed, [&](const QString &reason) {
        std::fprintf(stderr, "could not start the server: %s\n", qPrintable(reason));
        exitCode = 1;
    });
    QObject::connect(&client, &McpClient::closed, [&] { QCoreApplication::exit(exitCode); });
    init.start();
    client.start();
    app.exec();
    if (exitCode != 0 || samples.empty())
        return exitCode ? exitCode : 1;

    std::vector<double> sorted = samples;
    std::sort(sorted.begin(), sorted.end());
    auto pct = [&sorted](double p) {
        return sorted[std::min(sorted.size() - 1,
                               size_t(std::lround(p * double(sorted.size() - 1))))];
    };
    const double mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / double(sorted.size());
    const QJsonObject out {{QStringLiteral("client"), QStringLiteral("mcp-host")},
                           {QStringLiteral("initialize_ms"), initMs},
                           {QStringLiteral("calls"), calls},
                           {QStringLiteral("median_us"), pct(0.5)},
                           {QStringLiteral("p99_us"), pct(0.99)},
                           {QStringLiteral("mean_us"), mean}};
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
    return 0;
}
