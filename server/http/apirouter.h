#pragma once

#include "apirequest.h"
#include "apisecurity.h"

#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QList>
#include <QRegularExpression>

#include <functional>

/// The route table of the API and the one dispatcher every request goes through: the Host and
/// Origin checks, 404 / 405 / OPTIONS (with the allowed methods), the token of routes that need
/// one, and the body limit, before the route's handler runs. routes() is the table as data (the
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

    /// Adds a route; `{name}` segments of `path` are captured into ApiRequest::args.
    void addRoute(Method method, const QString &path, bool requiresToken, Handler handler);
    void dispatch(const QHttpServerRequest &request, QHttpServerResponder &&responder);

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
        Handler handler;
    };

    const ApiSecurity *m_security;
    qint64 m_maxBodyBytes;
    QList<Route> m_routes;
    quint64 m_requests = 0;
};
