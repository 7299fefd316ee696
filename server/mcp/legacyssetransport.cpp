#include "legacyssetransport.h"

#include "logging.h"
#include "urlredaction.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace {
int effectivePort(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    return url.port(scheme == QLatin1String("https")          ? 443
                            : scheme == QLatin1String("http") ? 80
                                                              : -1);
}

bool sameOrigin(const QUrl &a, const QUrl &b)
{
    return a.scheme().compare(b.scheme(), Qt::CaseInsensitive) == 0
            && a.host().compare(b.host(), Qt::CaseInsensitive) == 0
            && effectivePort(a) == effectivePort(b);
}

QString origin(const QUrl &url)
{
    return QStringLiteral("%1://%2:%3").arg(url.scheme(), url.host()).arg(effectivePort(url));
}
} // namespace

LegacySseTransport::LegacySseTransport(Options options, QObject *parent)
    : Transport(parent)
    , m_options(std::move(options))
    , m_nam(new QNetworkAccessManager(this))
{ }

LegacySseTransport::~LegacySseTransport()
{
    m_closing = true;
    if (m_stream) {
        m_stream->disconnect(this);
        m_stream->abort();
    }
}

QString LegacySseTransport::describe() const
{
    return QStringLiteral("sse: ") + Mcp::redactedUrl(m_options.url);
}

void LegacySseTransport::open()
{
    QNetworkRequest request(m_options.url);
    request.setRawHeader("Accept", "text/event-stream");
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    for (auto it = m_options.headers.cbegin(); it != m_options.headers.cend(); ++it)
        request.setRawHeader(it.key().toUtf8(), it.value().toUtf8());
    m_stream = m_nam->get(request);
    connect(m_stream, &QNetworkReply::readyRead, this, &LegacySseTransport::onStreamData);
    connect(m_stream, &QNetworkReply::finished, this, &LegacySseTransport::onStreamFinished);
    QTimer::singleShot(m_options.connectTimeoutMs, this, [this] {
        if (!isOpen() && m_stream) {
            m_stream->disconnect(this);
            m_stream->abort();
            markClosed(QStringLiteral("no endpoint event from %1 within %2 ms")
                               .arg(Mcp::redactedUrl(m_options.url))
                               .arg(m_options.connectTimeoutMs));
        }
    });
}

void LegacySseTransport::onStreamData()
{
    const int status = m_stream->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200)
        return; // reported when the reply finishes
    const QList<SseEvent> events = m_parser.feed(m_stream->readAll());
    for (const SseEvent &event : events) {
        if (event.type == "endpoint") {
            const QUrl relative = QUrl(QString::fromUtf8(event.data.trimmed()));
            const QUrl endpoint = m_options.url.resolved(relative);
            // The configured headers (a bearer token) go with every POST: only to the origin
            // the user configured, never to one the server names.
            if (!sameOrigin(endpoint, m_options.url)) {
                const QString reason
                        = QStringLiteral("the server named a message endpoint on another origin "
                                         "(%1 is not %2); the host posts only to the origin of "
                                         "the configured URL")
                                  .arg(origin(endpoint), origin(m_options.url));
                qCWarning(lcMcp).noquote() << describe() << reason;
                m_closing = true;
                m_stream->disconnect(this);
                m_stream->abort();
                m_stream->deleteLater();
                m_stream.clear();
                markClosed(reason);
                return;
            }
            m_postUrl = endpoint;
            qCDebug(lcMcp) << describe() << "posting to" << Mcp::redactedUrl(m_postUrl);
            markOpened();
            continue;
        }
        if (event.type != "message" || event.data.trimmed().isEmpty())
            continue;
        qCDebug(lcMcpWire).noquote() << "<-" << event.data;
        QString error;
        const JsonRpc::Message message = JsonRpc::Message::parse(event.data, &error);
        if (!message.isValid()) {
            Q_EMIT errorOccurred(QStringLiteral("invalid message from the server: %1").arg(error));
            continue;
        }
        Q_EMIT messageReceived(message);
        if (m_closing)
            return;
    }
}

void LegacySseTransport::onStreamFinished()
{
    QNetworkReply *reply = m_stream;
    m_stream.clear();
    reply->deleteLater();
    if (m_closing) {
        markClosed(QStringLiteral("closed"));
        return;
    }
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    QString reason;
    if (status == 0)
        reason = QStringLiteral("could not reach %1: %2")
                         .arg(Mcp::redactedUrl(m_options.url),
                              Mcp::redactUrlIn(reply->errorString(), reply->url()));
    else if (status != 200)
        reason = QStringLiteral("HTTP %1 from %2").arg(status).arg(Mcp::redactedUrl(m_options.url));
    else
        reason = QStringLiteral("the server closed the SSE stream");
    markClosed(reason);
}

void LegacySseTransport::send(const JsonRpc::Message &message)
{
    if (!isOpen() || m_closing) {
        if (message.isRequest()) {
            const auto reply = JsonRpc::Message::errorResponse(
                    message.id(), {JsonRpc::ConnectionClosed, QStringLiteral("not connected"), {}});
            QTimer::singleShot(0, this, [this, reply] { Q_EMIT messageReceived(reply); });
        }
        return;
    }
    QNetworkRequest request(m_postUrl);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    for (auto it = m_options.headers.cbegin(); it != m_options.headers.cend(); ++it)
        request.setRawHeader(it.key().toUtf8(), it.value().toUtf8());
    const QByteArray body = message.serialize();
    qCDebug(lcMcpWire).noquote() << "POST ->" << body;
    QNetworkReply *reply = m_nam->post(request, body);
    const bool isRequest = message.isRequest();
    const QJsonValue &id = message.id();
    connect(reply, &QNetworkReply::finished, this, [this, reply, isRequest, id] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (m_closing || (status >= 200 && status < 300) || !isRequest)
            return;
        const QString message = status == 0
                ? QStringLiteral("could not reach %1: %2")
                          .arg(Mcp::redactedUrl(m_postUrl),
                               Mcp::redactUrlIn(reply->errorString(), reply->url()))
                : QStringLiteral("HTTP %1 from %2: %3")
                          .arg(status)
                          .arg(Mcp::redactedUrl(m_postUrl),
                               Mcp::redactUrlIn(
                                       QString::fromUtf8(reply->readAll().left(300)).simplified(),
                                       m_postUrl));
        Q_EMIT messageReceived(JsonRpc::Message::errorResponse(
                id,
                {JsonRpc::TransportError, message,
                 QJsonObject {{QStringLiteral("httpStatus"), status}}}));
    });
}

void LegacySseTransport::close()
{
    if (m_closing)
        return;
    m_closing = true;
    if (m_stream) {
        m_stream->abort(); // finished() follows and reports "closed"
        return;
    }
    QTimer::singleShot(0, this, [this] { markClosed(QStringLiteral("closed")); });
}
