#include "sseconnectionmanager.h"

#include "logging.h"
#include "responsewriter.h"
#include "sessionservice.h"
#include "sseencoder.h"
#include "ssestream.h"

#include <QJsonDocument>

namespace {
// Frames every stream of a session has sent are dropped in batches, not one by one.
constexpr qint64 kTrimBatch = 64;
} // namespace

SseConnectionManager::SseConnectionManager(SessionService *sessions, Options options,
                                           QObject *parent)
    : QObject(parent)
    , m_sessionService(sessions)
    , m_options(options)
{
    // Events of sessions without a stream are dropped by onEvent at the first lookup.
    connect(m_sessionService, &SessionService::eventAppended, this, &SseConnectionManager::onEvent);
    m_heartbeat.setInterval(m_options.heartbeatMs);
    connect(&m_heartbeat, &QTimer::timeout, this, &SseConnectionManager::heartbeat);
}

SseConnectionManager::~SseConnectionManager()
{
    for (SseStream *s : allStreams()) {
        s->disconnect(this);
        delete s;
    }
}

QList<SseStream *> SseConnectionManager::allStreams() const
{
    QList<SseStream *> all;
    for (const Fanout &f : m_sessions)
        all += f.streams;
    return all;
}

int SseConnectionManager::connectionsFor(const QString &sessionId) const
{
    const auto it = m_sessions.constFind(sessionId);
    return it == m_sessions.constEnd() ? 0 : int(it->streams.size());
}

QByteArray SseConnectionManager::encode(const StreamEvent &event, bool withId)
{
    const QByteArray json = QJsonDocument(event.toJson()).toJson(QJsonDocument::Compact);
    const QByteArray type = event.typeName().toLatin1();
    return SseEncoder::event(json, type, withId ? QByteArray::number(event.seq) : QByteArray());
}

void SseConnectionManager::attach(QHttpServerResponder &&responder, const QString &id,
                                  qint64 afterSeq, const StreamEvent &sessionStart,
                                  const QList<QPair<QByteArray, QByteArray>> &headers)
{
    Fanout &fanout = m_sessions[id];
    if (!fanout.feed)
        fanout.feed = QSharedPointer<SseFeed>::create();
    auto *stream = new SseStream(new ResponseWriter(std::move(responder)), id, fanout.feed,
                                 m_options.maxBehindBytes, this);
    connect(stream, &SseStream::closed, this, &SseConnectionManager::onStreamClosed);

    // Replay, then live: everything happens on this thread, so no event slips between the
    // stored events written here and the feed the stream follows from now on.
    QByteArray prefix = encode(sessionStart, false);
    const QList<StreamEvent> stored = m_sessionService->eventsAfter(id, afterSeq);
    for (const StreamEvent &event : stored) {
        prefix += encode(event);
        ++m_eventsSent;
    }
    stream->open(headers, prefix);
    if (!stream->isOpen()) {
        stream->deleteLater();
        if (fanout.streams.isEmpty())
            m_sessions.remove(id);
        return;
    }
    fanout.streams.append(stream);
    ++m_count;
    Q_EMIT connectionCountChanged(m_count);
    if (!m_heartbeat.isActive())
        m_heartbeat.start();
}

void SseConnectionManager::onEvent(const QString &sessionId, const StreamEvent &event)
{
    auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end())
        return;
    it->feed->append(encode(event));
    const QSharedPointer<SseFeed> feed = it->feed;
    const QList<SseStream *> streams = it->streams; // pumping may close (and unlist) a stream
    for (SseStream *s : streams)
        s->pump();
    m_eventsSent += quint64(streams.size());
    if (event.type == StreamEventType::SessionEnd) {
        for (SseStream *s : streams)
            s->close();
    }
    // Drop what every stream has sent.
    it = m_sessions.find(sessionId);
    if (it == m_sessions.end() || it->streams.isEmpty())
        return;
    qint64 oldest = feed->endIndex();
    for (const SseStream *s : std::as_const(it->streams))
        oldest = std::min(oldest, s->position());
    if (oldest - feed->firstIndex >= kTrimBatch)
        feed->dropBefore(oldest);
}

void SseConnectionManager::onStreamClosed(SseStream *stream, const QString &why)
{
    const QString id = stream->sessionId();
    auto it = m_sessions.find(id);
    if (it != m_sessions.end() && it->streams.removeOne(stream)) {
        --m_count;
        qCDebug(lcHttp).noquote() << "stream of session" << id << "closed:" << why;
        if (it->streams.isEmpty())
            m_sessions.erase(it); // the feed goes with its last stream
        Q_EMIT connectionCountChanged(m_count);
    }
    if (m_count == 0)
        m_heartbeat.stop();
    // Never delete a stream inside one of its own signals.
    stream->deleteLater();
}

void SseConnectionManager::heartbeat()
{
    static const QByteArray frame = SseEncoder::comment("heartbeat");
    for (SseStream *s : allStreams())
        s->heartbeat(frame);
}

void SseConnectionManager::closeAll()
{
    for (SseStream *s : allStreams())
        s->close();
}
