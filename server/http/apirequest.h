#pragma once

#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QStringList>

#include <optional>

class QHttpServerRequest;
class QHttpServerResponder;

/// One request as a route handler sees it: the request, the captured path parameters, the
/// CORS headers every answer to it carries, and whether it carried the token.
struct ApiRequest
{
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    const QHttpServerRequest &request;
    QStringList args; ///< captured path parameters, in order
    Headers cors;
    bool authorized = false;

    /// The body as a JSON object; on failure writes the error (empty_body / invalid_json) and
    /// returns nullopt.
    std::optional<QJsonObject> jsonBody(QHttpServerResponder &responder) const;
};
