#pragma once

// Helpers shared by the MCP integration tests: waiting on the event loop, synchronous
// wrappers around the asynchronous client calls, free ports and node paths.

#include "mcpclient.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QProcess>
#include <QTcpServer>
#include <QThread>

#include <functional>
#include <optional>

namespace TestSupport {

/// Runs the event loop until `done()` or the timeout; returns done().
inline bool waitFor(const std::function<bool()> &done, int timeoutMs = 30000)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!done() && !deadline.hasExpired()) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        if (!done())
            QThread::msleep(1);
    }
    return done();
}

inline QString nodeModules()
{
    return QStringLiteral(MCPHOST_NODE_MODULES);
}

inline QString everythingScript()
{
    return nodeModules() + QStringLiteral("/@modelcontextprotocol/server-everything/dist/index.js");
}

inline QString fixtureServer()
{
    return QStringLiteral(MCPHOST_BINARY_DIR "/bin/mcp-fixture-server");
}

inline quint16 freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

/// Starts the client and waits for ready or failed; returns the failure reason (empty: ready).
inline QString startClient(McpClient *client, int timeoutMs = 30000)
{
    bool ready = false;
    QString failure;
    QObject::connect(client, &McpClient::ready, client, [&ready] { ready = true; });
    QObject::connect(client, &McpClient::failed, client,
                     [&failure](const QString &reason) { failure = reason; });
    client->start();
    if (!waitFor([&] { return ready || !failure.isEmpty(); }, timeoutMs))
        return QStringLiteral("timed out waiting for the server to initialize");
    QObject::disconnect(client, &McpClient::ready, client, nullptr);
    QObject::disconnect(client, &McpClient::failed, client, nullptr);
    return ready ? QString() : failure;
}

inline std::optional<Mcp::ToolResult> callTool(McpClient *client, const QString &name,
                                               const QJsonObject &args,
                                               QList<RpcProgress> *progress = nullptr,
                                               int timeoutMs = 30000)
{
    std::optional<Mcp::ToolResult> result;
    JsonRpcSession::ProgressHandler onProgress;
    if (progress)
        onProgress = [progress](const RpcProgress &p) { progress->append(p); };
    client->callTool(
            name, args, [&result](const Mcp::ToolResult &r) { result = r; }, onProgress);
    waitFor([&] { return result.has_value(); }, timeoutMs);
    return result;
}

inline std::optional<RpcReply> request(McpClient *client, const QString &method,
                                       const QJsonObject &params, int timeoutMs = 30000)
{
    std::optional<RpcReply> reply;
    client->request(method, params, [&reply](const RpcReply &r) { reply = r; });
    waitFor([&] { return reply.has_value(); }, timeoutMs);
    return reply;
}

/// Answers sampling/createMessage with a fixed assistant text and records what was asked.
class RecordingSampler : public Mcp::SamplingHandler
{
public:
    explicit RecordingSampler(QString answer)
        : m_answer(std::move(answer))
    { }
    void createMessage(const QString &server, const QJsonObject &params,
                       RpcResponder responder) override
    {
        servers << server;
        requests << params;
        responder.reply({{QStringLiteral("role"), QStringLiteral("assistant")},
                         {QStringLiteral("content"),
                          QJsonObject {{QStringLiteral("type"), QStringLiteral("text")},
                                       {QStringLiteral("text"), m_answer}}},
                         {QStringLiteral("model"), QStringLiteral("test-model")},
                         {QStringLiteral("stopReason"), QStringLiteral("endTurn")}});
    }
    QStringList servers;
    QList<QJsonObject> requests;

private:
    QString m_answer;
};

/// A child process (an HTTP MCP server) that is killed when the test ends.
class ServerProcess
{
public:
    ~ServerProcess()
    {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished(3000);
        }
    }
    /// Starts it and waits until its output (stdout or stderr) contains `readyText`.
    bool start(const QString &program, const QStringList &args, const QProcessEnvironment &env,
               const QByteArray &readyText, int timeoutMs = 20000)
    {
        process.setProcessEnvironment(env);
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(program, args);
        if (!process.waitForStarted(5000))
            return false;
        return waitFor(
                [&] {
                    output += process.readAll();
                    return output.contains(readyText);
                },
                timeoutMs);
    }
    QProcess process;
    QByteArray output;
};

} // namespace TestSupport
