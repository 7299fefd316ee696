#pragma once

#include "storetypes.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QString>

#include <atomic>
#include <memory>
#include <unordered_map>

struct sqlite3;
class SqliteStatement;

/// The session database on one SQLite connection, synchronous: only SqliteWorker's thread
/// calls it. Each operation is one unit (a savepoint where it takes several statements); the
/// worker wraps a batch of them in one transaction (group commit).
///
/// Bounded memory: it caches the rows of the sessions in use (last seq, fence, running turn),
/// never their events or messages; the cache drops idle sessions past kMaxCachedSessions.
/// appendEvent() only inserts the event; the session's and the turn's last seq are written by
/// flush(), which the operations that read those rows run first, and a commit at most every
/// kFlushIntervalMs while the turn runs (open() repairs them from the events after a crash).
class SqliteSessionDb
{
public:
    enum class Synchronous { Normal, Full };

    SqliteSessionDb(const QString &path, Synchronous synchronous, std::atomic<qint64> *count);
    ~SqliteSessionDb();
    SqliteSessionDb(const SqliteSessionDb &) = delete;
    SqliteSessionDb &operator=(const SqliteSessionDb &) = delete;

    /// Opens the file (creates it when missing), takes its lock, checks that it is ours,
    /// migrates it, then closes the turns a crash left running; their `error` events are
    /// appended to `*interrupted`. Runs its own transactions.
    [[nodiscard]] StoreResult<bool> open(QList<StreamEvent> *interrupted);
    [[nodiscard]] bool isOpen() const { return m_db != nullptr; }
    [[nodiscard]] sqlite3 *handle() const { return m_db; }
    [[nodiscard]] const QString &path() const { return m_path; }

    [[nodiscard]] StoreResult<bool> begin();
    /// flush() then COMMIT.
    [[nodiscard]] StoreResult<bool> commit();
    /// Rolls back the open transaction and forgets the cache (it may hold what was rolled back).
    void rollback();
    /// Trims the cache (between batches).
    void trimCache();

    [[nodiscard]] StoreResult<SessionRecord> createSession(const SessionRecord &record);
    [[nodiscard]] StoreResult<SessionRecord> getSession(const QString &id);
    [[nodiscard]] StoreResult<SessionData> loadSession(const QString &id);
    [[nodiscard]] StoreResult<SessionPage> listSessions(const SessionQuery &query);
    [[nodiscard]] StoreResult<qint64> countSessions();
    [[nodiscard]] StoreResult<SessionRecord> renameSession(const QString &id, const QString &title);
    [[nodiscard]] StoreResult<DeleteReport> deleteSession(const QString &id);
    [[nodiscard]] StoreResult<Lease> beginTurn(const QString &sessionId, const QString &turnId);
    [[nodiscard]] StoreResult<Lease> renewLease(const Lease &lease);
    [[nodiscard]] StoreResult<bool> endTurn(const Lease &lease, const TurnRecord &turn);
    [[nodiscard]] StoreResult<StreamEvent> appendEvent(const Lease &lease,
                                                       const StreamEvent &event);
    [[nodiscard]] StoreResult<bool> appendMessage(const Lease &lease, const ChatMessage &message);
    [[nodiscard]] StoreResult<EventPage> readEvents(const QString &sessionId, qint64 afterSeq,
                                                    int limit);
    [[nodiscard]] StoreResult<QStringList> applyRetention(const RetentionPolicy &policy);
    [[nodiscard]] StoreResult<SessionRecord> importSession(const SessionArchive &archive);

    /// Writes the deferred session and turn updates of appendEvent().
    [[nodiscard]] StoreResult<bool> flush();

    static constexpr int kMaxCachedSessions = 1024;
    /// How long the rows of sessions whose turn runs may lag behind their events on disk.
    static constexpr int kFlushIntervalMs = 250;

private:
    struct Row
    {
        QString id;
        QString title;
        bool renamed = false;
        qint64 createdMs = 0;
        qint64 updatedMs = 0;
        int turnCount = 0;
        int messageCount = 0;
        qint64 lastSeq = 0;
        qint64 fence = 0;
        QString runningTurn;
        [[nodiscard]] SessionRecord toRecord() const;
    };
    struct TurnSeqs
    {
        qint64 first = 0;
        qint64 last = 0;
    };

    /// The cached statement for `sql` (a string literal), reset.
    SqliteStatement &statement(const char *sql);
    [[nodiscard]] StoreError sqlError(const QString &what) const;
    [[nodiscard]] StoreError notFound(const QString &id) const;
    [[nodiscard]] StoreError notOpen() const;
    [[nodiscard]] StoreResult<bool> exec(const char *sql);
    /// The session's row, from the cache or the database (nullptr and *error when missing).
    Row *row(const QString &id, StoreError *error);
    Row *turnRow(const Lease &lease, StoreError *error);
    [[nodiscard]] StoreResult<bool> savepoint();
    [[nodiscard]] StoreResult<bool> release();
    void rollbackToSavepoint();
    /// Removes one session's rows (inside the caller's savepoint).
    [[nodiscard]] StoreResult<DeleteReport> removeRows(const QString &id);
    [[nodiscard]] StoreResult<bool> insertEvent(const StreamEvent &event);
    [[nodiscard]] StoreResult<QList<TurnRecord>> readTurns(const QString &id);
    /// Brings the rows of running turns (session last seq and activity, the turn's seqs) up to
    /// their events: after a crash or a rolled-back round they may lag (see commit()).
    [[nodiscard]] StoreResult<bool> repairRunning();
    [[nodiscard]] StoreResult<bool> closeInterruptedTurns(QList<StreamEvent> *interrupted);
    void publishCount();

    QString m_path;
    Synchronous m_synchronous;
    std::atomic<qint64> *m_countOut;
    sqlite3 *m_db = nullptr;
    std::unordered_map<const char *, std::unique_ptr<SqliteStatement>> m_statements;
    QHash<QString, Row> m_cache;
    QSet<QString> m_dirtySessions;
    QHash<QPair<QString, QString>, TurnSeqs> m_dirtyTurns; ///< (session, turn) -> seqs
    qint64 m_count = 0;
    bool m_inTransaction = false;
    bool m_flushNow = false; ///< a dirty row that repairRunning() would not cover
    QElapsedTimer m_sinceFlush;
};
