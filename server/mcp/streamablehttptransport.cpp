#include "streamablehttptransport.h"

#include "logging.h"
#include "urlredaction.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

#include <memory>

namespace {
const QByteArray kSessionHeader = "Mcp-Session-Id";
const QByteArray kVersionHeader = "MCP-Protocol-Version";
constexpr qsizetype kMaxJsonBody = 64 * 1024 * 1024;

int statusOf(QNetworkReply *reply)
{
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}
} // namespace

StreamableHttpTransport::StreamableHttpTransport(Options options, QObject *parent)
    : Transport(parent)
    , m_options(std::move(options))
    , m_nam(new QNetworkAccessManager(this))
{
    m_nam->setAutoDeleteReplies(false);
}

StreamableHttpTransport::~StreamableHttpTransport()
{
    m_closing = true;
    for (Stream *s : std::as_const(m_streams)) {
        if (s->reply) {
            s->reply->disconnect(this);
            s->reply->abort();
            s->reply->deleteLater();
        }
        delete s;
    }
}

QString StreamableHttpTransport::describe() const
{
    return QStringLiteral("http: ") + Mcp::redactedUrl(m_options.url);
}

void StreamableHttpTransport::open()
{
    QTimer::singleShot(0, this, [this] {
        if (!m_options.url.isValid() || m_options.url.scheme().isEmpty())
            markClosed(QStringLiteral("invalid URL: %1").arg(Mcp::redactedUrl(m_options.url)));
        else
            markOpened();
    });
}

QNetworkRequest StreamableHttpTransport::makeRequest(bool sseOnly) const
{
    QNetworkRequest request(m_options.url);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    request.setRawHeader("Accept",
                         sseOnly ? QByteArray("text/event-stream")
                                 : QByteArray("application/json, text/event-stream"));
    for (auto it = m_options.headers.cbegin(); it != m_options.headers.cend(); ++it)
        request.setRawHeader(it.key().toUtf8(), it.value().toUtf8());
    if (!m_sessionId.isEmpty())
        request.setRawHeader(kSessionHeader, m_sessionId.toUtf8());
    if (!m_protocolVersion.isEmpty())
        request.setRawHeader(kVersionHeader, m_protocolVersion.toUtf8());
    return request;
}

void StreamableHttpTransport::send(const JsonRpc::Message &message)
{
    if (m_closing || !isOpen()) {
        if (message.isRequest()) {
            const auto reply = JsonRpc::Message::errorResponse(
                    message.id(), {JsonRpc::ConnectionClosed, QStringLiteral("not connected"), {}});
            QTimer::singleShot(0, this, [this, reply] { Q_EMIT messageReceived(reply); });
        }
        return;
    }
    QNetworkRequest request = makeRequest(false);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    const QByteArray body = message.serialize();
    qCDebug(lcMcpWire).noquote() << "POST ->" << body;
    auto *stream = new Stream;
    if (message.isRequest()) {
        stream->awaiting.insert(message.idKey());
        stream->requestId = message.id();
    }
    m_streams.append(stream);
    watch(m_nam->post(request, body), stream);
}

void StreamableHttpTransport::watch(QNetworkReply *reply, Stream *stream)
{
    if (stream->serial == 0)
        stream->serial = ++m_nextSerial;
    stream->reply = reply;
    stream->isSse = false;
    stream->body.clear();
    connect(reply, &QNetworkReply::metaDataChanged, this, [this, stream, reply] {
        if (stream->reply != reply)
            return;
        captureSessionId(reply);
        const QByteArray type = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
        stream->isSse = statusOf(reply) == 200 && type.startsWith("text/event-stream");
        if (stream->isSse)
            stream->parser.resetConnection();
        if (stream->isSse && stream->standalone && !m_serverStreamOpen) {
            m_serverStreamOpen = true;
            Q_EMIT serverStreamOpened();
        }
    });
    connect(reply, &QNetworkReply::readyRead, this, [this, stream, reply] {
        if (stream->reply == reply)
            onReadyRead(stream);
    });
    connect(reply, &QNetworkReply::finished, this, [this, stream, reply] {
        if (stream->reply == reply)
            onFinished(stream);
        reply->deleteLater();
    });
}

void StreamableHttpTransport::captureSessionId(QNetworkReply *reply)
{
    if (reply->hasRawHeader(kSessionHeader)) {
        const QString id = QString::fromUtf8(reply->rawHeader(kSessionHeader)).trimmed();
        if (!id.isEmpty() && id != m_sessionId) {
            m_sessionId = id;
            qCDebug(lcMcp) << describe() << "session" << id;
        }
    }
}

void StreamableHttpTransport::onReadyRead(Stream *stream)
{
    QNetworkReply *reply = stream->reply;
    const QByteArray bytes = reply->readAll();
    if (!stream->isSse) {
        if (stream->body.size() + bytes.size() <= kMaxJsonBody)
            stream->body.append(bytes);
        return;
    }
    const QList<SseEvent> events = stream->parser.feed(bytes);
    for (const SseEvent &event : events) {
        stream->sawEvent = true;
        stream->attempts = 0;
        // Priming events (an id and empty data) only set the resumption point.
        if (event.data.trimmed().isEmpty())
            continue;
        if (event.type != "message")
            continue;
        dispatchPayload(stream, event.data);
        if (m_closing || stream->reply != reply)
            return;
    }
}

void StreamableHttpTransport::dispatchPayload(Stream *stream, const QByteArray &payload)
{
    qCDebug(lcMcpWire).noquote() << "<-" << payload;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(payload, &pe);
    QList<QJsonObject> objects;
    if (doc.isObject()) {
        objects.append(doc.object());
    } else if (doc.isArray()) {
        for (const QJsonValue &v : doc.array())
            objects.append(v.toObject());
    } else {
        Q_EMIT errorOccurred(QStringLiteral("invalid JSON from the server: %1")
                                     .arg(pe.error != QJsonParseError::NoError
                                                  ? pe.errorString()
                                                  : QStringLiteral("not an object")));
        return;
    }
    for (const QJsonObject &object : std::as_const(objects)) {
        QString error;
        JsonRpc::Message message = JsonRpc::Message::fromJson(object, &error);
        if (objects.size() == 1)
            message.setText(payload);
        if (!message.isValid()) {
            Q_EMIT errorOccurred(QStringLiteral("invalid message from the server: %1").arg(error));
            continue;
        }
        if (message.isResponse()) {
            // A response may arrive on another stream than the one that carried the request
            // (a resumed or the standalone GET stream): no stream waits for it any more.
            const QString key = message.idKey();
            stream->awaiting.remove(key);
            for (Stream *other : std::as_const(m_streams))
                other->awaiting.remove(key);
        }
        // What arrives on a request's own stream belongs to that request (the spec: server
        // requests and notifications there relate to it); the standalone stream has no owner.
        MessageOrigin origin;
        origin.channel = stream->standalone || stream->requestId.isUndefined()
                ? MessageOrigin::Channel::ServerStream
                : MessageOrigin::Channel::RequestStream;
        if (origin.channel == MessageOrigin::Channel::RequestStream)
            origin.requestId = stream->requestId;
        Q_EMIT messageReceived(message, origin);
        if (m_closing)
            return;
    }
}

void StreamableHttpTransport::failAwaiting(Stream *stream, int httpStatus, const QString &message,
                                           bool expired)
{
    const QSet<QString> ids = std::exchange(stream->awaiting, {});
    for (const QString &key : ids) {
        QJsonValue id;
        if (key.startsWith(QLatin1String("i:")))
            id = key.mid(2).toLongLong();
        else
            id = key.mid(2);
        QJsonObject data;
        if (httpStatus)
            data.insert(QStringLiteral("httpStatus"), httpStatus);
        if (expired)
            data.insert(QStringLiteral("sessionExpired"), true);
        Q_EMIT messageReceived(
                JsonRpc::Message::errorResponse(id, {JsonRpc::TransportError, message, data}));
        if (m_closing)
            return;
    }
}

void StreamableHttpTransport::onFinished(Stream *stream)
{
    QNetworkReply *reply = stream->reply;
    stream->reply = nullptr;
    const int status = statusOf(reply);
    const QNetworkReply::NetworkError netError = reply->error();
    if (!stream->isSse && reply->bytesAvailable())
        stream->body.append(reply->readAll());

    // Own the stream while handling it: a slot reached from here may close the transport.
    std::unique_ptr<Stream> owned(stream);
    m_streams.removeOne(stream);
    if (m_closing)
        return;

    if (stream->standalone) {
        if (status == 404 && !m_sessionId.isEmpty()) {
            // The server no longer knows this session (it restarted): that says nothing about
            // GET support, so do not give up on it. The next request's 404 starts a new
            // session and setInitialized() opens a new stream for it.
            m_serverStreamOpen = false;
            Q_EMIT serverStreamUnavailable();
            return;
        }
        if (status == 405 || status == 404 || (status >= 400 && status < 500)) {
            // The server offers no GET stream (or not for this session): that is allowed.
            m_getStreamUnsupported = true;
            m_serverStreamOpen = false;
            Q_EMIT serverStreamUnavailable();
            return;
        }
        m_serverStreamOpen = false;
        m_streams.append(owned.release());
        resume(stream, stream->parser.retryMs().value_or(m_options.defaultRetryMs));
        return;
    }

    if (status >= 200 && status < 300 && !stream->isSse) {
        if (!stream->body.trimmed().isEmpty())
            dispatchPayload(stream, stream->body);
        if (!stream->awaiting.isEmpty() && !m_closing)
            failAwaiting(stream, status,
                         status == 202 ? QStringLiteral("the server accepted the request but "
                                                        "never answered it")
                                       : QStringLiteral("the server's reply held no response"),
                         false);
        return;
    }

    if (stream->isSse) {
        if (stream->awaiting.isEmpty())
            return;
        // The stream ended before our response: resume where it stopped, if it gave us ids.
        if (!stream->parser.lastEventId().isEmpty()) {
            m_streams.append(owned.release());
            resume(stream, stream->parser.retryMs().value_or(m_options.defaultRetryMs));
            return;
        }
        failAwaiting(stream, status,
                     netError != QNetworkReply::NoError
                             ? QStringLiteral("the response stream broke: %1")
                                       .arg(Mcp::redactUrlIn(reply->errorString(), reply->url()))
                             : QStringLiteral("the server closed the response stream before "
                                              "answering"),
                     false);
        return;
    }

    // HTTP or network error.
    QString message;
    bool expired = false;
    if (status == 0) {
        message = QStringLiteral("could not reach %1: %2")
                          .arg(Mcp::redactedUrl(m_options.url),
                               Mcp::redactUrlIn(reply->errorString(), reply->url()));
    } else {
        QString detail = Mcp::redactUrlIn(QString::fromUtf8(stream->body.left(300)).simplified(),
                                          m_options.url);
        const QJsonObject errorObject = QJsonDocument::fromJson(stream->body).object();
        if (errorObject.value(QStringLiteral("error")).isObject())
            detail = Mcp::redactUrlIn(errorObject.value(QStringLiteral("error"))
                                              .toObject()
                                              .value(QStringLiteral("message"))
                                              .toString()
                                              .left(300),
                                      m_options.url);
        message = QStringLiteral("HTTP %1 from %2%3")
                          .arg(status)
                          .arg(Mcp::redactedUrl(m_options.url),
                               detail.isEmpty() ? QString() : QStringLiteral(": ") + detail);
        const bool hadSession = !m_sessionId.isEmpty();
        expired = hadSession
                && (status == 404
                    || (status == 400
                        && detail.contains(QLatin1String("session"), Qt::CaseInsensitive)));
        if (expired) {
            m_sessionId.clear();
            Q_EMIT sessionExpired();
        }
    }
    failAwaiting(stream, status, message, expired);
}

void StreamableHttpTransport::resume(Stream *stream, int delayMs)
{
    if (++stream->attempts > m_options.maxResumeAttempts) {
        if (stream->standalone)
            qCInfo(lcMcp) << describe() << "GET stream keeps failing; giving up on it";
        std::unique_ptr<Stream> owned(stream);
        m_streams.removeOne(stream);
        failAwaiting(stream, 0,
                     QStringLiteral("the response stream broke and could not be resumed"), false);
        return;
    }
    // Back off when reconnections produce nothing, but start from the server's retry value.
    const int delay = delayMs * (1 << std::min(stream->attempts - 1, 4));
    qCDebug(lcMcp) << describe() << "resuming stream after" << delay << "ms, Last-Event-ID"
                   << stream->parser.lastEventId();
    QTimer::singleShot(delay, this, [this, stream, serial = stream->serial] {
        // The stream may be gone (and its address reused by a new one) by now.
        const bool alive = std::any_of(m_streams.cbegin(), m_streams.cend(), [&](Stream *s) {
            return s == stream && s->serial == serial;
        });
        if (m_closing || !alive)
            return;
        QNetworkRequest request = makeRequest(true);
        if (!stream->parser.lastEventId().isEmpty())
            request.setRawHeader("Last-Event-ID", stream->parser.lastEventId());
        watch(m_nam->get(request), stream);
    });
}

void StreamableHttpTransport::setInitialized()
{
    m_initialized = true;
    if (m_options.openGetStream && !m_getStreamUnsupported)
        openStandaloneStream();
}

void StreamableHttpTransport::openStandaloneStream()
{
    for (Stream *s : std::as_const(m_streams)) {
        if (s->standalone)
            return;
    }
    auto *stream = new Stream;
    stream->standalone = true;
    m_streams.append(stream);
    watch(m_nam->get(makeRequest(true)), stream);
}

void StreamableHttpTransport::resetSession()
{
    m_sessionId.clear();
    m_protocolVersion.clear();
    m_initialized = false;
    for (Stream *s : m_streams) {
        if (s->standalone && s->reply) {
            QNetworkReply *r = s->reply;
            s->reply = nullptr;
            r->disconnect(this);
            r->abort();
            r->deleteLater();
        }
    }
    m_streams.erase(std::remove_if(m_streams.begin(), m_streams.end(),
                                   [](Stream *s) {
                                       if (s->standalone) {
                                           delete s;
                                           return true;
                                       }
                                       return false;
                                   }),
                    m_streams.end());
}

void StreamableHttpTransport::close()
{
    if (m_closing)
        return;
    m_closing = true;
    const QList<Stream *> streams = std::exchange(m_streams, {});
    for (Stream *s : streams) {
        if (s->reply) {
            QNetworkReply *r = s->reply;
            r->disconnect(this);
            r->abort();
            r->deleteLater();
        }
        delete s;
    }
    if (m_sessionId.isEmpty()) {
        QTimer::singleShot(0, this, [this] { markClosed(QStringLiteral("closed")); });
        return;
    }
    // End the session on the server; do not wait long for an answer.
    QNetworkRequest request = makeRequest(false);
    request.setTransferTimeout(2000);
    QNetworkReply *reply = m_nam->deleteResource(request);
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        markClosed(QStringLiteral("closed"));
    });
}
