#pragma once

#include "storetypes.h"

#include <QObject>

#include <functional>

/// Where sessions live: memory (tests, `--store memory`), SQLite (the default) or Redis (many
/// instances). Everything that reads or writes sessions goes through this interface of
/// operations; nothing outside a store holds its data.
///
/// Contract, for every implementation (tests/store/tst_sessionstore checks it on each):
/// - Asynchronous: every operation answers through its callback, later, on the thread that
///   called (never inside the call), and never blocks that thread. Callbacks of one session's
///   operations run in the order the operations were called (the three stores keep call order
///   across sessions too, as the suite checks; callers rely only on the per-session order). A
///   callback is not called after
///   the store is destroyed. A null callback is allowed (the result is not wanted).
/// - The event log is the truth: appendEvent() commits the event first, then emits
///   eventCommitted() (and then calls back). Every subscriber sees a session's events in seq
///   order and without holes; on Redis it also sees the events other instances commit (a
///   store that learns of them out of order, as pub/sub can, fills the hole from the log
///   before it emits).
/// - Seqs: the store assigns each appended event the session's next seq (lastSeq + 1) as it
///   commits it, so a log never has a hole or a double, whichever instance writes.
/// - Turns: beginTurn() grants one lease per session at a time (Busy otherwise). Writes of a
///   turn (appendEvent, appendMessage, endTurn) carry its Lease and are refused with Fenced once
///   it is not the current one. Writes outside a turn (`session_end`, the `error` that closes an
///   interrupted turn) pass a Lease with fence 0 and the session id: always accepted.
/// - Outages (Redis): operations fail with Unavailable; appends of a running turn are held in
///   order and retried for a bounded time, then fail with Unavailable.
class SessionStore : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionStore)

public:
    template<typename T> using Done = std::function<void(StoreResult<T>)>;

    explicit SessionStore(QObject *parent = nullptr)
        : QObject(parent)
    { }
    ~SessionStore() override = default;

    /// Connects, creates or migrates the schema, and closes as Interrupted the turns whose
    /// owner is gone: appends their `error` event (code `turn_interrupted`, retryable) and ends
    /// them. On Redis the same check runs every few seconds for leases that expired (an owner
    /// that died mid-turn).
    virtual void open(Done<bool> done) = 0;
    [[nodiscard]] virtual StoreHealth health() const = 0;

    /// `record.id` must be set; created/updated default to now. Conflict if the id exists.
    virtual void createSession(const SessionRecord &record, Done<SessionRecord> done) = 0;
    virtual void getSession(const QString &id, Done<SessionRecord> done) = 0;
    /// The record with its messages and turns.
    virtual void loadSession(const QString &id, Done<SessionData> done) = 0;
    virtual void listSessions(const SessionQuery &query, Done<SessionPage> done) = 0;
    /// Counts without reading every session.
    virtual void countSessions(Done<qint64> done) = 0;
    virtual void renameSession(const QString &id, const QString &title, Done<SessionRecord> done)
            = 0;
    /// Removes the session's record, messages, turns and events for real (a running turn's
    /// lease too); emits sessionDeleted().
    virtual void deleteSession(const QString &id, Done<DeleteReport> done) = 0;

    /// A lease for a new turn `turnId` (turnCount + 1, a TurnRecord in Running).
    virtual void beginTurn(const QString &sessionId, const QString &turnId, Done<Lease> done) = 0;
    /// Keeps the lease alive (Redis: it expires unless renewed; the others: checks the fence).
    virtual void renewLease(const Lease &lease, Done<Lease> done) = 0;
    /// Closes the turn with its final state and releases the lease.
    virtual void endTurn(const Lease &lease, const TurnRecord &turn, Done<bool> done) = 0;

    /// Commits `event` with the next seq (its ts: now when invalid; its session id: the
    /// lease's), then emits eventCommitted; the callback gets the stored event.
    virtual void appendEvent(const Lease &lease, const StreamEvent &event, Done<StreamEvent> done)
            = 0;
    /// Appends a message (the title follows the first user message unless renamed).
    virtual void appendMessage(const Lease &lease, const ChatMessage &message, Done<bool> done) = 0;
    /// Events with seq > afterSeq, at most `limit` (1..10000).
    virtual void readEvents(const QString &sessionId, qint64 afterSeq, int limit,
                            Done<EventPage> done)
            = 0;

    /// Removes what the policy says; returns the ids removed (each also as sessionDeleted).
    virtual void applyRetention(const RetentionPolicy &policy, Done<QStringList> done) = 0;
    /// Stores an archive as a new session (archive.data.session.id, which must be free); the
    /// archive was validated (SessionDocument). Nothing is stored when it fails.
    virtual void importSession(const SessionArchive &archive, Done<SessionRecord> done) = 0;

Q_SIGNALS:
    /// A committed event of any session (this instance's or, on Redis, another's).
    void eventCommitted(const QString &sessionId, const StreamEvent &event);
    /// A session was removed (deleteSession, retention, or another instance).
    void sessionDeleted(const QString &sessionId);
    /// The store's health changed (Redis lost or back).
    void healthChanged();
    /// The store lost data it had acknowledged (a Redis that restarted without its data):
    /// streams cannot resume; they get `stream_reset` and reload.
    void dataLost(const QString &why);
};
