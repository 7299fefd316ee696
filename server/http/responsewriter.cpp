#include "responsewriter.h"

#include "connectionguard.h"
#include "guardedsocket.h"
#include "logging.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QJsonDocument>
#include <QTcpSocket>

#if QT_VERSION >= QT_VERSION_CHECK(6, 8, 0)
#include <QHttpHeaders>
#endif

// The boundaries, read from the QtHttpServer sources: QHttpServerResponder::socket() exists
// up to 6.4; writeStatusLine/writeHeader/writeBody up to 6.7; 6.8 brings QHttpHeaders,
// writeBeginChunked/writeChunk/writeEndChunked and setMissingHandler(context, handler) with a
// `QHttpServerResponder &` parameter.
#define MCPHOST_RESPONDER_HAS_SOCKET (QT_VERSION < QT_VERSION_CHECK(6, 5, 0))
#define MCPHOST_RESPONDER_HTTP_HEADERS (QT_VERSION >= QT_VERSION_CHECK(6, 8, 0))

namespace {

bool hasNoBody(int status)
{
    return status == 204 || status == 304 || (status >= 100 && status < 200);
}

const char *reasonPhrase(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return "Error";
    }
}

/// The socket of a responder inside its request handler.
QTcpSocket *socketOf(QHttpServerResponder &responder)
{
#if MCPHOST_RESPONDER_HAS_SOCKET
    return responder.socket();
#else
    Q_UNUSED(responder);
    // QtHttpServer calls the handler inside the readyRead of the request's connection, and
    // the guard marks itself current for exactly that time.
    ConnectionGuard *guard = ConnectionGuard::current();
    return guard ? guard->socket() : nullptr;
#endif
}

#if MCPHOST_RESPONDER_HTTP_HEADERS
QHttpHeaders httpHeaders(const ResponseWriter::Headers &headers)
{
    QHttpHeaders out;
    for (const auto &h : headers)
        out.append(QAnyStringView(h.first), QAnyStringView(h.second));
    return out;
}
#endif

/// Writes a whole answer; the one place a responder writes status, headers and body.
void writeAnswer(QHttpServerResponder &responder, int status,
                 const ResponseWriter::Headers &headers, const QByteArray &body)
{
    const auto code = QHttpServerResponder::StatusCode(status);
#if MCPHOST_RESPONDER_HTTP_HEADERS
    if (hasNoBody(status))
        responder.write(httpHeaders(headers), code);
    else
        responder.write(body, httpHeaders(headers), code); // adds Content-Length itself
#else
    responder.writeStatusLine(code);
    if (!hasNoBody(status))
        responder.writeHeader("Content-Length", QByteArray::number(body.size()));
    for (const auto &h : headers)
        responder.writeHeader(h.first, h.second);
    responder.writeBody(hasNoBody(status) ? QByteArray() : body);
#endif
}

} // namespace

void ResponseWriter::setHandler(QHttpServer *server, QObject *context, Handler handler)
{
#if MCPHOST_RESPONDER_HTTP_HEADERS
    server->setMissingHandler(context,
                              [handler = std::move(handler)](const QHttpServerRequest &request,
                                                             QHttpServerResponder &responder) {
                                  handler(request, std::move(responder));
                              });
#else
    Q_UNUSED(context);
    server->setMissingHandler(std::move(handler));
#endif
}

void ResponseWriter::respond(QHttpServerResponder &responder, int status, const Headers &headers,
                             const QByteArray &body)
{
    QTcpSocket *socket = socketOf(responder);
    ConnectionGuard *guard = socket ? ConnectionGuard::of(socket) : nullptr;
    if ((socket && socket->state() != QAbstractSocket::ConnectedState)
        || (guard && guard->isRefused())) {
        qCDebug(lcHttp) << "not answering" << status << "(the client is gone)";
        return;
    }
    writeAnswer(responder, status, headers, body);
    if (guard)
        guard->responseFinished();
}

void ResponseWriter::refuse(QTcpSocket *socket, const ApiError &error, const Headers &headers)
{
    if (!socket || socket->state() != QAbstractSocket::ConnectedState)
        return;
    const ApiError::Http http = error.toHttp();
    const QByteArray body = QJsonDocument(http.body).toJson(QJsonDocument::Compact);
    QByteArray out = "HTTP/1.1 " + QByteArray::number(http.status) + ' ' + reasonPhrase(http.status)
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + QByteArray::number(body.size())
            + "\r\nCache-Control: no-store\r\nConnection: close\r\n";
    if (error.retryAfterSeconds > 0)
        out += "Retry-After: " + QByteArray::number(error.retryAfterSeconds) + "\r\n";
    for (const auto &h : headers)
        out += h.first + ": " + h.second + "\r\n";
    socket->write(out + "\r\n" + body);
}

ResponseWriter::ResponseWriter(QHttpServerResponder &&responder, QObject *parent)
    : QObject(parent)
    , m_responder(std::move(responder))
{
    QTcpSocket *socket = socketOf(m_responder);
    m_socket = socket;
    m_guard = socket ? ConnectionGuard::of(socket) : nullptr;
    if (!socket || socket->state() != QAbstractSocket::ConnectedState) {
        m_gone = true;
        return;
    }
    connect(socket, &QTcpSocket::disconnected, this, &ResponseWriter::markGone);
    connect(socket, &QObject::destroyed, this, &ResponseWriter::markGone);
    connect(socket, &QTcpSocket::bytesWritten, this, &ResponseWriter::bytesWritten);
}

ResponseWriter::~ResponseWriter()
{
    if (m_socket)
        m_socket->disconnect(this);
}

bool ResponseWriter::isGone() const
{
    // A connection the guard refused carries its refusal as the last answer.
    return m_gone || !m_socket || m_socket->state() != QAbstractSocket::ConnectedState
            || (m_guard && m_guard->isRefused());
}

void ResponseWriter::markGone()
{
    if (m_gone)
        return;
    m_gone = true;
    Q_EMIT gone();
}

void ResponseWriter::send(int status, const Headers &headers, const QByteArray &body)
{
    if (m_used)
        return;
    m_used = true;
    if (isGone()) {
        qCDebug(lcHttp) << "dropping the answer" << status << "(the client is gone)";
        return;
    }
    writeAnswer(m_responder, status, headers, body);
    if (m_guard)
        m_guard->responseFinished();
}

void ResponseWriter::beginStream(const Headers &headers, const QByteArray &first)
{
    if (m_used || isGone())
        return;
    m_used = true;
    if (m_guard)
        m_guard->streamStarted();
#if MCPHOST_RESPONDER_HTTP_HEADERS
    // Chunked framing ends the stream cleanly; the contract (text/event-stream) is the same.
    m_responder.writeBeginChunked(httpHeaders(headers), QHttpServerResponder::StatusCode::Ok);
    if (!first.isEmpty())
        m_responder.writeChunk(first);
#else
    // QtHttpServer 6.4 has no stream framing: no Content-Length, the body ends with the
    // connection. The first body write ends the header block.
    m_responder.writeStatusLine(QHttpServerResponder::StatusCode::Ok);
    for (const auto &h : headers)
        m_responder.writeHeader(h.first, h.second);
    m_responder.writeBody(first);
#endif
}

void ResponseWriter::writeStream(const QByteArray &bytes)
{
    if (!m_used || isGone() || bytes.isEmpty())
        return;
#if MCPHOST_RESPONDER_HTTP_HEADERS
    m_responder.writeChunk(bytes);
#else
    m_socket->write(bytes);
#endif
}

qint64 ResponseWriter::bytesToWrite() const
{
    return isGone() ? 0 : m_socket->bytesToWrite();
}

void ResponseWriter::endStream()
{
    if (isGone())
        return;
#if MCPHOST_RESPONDER_HTTP_HEADERS
    if (m_used)
        m_responder.writeEndChunked(QByteArray());
#endif
    m_socket->disconnectFromHost(); // sends what is queued, then closes
}

void ResponseWriter::abort()
{
    if (m_socket)
        m_socket->abort();
    markGone();
}
