#include "servecommand.h"

#include "chatservice.h"

#include <QTextStream>

#include "logging.h"

#include <QJsonArray>
#include <QSocketNotifier>

#include <algorithm>
#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace {
int g_signalFds[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    // Only async-signal-safe work here: wake the event loop through the pipe.
    [[maybe_unused]] const auto n = ::write(g_signalFds[0], &byte, 1);
}
} // namespace

ServeCommand::ServeCommand(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{ }

ServeCommand::~ServeCommand() = default;

bool ServeCommand::start(QString *error, std::function<void(int)> stopped,
                         std::function<void()> ready)
{
    m_stopped = std::move(stopped);
    m_ready = std::move(ready);
    m_core = new HostCore(this);
    if (!m_core->init(m_options.host, error))
        return false;

    // The config's "server" section, under the command line.
    const HttpApiServer::Options http
            = httpOptions(HostConfig::Server::merged(m_core->config().server, m_options.cli),
                          m_core->config().sessions);

    m_http = new HttpApiServer(m_core, http, this);
    // The store opens first (a locked or corrupt database stops here), then the port.
    m_core->open([this](const QString &why) {
        QString failure = why;
        if (failure.isEmpty() && m_http->listen(&failure)) {
            m_core->start();
            qCInfo(lcServer).noquote()
                    << "serving on" << m_http->pageUrl().toString(QUrl::RemoveQuery);
            if (m_ready)
                m_ready();
            return;
        }
        QTextStream err(stderr);
        err << "mcp-hostd: " << failure << '\n';
        err.flush();
        if (m_stopped)
            m_stopped(1);
    });
    return true;
}

HttpApiServer::Options ServeCommand::httpOptions(const HostConfig::Server &server,
                                                 const HostConfig::Sessions &sessions)
{
    HttpApiServer::Options http;
    http.maxImportBytes = sessions.effectiveImportMaxBytes();
    if (server.listen)
        http.address = *server.listen;
    if (server.port)
        http.port = *server.port;
    if (server.maxConnections)
        http.sse.maxConnections = *server.maxConnections;
    if (server.heartbeatSeconds)
        http.sse.heartbeatMs = int(*server.heartbeatSeconds * 1000);
    if (server.maxStreamBacklogBytes)
        http.sse.maxBehindBytes = *server.maxStreamBacklogBytes;
    if (server.maxBodyBytes)
        http.maxBodyBytes = *server.maxBodyBytes;
    if (server.allowedOrigins)
        http.allowedOrigins = *server.allowedOrigins;
    if (server.token)
        http.token = *server.token;
    // Streams count toward the cap on open connections: unless it is set, it leaves room for
    // every allowed stream and some plain requests beside them.
    http.limits.maxOpenConnections = server.maxOpenConnections
            ? *server.maxOpenConnections
            : std::max(server.effectiveMaxOpenConnections(), http.sse.maxConnections + 64);
    http.limits.requestTimeoutMs = server.effectiveRequestTimeoutMs();
    http.limits.idleTimeoutMs = server.effectiveIdleTimeoutMs();
    http.limits.maxHeaderBytes = server.effectiveMaxHeaderBytes();
    http.limits.maxHeaderCount = server.effectiveMaxHeaderCount();
    http.limits.maxRequestLineBytes
            = std::min(http.limits.maxRequestLineBytes, http.limits.maxHeaderBytes);
    return http;
}

void ServeCommand::shutdown()
{
    if (m_stopping)
        return;
    m_stopping = true;
    qCInfo(lcServer) << "shutting down";
    // The turns stop first (the store gets their last steps), then the streams get
    // session_end while the MCP servers stop, then the listener closes.
    m_core->chat()->cancelAll([this] {
        m_http->connections()->closeAll();
        m_core->shutdown([this] {
            m_http->close();
            if (m_stopped)
                m_stopped(0);
        });
    });
}

void ServeCommand::installSignalHandlers()
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalFds) != 0)
        return;
    m_signalNotifier = new QSocketNotifier(g_signalFds[1], QSocketNotifier::Read, this);
    connect(m_signalNotifier, &QSocketNotifier::activated, this, [this] {
        char byte;
        [[maybe_unused]] const auto n = ::read(g_signalFds[1], &byte, 1);
        shutdown();
    });
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
}
