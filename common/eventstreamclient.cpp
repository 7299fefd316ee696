#include "eventstreamclient.h"

#include "apiendpoint.h"
#include "logging.h"
#include "sseparser.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace {

constexpr qsizetype kErrorBodyBytes = 64 * 1024; // of a non-stream answer, kept for its message
constexpr qsizetype kFeedSlice = 1024 * 1024; // bounds are checked at least this often
constexpr int kMaxRetryAfterMs = 10 * 60 * 1000;

QString mib(qint64 bytes)
{
    if (bytes % (1024 * 1024) == 0)
        return QStringLiteral("%1 MiB").arg(bytes / (1024 * 1024));
    return QStringLiteral("%1 bytes").arg(bytes);
}

// Retry-After: delay-seconds or an HTTP-date; nullopt when absent or unreadable.
std::optional<int> retryAfterMs(const QByteArray &value)
{
    const QByteArray v = value.trimmed();
    if (v.isEmpty())
        return std::nullopt;
    bool ok = false;
    const qint64 seconds = v.toLongLong(&ok);
    if (ok && seconds >= 0)
        return int(qMin<qint64>(seconds * 1000, kMaxRetryAfterMs));
    const QDateTime when = QDateTime::fromString(QString::fromLatin1(v), Qt::RFC2822Date);
    if (!when.isValid())
        return std::nullopt;
    const qint64 ms = QDateTime::currentDateTimeUtc().msecsTo(when);
    return int(qBound(qint64(0), ms, qint64(kMaxRetryAfterMs)));
}

} // namespace

EventStreamClient::EventStreamClient(QObject *parent)
    : QObject(parent)
    , m_nam(new QNetworkAccessManager(this))
    , m_parser(std::make_unique<SseParser>())
{
    m_retryTimer.setSingleShot(true);
    // A coarse timer may fire 5 % early, before a server's Retry-After has passed.
    m_retryTimer.setTimerType(Qt::PreciseTimer);
    m_watchdog.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &EventStreamClient::connectNow);
    connect(&m_watchdog, &QTimer::timeout, this, &EventStreamClient::onWatchdog);
}

EventStreamClient::~EventStreamClient()
{
    ++m_generation;
    dropReply();
}

void EventStreamClient::setBaseUrl(const QUrl &url)
{
    m_baseUrl = url;
    ApiEndpoint::configureProxy(m_nam, url);
}

void EventStreamClient::setToken(const QString &token)
{
    m_authorization = ApiEndpoint::bearer(token);
    if (!token.isEmpty() && m_authorization.isEmpty())
        qCWarning(lcApiClient) << "the token holds control characters; the stream goes without it";
}

void EventStreamClient::setHeartbeatTimeout(int ms)
{
    m_heartbeatTimeoutMs = qMax(1, ms);
}

void EventStreamClient::setReconnectDelays(int initialMs, int maxMs)
{
    m_initialDelayMs = qMax(0, initialMs);
    m_maxDelayMs = qMax(m_initialDelayMs, maxMs);
}

void EventStreamClient::setMaxEventBytes(qint64 bytes)
{
    m_maxEventBytes = qMax<qint64>(1, bytes);
}

void EventStreamClient::open(const QString &sessionId, qint64 afterSeq)
{
    close();
    m_sessionId = sessionId;
    m_lastSeq = qMax<qint64>(0, afterSeq);
    m_attempt = 0;
    m_streamRetryMs.reset();
    m_lastError.reset();
    m_ended = false;
    m_parser = std::make_unique<SseParser>();
    m_parser->setCommentHandler([this](QByteArrayView) { ++m_comments; });
    setState(State::Connecting);
    connectNow();
}

void EventStreamClient::close()
{
    ++m_generation;
    dropReply();
    m_retryTimer.stop();
    setState(State::Closed);
}

void EventStreamClient::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void EventStreamClient::dropReply()
{
    m_watchdog.stop();
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    disconnect(reply, nullptr, this, nullptr);
    reply->abort();
    reply->deleteLater();
}

void EventStreamClient::connectNow()
{
    dropReply();
    ++m_generation;
    QString path = m_streamPath;
    if (!m_sessionId.isEmpty())
        path += QStringLiteral("?session_id=") + ApiEndpoint::segment(m_sessionId);
    QNetworkRequest request(ApiEndpoint::url(m_baseUrl, path));
    ApiEndpoint::prepare(request, m_authorization);
    request.setRawHeader("Accept", "text/event-stream");
    request.setRawHeader("Cache-Control", "no-cache");
    if (m_lastSeq > 0)
        request.setRawHeader("Last-Event-ID", QByteArray::number(m_lastSeq));
    m_parser->resetConnection();
    m_headSeen = false;
    m_isStream = false;
    m_errorBody.clear();
    ++m_connections;
    m_reply = m_nam->get(request);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, [this] { handleHead(); });
    connect(m_reply, &QNetworkReply::readyRead, this, &EventStreamClient::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &EventStreamClient::onFinished);
    // The watchdog also covers a server that takes the connection and never answers.
    m_sinceByte.start();
    m_watchdog.start(m_heartbeatTimeoutMs);
}

bool EventStreamClient::handleHead()
{
    if (m_headSeen || !m_reply)
        return m_isStream;
    const QVariant statusAttr = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!statusAttr.isValid())
        return false;
    m_headSeen = true;
    const int status = statusAttr.toInt();
    if (status != 200)
        return false; // the body (an error) is read until finished()
    const QByteArray type = m_reply->rawHeader("Content-Type");
    if (!type.trimmed().toLower().startsWith("text/event-stream")) {
        ApiError e;
        e.httpStatus = status;
        e.code = QStringLiteral("bad_response");
        e.message = QStringLiteral("the stream answered with Content-Type \"%1\", not "
                                   "text/event-stream")
                            .arg(QString::fromLatin1(type.left(100)));
        fail(e);
        return false;
    }
    m_isStream = true;
    m_attempt = 0;
    m_lastError.reset();
    setState(State::Open);
    return true;
}

void EventStreamClient::onReadyRead()
{
    if (!m_reply)
        return;
    m_sinceByte.start();
    if (!m_headSeen)
        handleHead();
    if (!m_reply)
        return;
    if (!m_isStream) {
        const QByteArray bytes = m_reply->readAll();
        m_errorBody += bytes.left(kErrorBodyBytes - m_errorBody.size());
        return;
    }
    // One read per notification, parsed in place (slices are views, not copies); the bounds are
    // checked between slices so one huge read cannot grow the parser past them unchecked.
    const QByteArray bytes = m_reply->readAll();
    const quint64 generation = m_generation;
    for (qsizetype at = 0; at < bytes.size(); at += kFeedSlice) {
        handleData(QByteArrayView(bytes).sliced(at, qMin(kFeedSlice, bytes.size() - at)));
        if (generation != m_generation)
            return; // failed, closed or reopened meanwhile
    }
}

void EventStreamClient::handleData(QByteArrayView chunk)
{
    const quint64 generation = m_generation;
    const QList<SseEvent> events = m_parser->feed(chunk);
    if (m_parser->retryMs())
        m_streamRetryMs = m_parser->retryMs();
    for (const SseEvent &e : events) {
        if (e.data.size() > m_maxEventBytes)
            break; // named below
        handleEvent(e.type, e.id, e.hasId, e.data);
        if (generation != m_generation)
            return;
    }
    bool tooLarge = m_parser->bufferedBytes() > m_maxEventBytes;
    for (const SseEvent &e : events)
        tooLarge = tooLarge || e.data.size() > m_maxEventBytes;
    if (tooLarge) {
        ApiError err;
        err.httpStatus = 200;
        err.code = QStringLiteral("too_large");
        err.message = QStringLiteral("an event-stream line or event exceeded %1; the stream was "
                                     "dropped")
                              .arg(mib(m_maxEventBytes));
        fail(err);
    }
}

void EventStreamClient::handleEvent(const QByteArray &type, const QByteArray &id, bool hasId,
                                    const QByteArray &data)
{
    if (hasId && type != "session_start") {
        // A replay of an event already seen is dropped before any JSON is parsed.
        bool ok = false;
        const qint64 idSeq = id.toLongLong(&ok);
        if (ok && idSeq > 0 && idSeq <= m_lastSeq) {
            ++m_duplicates;
            return;
        }
    }
    QJsonParseError parseError {};
    // The document is dropped at once, so the object is not shared and StreamEvent takes its
    // fields over without a copy.
    QJsonObject object = QJsonDocument::fromJson(data, &parseError).object();
    // The SSE event name says it; only a stream without names needs the JSON's type.
    // The SSE event name says it; only a stream without names needs the JSON's type.
    const QByteArray name = type == "message"
            ? object.value(QLatin1String("type")).toString().toLatin1().left(64)
            : type;
    if (name == "session_start" || name == "session_end" || name == "stream_reset") {
        // Connection frames have no id: they never move the resume point and always pass.
        auto event = StreamEvent::fromJson(std::move(object));
        if (!event)
            return;
        if (name == "session_start" && m_sessionId.isEmpty())
            m_sessionId = event->sessionId;
        if (event->type == StreamEventType::SessionEnd)
            m_ended = event->data.value(QLatin1String("reason")).toString()
                    != QLatin1String("shutdown");
        if (event->type == StreamEventType::StreamReset) {
            // The events from first_seq follow; nothing before it will come again.
            const qint64 first = event->data.value(QLatin1String("first_seq")).toInteger();
            if (first > 0)
                m_lastSeq = std::min(m_lastSeq, first - 1);
        }
        Q_EMIT eventReceived(*event);
        return;
    }
    std::optional<StreamEvent> event;
    if (parseError.error == QJsonParseError::NoError)
        event = StreamEvent::fromJson(std::move(object));
    qint64 seq = event ? event->seq : 0;
    if (seq <= 0 && hasId)
        seq = id.toLongLong();
    if (seq <= 0) {
        qCDebug(lcApiClient) << "skipped an event without seq, type" << type.left(64);
        return;
    }
    if (seq <= m_lastSeq) {
        ++m_duplicates;
        return;
    }
    m_lastSeq = seq;
    if (!event) {
        qCDebug(lcApiClient) << "skipped an event of unknown type" << type.left(64);
        return;
    }
    Q_EMIT eventReceived(*event);
}

void EventStreamClient::onFinished()
{
    auto *reply = qobject_cast<QNetworkReply *>(sender());
    if (!reply || reply != m_reply)
        return;
    if (!m_headSeen)
        handleHead();
    if (m_reply != reply)
        return;
    if (m_isStream) {
        // Bytes that arrived with the end.
        const quint64 generation = m_generation;
        if (reply->bytesAvailable() > 0)
            onReadyRead();
        if (generation != m_generation)
            return;
        if (m_ended) {
            dropReply();
            setState(State::Closed);
            return;
        }
        const QString reason = reply->error() == QNetworkReply::NoError
                        || reply->error() == QNetworkReply::RemoteHostClosedError
                ? QStringLiteral("the server closed the stream")
                : reply->errorString();
        scheduleReconnect(reason, std::nullopt);
        return;
    }
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0) {
        m_lastError = ApiError::networkError(reply->errorString());
        scheduleReconnect(m_lastError->message, std::nullopt);
        return;
    }
    m_errorBody += reply->readAll().left(kErrorBodyBytes - m_errorBody.size());
    ApiError e = ApiError::fromBody(status, m_errorBody);
    const bool retryable = status == 408 || status == 429 || status >= 500;
    if (!retryable) {
        if (status < 400) {
            e.code = QStringLiteral("bad_response");
            e.message = QStringLiteral("the stream answered HTTP %1 (redirects are not followed)")
                                .arg(status);
        }
        fail(e);
        return;
    }
    const std::optional<int> after = retryAfterMs(reply->rawHeader("Retry-After"));
    m_lastError = e;
    scheduleReconnect(QStringLiteral("HTTP %1 %2").arg(status).arg(e.toString()), after);
}

void EventStreamClient::onWatchdog()
{
    if (!m_reply)
        return;
    const qint64 quiet = m_sinceByte.elapsed();
    if (quiet < m_heartbeatTimeoutMs) {
        m_watchdog.start(int(m_heartbeatTimeoutMs - quiet));
        return;
    }
    ApiError e;
    e.httpStatus = m_isStream ? 200 : 0;
    e.code = QStringLiteral("timeout");
    e.message = QStringLiteral("no data for %1 ms (heartbeat timeout)").arg(quiet);
    e.network = true;
    m_lastError = e;
    qCInfo(lcApiClient).noquote() << "stream" << m_sessionId << e.message << "- reconnecting";
    scheduleReconnect(e.message, std::nullopt);
}

void EventStreamClient::scheduleReconnect(const QString &reason, std::optional<int> overrideMs)
{
    ++m_generation;
    dropReply();
    ++m_attempt;
    int delay = 0;
    if (overrideMs) {
        delay = *overrideMs;
    } else {
        // The stream's `retry:` replaces the first delay; repeated failures double it.
        const qint64 base = m_streamRetryMs ? *m_streamRetryMs : m_initialDelayMs;
        const int shift = qMin(m_attempt - 1, 20);
        delay = int(qMin<qint64>(base << shift, qMax<qint64>(m_maxDelayMs, base)));
    }
    if (!m_lastError)
        m_lastError = ApiError::networkError(reason);
    setState(State::Reconnecting);
    Q_EMIT reconnecting(m_attempt, delay, reason);
    if (m_state == State::Reconnecting && !m_reply)
        m_retryTimer.start(delay);
}

void EventStreamClient::fail(const ApiError &error)
{
    ++m_generation;
    dropReply();
    m_retryTimer.stop();
    m_lastError = error;
    qCWarning(lcApiClient).noquote() << "stream" << m_sessionId << "failed:" << error.toString();
    setState(State::Failed);
    Q_EMIT failed(error);
}
