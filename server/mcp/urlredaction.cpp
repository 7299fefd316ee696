#include "urlredaction.h"

#include <QStringList>
#include <QUrlQuery>

namespace Mcp {

bool isSecretParameterName(const QString &name)
{
    // Normalised: "X-Api-Key", "api_key" and "apiKey" look alike.
    QString n = name.toLower();
    n.remove(QLatin1Char('-'));
    n.remove(QLatin1Char('_'));
    n.remove(QLatin1Char('.'));
    static const QStringList exact
            = {QStringLiteral("sig"),  QStringLiteral("code"), QStringLiteral("pwd"),
               QStringLiteral("pass"), QStringLiteral("auth"), QStringLiteral("jwt")};
    static const QStringList parts = {QStringLiteral("key"),        QStringLiteral("token"),
                                      QStringLiteral("secret"),     QStringLiteral("password"),
                                      QStringLiteral("passwd"),     QStringLiteral("signature"),
                                      QStringLiteral("credential"), QStringLiteral("authorization"),
                                      QStringLiteral("session")};
    if (exact.contains(n))
        return true;
    for (const QString &part : parts) {
        if (n.contains(part))
            return true;
    }
    return false;
}

QString redactedUrl(const QUrl &url)
{
    QUrl out = url;
    if (!out.userInfo().isEmpty())
        out.setUserInfo(QStringLiteral("***"));
    if (out.hasQuery()) {
        QUrlQuery query(out);
        const auto items = query.queryItems(QUrl::FullyEncoded);
        QUrlQuery redacted;
        for (const auto &[name, value] : items) {
            const QString decoded = QUrl::fromPercentEncoding(name.toUtf8());
            redacted.addQueryItem(
                    name, isSecretParameterName(decoded) ? QStringLiteral("REDACTED") : value);
        }
        out.setQuery(redacted);
    }
    return out.toString();
}

QString redactUrlIn(QString text, const QUrl &url)
{
    if (url.isEmpty())
        return text;
    const QString safe = redactedUrl(url);
    const QStringList spellings = {url.toString(), url.toString(QUrl::FullyEncoded),
                                   url.toDisplayString(), url.toString(QUrl::FullyDecoded)};
    for (const QString &s : spellings) {
        if (!s.isEmpty() && s != safe)
            text.replace(s, safe);
    }
    // Credentials may also appear on their own (a server echoing them back).
    if (!url.password().isEmpty())
        text.replace(url.password(), QStringLiteral("***"));
    return text;
}

} // namespace Mcp
