#include "httpapiserver.h"

#include "approvalcontroller.h"
#include "chatcontroller.h"
#include "guardedtcpserver.h"
#include "healthcontroller.h"
#include "hostcore.h"
#include "latereply.h"
#include "responsewriter.h"
#include "servercontroller.h"
#include "sessioncontroller.h"
#include "staticcontroller.h"
#include "toolcontroller.h"

#include <QHttpServer>
#include <QTcpServer>

namespace {

ApiSecurity::Options securityOptions(const HttpApiServer::Options &o)
{
    return {o.address, o.token, o.allowedOrigins};
}

} // namespace

HttpApiServer::HttpApiServer(HostCore *core, Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_security(securityOptions(m_options))
    , m_router(&m_security, m_options.maxBodyBytes)
{
    ChatService *chat = core->chat();
    SessionService *sessions = core->sessionService();
    ServerService *servers = core->serverService();
    m_http = new QHttpServer(this);
    m_connections = new SseConnectionManager(sessions, m_options.sse, this);
    m_chatController = new ChatController(chat, sessions, servers, m_connections, this);
    m_sessionController = std::make_unique<SessionController>(sessions, m_connections, this);
    m_toolController = std::make_unique<ToolController>(servers);
    m_healthController
            = std::make_unique<HealthController>(chat, sessions, servers, m_connections, &m_router);
    m_approvalController = std::make_unique<ApprovalController>(core->state());
    m_serverController = std::make_unique<ServerController>(servers, core->state());

    StaticController::registerRoutes(m_router);
    m_healthController->registerRoutes(m_router);
    m_chatController->registerRoutes(m_router);
    m_sessionController->setMaxImportBytes(m_options.maxImportBytes);
    m_sessionController->registerRoutes(m_router);
    m_toolController->registerRoutes(m_router);
    m_approvalController->registerRoutes(m_router);
    m_serverController->registerRoutes(m_router);

    // One dispatcher for every request: the router of QHttpServer is not used, so 404 and 405
    // are told apart and every answer passes the same checks.
    ResponseWriter::setHandler(
            m_http, this,
            [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
                m_router.dispatch(request, std::move(responder));
            });
}

HttpApiServer::~HttpApiServer()
{
    // Answers still waiting for the store (or for their deleteLater) hold responders of
    // m_http's connections, and QObject would delete them after m_http (an older child): on
    // Qt 6.8 a responder touches its connection when destroyed. They go first.
    qDeleteAll(findChildren<LateReply *>());
}

bool HttpApiServer::listen(QString *error)
{
    if (!ApiSecurity::isLoopback(m_options.address) && m_options.token.isEmpty()) {
        *error = QStringLiteral(
                         "refusing to listen on %1 without a token: anyone on the network could "
                         "use your tools. Set --token (or MCPHOST_TOKEN), or listen on 127.0.0.1.")
                         .arg(m_options.address.toString());
        return false;
    }
    // Every connection gets a guard that sees its bytes before QtHttpServer does.
    // Bodies are bounded per route (the import takes larger ones than the rest).
    m_tcp = new GuardedTcpServer(
            m_options.limits, m_router.largestBodyLimit(),
            [this](const RequestHead &head) { return m_router.checkHead(head); }, this,
            [this](const RequestHead &head) { return m_router.bodyLimit(head); });
    m_tcp->setListenBacklogSize(m_options.listenBacklog);
    if (!m_tcp->listen(m_options.address, m_options.port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                         .arg(m_options.address.toString())
                         .arg(m_options.port)
                         .arg(m_tcp->errorString());
        return false;
    }
    m_http->bind(m_tcp);
    m_port = m_tcp->serverPort();
    return true;
}

QUrl HttpApiServer::pageUrl() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    const bool any = m_options.address == QHostAddress::Any
            || m_options.address == QHostAddress::AnyIPv4
            || m_options.address == QHostAddress::AnyIPv6;
    url.setHost(any ? QStringLiteral("127.0.0.1") : m_options.address.toString());
    url.setPort(m_port);
    url.setPath(QStringLiteral("/"));
    if (!m_options.token.isEmpty())
        url.setQuery(QStringLiteral("token=")
                     + QString::fromLatin1(QUrl::toPercentEncoding(m_options.token)));
    return url;
}

void HttpApiServer::close()
{
    m_connections->closeAll();
    if (m_tcp)
        m_tcp->close();
}
