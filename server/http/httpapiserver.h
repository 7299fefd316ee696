#pragma once

#include "apirouter.h"
#include "apisecurity.h"
#include "connectionlimits.h"
#include "sseconnectionmanager.h"

#include <QHostAddress>
#include <QObject>
#include <QStringList>
#include <QUrl>

#include <memory>

class ApprovalController;
class ChatController;
class HealthController;
class HostCore;
class QHttpServer;
class QTcpServer;
class ServerController;
class SessionController;
class ToolController;

/// The HTTP face of the host (docs/api.md): listens, and hands every request to one ApiRouter
/// whose table the controllers fill: ChatController (stream, send, /chat, cancel, approve,
/// elicit), SessionController, ToolController (tools, servers), HealthController (/health,
/// /metrics) and StaticController (the test page, the OpenAPI document). ApiSecurity holds
/// the Host / Origin / token checks; HttpResponses writes the answers; ApiError::toHttp maps
/// every error to its status and body. Nothing here blocks: the stream and `POST /chat` keep
/// their responders and answer later. It reaches the host only through the core's services
/// (HostCore::chat(), sessionService(), serverService()).
///
/// In-process use (the desktop app's local mode), as ServeCommand does it: init() a HostCore;
/// construct `HttpApiServer(&core, options)` with options.port = 0 (a free port) and
/// options.token = a random token (address stays 127.0.0.1); listen(&error); core.start();
/// then talk to `http://127.0.0.1:<port()>` with `Authorization: Bearer <token>`. To stop:
/// core.shutdown(done) (streams get `session_end`) and close() in `done`. The core must
/// outlive the server.
class HttpApiServer : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpApiServer)

public:
    struct Options
    {
        QHostAddress address = QHostAddress::LocalHost;
        quint16 port = 8765; ///< 0: any free port
        QString token; ///< empty: no authentication (allowed on loopback only)
        QStringList allowedOrigins; ///< besides the server's own origin
        qint64 maxBodyBytes = 1024 * 1024;
        /// The largest session document POST /api/v3/sessions/import takes (its body limit).
        qint64 maxImportBytes = 64 * 1024 * 1024;
        int listenBacklog = 1024;
        SseConnectionManager::Options sse;
        ConnectionLimits limits; ///< applied by the connection guard before QtHttpServer parses
    };
    using RouteInfo = ApiRouter::RouteInfo;

    /// `core` must be initialized (HostCore::init) and outlive the server; it is not owned.
    /// The whole API of a host, including its approval rules and server choices
    /// (ApprovalController, ServerController).
    HttpApiServer(HostCore *core, Options options, QObject *parent = nullptr);
    ~HttpApiServer() override;

    /// Starts listening; on failure returns false and sets *error.
    bool listen(QString *error);
    [[nodiscard]] quint16 port() const { return m_port; }
    /// The URL of the test page (with the token in the query when one is set).
    [[nodiscard]] QUrl pageUrl() const;
    /// The route table (what the OpenAPI document must describe).
    [[nodiscard]] QList<RouteInfo> routes() const { return m_router.routes(); }
    [[nodiscard]] SseConnectionManager *connections() const { return m_connections; }
    /// Closes the streams (after the sessions got session_end) and stops listening.
    void close();

private:
    Options m_options;
    ApiSecurity m_security;
    ApiRouter m_router;
    QHttpServer *m_http = nullptr;
    QTcpServer *m_tcp = nullptr;
    SseConnectionManager *m_connections = nullptr;
    ChatController *m_chatController = nullptr;
    std::unique_ptr<SessionController> m_sessionController;
    std::unique_ptr<ToolController> m_toolController;
    std::unique_ptr<HealthController> m_healthController;
    std::unique_ptr<ApprovalController> m_approvalController;
    std::unique_ptr<ServerController> m_serverController;
    quint16 m_port = 0;
};
