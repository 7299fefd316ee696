#include "servecommand.h"

#include "chatmodel.h"
#include "chatservice.h"
#include "logging.h"
#include "serverregistry.h"

#include <QJsonArray>
#include <QSocketNotifier>

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

bool ServeCommand::start(QString *error, std::function<void(int)> stopped)
{
    m_stopped = std::move(stopped);
    m_core = new HostCore(this);
    if (!m_core->init(m_options.host, error))
        return false;

    // The config's "server" section, under the command line.
    HttpApiServer::Options http = m_options.http;
    const QJsonObject section = m_core->config().root.value(QStringLiteral("server")).toObject();
    if (!m_options.listenSet && section.contains(QStringLiteral("listen")))
        http.address = QHostAddress(section.value(QStringLiteral("listen")).toString());
    if (!m_options.portSet && section.contains(QStringLiteral("port")))
        http.port = quint16(section.value(QStringLiteral("port")).toInt());
    if (!m_options.maxConnectionsSet && section.contains(QStringLiteral("max_connections")))
        http.sse.maxConnections = section.value(QStringLiteral("max_connections")).toInt();
    if (http.token.isEmpty())
        http.token = section.value(QStringLiteral("token")).toString();
    for (const QJsonValue &v : section.value(QStringLiteral("allowed_origins")).toArray())
        http.allowedOrigins << v.toString();
    if (section.contains(QStringLiteral("heartbeat_seconds")) && http.sse.heartbeatMs == 15000)
        http.sse.heartbeatMs
                = int(section.value(QStringLiteral("heartbeat_seconds")).toDouble() * 1000);
    if (section.contains(QStringLiteral("max_stream_backlog_bytes")))
        http.sse.maxBehindBytes
                = qint64(section.value(QStringLiteral("max_stream_backlog_bytes")).toDouble());
    if (section.contains(QStringLiteral("max_body_bytes")))
        http.maxBodyBytes = qint64(section.value(QStringLiteral("max_body_bytes")).toDouble());
    if (http.address.isNull()) {
        *error = QStringLiteral("--listen: not an IP address");
        return false;
    }

    m_http = new HttpApiServer(m_core->chat(), m_core->sessions(), m_core->registry(), http, this);
    if (!m_http->listen(error))
        return false;
    m_core->start();
    qCInfo(lcServer).noquote() << "serving on" << m_http->pageUrl().toString(QUrl::RemoveQuery);
    return true;
}

void ServeCommand::shutdown()
{
    if (m_stopping)
        return;
    m_stopping = true;
    qCInfo(lcServer) << "shutting down";
    // Sessions end first (their streams get session_end), then the listener closes.
    m_core->shutdown([this] {
        m_http->close();
        if (m_stopped)
            m_stopped(0);
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
