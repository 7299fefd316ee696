#include "serverconnection.h"

#include "legacyssetransport.h"
#include "logging.h"
#include "stdiotransport.h"
#include "streamablehttptransport.h"

ServerConnection::ServerConnection(ServerConfig config, Options options, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_options(std::move(options))
{
    m_state = m_config.disabled ? State::Disabled : State::Stopped;
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, [this] {
        if (m_state == State::Restarting || m_state == State::Failed) {
            ++m_restarts;
            connectWith(m_config.kind);
        }
    });
}

ServerConnection::~ServerConnection() = default;

QString ServerConnection::stateName(State state)
{
    switch (state) {
    case State::Disabled:
        return QStringLiteral("disabled");
    case State::Stopped:
        return QStringLiteral("stopped");
    case State::Starting:
        return QStringLiteral("starting");
    case State::Ready:
        return QStringLiteral("ready");
    case State::Failed:
        return QStringLiteral("failed");
    case State::Restarting:
        return QStringLiteral("restarting");
    }
    return {};
}

void ServerConnection::setState(State state, const QString &reason)
{
    m_reason = reason;
    if (m_state == state)
        return;
    m_state = state;
    qCDebug(lcMcp).noquote() << m_config.name << "->" << stateName(state) << reason;
    Q_EMIT stateChanged(state);
}

QStringList ServerConnection::stderrTail() const
{
    if (m_client && m_client->transport()) {
        QStringList live = m_client->transport()->diagnostics();
        if (!live.isEmpty())
            return live;
    }
    return m_lastTail;
}

QList<Mcp::Tool> ServerConnection::tools() const
{
    return m_state == State::Ready && m_client ? m_client->tools() : QList<Mcp::Tool>();
}

void ServerConnection::setRoots(const QList<Mcp::Root> &roots)
{
    m_options.roots = roots;
    if (m_client)
        m_client->setRoots(roots);
}

Transport *ServerConnection::createTransport(ServerConfig::Kind kind)
{
    if (m_options.transportFactory) {
        m_transportName = QStringLiteral("custom");
        return m_options.transportFactory(m_config, kind);
    }
    switch (kind) {
    case ServerConfig::Kind::Stdio: {
        StdioTransport::Options o;
        o.command = m_config.command;
        o.args = m_config.args;
        o.env = m_config.env;
        o.envPassthrough = m_config.envPassthrough;
        o.maxMessageBytes = m_config.maxMessageBytes;
        o.workingDirectory = m_config.cwd;
        m_transportName = QStringLiteral("stdio");
        return new StdioTransport(o);
    }
    case ServerConfig::Kind::StreamableHttp: {
        StreamableHttpTransport::Options o;
        o.url = m_config.url;
        o.headers = m_config.headers;
        m_transportName = QStringLiteral("streamable-http");
        return new StreamableHttpTransport(o);
    }
    case ServerConfig::Kind::Sse: {
        LegacySseTransport::Options o;
        o.url = m_config.url;
        o.headers = m_config.headers;
        o.connectTimeoutMs = m_options.initializeTimeoutMs;
        m_transportName = QStringLiteral("sse");
        return new LegacySseTransport(o);
    }
    }
    return nullptr;
}

void ServerConnection::start()
{
    if (m_state == State::Disabled || m_state == State::Starting || m_state == State::Ready)
        return;
    m_stopping = false;
    m_backoffStep = 0;
    connectWith(m_config.kind);
}

void ServerConnection::connectWith(ServerConfig::Kind kind)
{
    if (m_client) {
        m_client->disconnect(this);
        m_client->deleteLater();
    }
    McpClient::Options co;
    co.serverName = m_config.name;
    co.requestTimeoutMs = m_config.timeoutMs;
    co.maxRequestTimeoutMs = std::max(m_options.maxRequestTimeoutMs, m_config.timeoutMs);
    co.initializeTimeoutMs = m_options.initializeTimeoutMs;
    co.roots = m_options.roots;
    auto *client = new McpClient(createTransport(kind), co, this);
    client->setSamplingHandler(m_sampling);
    client->setElicitationHandler(m_elicitation);
    m_client = client;
    if (m_state != State::Restarting)
        setState(State::Starting);

    connect(client, &McpClient::ready, this, [this] {
        m_readySince.start();
        m_nextRetryMs = 0;
        setState(State::Ready);
        Q_EMIT toolsChanged();
    });
    connect(client, &McpClient::failed, this, [this, client, kind](const QString &reason) {
        if (m_stopping)
            return;
        m_lastTail = client->transport()->diagnostics();
        const int http = client->failureHttpStatus();
        if (kind == ServerConfig::Kind::StreamableHttp
            && (http == 400 || http == 404 || http == 405)) {
            // A server from before 2025-03-26: it speaks the HTTP+SSE transport at this URL.
            qCInfo(lcMcp).noquote() << m_config.name << "initialize got HTTP" << http
                                    << "- falling back to the legacy HTTP+SSE transport";
            client->disconnect(this);
            QMetaObject::invokeMethod(
                    this, [this] { connectWith(ServerConfig::Kind::Sse); }, Qt::QueuedConnection);
            return;
        }
        scheduleRetry(reason);
    });
    connect(client, &McpClient::closed, this, &ServerConnection::onClientClosed);
    connect(client, &McpClient::toolsChanged, this, &ServerConnection::toolsChanged);
    connect(client, &McpClient::logMessage, this, &ServerConnection::logMessage);
    client->start();
}

void ServerConnection::onClientClosed(const QString &reason)
{
    auto *client = qobject_cast<McpClient *>(sender());
    if (client && client->transport())
        m_lastTail = client->transport()->diagnostics();
    if (m_stopping) {
        m_stopping = false;
        if (std::exchange(m_restartAfterStop, false)) {
            // A restart stays "restarting" from the request until the new process is ready.
            Q_EMIT stopped();
            m_backoffStep = 0;
            connectWith(m_config.kind);
            return;
        }
        if (m_state != State::Disabled)
            setState(State::Stopped);
        Q_EMIT stopped();
        return;
    }
    if (m_state != State::Ready)
        return; // a failed start was already reported through failed()
    const bool stable = m_readySince.isValid() && m_readySince.elapsed() >= m_options.stableAfterMs;
    if (stable)
        m_backoffStep = 0;
    Q_EMIT toolsChanged(); // its tools are gone until it is back
    qCWarning(lcMcp).noquote() << m_config.name << "stopped unexpectedly:" << reason;
    scheduleRetry(reason);
}

void ServerConnection::scheduleRetry(const QString &reason)
{
    const bool wasReady = m_state == State::Ready;
    if (!m_options.autoRestart) {
        setState(State::Failed, reason);
        return;
    }
    m_nextRetryMs = std::min(m_options.maxBackoffMs,
                             m_options.initialBackoffMs << std::min(m_backoffStep, 15));
    ++m_backoffStep;
    setState(wasReady || m_state == State::Restarting ? State::Restarting : State::Failed, reason);
    m_retryTimer.start(m_nextRetryMs);
}

void ServerConnection::stop()
{
    m_retryTimer.stop();
    if (!m_client || m_client->state() == McpClient::State::Closed) {
        if (m_state != State::Disabled)
            setState(State::Stopped);
        QMetaObject::invokeMethod(this, &ServerConnection::stopped, Qt::QueuedConnection);
        return;
    }
    m_stopping = true;
    m_client->close();
}

void ServerConnection::restart()
{
    if (m_state == State::Disabled)
        return;
    if (m_client && m_client->state() != McpClient::State::Closed) {
        m_restartAfterStop = true;
        ++m_restarts;
        setState(State::Restarting, QStringLiteral("restart requested"));
        stop();
        return;
    }
    m_retryTimer.stop();
    m_backoffStep = 0;
    connectWith(m_config.kind);
}

void ServerConnection::setEnabled(bool enabled)
{
    if (enabled == isEnabled())
        return;
    m_config.disabled = !enabled;
    if (enabled) {
        setState(State::Stopped);
        start();
        return;
    }
    m_retryTimer.stop();
    m_restartAfterStop = false;
    const bool running = m_client && m_client->state() != McpClient::State::Closed;
    // Disabled at once, so its tools leave the catalog now; the process stops behind it.
    setState(State::Disabled, QStringLiteral("disabled through the API"));
    Q_EMIT toolsChanged();
    if (running) {
        m_stopping = true;
        m_client->close();
    }
}
