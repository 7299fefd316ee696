#pragma once

#include <QString>
#include <QUrl>

namespace Mcp {

/// A remote server's URL as it may be shown (API, doctor, log): user info replaced by "***"
/// and the values of key-like query parameters (key, token, api_key, secret, password, sig, …)
/// by "REDACTED". Every place that shows a configured URL goes through this.
[[nodiscard]] QString redactedUrl(const QUrl &url);

/// `text` with every spelling of `url` in it (as QUrl prints it, encoded or not) replaced by
/// redactedUrl(url): for messages that embed a URL, such as QNetworkReply::errorString().
[[nodiscard]] QString redactUrlIn(QString text, const QUrl &url);

/// True for a query parameter name that looks like it carries a credential.
[[nodiscard]] bool isSecretParameterName(const QString &name);

} // namespace Mcp
