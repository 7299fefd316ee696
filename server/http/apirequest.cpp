#include "apirequest.h"

#include "httpresponses.h"

#include <QHttpServerRequest>
#include <QJsonDocument>

std::optional<QJsonObject> ApiRequest::jsonBody(QHttpServerResponder &responder) const
{
    const QByteArray body = request.body();
    if (body.trimmed().isEmpty()) {
        HttpResponses::sendError(
                responder,
                {ApiError::Code::EmptyBody, QStringLiteral("the request needs a JSON object body")},
                cors);
        return std::nullopt;
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError) {
        HttpResponses::sendError(responder,
                                 {ApiError::Code::InvalidJson,
                                  QStringLiteral("the body is not valid JSON: %1 at offset %2")
                                          .arg(pe.errorString())
                                          .arg(pe.offset)},
                                 cors);
        return std::nullopt;
    }
    if (!doc.isObject()) {
        HttpResponses::sendError(
                responder,
                {ApiError::Code::InvalidJson, QStringLiteral("the body must be a JSON object")},
                cors);
        return std::nullopt;
    }
    return doc.object();
}
