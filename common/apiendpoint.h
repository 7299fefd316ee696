#pragma once

#include <QByteArray>
#include <QString>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkRequest;

/// What ApiClient and EventStreamClient share about reaching the server: the URL of a path
/// under the base URL, the bearer header, and the request attributes every API call needs.
namespace ApiEndpoint {

/// `base` (any path prefix kept, query and fragment dropped) + `pathAndQuery` ("/api/v3/x?y=1",
/// already percent-encoded where needed).
[[nodiscard]] QUrl url(const QUrl &base, const QString &pathAndQuery);
/// "Bearer <token>"; empty for an empty token or one that could break the header (CR, LF, NUL).
[[nodiscard]] QByteArray bearer(const QString &token);
/// A path segment, percent-encoded ("a/b" -> "a%2Fb").
[[nodiscard]] QString segment(const QString &text);
/// No proxy for a loopback server (an http_proxy in the environment must not see local
/// traffic and its token); the application's proxy otherwise.
void configureProxy(QNetworkAccessManager *nam, const QUrl &base);
/// Redirects not followed (they would carry the token elsewhere), no cache, HTTP/1.1.
void prepare(QNetworkRequest &request, const QByteArray &authorization);

} // namespace ApiEndpoint
