#pragma once

#include "jsonrpcsession.h"
#include "mcptypes.h"

#include <QObject>
#include <QPointer>

#include <memory>

class Transport;

/// A typed MCP client over one Transport: runs the lifecycle (initialize with version
/// negotiation, notifications/initialized, tools/list), keeps the tool list current
/// (list_changed), offers typed calls (tools, resources, prompts, completion, logging, ping)
/// and answers the server's requests (roots/list, sampling, elicitation) through handlers.
///
/// The capabilities declared at initialize are only what this host really implements: roots
/// always; sampling and elicitation only when a handler is set before start().
class McpClient : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(McpClient)

public:
    enum class State { Idle, Connecting, Initializing, Ready, Closing, Closed };
    Q_ENUM(State)

    struct Options
    {
        QString serverName; ///< the config's name for the server (diagnostics, handlers)
        QString clientName = QStringLiteral("mcp-host");
        QString clientVersion = QStringLiteral(MCPHOST_VERSION);
        QString protocolVersion = Mcp::kLatestProtocolVersion;
        int requestTimeoutMs = 60000;
        int maxRequestTimeoutMs = 600000;
        int initializeTimeoutMs = 30000;
        QList<Mcp::Root> roots;
    };

    using ToolCallback = std::function<void(const Mcp::ToolResult &)>;
    using ListCallback = std::function<void(const QJsonArray &items, const RpcReply &lastPage)>;

    /// Takes ownership of `transport`.
    McpClient(Transport *transport, Options options, QObject *parent = nullptr);
    ~McpClient() override;

    /// Opens the transport and runs the handshake; ends in ready() or failed().
    void start();
    /// Closes gracefully; closed() follows.
    void close();

    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] const Mcp::ServerInfo &serverInfo() const { return m_serverInfo; }
    [[nodiscard]] const QList<Mcp::Tool> &tools() const { return m_tools; }
    [[nodiscard]] const Options &options() const { return m_options; }
    [[nodiscard]] Transport *transport() const { return m_transport; }
    [[nodiscard]] JsonRpcSession *session() const { return m_session; }
    /// The HTTP status of a failed initialize (0 if none): 400/404/405 mean "try legacy SSE".
    [[nodiscard]] int failureHttpStatus() const { return m_failureHttpStatus; }
    [[nodiscard]] bool hasCapability(const QString &name) const
    {
        return m_serverInfo.capabilities.contains(name);
    }

    /// Calls a tool. Progress notifications reach `onProgress` and extend the timeout.
    /// Returns the request id (for cancelRequest). The callback always runs once (unless
    /// `context` dies first): a protocol failure becomes an isError result with rpcErrorCode.
    qint64 callTool(const QString &name, const QJsonObject &arguments, ToolCallback callback,
                    JsonRpcSession::ProgressHandler onProgress = {}, int timeoutMs = -1,
                    QObject *context = nullptr);
    /// Sends notifications/cancelled for a pending request and fails it locally.
    void cancelRequest(qint64 id, const QString &reason = QStringLiteral("cancelled by the user"));

    /// Any request; retried once after a transparent re-initialize if the session expired.
    qint64 request(const QString &method, const QJsonObject &params,
                   JsonRpcSession::ReplyHandler handler, QObject *context = nullptr);
    /// Follows nextCursor through every page of a list method and concatenates `key`.
    void listAll(const QString &method, const QString &key, ListCallback callback);

    void refreshTools(std::function<void(bool ok)> done = {});
    void listResources(ListCallback callback);
    void listResourceTemplates(ListCallback callback);
    void readResource(const QString &uri, JsonRpcSession::ReplyHandler handler);
    void subscribeResource(const QString &uri, JsonRpcSession::ReplyHandler handler);
    void unsubscribeResource(const QString &uri, JsonRpcSession::ReplyHandler handler);
    void listPrompts(ListCallback callback);
    void getPrompt(const QString &name, const QJsonObject &arguments,
                   JsonRpcSession::ReplyHandler handler);
    void complete(const QJsonObject &ref, const QString &argumentName, const QString &value,
                  JsonRpcSession::ReplyHandler handler);
    void setLoggingLevel(const QString &level, JsonRpcSession::ReplyHandler handler);
    void ping(JsonRpcSession::ReplyHandler handler);

    /// Changes the workspace roots; tells the server (roots/list_changed) when connected.
    void setRoots(const QList<Mcp::Root> &roots);
    void setSamplingHandler(Mcp::SamplingHandler *handler) { m_sampling = handler; }
    void setElicitationHandler(Mcp::ElicitationHandler *handler) { m_elicitation = handler; }

Q_SIGNALS:
    void ready();
    void failed(const QString &reason);
    void closed(const QString &reason);
    void toolsChanged();
    void resourceListChanged();
    void promptListChanged();
    void resourceUpdated(const QString &uri);
    /// notifications/message from the server.
    void logMessage(const QString &level, const QString &logger, const QJsonValue &data);
    void stateChanged(McpClient::State state);

private:
    void setState(State state);
    void initialize(std::function<void(const QString &error)> done);
    void onNotification(const QString &method, const QJsonObject &params);
    void onTransportClosed(const QString &reason);
    void installHandlers();
    void listPage(const QString &method, const QString &key, const QString &cursor,
                  QJsonArray items, ListCallback callback, int pages);
    qint64 requestWithOptions(const QString &method, const QJsonObject &params,
                              JsonRpcSession::ReplyHandler handler,
                              const JsonRpcSession::RequestOptions &options, QObject *context,
                              bool retried);
    [[nodiscard]] QJsonObject clientCapabilities() const;
    [[nodiscard]] QString withDiagnostics(const QString &reason) const;

    Options m_options;
    Transport *m_transport = nullptr;
    JsonRpcSession *m_session = nullptr;
    State m_state = State::Idle;
    Mcp::ServerInfo m_serverInfo;
    QList<Mcp::Tool> m_tools;
    Mcp::SamplingHandler *m_sampling = nullptr;
    Mcp::ElicitationHandler *m_elicitation = nullptr;
    int m_failureHttpStatus = 0;
    QString m_authorizationFailure; ///< set while tools/list is refused with 401/403
    bool m_reinitializing = false;
    QList<std::function<void(bool)>> m_afterReinit;
    QList<std::function<void(bool)>> m_toolsWaiters;
    bool m_toolsRefreshQueued = false;
    bool m_toolsRefreshing = false;
};
