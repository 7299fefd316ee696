#pragma once

#include "sessionstore.h"

#include <QHash>

/// Sessions in memory: lost on restart (tests and `--store memory`). It keeps the whole event
/// log of each session; the persistent stores keep it on disk or in Redis.
class MemorySessionStore : public SessionStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MemorySessionStore)

public:
    explicit MemorySessionStore(QObject *parent = nullptr);
    ~MemorySessionStore() override;

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

private:
    struct Entry
    {
        SessionData data;
        QList<StreamEvent> events;
        qint64 fence = 0; ///< the current lease's fence (grows with each lease)
    };

    /// Calls `done` later with `result` (the contract: never inside the call).
    template<typename T> void later(Done<T> done, StoreResult<T> result);
    [[nodiscard]] static StoreError notFound(const QString &id);
    /// The entry of a turn write, or the error (NotFound, Fenced).
    [[nodiscard]] Entry *turnEntry(const Lease &lease, StoreError *error);
    void remove(const QString &id);

    QHash<QString, Entry> m_sessions;
};
