#include "httpresponses.h"

#include "logging.h"

#include <QFile>
#include <QHttpServerResponder>
#include <QJsonDocument>

namespace {

QPair<QByteArray, QByteArray> hdr(const QByteArray &name, const QByteArray &value)
{
    return {name, value};
}

} // namespace

void HttpResponses::sendJson(QHttpServerResponder &responder, int status, const QJsonDocument &body,
                             const Headers &headers)
{
    const QByteArray bytes = body.isNull() ? QByteArray() : body.toJson(QJsonDocument::Compact);
    responder.writeStatusLine(QHttpServerResponder::StatusCode(status));
    if (status != 204) {
        responder.writeHeader("Content-Type", "application/json");
        responder.writeHeader("Content-Length", QByteArray::number(bytes.size()));
    }
    responder.writeHeader("Cache-Control", "no-store");
    for (const auto &h : headers)
        responder.writeHeader(h.first, h.second);
    responder.writeBody(bytes);
}

void HttpResponses::sendError(QHttpServerResponder &responder, const ApiError &error,
                              const Headers &headers)
{
    const ApiError::Http http = error.toHttp();
    Headers h = headers;
    if (error.retryAfterSeconds > 0)
        h.append(hdr("Retry-After", QByteArray::number(error.retryAfterSeconds)));
    if (http.status >= 500)
        qCWarning(lcHttp).noquote() << http.status << http.code << error.message;
    sendJson(responder, http.status, QJsonDocument(http.body), h);
}

void HttpResponses::sendResource(QHttpServerResponder &responder, const QString &path,
                                 const QByteArray &contentType, const Headers &headers)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        sendError(responder,
                  {ApiError::Code::MissingResource,
                   QStringLiteral("%1 is not built into this binary").arg(path)},
                  headers);
        return;
    }
    const QByteArray bytes = file.readAll();
    responder.writeStatusLine(QHttpServerResponder::StatusCode::Ok);
    responder.writeHeader("Content-Type", contentType);
    responder.writeHeader("Content-Length", QByteArray::number(bytes.size()));
    responder.writeHeader("Cache-Control", "no-cache");
    responder.writeHeader("X-Content-Type-Options", "nosniff");
    for (const auto &h : headers)
        responder.writeHeader(h.first, h.second);
    responder.writeBody(bytes);
}

void HttpResponses::sendText(QHttpServerResponder &responder, const QByteArray &contentType,
                             const QByteArray &body, const Headers &headers)
{
    responder.writeStatusLine(QHttpServerResponder::StatusCode::Ok);
    responder.writeHeader("Content-Type", contentType);
    responder.writeHeader("Content-Length", QByteArray::number(body.size()));
    for (const auto &h : headers)
        responder.writeHeader(h.first, h.second);
    responder.writeBody(body);
}
