#include "apirouter.h"

#include "httpresponses.h"
#include "requestframer.h"

#include <QHttpServerResponder>
#include <QJsonDocument>
#include <QUrlQuery>

using Headers = ApiRequest::Headers;

namespace {

QPair<QByteArray, QByteArray> hdr(const QByteArray &name, const QByteArray &value)
{
    return {name, value};
}

} // namespace

ApiRouter::ApiRouter(const ApiSecurity *security, qint64 maxBodyBytes)
    : m_security(security)
    , m_maxBodyBytes(maxBodyBytes)
{ }

QByteArray ApiRouter::methodName(Method m)
{
    switch (m) {
    case Method::Get:
        return "GET";
    case Method::Post:
        return "POST";
    case Method::Delete:
        return "DELETE";
    case Method::Put:
        return "PUT";
    case Method::Patch:
        return "PATCH";
    case Method::Options:
        return "OPTIONS";
    case Method::Head:
        return "HEAD";
    default:
        return "UNKNOWN";
    }
}

QList<ApiRouter::RouteInfo> ApiRouter::routes() const
{
    QList<RouteInfo> out;
    for (const Route &r : m_routes)
        out.append({methodName(r.method), r.path});
    return out;
}

void ApiRouter::addRoute(Method method, const QString &path, bool requiresToken, Handler handler,
                         Effect effect, qint64 maxBodyBytes)
{
    const bool changesState = effect == Effect::ChangesState || method != Method::Get;
    QString re = QRegularExpression::escape(path);
    re.replace(QRegularExpression(QStringLiteral("\\\\\\{[a-z_]+\\\\\\}")),
               QStringLiteral("([^/]+)"));
    m_routes.append({method, path, QRegularExpression(QLatin1Char('^') + re + QLatin1Char('$')),
                     requiresToken, changesState, std::move(handler),
                     maxBodyBytes > 0 ? maxBodyBytes : m_maxBodyBytes});
}

qint64 ApiRouter::bodyLimit(const RequestHead &head) const
{
    const QString path = QUrl::fromPercentEncoding(head.path());
    for (const Route &r : std::as_const(m_routes)) {
        if (methodName(r.method) == head.method && r.pattern.match(path).hasMatch())
            return r.maxBodyBytes;
    }
    return m_maxBodyBytes;
}

qint64 ApiRouter::largestBodyLimit() const
{
    qint64 largest = m_maxBodyBytes;
    for (const Route &r : std::as_const(m_routes))
        largest = std::max(largest, r.maxBodyBytes);
    return largest;
}

std::optional<ApiError> ApiRouter::checkHead(const RequestHead &head) const
{
    if (head.method == "OPTIONS")
        return std::nullopt;
    const QString path = QUrl::fromPercentEncoding(head.path());
    for (const Route &r : std::as_const(m_routes)) {
        if (methodName(r.method) != head.method || !r.requiresToken
            || !r.pattern.match(path).hasMatch())
            continue;
        if (m_security->isAuthorized(head.value("authorization"), head.method == "GET",
                                     QUrlQuery(QString::fromUtf8(head.query()))))
            return std::nullopt;
        return ApiError {ApiError::Code::Unauthorized,
                         QStringLiteral("this server needs a token: send \"Authorization: Bearer "
                                        "<token>\" (checked before the body is read)")};
    }
    return std::nullopt;
}

void ApiRouter::dispatch(const QHttpServerRequest &request, QHttpServerResponder &&responder)
{
    ++m_requests;
    Headers cors;
    if (const auto error = m_security->checkHostAndOrigin(request, &cors)) {
        HttpResponses::sendError(responder, *error, {});
        return;
    }
    const QString path = request.url().path();
    const Method method = request.method();

    QStringList args;
    const Route *match = nullptr;
    QList<QByteArray> allowed;
    for (const Route &r : std::as_const(m_routes)) {
        const QRegularExpressionMatch m = r.pattern.match(path);
        if (!m.hasMatch())
            continue;
        allowed.append(methodName(r.method));
        if (r.method == method) {
            match = &r;
            args = m.capturedTexts().mid(1);
        }
    }
    if (allowed.isEmpty()) {
        HttpResponses::sendError(
                responder,
                {ApiError::Code::NotFound,
                 QStringLiteral("no such endpoint: %1 %2 (see /api/v3/openapi.json)")
                         .arg(QString::fromLatin1(methodName(method)), path)},
                cors);
        return;
    }
    if (method == Method::Options) {
        Headers h = cors;
        h.append(hdr("Allow", allowed.join(", ") + ", OPTIONS"));
        h.append(hdr("Access-Control-Allow-Methods", allowed.join(", ") + ", OPTIONS"));
        h.append(hdr("Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID"));
        h.append(hdr("Access-Control-Max-Age", "600"));
        HttpResponses::sendJson(responder, 204, {}, h);
        return;
    }
    if (!match) {
        Headers h = cors;
        h.append(hdr("Allow", allowed.join(", ")));
        HttpResponses::sendError(responder,
                                 {ApiError::Code::MethodNotAllowed,
                                  QStringLiteral("%1 does not accept %2; allowed: %3")
                                          .arg(path, QString::fromLatin1(methodName(method)),
                                               QString::fromLatin1(allowed.join(", ")))},
                                 h);
        return;
    }
    if (match->changesState) {
        if (const auto error = m_security->checkCrossSite(request)) {
            HttpResponses::sendError(responder, *error, cors);
            return;
        }
    }
    ApiRequest ctx {request, args, cors, m_security->isAuthorized(request)};
    if (match->requiresToken && !ctx.authorized) {
        Headers h = cors;
        h.append(hdr("WWW-Authenticate", "Bearer"));
        HttpResponses::sendError(
                responder,
                {ApiError::Code::Unauthorized,
                 QStringLiteral("this server needs a token: send \"Authorization: Bearer <token>\"")
                         + (method == Method::Get ? QStringLiteral(" or ?access_token=<token>")
                                                  : QString())},
                h);
        return;
    }
    if (request.body().size() > match->maxBodyBytes) {
        HttpResponses::sendError(responder,
                                 {ApiError::Code::BodyTooLarge,
                                  QStringLiteral("the request body has %1 bytes; the limit is %2")
                                          .arg(request.body().size())
                                          .arg(match->maxBodyBytes)},
                                 cors);
        return;
    }
    match->handler(ctx, std::move(responder));
}
