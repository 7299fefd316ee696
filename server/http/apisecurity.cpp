#include "apisecurity.h"

#include <QHttpServerRequest>
#include <QUrl>
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
    return isAuthorized(request.value("Authorization"),
                        request.method() == QHttpServerRequest::Method::Get, request.query());
}

bool ApiSecurity::isAuthorized(const QByteArray &header, bool isGet, const QUrlQuery &query) const
{
    if (m_options.token.isEmpty())
        return true;
    const QByteArray expected = m_options.token.toUtf8();
    if (header.startsWith("Bearer ") && constantTimeEquals(header.mid(7).trimmed(), expected))
        return true;
    // EventSource cannot set headers: the stream (and only GET requests) accept the query form.
    if (isGet) {
        const QString q = query.queryItemValue(QStringLiteral("access_token"), QUrl::FullyDecoded);
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
    if (!sameOrigin && !isOwnOrAllowed(origin, host)) {
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

bool ApiSecurity::isOwnOrAllowed(const QByteArray &origin, const QByteArray &host) const
{
    if (origin == "http://" + host || origin == "https://" + host)
        return true;
    return m_options.allowedOrigins.contains(QString::fromUtf8(origin))
            || m_options.allowedOrigins.contains(QStringLiteral("*"));
}

std::optional<ApiError> ApiSecurity::checkCrossSite(const QHttpServerRequest &request) const
{
    // checkHostAndOrigin ran first: an Origin that is present is ours or an allowed one. A
    // browser cannot forge Origin, and it sends Origin on every cross-origin fetch, form POST
    // and EventSource; what it sends without Origin (an <img>, a navigation, a <script>) is what
    // Fetch Metadata and the Referer catch here.
    const bool allowedOrigin = !request.value("Origin").isEmpty();
    const QByteArray site = request.value("Sec-Fetch-Site").trimmed().toLower();
    QString why;
    if (!site.isEmpty()) {
        // "none": the user opened the URL themselves (address bar, bookmark).
        if (site == "same-origin" || site == "none" || allowedOrigin)
            return std::nullopt;
        why = QStringLiteral("Sec-Fetch-Site: %1").arg(QString::fromLatin1(site.left(40)));
    } else {
        // No Fetch Metadata (an older browser): the Referer, when there is one, names the page.
        const QByteArray referer = request.value("Referer");
        if (referer.isEmpty() || allowedOrigin)
            return std::nullopt;
        const QUrl url(QString::fromUtf8(referer), QUrl::StrictMode);
        const bool web = url.isValid()
                && (url.scheme() == QLatin1String("http")
                    || url.scheme() == QLatin1String("https"));
        const QByteArray origin = web ? url.toString(QUrl::RemoveUserInfo | QUrl::RemovePath
                                                     | QUrl::RemoveQuery | QUrl::RemoveFragment)
                                                .toUtf8()
                                      : QByteArray();
        if (web && isOwnOrAllowed(origin, request.value("Host")))
            return std::nullopt;
        why = QStringLiteral("Referer from %1")
                      .arg(web ? QString::fromUtf8(origin) : QStringLiteral("an unknown page"));
    }
    return ApiError {ApiError::Code::ForbiddenCrossSite,
                     QStringLiteral("a request from a page of another site may not change "
                                    "anything here (%1, no allowed Origin): pages of other sites "
                                    "cannot create sessions, send, approve or delete. A web app "
                                    "of yours must send its Origin and be allowed with "
                                    "--allow-origin.")
                             .arg(why)};
}
