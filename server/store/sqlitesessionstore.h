#pragma once

#include "sessionstore.h"

#include <atomic>
#include <memory>

class SqliteWorker;
class SqliteSessionDb;

/// Sessions in an SQLite file (the default store): WAL, one worker thread that owns the
/// connection (SqliteWorker: the C API blocks), group commit of the writes queued meanwhile.
///
/// Durability: `synchronous = NORMAL` by default: a committed event survives the process being
/// killed (SIGKILL, a crash), since the WAL is written before the commit returns; only an OS
/// crash or a power cut can lose the last commits. `Synchronous::Full` also fsyncs every commit
/// (slower; survives power cuts). One process per file: a second open() fails and names it.
class SqliteSessionStore : public SessionStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SqliteSessionStore)

public:
    enum class Synchronous { Normal, Full };
    struct Options
    {
        Synchronous synchronous = Synchronous::Normal;
    };

    explicit SqliteSessionStore(const QString &path, QObject *parent = nullptr);
    SqliteSessionStore(const QString &path, Options options, QObject *parent = nullptr);
    /// Writes what is still queued, then closes the file.
    ~SqliteSessionStore() override;

    /// The default file: the user's data folder (QStandardPaths::AppDataLocation)/sessions.db.
    [[nodiscard]] static QString defaultPath();
    [[nodiscard]] const QString &path() const { return m_path; }

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

    /// A consistent copy of the database at `path` (SQLite's online backup; writes go on
    /// meanwhile). An older file at `path` is replaced when the copy is complete.
    void backup(const QString &path, Done<bool> done);

private:
    /// Runs `op` on the worker (in the round's transaction) and calls `done` with its result
    /// after the commit.
    template<typename T, typename Op> void submit(Done<T> done, Op op);

    QString m_path;
    Synchronous m_synchronous;
    std::atomic<qint64> m_count {-1};
    std::atomic<bool> m_open {false};
    QString m_openError; ///< why open() failed (for health())
    std::unique_ptr<SqliteWorker> m_worker;
};
