#pragma once

#include "apierror.h"

#include <QByteArray>
#include <QList>
#include <QPair>

class QHttpServerResponder;
class QJsonDocument;
class ResponseWriter;

/// Every plain (non-stream) answer of the API is made here: JSON, errors, compiled-in files
/// and text; ResponseWriter writes them (it holds every responder call). The controllers never
/// touch a responder's write calls; the SSE streams are written by SseStream.
class HttpResponses
{
public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    /// `status` with a compact JSON body (none for a null document or 204) and `headers`.
    static void sendJson(QHttpServerResponder &responder, int status, const QJsonDocument &body,
                         const Headers &headers);
    /// The same, answered later through a writer that took the responder (POST /chat); nothing
    /// is written when the client is gone.
    static void sendJson(ResponseWriter &writer, int status, const QJsonDocument &body,
                         const Headers &headers);
    /// The error's status and `{"error":{…}}` body (ApiError::toHttp), plus Retry-After.
    static void sendError(QHttpServerResponder &responder, const ApiError &error,
                          const Headers &headers);
    /// The same, answered later through a writer.
    static void sendError(ResponseWriter &writer, const ApiError &error, const Headers &headers);
    /// A compiled-in file (a Qt resource path) with its content type; 500 if it is missing.
    static void sendResource(QHttpServerResponder &responder, const QString &path,
                             const QByteArray &contentType, const Headers &headers);
    /// 200 with a text body (the Prometheus metrics).
    static void sendText(QHttpServerResponder &responder, const QByteArray &contentType,
                         const QByteArray &body, const Headers &headers);
    /// `status` with a text body, answered later through a writer (the Markdown export).
    static void sendText(ResponseWriter &writer, int status, const QByteArray &contentType,
                         const QByteArray &body, const Headers &headers);
};
