#include "apiendpoint.h"

#include <QHostAddress>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkRequest>

namespace ApiEndpoint {

QUrl url(const QUrl &base, const QString &pathAndQuery)
{
    QString text
            = base.adjusted(QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::StripTrailingSlash)
                      .toString(QUrl::FullyEncoded);
    if (!pathAndQuery.startsWith(QLatin1Char('/')))
        text += QLatin1Char('/');
    text += pathAndQuery;
    return QUrl(text, QUrl::StrictMode);
}

QByteArray bearer(const QString &token)
{
    if (token.isEmpty())
        return {};
    for (const QChar c : token) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return {};
    }
    return QByteArrayLiteral("Bearer ") + token.toUtf8();
}

QString segment(const QString &text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}

void configureProxy(QNetworkAccessManager *nam, const QUrl &base)
{
    const QString host = base.host();
    const QHostAddress address(host);
    const bool loopback = host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0
            || (!address.isNull() && address.isLoopback());
    nam->setProxy(loopback ? QNetworkProxy(QNetworkProxy::NoProxy)
                           : QNetworkProxy(QNetworkProxy::DefaultProxy));
}

void prepare(QNetworkRequest &request, const QByteArray &authorization)
{
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    if (!authorization.isEmpty())
        request.setRawHeader("Authorization", authorization);
}

} // namespace ApiEndpoint
