#pragma once

#include "redisconnection.h"
#include "rediskeys.h"
#include "sessionstore.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QTimer>

#include <deque>
#include <memory>
#include <optional>

class RedisSubscriber;

/// Sessions in Redis (`--store redis://host:port/db`), shared by every instance on it: the
/// layout is in rediskeys.h, every write is one Lua script (redisscripts.h).
///
/// - Leases: beginTurn() sets `l:<id>` with a TTL (leaseTtlMs) holding the session's new
///   fence; the owner renews it (renewLease); a write of the turn is refused (Fenced) when the
///   fence is not the current one or the lease expired, in the same script that commits it.
/// - A reaper on every instance (every reaperIntervalMs) closes turns whose lease expired as
///   interrupted (InterruptedTurn::event, then the turn ends Interrupted), exactly once across
///   instances: within leaseTtlMs + reaperIntervalMs of the owner's last renewal.
/// - Live events of other instances come by pub/sub (RedisSubscriber), in order, holes filled
///   from the stream.
/// - Data loss: an epoch key is written at open and checked at every reconnect and reaper
///   tick; when it is gone or changed (Redis restarted without its data) dataLost() fires.
/// - Durability: every acknowledged event survives a Redis restart only with AOF
///   (`appendonly yes`, `appendfsync everysec` or `always`); open() checks and puts a warning
///   in health() when it is off.
/// - Outages: operations fail with Unavailable; appendEvent, appendMessage and endTurn are held
///   in order and retried when Redis is back, for up to holdMs, then fail with Unavailable (a
///   retried write that Redis had applied is not applied twice).
/// - Order and group commit: each session's operations go out in call order (one FIFO per
///   session). Appends that queue while an append call of their session is in flight are sent
///   as ONE script call when it returns (at most kMaxBatchEvents events, kMaxBatchBytes of
///   JSON; one fence check, consecutive seqs, one record/index update, one PUBLISH): no timer,
///   so one append at a time is sent at once. Answers of session operations are released in
///   call order (across sessions too), except an Unavailable failure of an operation that is
///   not held, which is answered at once (as before: reads fail fast in an outage).
class RedisSessionStore : public SessionStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RedisSessionStore)

public:
    struct Options
    {
        RedisConnection::Options redis;
        QByteArray prefix = QByteArrayLiteral("mcphost:");
        int leaseTtlMs = 10000;
        int reaperIntervalMs = 2000;
        int holdMs = 10000;
    };
    /// `redis://host[:port][/db]` (port 6379, db 0 by default); nullopt and `*why` otherwise.
    [[nodiscard]] static std::optional<Options> optionsFromUrl(const QString &url, QString *why);
    /// The stored form of an event: the JSON of StreamEvent::toJson() with seq 0 (the stream
    /// entry's id holds the seq), field for field, written without building the object.
    [[nodiscard]] static QByteArray eventJson(const StreamEvent &event);

    explicit RedisSessionStore(const Options &options, QObject *parent = nullptr);
    ~RedisSessionStore() override;

    void open(Done<bool> done) override;
    [[nodiscard]] StoreHealth health() const override;
    void createSession(const SessionRecord &record, Done<SessionRecord> done) override;
    void getSession(const QString &id, Done<SessionRecord> done) override;
    void loadSession(const QString &id, Done<SessionData> done) override;
    void listSessions(const SessionQuery &query, Done<SessionPage> done) override;
    void countSessions(Done<qint64> done) override;
    void renameSession(const QString &id, const QString &title, Done<SessionRecord> done) override;
    void deleteSession(const QString &id, Done<DeleteReport> done) override;
    void beginTurn(const QString &sessionId, const QString &turnId, Done<Lease> done) override;
    void renewLease(const Lease &lease, Done<Lease> done) override;
    void endTurn(const Lease &lease, const TurnRecord &turn, Done<bool> done) override;
    void appendEvent(const Lease &lease, const StreamEvent &event, Done<StreamEvent> done) override;
    void appendMessage(const Lease &lease, const ChatMessage &message, Done<bool> done) override;
    void readEvents(const QString &sessionId, qint64 afterSeq, int limit,
                    Done<EventPage> done) override;
    void applyRetention(const RetentionPolicy &policy, Done<QStringList> done) override;
    void importSession(const SessionArchive &archive, Done<SessionRecord> done) override;

    static constexpr int kMaxBatchEvents = 256;
    static constexpr qint64 kMaxBatchBytes = 1024 * 1024;

    [[nodiscard]] const Options &options() const { return m_options; }
    /// Runs the reaper now (tests; it also runs on its timer).
    void reapNow();

private:
    /// One append of a batch.
    struct QueuedAppend
    {
        StreamEvent event; ///< as stored (session id and ts set)
        QByteArray json;
        qint64 deadline = 0;
        Done<StreamEvent> done;
    };
    /// One operation in a session's FIFO.
    struct Op
    {
        enum class Kind {
            Held, ///< a write retried across an outage (appendMessage, endTurn)
            Batch, ///< appends, one script call; held like a write
            Direct, ///< sent in order, not retried (reads, beginTurn, renew, …)
        };
        Kind kind = Kind::Direct;
        const RedisScript *script = nullptr; ///< nullptr: `args` is a plain command
        QList<QByteArray> keys;
        QList<QByteArray> args;
        qint64 deadline = 0; ///< Held/Batch: fails with Unavailable once it passed unsent
        bool inflight = false;
        bool waiting = false; ///< got Unavailable, sent again when Redis is back
        std::function<void(const RedisReply &)> finish;
        // Batch only
        Lease lease;
        QByteArray op;
        std::deque<QueuedAppend> appends;
        qint64 bytes = 0;
        bool sealed = false; ///< sent once: sent again exactly as it was
    };
    /// A session operation's answer, released in call order.
    struct Answer
    {
        std::function<void()> call;
        bool ready = false;
    };
    struct ListState;

    void enqueue(const QString &sessionId, std::shared_ptr<Op> op);
    void sendOp(const QString &sessionId, const std::shared_ptr<Op> &op);
    void pumpSoon(const QString &sessionId);
    void onOpReply(const QString &sessionId, const std::shared_ptr<Op> &op,
                   const RedisReply &reply);
    void finishBatch(const std::shared_ptr<Op> &op, const RedisReply &reply);
    void pump(const QString &sessionId);
    void pumpAll();
    void expireHeld();
    /// A session operation: in the session's FIFO, its answer in call order.
    void sessionOp(const QString &sessionId, Op::Kind kind, const RedisScript *script,
                   QList<QByteArray> keys, QList<QByteArray> args,
                   std::function<void(const RedisReply &)> finish);
    /// `done` wrapped so that its answer is released in call order.
    template<typename T> Done<T> ordered(Done<T> done, bool bypassUnavailable);
    void releaseAnswers();
    void listStep(const std::shared_ptr<ListState> &state);
    void reap(const QString &sessionId);
    void checkEpoch();
    void onConnectionReady();
    void onConnectionLost(const QString &why);
    void setAvailable(bool available, const QString &detail);
    void readLog(const QString &sessionId, qint64 afterSeq, int count,
                 std::function<void(StoreResult<EventPage>)> done);
    [[nodiscard]] QByteArray nextOp() { return QByteArray::number(++m_ops); }

    Options m_options;
    RedisKeys m_keys;
    RedisConnection *m_connection;
    RedisSubscriber *m_subscriber;
    QByteArray m_writer; ///< this instance's id in op ids
    QByteArray m_epoch;
    qint64 m_ops = 0;
    QHash<QString, std::deque<std::shared_ptr<Op>>> m_queues;
    QSet<QString> m_pumpSoon; ///< sessions whose queue is pumped at the end of this pass
    std::deque<std::shared_ptr<Answer>> m_answers;
    bool m_releasing = false;
    QSet<QString> m_deletedHere;
    QElapsedTimer m_clock;
    QTimer m_reaper;
    QTimer m_holdTimer;
    bool m_available = false;
    QString m_detail;
    QStringList m_warnings;
    qint64 m_sessions = -1;
};
