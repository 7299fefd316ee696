#include "mcpclient.h"

#include "logging.h"
#include "transport.h"

#include <QJsonDocument>
#include <QTimer>

namespace {
constexpr int kMaxPages = 1000; // a server that pages forever must not hang the host

bool isAuthorizationStatus(int status)
{
    return status == 401 || status == 403;
}

// Until OAuth lands the host cannot obtain credentials itself: say what is missing.
QString authorizationReason(const RpcReply &reply)
{
    return QStringLiteral("needs authorization (%1)").arg(reply.errorMessage());
}
} // namespace

McpClient::McpClient(Transport *transport, Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_transport(transport)
{
    m_transport->setParent(this);
    m_session = new JsonRpcSession(m_transport, this);
    JsonRpcSession::RequestOptions defaults;
    defaults.timeoutMs = m_options.requestTimeoutMs;
    defaults.maxTimeoutMs = m_options.maxRequestTimeoutMs;
    m_session->setDefaultOptions(defaults);
    connect(m_session, &JsonRpcSession::notificationReceived, this, &McpClient::onNotification);
    connect(m_transport, &Transport::closed, this, &McpClient::onTransportClosed);
    connect(m_transport, &Transport::opened, this, [this] {
        setState(State::Initializing);
        initialize([this](const QString &error) {
            if (!error.isEmpty()) {
                const QString reason = withDiagnostics(error);
                setState(State::Closing);
                m_transport->close();
                Q_EMIT failed(reason);
                return;
            }
            refreshTools([this](bool ok) {
                // Refused tools are not "no tools": a server that wants credentials has failed.
                if (!ok && !m_authorizationFailure.isEmpty()) {
                    const QString reason = m_authorizationFailure;
                    setState(State::Closing);
                    m_transport->close();
                    Q_EMIT failed(reason);
                    return;
                }
                setState(State::Ready);
                Q_EMIT ready();
            });
        });
    });
    connect(m_transport, &Transport::sessionExpired, this, [this] {
        qCInfo(lcMcp) << m_options.serverName
                      << "session expired on the server; will initialize again";
    });
    installHandlers();
}

McpClient::~McpClient() = default;

void McpClient::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

QString McpClient::withDiagnostics(const QString &reason) const
{
    const QStringList tail = m_transport->diagnostics();
    if (tail.isEmpty())
        return reason;
    return reason + QStringLiteral("; server output: ")
            + tail.mid(tail.size() - 5).join(QStringLiteral(" | "));
}

void McpClient::start()
{
    if (m_state != State::Idle)
        return;
    setState(State::Connecting);
    m_transport->open();
}

void McpClient::close()
{
    if (m_state == State::Closed || m_state == State::Closing)
        return;
    setState(State::Closing);
    m_transport->close();
}

QJsonObject McpClient::clientCapabilities() const
{
    QJsonObject caps {
            {QStringLiteral("roots"), QJsonObject {{QStringLiteral("listChanged"), true}}}};
    if (m_sampling)
        caps.insert(QStringLiteral("sampling"), QJsonObject {});
    if (m_elicitation)
        caps.insert(QStringLiteral("elicitation"),
                    QJsonObject {{QStringLiteral("form"), QJsonObject {}},
                                 {QStringLiteral("url"), QJsonObject {}}});
    return caps;
}

void McpClient::initialize(std::function<void(const QString &error)> done)
{
    const QJsonObject params {{QStringLiteral("protocolVersion"), m_options.protocolVersion},
                              {QStringLiteral("capabilities"), clientCapabilities()},
                              {QStringLiteral("clientInfo"),
                               QJsonObject {{QStringLiteral("name"), m_options.clientName},
                                            {QStringLiteral("title"), QStringLiteral("MCP Host")},
                                            {QStringLiteral("version"), m_options.clientVersion}}}};
    JsonRpcSession::RequestOptions opts = m_session->defaultOptions();
    opts.timeoutMs = m_options.initializeTimeoutMs;
    m_session->request(
            QStringLiteral("initialize"), params,
            [this, done = std::move(done)](const RpcReply &reply) {
                if (!reply.ok()) {
                    m_failureHttpStatus = reply.error->data.toObject()
                                                  .value(QStringLiteral("httpStatus"))
                                                  .toInt();
                    if (isAuthorizationStatus(m_failureHttpStatus))
                        done(authorizationReason(reply));
                    else
                        done(QStringLiteral("initialize failed: %1").arg(reply.errorMessage()));
                    return;
                }
                const QJsonObject &r = reply.result;
                const QString version = r.value(QStringLiteral("protocolVersion")).toString();
                if (!Mcp::supportedProtocolVersions().contains(version)) {
                    done(QStringLiteral("the server answered with protocol version \"%1\", which "
                                        "the host does not support (supported: %2)")
                                 .arg(version,
                                      Mcp::supportedProtocolVersions().join(QStringLiteral(", "))));
                    return;
                }
                const QJsonObject info = r.value(QStringLiteral("serverInfo")).toObject();
                m_serverInfo.name = info.value(QStringLiteral("name")).toString();
                m_serverInfo.title = info.value(QStringLiteral("title")).toString();
                m_serverInfo.version = info.value(QStringLiteral("version")).toString();
                m_serverInfo.protocolVersion = version;
                m_serverInfo.capabilities = r.value(QStringLiteral("capabilities")).toObject();
                m_serverInfo.instructions = r.value(QStringLiteral("instructions")).toString();
                m_transport->setProtocolVersion(version);
                m_session->notify(QStringLiteral("notifications/initialized"));
                m_transport->setInitialized();
                qCInfo(lcMcp).noquote()
                        << m_options.serverName << "initialized:" << m_serverInfo.name
                        << m_serverInfo.version << "protocol" << version;
                done({});
            },
            opts, this);
}

void McpClient::installHandlers()
{
    m_session->setRequestHandler(QStringLiteral("roots/list"),
                                 [this](const JsonRpc::Message &, RpcResponder responder) {
                                     QJsonArray roots;
                                     for (const Mcp::Root &root : std::as_const(m_options.roots))
                                         roots.append(root.toJson());
                                     responder.reply({{QStringLiteral("roots"), roots}});
                                 });
    m_session->setRequestHandler(
            QStringLiteral("sampling/createMessage"),
            [this](const JsonRpc::Message &message, RpcResponder responder) {
                if (!m_sampling) {
                    responder.fail(JsonRpc::MethodNotFound,
                                   QStringLiteral("sampling is not available: the host has no "
                                                  "model attached to this server connection"));
                    return;
                }
                m_sampling->createMessage(m_options.serverName, message.params(),
                                          std::move(responder));
            });
    m_session->setRequestHandler(
            QStringLiteral("elicitation/create"),
            [this](const JsonRpc::Message &message, RpcResponder responder) {
                if (!m_elicitation) {
                    responder.fail(JsonRpc::MethodNotFound,
                                   QStringLiteral("elicitation is not available: no user "
                                                  "interface is attached to answer it"));
                    return;
                }
                m_elicitation->elicit(m_options.serverName, message.params(), std::move(responder));
            });
}

void McpClient::onNotification(const QString &method, const QJsonObject &params)
{
    if (method == QLatin1String("notifications/tools/list_changed")) {
        refreshTools([this](bool ok) {
            if (ok)
                Q_EMIT toolsChanged();
        });
    } else if (method == QLatin1String("notifications/resources/list_changed")) {
        Q_EMIT resourceListChanged();
    } else if (method == QLatin1String("notifications/prompts/list_changed")) {
        Q_EMIT promptListChanged();
    } else if (method == QLatin1String("notifications/resources/updated")) {
        Q_EMIT resourceUpdated(params.value(QStringLiteral("uri")).toString());
    } else if (method == QLatin1String("notifications/message")) {
        const QString level = params.value(QStringLiteral("level")).toString();
        const QString logger = params.value(QStringLiteral("logger")).toString();
        const QJsonValue data = params.value(QStringLiteral("data"));
        const QString text = data.isString()
                ? data.toString()
                : QString::fromUtf8(QJsonDocument::fromVariant(data.toVariant())
                                            .toJson(QJsonDocument::Compact));
        qCInfo(lcMcpServerLog).noquote()
                << QStringLiteral("[%1%2%3] %4")
                           .arg(m_options.serverName,
                                logger.isEmpty() ? QString() : QLatin1Char('/') + logger,
                                QLatin1Char(' ') + level, text);
        Q_EMIT logMessage(level, logger, data);
    }
}

void McpClient::onTransportClosed(const QString &reason)
{
    const State previous = m_state;
    setState(State::Closed);
    if (previous == State::Connecting || previous == State::Initializing)
        Q_EMIT failed(withDiagnostics(reason));
    Q_EMIT closed(reason);
}

qint64 McpClient::requestWithOptions(const QString &method, const QJsonObject &params,
                                     JsonRpcSession::ReplyHandler handler,
                                     const JsonRpcSession::RequestOptions &options,
                                     QObject *context, bool retried)
{
    QPointer<QObject> guard(context);
    const bool hasContext = context != nullptr;
    return m_session->request(
            method, params,
            [this, method, params, handler = std::move(handler), options, guard, hasContext,
             retried](const RpcReply &reply) {
                const bool expired = !reply.ok()
                        && reply.error->data.toObject()
                                   .value(QStringLiteral("sessionExpired"))
                                   .toBool();
                if (!expired || retried || m_state != State::Ready) {
                    handler(reply);
                    return;
                }
                // The server lost our session (HTTP 404): start a new one, then retry once.
                m_afterReinit.append([=](bool ok) {
                    if (hasContext && !guard)
                        return;
                    if (!ok) {
                        handler(reply);
                        return;
                    }
                    requestWithOptions(method, params, handler, options, guard, true);
                });
                if (m_reinitializing)
                    return;
                m_reinitializing = true;
                m_transport->resetSession();
                initialize([this](const QString &error) {
                    m_reinitializing = false;
                    if (!error.isEmpty())
                        qCWarning(lcMcp).noquote() << m_options.serverName
                                                   << "could not start a new session:" << error;
                    const auto waiting = std::exchange(m_afterReinit, {});
                    for (const auto &f : waiting)
                        f(error.isEmpty());
                    // A new session may offer other tools than the one that expired.
                    if (error.isEmpty() && m_state == State::Ready)
                        refreshTools([this](bool ok) {
                            if (ok)
                                Q_EMIT toolsChanged();
                        });
                });
            },
            options, context);
}

qint64 McpClient::request(const QString &method, const QJsonObject &params,
                          JsonRpcSession::ReplyHandler handler, QObject *context)
{
    return requestWithOptions(method, params, std::move(handler), m_session->defaultOptions(),
                              context, false);
}

qint64 McpClient::callTool(const QString &name, const QJsonObject &arguments, ToolCallback callback,
                           JsonRpcSession::ProgressHandler onProgress, int timeoutMs,
                           QObject *context)
{
    JsonRpcSession::RequestOptions opts = m_session->defaultOptions();
    if (timeoutMs > 0)
        opts.timeoutMs = timeoutMs;
    opts.onProgress = std::move(onProgress);
    if (!opts.onProgress)
        opts.onProgress
                = [](const RpcProgress &) {}; // still ask for progress: it keeps long calls alive
    return requestWithOptions(
            QStringLiteral("tools/call"),
            {{QStringLiteral("name"), name}, {QStringLiteral("arguments"), arguments}},
            [callback = std::move(callback)](const RpcReply &reply) {
                if (!reply.ok()) {
                    callback(Mcp::ToolResult::failure(reply.errorMessage(), reply.error->code));
                    return;
                }
                callback(Mcp::ToolResult::fromJson(reply.result));
            },
            opts, context, false);
}

void McpClient::cancelRequest(qint64 id, const QString &reason)
{
    m_session->cancel(id, reason);
}

void McpClient::listAll(const QString &method, const QString &key, ListCallback callback)
{
    listPage(method, key, QString(), {}, std::move(callback), 0);
}

void McpClient::listPage(const QString &method, const QString &key, const QString &cursor,
                         QJsonArray items, ListCallback callback, int pages)
{
    QJsonObject params;
    if (!cursor.isEmpty())
        params.insert(QStringLiteral("cursor"), cursor);
    request(
            method, params,
            [this, method, key, items = std::move(items), callback = std::move(callback),
             pages](const RpcReply &reply) mutable {
                if (!reply.ok()) {
                    callback(items, reply);
                    return;
                }
                for (const QJsonValue &v : reply.result.value(key).toArray())
                    items.append(v);
                const QString next = reply.result.value(QStringLiteral("nextCursor")).toString();
                if (next.isEmpty() || pages + 1 >= kMaxPages) {
                    callback(items, reply);
                    return;
                }
                listPage(method, key, next, std::move(items), std::move(callback), pages + 1);
            },
            this);
}

void McpClient::refreshTools(std::function<void(bool ok)> done)
{
    if (!hasCapability(QStringLiteral("tools"))) {
        m_tools.clear();
        if (done)
            done(true);
        return;
    }
    if (done)
        m_toolsWaiters.append(std::move(done));
    // Coalesce: list_changed bursts cause one refresh now and at most one more after it.
    if (m_toolsRefreshing) {
        m_toolsRefreshQueued = true;
        return;
    }
    m_toolsRefreshing = true;
    listAll(QStringLiteral("tools/list"), QStringLiteral("tools"),
            [this](const QJsonArray &items, const RpcReply &last) {
                m_toolsRefreshing = false;
                const bool ok = last.ok();
                if (!ok) {
                    qCWarning(lcMcp).noquote()
                            << m_options.serverName << "tools/list failed:" << last.errorMessage();
                    const int status = last.error->data.toObject()
                                               .value(QStringLiteral("httpStatus"))
                                               .toInt();
                    if (isAuthorizationStatus(status)) {
                        m_authorizationFailure = authorizationReason(last);
                        m_tools.clear();
                    }
                } else {
                    m_authorizationFailure.clear();
                    QList<Mcp::Tool> tools;
                    tools.reserve(items.size());
                    for (const QJsonValue &v : items) {
                        Mcp::Tool tool = Mcp::Tool::fromJson(v.toObject());
                        if (!tool.name.isEmpty())
                            tools.append(std::move(tool));
                    }
                    m_tools = std::move(tools);
                }
                if (std::exchange(m_toolsRefreshQueued, false)) {
                    refreshTools(); // the waiters get the newer list
                    return;
                }
                const auto waiters = std::exchange(m_toolsWaiters, {});
                for (const auto &w : waiters)
                    w(ok);
            });
}

void McpClient::listResources(ListCallback callback)
{
    listAll(QStringLiteral("resources/list"), QStringLiteral("resources"), std::move(callback));
}

void McpClient::listResourceTemplates(ListCallback callback)
{
    listAll(QStringLiteral("resources/templates/list"), QStringLiteral("resourceTemplates"),
            std::move(callback));
}

void McpClient::readResource(const QString &uri, JsonRpcSession::ReplyHandler handler)
{
    request(QStringLiteral("resources/read"), {{QStringLiteral("uri"), uri}}, std::move(handler));
}

void McpClient::subscribeResource(const QString &uri, JsonRpcSession::ReplyHandler handler)
{
    request(QStringLiteral("resources/subscribe"), {{QStringLiteral("uri"), uri}},
            std::move(handler));
}

void McpClient::unsubscribeResource(const QString &uri, JsonRpcSession::ReplyHandler handler)
{
    request(QStringLiteral("resources/unsubscribe"), {{QStringLiteral("uri"), uri}},
            std::move(handler));
}

void McpClient::listPrompts(ListCallback callback)
{
    listAll(QStringLiteral("prompts/list"), QStringLiteral("prompts"), std::move(callback));
}

void McpClient::getPrompt(const QString &name, const QJsonObject &arguments,
                          JsonRpcSession::ReplyHandler handler)
{
    QJsonObject params {{QStringLiteral("name"), name}};
    if (!arguments.isEmpty())
        params.insert(QStringLiteral("arguments"), arguments);
    request(QStringLiteral("prompts/get"), params, std::move(handler));
}

void McpClient::complete(const QJsonObject &ref, const QString &argumentName, const QString &value,
                         JsonRpcSession::ReplyHandler handler)
{
    request(QStringLiteral("completion/complete"),
            {{QStringLiteral("ref"), ref},
             {QStringLiteral("argument"),
              QJsonObject {{QStringLiteral("name"), argumentName},
                           {QStringLiteral("value"), value}}}},
            std::move(handler));
}

void McpClient::setLoggingLevel(const QString &level, JsonRpcSession::ReplyHandler handler)
{
    request(QStringLiteral("logging/setLevel"), {{QStringLiteral("level"), level}},
            std::move(handler));
}

void McpClient::ping(JsonRpcSession::ReplyHandler handler)
{
    request(QStringLiteral("ping"), {}, std::move(handler));
}

void McpClient::setRoots(const QList<Mcp::Root> &roots)
{
    m_options.roots = roots;
    if (m_state == State::Ready)
        m_session->notify(QStringLiteral("notifications/roots/list_changed"));
}
