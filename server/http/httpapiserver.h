#pragma once

#include "apierror.h"
#include "chatservice.h"
#include "connectionlimits.h"
#include "sseconnectionmanager.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QObject>
#include <QRegularExpression>
#include <QStringList>
#include <QUrl>

#include <functional>

class ChatService;
class QHttpServer;
class QTcpServer;
class QUrlQuery;
struct RequestHead;
class ServerRegistry;
class SessionManager;
class Session;

/// The HTTP face of the host (DESIGN.md): the SSE stream, the chat, session, tool and server
/// routes, /health, /metrics, the OpenAPI document and the HTML test page.
///
/// Every request goes through one dispatcher: the route table (which is also what the OpenAPI
/// test compares against), Host/Origin checks against DNS rebinding, the bearer token
/// (constant-time), the body limit, CORS for allowed origins, and one function that writes
/// errors as `{"error":{"code","message"}}`. Nothing here blocks: the stream and `POST /chat`
/// keep their responders and answer later.
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
        int listenBacklog = 1024;
        SseConnectionManager::Options sse;
        ConnectionLimits limits; ///< applied by the connection guard before QtHttpServer parses
    };

    struct RouteInfo
    {
        QByteArray method; ///< "GET", "POST", …
        QString path; ///< OpenAPI style: /api/v3/sessions/{id}
    };

    HttpApiServer(ChatService *chat, SessionManager *sessions, ServerRegistry *registry,
                  Options options, QObject *parent = nullptr);
    ~HttpApiServer() override;

    /// Starts listening; on failure returns false and sets *error.
    bool listen(QString *error);
    [[nodiscard]] quint16 port() const { return m_port; }
    /// The URL of the test page (with the token in the query when one is set).
    [[nodiscard]] QUrl pageUrl() const;
    [[nodiscard]] QList<RouteInfo> routes() const;
    [[nodiscard]] SseConnectionManager *connections() const { return m_connections; }
    /// Closes the streams (after the sessions got session_end) and stops listening.
    void close();

private:
    struct Context
    {
        const QHttpServerRequest &request;
        QStringList args; ///< captured path parameters
        QList<QPair<QByteArray, QByteArray>> cors;
        bool authorized = false;
    };
    using Handler = std::function<void(Context &, QHttpServerResponder &&)>;
    struct Route
    {
        QHttpServerRequest::Method method;
        QString path;
        QRegularExpression pattern;
        bool requiresToken;
        Handler handler;
    };

    void addRoute(QHttpServerRequest::Method method, const QString &path, bool requiresToken,
                  Handler handler);
    void dispatch(const QHttpServerRequest &request, QHttpServerResponder &&responder);
    [[nodiscard]] bool isAuthorized(const QHttpServerRequest &request) const;
    [[nodiscard]] bool isAuthorized(const QByteArray &authorization, bool isGet,
                                    const QUrlQuery &query) const;
    /// The connection guard's check of a request head with a body: 401 before the body is
    /// read when the route needs the token and the request does not carry it.
    [[nodiscard]] std::optional<ApiError> checkHead(const RequestHead &head) const;
    [[nodiscard]] std::optional<ApiError>
    checkHostAndOrigin(const QHttpServerRequest &request,
                       QList<QPair<QByteArray, QByteArray>> *cors) const;

    void sendJson(QHttpServerResponder &responder, int status, const QJsonDocument &body,
                  const QList<QPair<QByteArray, QByteArray>> &headers) const;
    void sendError(QHttpServerResponder &responder, const ApiError &error,
                   const QList<QPair<QByteArray, QByteArray>> &headers) const;
    void sendResource(QHttpServerResponder &responder, const QString &path,
                      const QByteArray &contentType,
                      const QList<QPair<QByteArray, QByteArray>> &headers) const;
    /// Parses a JSON object body; on failure writes the error and returns nullopt.
    std::optional<QJsonObject> jsonBody(Context &ctx, QHttpServerResponder &responder) const;
    [[nodiscard]] static ApiError chatError(int error);

    void registerRoutes();
    void stream(Context &ctx, QHttpServerResponder &&responder);
    /// Validates a `{session_id?, message}` body and starts the turn; on failure the error is
    /// written and nullopt returned.
    std::optional<ChatService::Started> startTurn(Context &ctx, QHttpServerResponder &responder);
    void send(Context &ctx, QHttpServerResponder &&responder);
    void chatSync(Context &ctx, QHttpServerResponder &&responder);
    void health(Context &ctx, QHttpServerResponder &&responder);
    void metrics(Context &ctx, QHttpServerResponder &&responder);
    [[nodiscard]] QJsonObject sessionSummary(const Session *session) const;
    [[nodiscard]] QJsonObject serversJson() const;

    ChatService *m_chat;
    SessionManager *m_sessions;
    ServerRegistry *m_registry;
    Options m_options;
    QHttpServer *m_http = nullptr;
    QTcpServer *m_tcp = nullptr;
    SseConnectionManager *m_connections = nullptr;
    QList<Route> m_routes;
    quint16 m_port = 0;
    QElapsedTimer m_uptime;
    quint64 m_requests = 0;
    mutable QHash<int, quint64> m_responsesByStatus;
};
