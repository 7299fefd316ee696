#include "sseconnectionmanager.h"

#include "logging.h"
#include "responsewriter.h"
#include "sessionservice.h"
#include "sseencoder.h"
#include "ssestream.h"

#include <QJsonDocument>
#include <QPointer>
#include <QTimer>

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
    connect(m_sessionService, &SessionService::sessionRemoved, this,
            &SseConnectionManager::endStreams);
    // Acknowledged events are gone (a Redis without its data): no stream can resume; each is
    // told so and closed, and reloads.
    connect(m_sessionService, &SessionService::dataLost, this, [this](const QString &why) {
        const QStringList ids = m_sessions.keys();
        for (const QString &id : ids) {
            StreamEvent reset
                    = StreamEvent::make(StreamEventType::StreamReset,
                                        {{QStringLiteral("reason"), QStringLiteral("store_reset")},
                                         {QStringLiteral("message"), why}});
            reset.sessionId = id;
            reset.ts = QDateTime::currentDateTimeUtc();
            broadcast(id, encode(reset, false));
            const QList<SseStream *> streams = m_sessions.value(id).streams;
            for (SseStream *s : streams)
                s->close();
        }
    });
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

void SseConnectionManager::attach(ResponseWriter *writer, const QString &id, qint64 afterSeq,
                                  const StreamEvent &sessionStart,
                                  const QList<QPair<QByteArray, QByteArray>> &headers)
{
    Fanout &fanout = m_sessions[id];
    if (!fanout.feed)
        fanout.feed = QSharedPointer<SseFeed>::create();
    auto *stream = new SseStream(writer, id, fanout.feed, m_options.maxBehindBytes, this);
    connect(stream, &SseStream::closed, this, &SseConnectionManager::onStreamClosed);
    stream->open(headers, encode(sessionStart, false));
    if (!stream->isOpen()) {
        stream->deleteLater();
        if (fanout.streams.isEmpty())
            m_sessions.remove(id);
        return;
    }
    // The stream keeps its place in the feed (live events) while the store replays.
    stream->hold();
    fanout.streams.append(stream);
    ++m_count;
    Q_EMIT connectionCountChanged(m_count);
    if (!m_heartbeat.isActive())
        m_heartbeat.start();
    replay(stream, afterSeq);
}

void SseConnectionManager::replay(SseStream *stream, qint64 afterSeq)
{
    QPointer<SseStream> guard(stream);
    const QString id = stream->sessionId();
    m_sessionService->readEvents(
            id, afterSeq, kReplayPage, [this, guard, id, afterSeq](StoreResult<EventPage> r) {
                if (!guard || !guard->isOpen())
                    return;
                SseStream *stream = guard;
                if (!r.ok()) {
                    // The session went away, or the store cannot answer: the client reconnects.
                    qCInfo(lcHttp).noquote()
                            << "replay of session" << id << "failed:" << r.error().message;
                    return stream->close();
                }
                const EventPage &page = r.value();
                qint64 last = afterSeq;
                QByteArray bytes;
                if (page.gap) {
                    StreamEvent reset = StreamEvent::make(
                            StreamEventType::StreamReset,
                            {{QStringLiteral("reason"), QStringLiteral("trimmed")},
                             {QStringLiteral("first_seq"), page.firstSeq},
                             {QStringLiteral("last_seq"), page.lastSeq},
                             {QStringLiteral("message"),
                              QStringLiteral("the events after %1 are no longer stored; reload "
                                             "the session")
                                      .arg(afterSeq)}});
                    reset.sessionId = id;
                    reset.ts = QDateTime::currentDateTimeUtc();
                    bytes += encode(reset, false);
                }
                for (const StreamEvent &event : page.events) {
                    bytes += encode(event);
                    last = event.seq;
                    ++m_eventsSent;
                }
                stream->writeReplay(bytes);
                if (page.events.size() >= kReplayPage)
                    return replayLater(stream, last);
                // Caught up with the store: follow the feed after the last replayed event.
                const auto it = m_sessions.constFind(id);
                if (it == m_sessions.cend())
                    return;
                const SseFeed &feed = *it->feed;
                qint64 index = stream->position();
                while (index < feed.endIndex() && feed.seqAt(index) != 0
                       && feed.seqAt(index) <= last)
                    ++index;
                if (index < feed.endIndex() && feed.seqAt(index) > last + 1)
                    return replayLater(stream, last); // committed meanwhile, not yet in a page
                stream->release(index);
            });
}

void SseConnectionManager::replayLater(SseStream *stream, qint64 afterSeq)
{
    QPointer<SseStream> guard(stream);
    // The next page once the socket took most of this one: memory stays bounded.
    if (stream->unsentBytes() < kReplayLowWater)
        return replay(stream, afterSeq);
    QTimer::singleShot(5, this, [this, guard, afterSeq] {
        if (guard && guard->isOpen())
            replayLater(guard, afterSeq);
    });
}

void SseConnectionManager::onEvent(const QString &sessionId, const StreamEvent &event)
{
    auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end())
        return;
    it->feed->append(encode(event), event.seq);
    const QSharedPointer<SseFeed> feed = it->feed;
    const QList<SseStream *> streams = it->streams; // pumping may close (and unlist) a stream
    for (SseStream *s : streams)
        s->pump();
    m_eventsSent += quint64(streams.size());
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

void SseConnectionManager::broadcast(const QString &sessionId, const QByteArray &frame)
{
    auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end())
        return;
    it->feed->append(frame, 0);
    const QList<SseStream *> streams = it->streams;
    for (SseStream *s : streams) {
        if (s->isHeld())
            s->writeReplay(frame);
        else
            s->pump();
    }
}

void SseConnectionManager::endStreams(const QString &sessionId, const QString &reason)
{
    if (!m_sessions.contains(sessionId))
        return;
    StreamEvent end
            = StreamEvent::make(StreamEventType::SessionEnd, {{QStringLiteral("reason"), reason}});
    end.sessionId = sessionId;
    end.ts = QDateTime::currentDateTimeUtc();
    broadcast(sessionId, encode(end, false));
    const QList<SseStream *> streams = m_sessions.value(sessionId).streams;
    for (SseStream *s : streams)
        s->close();
}

void SseConnectionManager::closeAll()
{
    const QStringList ids = m_sessions.keys();
    for (const QString &id : ids)
        endStreams(id, QStringLiteral("shutdown"));
}
