#pragma once

#include "apirequest.h"
#include "apisecurity.h"

#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QList>
#include <QRegularExpression>

#include <functional>
#include <optional>

struct RequestHead;

/// The route table of the API and the one dispatcher every request goes through: the Host and
/// Origin checks, 404 / 405 / OPTIONS (with the allowed methods), the cross-site check of routes
/// that change state, the token of routes that need one, and the body limit, before the route's
/// handler runs. routes() is the table as data (the
/// OpenAPI test compares it with the document).
class ApiRouter
{
    Q_DISABLE_COPY_MOVE(ApiRouter)

public:
    using Method = QHttpServerRequest::Method;
    using Handler = std::function<void(ApiRequest &, QHttpServerResponder &&)>;

    /// One entry of the table.
    struct RouteInfo
    {
        QByteArray method; ///< "GET", "POST", …
        QString path; ///< OpenAPI style: /api/v3/sessions/{id}
    };

    ApiRouter(const ApiSecurity *security, qint64 maxBodyBytes);

    /// What a route does to the server's state. Every method but GET changes state; a GET route
    /// that creates or holds something (the stream) says so. A browser request from another
    /// site never reaches a route that changes state (ApiSecurity::checkCrossSite).
    enum class Effect {
        Reads,
        ChangesState,
    };

    /// Adds a route; `{name}` segments of `path` are captured into ApiRequest::args.
    /// `maxBodyBytes` > 0: the route's own body limit instead of the router's (an import).
    void addRoute(Method method, const QString &path, bool requiresToken, Handler handler,
                  Effect effect = Effect::Reads, qint64 maxBodyBytes = 0);
    void dispatch(const QHttpServerRequest &request, QHttpServerResponder &&responder);
    /// The connection guard's check of a request head with a body, before the body is read:
    /// Unauthorized when the route needs the token and the head does not carry it.
    [[nodiscard]] std::optional<ApiError> checkHead(const RequestHead &head) const;
    /// The body limit of the route a request head goes to (the router's when none matches).
    [[nodiscard]] qint64 bodyLimit(const RequestHead &head) const;
    /// The largest body any route accepts (what a connection must be able to hold).
    [[nodiscard]] qint64 largestBodyLimit() const;

    [[nodiscard]] QList<RouteInfo> routes() const;
    [[nodiscard]] quint64 requestCount() const { return m_requests; }
    [[nodiscard]] static QByteArray methodName(Method method);

private:
    struct Route
    {
        Method method;
        QString path;
        QRegularExpression pattern;
        bool requiresToken;
        bool changesState;
        Handler handler;
        qint64 maxBodyBytes; ///< this route's body limit
    };

    const ApiSecurity *m_security;
    qint64 m_maxBodyBytes;
    QList<Route> m_routes;
    quint64 m_requests = 0;
};
