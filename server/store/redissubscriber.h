#pragma once

#include "redisconnection.h"

#include "streamevent.h"

#include <QHash>
#include <QObject>

#include <deque>
#include <functional>

/// The live events of every instance: a second Redis connection subscribed to the store's
/// channel, and the order of what this instance emits. Per session it emits each seq once, in
/// order and without holes: an event that arrives ahead of one it has not seen (pub/sub loses
/// messages while its connection is down) waits until the hole is filled from the stream.
/// deliver() takes this instance's own commits through the same path (single events also come
/// back on the channel and are dropped as seen; its own batch notices are ignored). Another
/// instance's batch is announced by a notice (session, seqs) and read from the stream. It remembers
/// the last seq of at most kMaxSessions sessions (the least recently active are forgotten).
class RedisSubscriber : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RedisSubscriber)

public:
    static constexpr int kMaxSessions = 10000;
    /// Reads events (afterSeq, at most count) of a session from the log; an empty list when it
    /// cannot.
    using Reader = std::function<void(const QString &sessionId, qint64 afterSeq, int count,
                                      std::function<void(QList<StreamEvent>)> done)>;

    RedisSubscriber(const RedisConnection::Options &options, const QByteArray &channel,
                    Reader reader, QObject *parent = nullptr);
    ~RedisSubscriber() override;

    void start();
    /// An event known committed: emitted in order (after any hole is filled), then `then` runs.
    void deliver(const StreamEvent &event, std::function<void()> then = {});
    /// Batches this writer (RedisSessionStore's id) published are not parsed: it delivers its
    /// own commits itself (a lost one is a hole, filled from the log).
    void setOwnWriter(const QByteArray &writer) { m_ownWriter = writer; }
    /// The same when nothing of its session waits and no hole is before it: emitted now (or
    /// not again, when seen), true; false when it must wait: then deliver() it.
    [[nodiscard]] bool emitInOrder(const StreamEvent &event);
    /// A session was deleted: forget it.
    void forget(const QString &sessionId);
    /// Redis lost its data: every seq seen so far is void.
    void forgetAll();
    [[nodiscard]] bool isReady() const { return m_connection->isReady(); }

Q_SIGNALS:
    void committed(const QString &sessionId, const StreamEvent &event);
    void deleted(const QString &sessionId);
    /// The subscription is (again) in place.
    void ready();

private:
    struct Item
    {
        StreamEvent event;
        std::function<void()> then;
    };
    struct Track
    {
        qint64 last = -1; ///< -1: not seen yet
        qint64 wanted = -1; ///< the last seq another instance announced
        bool filling = false;
        std::deque<Item> queue;
        quint64 touched = 0;
    };

    void onMessage(const QByteArray &channel, const QByteArray &payload);
    void onBatch(const QByteArray &payload);
    /// Reads what was announced after the last seq emitted (one read at a time per session).
    void fetch(const QString &sessionId);
    void onReady();
    void drain(const QString &sessionId);
    void trim();

    RedisConnection *m_connection;
    QByteArray m_channel;
    QByteArray m_ownWriter;
    Reader m_reader;
    QHash<QString, Track> m_tracks;
    quint64 m_clock = 0;
};
