#include "apisecurity.h"

#include <QHttpServerRequest>
#include <QUrlQuery>

namespace {

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    // Always walks the longer input, so timing does not reveal how much of a guess matched.
    const qsizetype n = std::max(a.size(), b.size());
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (qsizetype i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? uchar(a[i]) : 0;
        const unsigned char y = i < b.size() ? uchar(b[i]) : 0;
        diff |= x ^ y;
    }
    return diff == 0;
}

} // namespace

ApiSecurity::ApiSecurity(Options options)
    : m_options(std::move(options))
{ }

bool ApiSecurity::isLoopback(const QHostAddress &a)
{
    return a.isLoopback() || a == QHostAddress::LocalHost || a == QHostAddress::LocalHostIPv6;
}

bool ApiSecurity::isAuthorized(const QHttpServerRequest &request) const
{
    if (m_options.token.isEmpty())
        return true;
    const QByteArray expected = m_options.token.toUtf8();
    const QByteArray header = request.value("Authorization");
    if (header.startsWith("Bearer ") && constantTimeEquals(header.mid(7).trimmed(), expected))
        return true;
    // EventSource cannot set headers: the stream (and only GET requests) accept the query form.
    if (request.method() == QHttpServerRequest::Method::Get) {
        const QString q = request.query().queryItemValue(QStringLiteral("access_token"),
                                                         QUrl::FullyDecoded);
        if (!q.isEmpty() && constantTimeEquals(q.toUtf8(), expected))
            return true;
    }
    return false;
}

std::optional<ApiError> ApiSecurity::checkHostAndOrigin(const QHttpServerRequest &request,
                                                        Headers *cors) const
{
    const QByteArray host = request.value("Host");
    // DNS rebinding: a page of another site that resolves its name to 127.0.0.1 arrives with
    // that name in Host. On loopback only loopback names are ours.
    if (isLoopback(m_options.address)) {
        QByteArray name = host;
        if (name.startsWith('[')) {
            name = name.mid(1, name.indexOf(']') - 1);
        } else if (name.count(':') == 1) {
            name = name.left(name.indexOf(':'));
        }
        if (!host.isEmpty() && name != "localhost" && name != "127.0.0.1" && name != "::1") {
            return ApiError {ApiError::Code::ForbiddenHost,
                             QStringLiteral("Host \"%1\" is not allowed (DNS rebinding "
                                            "protection); use 127.0.0.1 or localhost")
                                     .arg(QString::fromUtf8(host))};
        }
    }
    const QByteArray origin = request.value("Origin");
    if (origin.isEmpty())
        return std::nullopt;
    const bool sameOrigin = origin == "http://" + host || origin == "https://" + host;
    const bool listed = m_options.allowedOrigins.contains(QString::fromUtf8(origin))
            || m_options.allowedOrigins.contains(QStringLiteral("*"));
    if (!sameOrigin && !listed) {
        return ApiError {ApiError::Code::ForbiddenOrigin,
                         QStringLiteral("Origin \"%1\" is not allowed; add it with --allow-origin")
                                 .arg(QString::fromUtf8(origin))};
    }
    if (!sameOrigin) {
        cors->append(qMakePair(QByteArray("Access-Control-Allow-Origin"), origin));
        cors->append(qMakePair(QByteArray("Vary"), QByteArray("Origin")));
        cors->append(
                qMakePair(QByteArray("Access-Control-Expose-Headers"), QByteArray("Retry-After")));
    }
    return std::nullopt;
}
