#include "redissubscriber.h"

#include "redislogging.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>

#include <algorithm>
#include <limits>

namespace {
constexpr int kFillChunk = 1000;
}

RedisSubscriber::RedisSubscriber(const RedisConnection::Options &options, const QByteArray &channel,
                                 Reader reader, QObject *parent)
    : QObject(parent)
    , m_connection(new RedisConnection(options, this))
    , m_channel(channel)
    , m_reader(std::move(reader))
{
    m_connection->subscribe({channel});
    connect(m_connection, &RedisConnection::message, this, &RedisSubscriber::onMessage);
    connect(m_connection, &RedisConnection::ready, this, &RedisSubscriber::onReady);
}

RedisSubscriber::~RedisSubscriber() = default;

void RedisSubscriber::start()
{
    m_connection->start();
}

void RedisSubscriber::onReady()
{
    // Messages published while the subscription was down are lost: look for what the sessions
    // seen lately missed.
    const QStringList ids = m_tracks.keys();
    for (const QString &id : ids) {
        Track &t = m_tracks[id];
        if (t.filling || t.last < 0)
            continue;
        t.filling = true;
        QPointer<RedisSubscriber> self(this);
        m_reader(id, t.last, kFillChunk, [self, id](QList<StreamEvent> events) {
            if (!self)
                return;
            auto it = self->m_tracks.find(id);
            if (it == self->m_tracks.end())
                return;
            it->filling = false;
            std::deque<Item> queue;
            for (const StreamEvent &e : std::as_const(events))
                queue.push_back({e, {}});
            for (Item &i : it->queue)
                queue.push_back(std::move(i));
            it->queue = std::move(queue);
            self->drain(id);
        });
    }
    Q_EMIT ready();
}

void RedisSubscriber::onMessage(const QByteArray &channel, const QByteArray &payload)
{
    if (channel != m_channel)
        return;
    if (payload.startsWith("B:")) {
        onBatch(payload);
        return;
    }
    if (payload.startsWith("d:")) {
        const QString id = QString::fromUtf8(payload.mid(2));
        forget(id);
        Q_EMIT deleted(id);
        return;
    }
    const qsizetype colon = payload.indexOf(':', 2);
    bool ok = false;
    const qint64 seq = colon > 2 ? payload.mid(2, colon - 2).toLongLong(&ok) : 0;
    QJsonParseError error;
    const QJsonDocument doc = ok && payload.startsWith("e:")
            ? QJsonDocument::fromJson(payload.mid(colon + 1), &error)
            : QJsonDocument();
    std::optional<StreamEvent> event;
    if (doc.isObject())
        event = StreamEvent::fromJson(doc.object());
    if (!event || seq <= 0 || event->sessionId.isEmpty()) {
        qCWarning(lcRedis) << "ignoring a malformed message on" << channel << "of" << payload.size()
                           << "bytes";
        return;
    }
    event->seq = seq;
    deliver(*event);
}

void RedisSubscriber::onBatch(const QByteArray &payload)
{
    // "B:<writer>:<first seq>:<n>:<id length>:<id>" (RedisScripts::append): events first to
    // first + n - 1 of the session are in its stream.
    auto bad = [&] {
        qCWarning(lcRedis) << "ignoring a malformed batch notice on" << m_channel << "of"
                           << payload.size() << "bytes";
    };
    const qsizetype writerEnd = payload.indexOf(':', 2);
    if (writerEnd < 0 || writerEnd - 2 > 64)
        return bad();
    if (!m_ownWriter.isEmpty()
        && QByteArrayView(payload).sliced(2, writerEnd - 2) == QByteArrayView(m_ownWriter))
        return; // this instance's own commits: it delivers them itself
    qsizetype at = writerEnd + 1;
    auto number = [&](qint64 max) -> qint64 {
        const qsizetype colon = payload.indexOf(':', at);
        if (colon <= at || colon - at > 19)
            return -1;
        bool ok = false;
        const qint64 v = payload.mid(at, colon - at).toLongLong(&ok);
        at = colon + 1;
        return ok && v > 0 && v <= max ? v : -1;
    };
    const qint64 first = number(std::numeric_limits<qint64>::max() / 2);
    const qint64 n = number(std::numeric_limits<qint64>::max() / 2);
    const qint64 idLength = number(payload.size());
    if (first < 0 || n < 0 || idLength < 0 || at + idLength != payload.size())
        return bad();
    const QString sessionId = QString::fromUtf8(payload.mid(at, idLength));
    Track &t = m_tracks[sessionId];
    t.touched = ++m_clock;
    if (t.last < 0 && !t.filling && t.queue.empty())
        t.last = first - 1; // the first this instance sees of the session
    t.wanted = std::max(t.wanted, first + n - 1);
    if (!t.filling && t.queue.empty())
        fetch(sessionId);
    if (m_tracks.size() > kMaxSessions)
        trim();
}

void RedisSubscriber::fetch(const QString &sessionId)
{
    auto it = m_tracks.find(sessionId);
    if (it == m_tracks.end() || it->filling || it->wanted <= it->last)
        return;
    it->filling = true;
    const qint64 from = it->last;
    const qint64 upTo = std::min<qint64>(it->wanted, from + kFillChunk);
    QPointer<RedisSubscriber> self(this);
    m_reader(sessionId, from, int(upTo - from),
             [self, sessionId, from, upTo](QList<StreamEvent> events) {
                 if (!self)
                     return;
                 auto it = self->m_tracks.find(sessionId);
                 if (it == self->m_tracks.end())
                     return;
                 it->filling = false;
                 std::deque<Item> read;
                 for (const StreamEvent &e : std::as_const(events)) {
                     if (e.seq > from && e.seq <= upTo)
                         read.push_back({e, {}});
                 }
                 if (read.empty()) {
                     // Not in the log (trimmed, deleted, lost, or a forged notice): a hole goes
                     // on at the next event known; an announcement is dropped (never past
                     // what the log holds).
                     qCWarning(lcRedis) << "events" << from + 1 << "to" << upTo << "of session"
                                        << sessionId << "could not be read";
                     if (!it->queue.empty())
                         it->last = std::max(it->last, it->queue.front().event.seq - 1);
                     it->wanted = it->last;
                 }
                 for (Item &i : it->queue)
                     read.push_back(std::move(i));
                 it->queue = std::move(read);
                 self->drain(sessionId);
             });
}

void RedisSubscriber::deliver(const StreamEvent &event, std::function<void()> then)
{
    Track &t = m_tracks[event.sessionId];
    t.touched = ++m_clock;
    t.queue.push_back({event, std::move(then)});
    if (!t.filling)
        drain(event.sessionId);
    if (m_tracks.size() > kMaxSessions)
        trim();
}

bool RedisSubscriber::emitInOrder(const StreamEvent &event)
{
    Track &t = m_tracks[event.sessionId];
    t.touched = ++m_clock;
    if (t.filling || !t.queue.empty() || (t.last >= 0 && event.seq > t.last + 1))
        return false;
    if (t.last < 0 || event.seq == t.last + 1) {
        t.last = event.seq;
        QPointer<RedisSubscriber> self(this);
        Q_EMIT committed(event.sessionId, event);
        if (!self)
            return true;
    }
    if (m_tracks.size() > kMaxSessions)
        trim();
    return true;
}

void RedisSubscriber::drain(const QString &sessionId)
{
    QPointer<RedisSubscriber> self(this);
    while (true) {
        auto it = m_tracks.find(sessionId);
        if (it == m_tracks.end() || it->filling)
            return;
        if (it->queue.empty()) {
            if (it->wanted > it->last)
                fetch(sessionId); // announced, not read yet
            return;
        }
        Track &t = *it;
        const qint64 seq = t.queue.front().event.seq;
        if (t.last < 0)
            t.last = seq - 1; // the first this instance sees of the session
        if (seq > t.last + 1) {
            // A hole (pub/sub lost messages): read it from the log first.
            t.wanted = std::max(t.wanted, seq - 1);
            fetch(sessionId);
            return;
        }
        Item item = std::move(t.queue.front());
        t.queue.pop_front();
        if (seq == t.last + 1) {
            t.last = seq;
            Q_EMIT committed(sessionId, item.event);
            if (!self)
                return;
        }
        if (item.then)
            item.then();
        if (!self)
            return;
    }
}

void RedisSubscriber::forget(const QString &sessionId)
{
    auto it = m_tracks.find(sessionId);
    if (it == m_tracks.end())
        return;
    std::deque<Item> queue = std::move(it->queue);
    m_tracks.erase(it);
    for (Item &i : queue) {
        if (i.then)
            i.then();
    }
}

void RedisSubscriber::forgetAll()
{
    const QStringList ids = m_tracks.keys();
    for (const QString &id : ids)
        forget(id);
}

void RedisSubscriber::trim()
{
    // Forget the least recently active tenth (never one that is filling or has work queued).
    QList<std::pair<quint64, QString>> idle;
    for (auto it = m_tracks.cbegin(); it != m_tracks.cend(); ++it) {
        if (!it->filling && it->queue.empty())
            idle.append({it->touched, it.key()});
    }
    std::sort(idle.begin(), idle.end());
    const qsizetype n = std::min<qsizetype>(idle.size(), kMaxSessions / 10);
    for (qsizetype i = 0; i < n; ++i)
        m_tracks.remove(idle.at(i).second);
}
