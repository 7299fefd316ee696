#include "httpresponses.h"

#include "logging.h"
#include "responsewriter.h"

#include <QFile>
#include <QHttpServerResponder>
#include <QJsonDocument>

namespace {

QPair<QByteArray, QByteArray> hdr(const QByteArray &name, const QByteArray &value)
{
    return {name, value};
}

/// The headers of a JSON answer (Content-Length is the writer's).
HttpResponses::Headers jsonHeaders(int status, const HttpResponses::Headers &extra)
{
    HttpResponses::Headers h;
    if (status != 204)
        h.append(hdr("Content-Type", "application/json"));
    h.append(hdr("Cache-Control", "no-store"));
    h += extra;
    return h;
}

QByteArray jsonBytes(const QJsonDocument &body)
{
    return body.isNull() ? QByteArray() : body.toJson(QJsonDocument::Compact);
}

} // namespace

void HttpResponses::sendJson(QHttpServerResponder &responder, int status, const QJsonDocument &body,
                             const Headers &headers)
{
    ResponseWriter::respond(responder, status, jsonHeaders(status, headers), jsonBytes(body));
}

void HttpResponses::sendJson(ResponseWriter &writer, int status, const QJsonDocument &body,
                             const Headers &headers)
{
    writer.send(status, jsonHeaders(status, headers), jsonBytes(body));
}

namespace {
/// The status, body and headers of an error answer (logged when it is the server's fault).
std::pair<ApiError::Http, HttpResponses::Headers> errorAnswer(const ApiError &error,
                                                              const HttpResponses::Headers &extra)
{
    const ApiError::Http http = error.toHttp();
    HttpResponses::Headers h = extra;
    if (error.retryAfterSeconds > 0)
        h.append(hdr("Retry-After", QByteArray::number(error.retryAfterSeconds)));
    if (http.status >= 500)
        qCWarning(lcHttp).noquote() << http.status << http.code << error.message;
    return {http, h};
}
} // namespace

void HttpResponses::sendError(QHttpServerResponder &responder, const ApiError &error,
                              const Headers &headers)
{
    const auto [http, h] = errorAnswer(error, headers);
    sendJson(responder, http.status, QJsonDocument(http.body), h);
}

void HttpResponses::sendError(ResponseWriter &writer, const ApiError &error, const Headers &headers)
{
    const auto [http, h] = errorAnswer(error, headers);
    sendJson(writer, http.status, QJsonDocument(http.body), h);
}

void HttpResponses::sendText(ResponseWriter &writer, int status, const QByteArray &contentType,
                             const QByteArray &body, const Headers &headers)
{
    Headers h {hdr("Content-Type", contentType), hdr("Cache-Control", "no-store")};
    h += headers;
    writer.send(status, h, body);
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
    Headers h {hdr("Content-Type", contentType), hdr("Cache-Control", "no-cache"),
               hdr("X-Content-Type-Options", "nosniff")};
    h += headers;
    ResponseWriter::respond(responder, 200, h, file.readAll());
}

void HttpResponses::sendText(QHttpServerResponder &responder, const QByteArray &contentType,
                             const QByteArray &body, const Headers &headers)
{
    Headers h {hdr("Content-Type", contentType)};
    h += headers;
    ResponseWriter::respond(responder, 200, h, body);
}
