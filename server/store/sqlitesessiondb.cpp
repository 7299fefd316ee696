#include "sqlitesessiondb.h"

#include "interruptedturn.h"
#include "logging.h"
#include "messagecodec.h"
#include "sessioncursor.h"
#include "sessiontitle.h"
#include "sqlitedatabasefile.h"
#include "sqlitestatement.h"

#include <QJsonDocument>

#include <sqlite3.h>

#include <algorithm>

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QDateTime utc(qint64 ms)
{
    return StreamEvent::utcFromMSecs(ms);
}

qint64 msOr(const QDateTime &time, qint64 fallback)
{
    return time.isValid() ? time.toMSecsSinceEpoch() : fallback;
}

/// Resets a statement when the scope ends: a statement left on a row keeps its read open.
class ResetOnExit
{
public:
    explicit ResetOnExit(SqliteStatement &statement)
        : m_statement(statement)
    { }
    ~ResetOnExit() { m_statement.reset(); }
    ResetOnExit(const ResetOnExit &) = delete;
    ResetOnExit &operator=(const ResetOnExit &) = delete;

private:
    SqliteStatement &m_statement;
};

constexpr auto kSelectRow = "SELECT title, renamed, created_ms, updated_ms, turn_count, "
                            "message_count, last_seq, fence, running_turn FROM sessions "
                            "WHERE id = ?1";

} // namespace

SessionRecord SqliteSessionDb::Row::toRecord() const
{
    SessionRecord r;
    r.id = id;
    r.title = title;
    r.renamed = renamed;
    r.created = utc(createdMs);
    r.updated = utc(updatedMs);
    r.turnCount = turnCount;
    r.messageCount = messageCount;
    r.lastSeq = lastSeq;
    r.runningTurnId = runningTurn;
    return r;
}

SqliteSessionDb::SqliteSessionDb(const QString &path, Synchronous synchronous,
                                 std::atomic<qint64> *count)
    : m_path(path)
    , m_synchronous(synchronous)
    , m_countOut(count)
{ }

SqliteSessionDb::~SqliteSessionDb()
{
    m_statements.clear();
    if (m_db)
        sqlite3_close_v2(m_db);
}

SqliteStatement &SqliteSessionDb::statement(const char *sql)
{
    auto it = m_statements.find(sql);
    if (it == m_statements.end())
        it = m_statements.emplace(sql, std::make_unique<SqliteStatement>(m_db, sql)).first;
    else
        it->second->reset();
    return *it->second;
}

StoreError SqliteSessionDb::sqlError(const QString &what) const
{
    return {StoreError::Code::Io,
            QStringLiteral("%1 failed on the session database %2: %3")
                    .arg(what, m_path, QString::fromUtf8(sqlite3_errmsg(m_db)))};
}

StoreError SqliteSessionDb::notFound(const QString &id) const
{
    return {StoreError::Code::NotFound, QStringLiteral("no session with id %1").arg(id)};
}

StoreResult<bool> SqliteSessionDb::exec(const char *sql)
{
    SqliteStatement &s = statement(sql);
    if (!s.ok() || s.step() != SQLITE_DONE)
        return sqlError(QString::fromLatin1(sql));
    return true;
}

void SqliteSessionDb::publishCount()
{
    if (m_countOut)
        m_countOut->store(m_count);
}

StoreResult<bool> SqliteSessionDb::open(QList<StreamEvent> *interrupted)
{
    if (m_db)
        return true;
    auto opened = SqliteDatabaseFile::open(m_path, m_synchronous == Synchronous::Full);
    if (!opened.ok())
        return opened.error();
    m_db = opened.value();
    const auto fail = [this](const QString &message) -> StoreResult<bool> {
        m_statements.clear();
        sqlite3_close_v2(m_db);
        m_db = nullptr;
        return StoreError {StoreError::Code::Io, message};
    };

    {
        SqliteStatement s(m_db, "SELECT count(*) FROM sessions");
        if (!s.ok() || s.step() != SQLITE_ROW)
            return fail(QStringLiteral("cannot read the session database %1: %2")
                                .arg(m_path, QString::fromUtf8(sqlite3_errmsg(m_db))));
        m_count = s.int64(0);
        publishCount();
    }

    if (const auto b = begin(); !b.ok())
        return fail(b.error().message);
    if (const auto repaired = repairRunning(); !repaired.ok()) {
        rollback();
        return fail(repaired.error().message);
    }
    const auto closed = closeInterruptedTurns(interrupted);
    if (!closed.ok()) {
        rollback();
        return fail(closed.error().message);
    }
    if (const auto c = commit(); !c.ok()) {
        rollback();
        return fail(c.error().message);
    }
    return true;
}

StoreResult<bool> SqliteSessionDb::closeInterruptedTurns(QList<StreamEvent> *interrupted)
{
    QList<std::pair<QString, QString>> running;
    {
        SqliteStatement &s = statement("SELECT id, running_turn FROM sessions "
                                       "WHERE running_turn <> ''");
        ResetOnExit reset(s);
        int rc = SQLITE_OK;
        while ((rc = s.step()) == SQLITE_ROW)
            running.append({s.text(0), s.text(1)});
        if (rc != SQLITE_DONE)
            return sqlError(QStringLiteral("finding running turns"));
    }
    for (const auto &[sessionId, turnId] : std::as_const(running)) {
        const auto event = appendEvent(
                Lease {sessionId, turnId, 0},
                InterruptedTurn::event(turnId, QStringLiteral("the host stopped while it ran")));
        if (!event.ok())
            return event.error();
        if (interrupted)
            interrupted->append(event.value());
        if (const auto f = flush(); !f.ok())
            return f;
        SqliteStatement &t = statement("UPDATE turns SET state = 'interrupted', ended_ms = ?3 "
                                       "WHERE session_id = ?1 AND id = ?2");
        t.bind(1, sessionId);
        t.bind(2, turnId);
        t.bind(3, nowMs());
        if (t.step() != SQLITE_DONE)
            return sqlError(QStringLiteral("closing turn %1").arg(turnId));
        SqliteStatement &s = statement("UPDATE sessions SET running_turn = '', fence = fence + 1 "
                                       "WHERE id = ?1");
        s.bind(1, sessionId);
        if (s.step() != SQLITE_DONE)
            return sqlError(QStringLiteral("closing turn %1").arg(turnId));
        m_cache.remove(sessionId);
        qCInfo(lcStore) << "closed turn" << turnId << "of session" << sessionId
                        << "as interrupted (it was running when the host stopped)";
    }
    return true;
}

StoreResult<bool> SqliteSessionDb::begin()
{
    if (!m_db)
        return notOpen();
    if (m_inTransaction)
        return true;
    const auto r = exec("BEGIN IMMEDIATE");
    m_inTransaction = r.ok();
    return r;
}

StoreResult<bool> SqliteSessionDb::commit()
{
    if (!m_inTransaction)
        return true;
    // The rows of sessions whose turn runs may lag on disk for a moment: their events are the
    // truth and open() repairs the rows from them (repairRunning). Everything else is written.
    if (m_flushNow || !m_sinceFlush.isValid() || m_sinceFlush.elapsed() >= kFlushIntervalMs) {
        if (const auto f = flush(); !f.ok())
            return f;
    }
    const auto r = exec("COMMIT");
    if (r.ok())
        m_inTransaction = false;
    return r;
}

void SqliteSessionDb::rollback()
{
    if (m_db && !sqlite3_get_autocommit(m_db))
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    m_inTransaction = false;
    m_cache.clear();
    m_dirtySessions.clear();
    m_dirtyTurns.clear();
    m_flushNow = false;
    if (!m_db)
        return;
    // Rows of running turns that were not flushed before the rolled-back round.
    if (const auto repaired = repairRunning(); !repaired.ok())
        qCWarning(lcStore) << repaired.error().message;
    SqliteStatement s(m_db, "SELECT count(*) FROM sessions");
    if (s.ok() && s.step() == SQLITE_ROW) {
        m_count = s.int64(0);
        publishCount();
    }
}

void SqliteSessionDb::trimCache()
{
    if (m_cache.size() <= kMaxCachedSessions)
        return;
    for (auto it = m_cache.begin(); it != m_cache.end();) {
        if (it->runningTurn.isEmpty() && !m_dirtySessions.contains(it.key()))
            it = m_cache.erase(it);
        else
            ++it;
    }
}

StoreResult<bool> SqliteSessionDb::savepoint()
{
    return exec("SAVEPOINT op");
}

StoreResult<bool> SqliteSessionDb::release()
{
    return exec("RELEASE op");
}

void SqliteSessionDb::rollbackToSavepoint()
{
    sqlite3_exec(m_db, "ROLLBACK TO op; RELEASE op", nullptr, nullptr, nullptr);
}

StoreError SqliteSessionDb::notOpen() const
{
    return {StoreError::Code::Unavailable,
            QStringLiteral("the session database %1 is not open").arg(m_path)};
}

SqliteSessionDb::Row *SqliteSessionDb::row(const QString &id, StoreError *error)
{
    if (!m_db) {
        *error = notOpen();
        return nullptr;
    }
    auto it = m_cache.find(id);
    if (it != m_cache.end())
        return &*it;
    SqliteStatement &s = statement(kSelectRow);
    ResetOnExit reset(s);
    s.bind(1, id);
    const int rc = s.step();
    if (rc == SQLITE_DONE) {
        *error = notFound(id);
        return nullptr;
    }
    if (rc != SQLITE_ROW) {
        *error = sqlError(QStringLiteral("reading session %1").arg(id));
        return nullptr;
    }
    Row r;
    r.id = id;
    r.title = s.text(0);
    r.renamed = s.int64(1) != 0;
    r.createdMs = s.int64(2);
    r.updatedMs = s.int64(3);
    r.turnCount = int(s.int64(4));
    r.messageCount = int(s.int64(5));
    r.lastSeq = s.int64(6);
    r.fence = s.int64(7);
    r.runningTurn = s.text(8);
    return &*m_cache.insert(id, r);
}

SqliteSessionDb::Row *SqliteSessionDb::turnRow(const Lease &lease, StoreError *error)
{
    Row *r = row(lease.sessionId, error);
    if (r && lease.fence != 0 && lease.fence != r->fence) {
        *error = {StoreError::Code::Fenced,
                  QStringLiteral("the lease of turn %1 is no longer current").arg(lease.turnId)};
        return nullptr;
    }
    return r;
}

StoreResult<bool> SqliteSessionDb::repairRunning()
{
    const auto sessions = exec("UPDATE sessions SET "
                               "last_seq = max(last_seq, coalesce((SELECT max(seq) FROM events e "
                               "WHERE e.session_id = sessions.id), 0)), "
                               "updated_ms = max(updated_ms, coalesce((SELECT ts_ms FROM events e "
                               "WHERE e.session_id = sessions.id ORDER BY seq DESC LIMIT 1), 0)) "
                               "WHERE running_turn <> ''");
    if (!sessions.ok())
        return sessions;
    return exec("UPDATE turns SET "
                "first_seq = coalesce((SELECT min(seq) FROM events e WHERE e.session_id = "
                "turns.session_id AND e.turn_id = turns.id), first_seq), "
                "last_seq = coalesce((SELECT max(seq) FROM events e WHERE e.session_id = "
                "turns.session_id AND e.turn_id = turns.id), last_seq) "
                "WHERE (session_id, id) IN (SELECT id, running_turn FROM sessions "
                "WHERE running_turn <> '')");
}

StoreResult<bool> SqliteSessionDb::flush()
{
    m_flushNow = false;
    m_sinceFlush.start();
    for (const QString &id : std::as_const(m_dirtySessions)) {
        const auto it = m_cache.constFind(id);
        if (it == m_cache.cend())
            continue;
        SqliteStatement &s
                = statement("UPDATE sessions SET last_seq = ?2, updated_ms = ?3 WHERE id = ?1");
        s.bind(1, id);
        s.bind(2, it->lastSeq);
        s.bind(3, it->updatedMs);
        if (s.step() != SQLITE_DONE)
            return sqlError(QStringLiteral("updating session %1").arg(id));
    }
    m_dirtySessions.clear();
    for (auto it = m_dirtyTurns.cbegin(); it != m_dirtyTurns.cend(); ++it) {
        SqliteStatement &s = statement(
                "UPDATE turns SET first_seq = CASE WHEN first_seq = 0 THEN ?3 ELSE first_seq END, "
                "last_seq = ?4 WHERE session_id = ?1 AND id = ?2");
        s.bind(1, it.key().first);
        s.bind(2, it.key().second);
        s.bind(3, it->first);
        s.bind(4, it->last);
        if (s.step() != SQLITE_DONE)
            return sqlError(QStringLiteral("updating turn %1").arg(it.key().second));
    }
    m_dirtyTurns.clear();
    return true;
}

StoreResult<SessionRecord> SqliteSessionDb::createSession(const SessionRecord &record)
{
    if (!m_db)
        return notOpen();
    const auto conflict = StoreError {StoreError::Code::Conflict,
                                      QStringLiteral("a session with id %1 exists").arg(record.id)};
    if (record.id.isEmpty() || m_cache.contains(record.id))
        return conflict;
    Row r;
    r.id = record.id;
    r.title = record.title;
    r.renamed = record.renamed;
    r.createdMs = msOr(record.created, nowMs());
    r.updatedMs = msOr(record.updated, r.createdMs);
    r.turnCount = record.turnCount;
    r.messageCount = record.messageCount;
    SqliteStatement &s = statement(
            "INSERT INTO sessions (id, title, title_fold, renamed, created_ms, updated_ms, "
            "turn_count, message_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    s.bind(1, r.id);
    s.bind(2, r.title);
    s.bind(3, r.title.toCaseFolded());
    s.bind(4, qint64(r.renamed));
    s.bind(5, r.createdMs);
    s.bind(6, r.updatedMs);
    s.bind(7, qint64(r.turnCount));
    s.bind(8, qint64(r.messageCount));
    const int rc = s.step();
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return conflict;
    if (rc != SQLITE_DONE)
        return sqlError(QStringLiteral("creating session %1").arg(r.id));
    ++m_count;
    publishCount();
    m_cache.insert(r.id, r);
    return r.toRecord();
}

StoreResult<SessionRecord> SqliteSessionDb::getSession(const QString &id)
{
    StoreError error;
    const Row *r = row(id, &error);
    if (!r)
        return error;
    return r->toRecord();
}

StoreResult<QList<TurnRecord>> SqliteSessionDb::readTurns(const QString &id)
{
    SqliteStatement &s = statement("SELECT id, state, started_ms, ended_ms, iterations, "
                                   "first_seq, last_seq FROM turns WHERE session_id = ?1 "
                                   "ORDER BY ordinal");
    s.bind(1, id);
    QList<TurnRecord> turns;
    int rc = SQLITE_OK;
    while ((rc = s.step()) == SQLITE_ROW) {
        TurnRecord t;
        t.id = s.text(0);
        t.sessionId = id;
        const auto state = turnStateFromName(s.text(1));
        if (!state)
            return StoreError {StoreError::Code::Io,
                               QStringLiteral("turn %1 of session %2 in %3 is damaged "
                                              "(unknown state)")
                                       .arg(t.id, id, m_path)};
        t.state = *state;
        t.started = utc(s.int64(2));
        if (!s.isNull(3))
            t.ended = utc(s.int64(3));
        t.iterations = int(s.int64(4));
        t.firstSeq = s.int64(5);
        t.lastSeq = s.int64(6);
        turns.append(t);
    }
    if (rc != SQLITE_DONE)
        return sqlError(QStringLiteral("reading the turns of session %1").arg(id));
    return turns;
}

StoreResult<SessionData> SqliteSessionDb::loadSession(const QString &id)
{
    if (const auto f = flush(); !f.ok())
        return f.error();
    StoreError error;
    const Row *r = row(id, &error);
    if (!r)
        return error;
    SessionData data;
    data.session = r->toRecord();
    SqliteStatement &s = statement("SELECT ordinal, body FROM messages WHERE session_id = ?1 "
                                   "ORDER BY ordinal");
    s.bind(1, id);
    int rc = SQLITE_OK;
    while ((rc = s.step()) == SQLITE_ROW) {
        QString why;
        const QJsonDocument doc = QJsonDocument::fromJson(s.bytes(1));
        const auto message
                = doc.isObject() ? MessageCodec::fromJson(doc.object(), &why) : std::nullopt;
        if (!message)
            return StoreError {StoreError::Code::Io,
                               QStringLiteral("message %1 of session %2 in %3 is damaged (%4)")
                                       .arg(QString::number(s.int64(0)), id, m_path,
                                            why.isEmpty() ? QStringLiteral("not JSON") : why)};
        data.messages.append(*message);
    }
    if (rc != SQLITE_DONE)
        return sqlError(QStringLiteral("reading the messages of session %1").arg(id));
    auto turns = readTurns(id);
    if (!turns.ok())
        return turns.error();
    data.turns = std::move(turns.value());
    return data;
}

StoreResult<SessionPage> SqliteSessionDb::listSessions(const SessionQuery &query)
{
    if (!m_db)
        return notOpen();
    std::optional<SessionCursor::Key> cursor;
    if (!query.cursor.isEmpty()) {
        cursor = SessionCursor::decode(query.cursor);
        if (!cursor)
            return StoreError {StoreError::Code::Invalid,
                               QStringLiteral("cursor is not one this server made")};
    }
    if (const auto f = flush(); !f.ok())
        return f.error();
    const int limit = std::clamp(query.limit, 1, 500);
    const QString needle = query.titleContains.toCaseFolded();
    // Two statements, so that each walks sessions_by_activity from its start point.
    SqliteStatement &s = cursor
            ? statement("SELECT id, title, renamed, created_ms, updated_ms, turn_count, "
                        "message_count, last_seq, running_turn FROM sessions "
                        "WHERE (updated_ms, id) < (?1, ?2) "
                        "AND (?3 = '' OR instr(title_fold, ?3) > 0) "
                        "ORDER BY updated_ms DESC, id DESC LIMIT ?4")
            : statement("SELECT id, title, renamed, created_ms, updated_ms, turn_count, "
                        "message_count, last_seq, running_turn FROM sessions "
                        "WHERE (?3 = '' OR instr(title_fold, ?3) > 0) "
                        "ORDER BY updated_ms DESC, id DESC LIMIT ?4");
    if (cursor) {
        s.bind(1, cursor->updatedMs);
        s.bind(2, cursor->id);
    }
    s.bind(3, needle);
    s.bind(4, qint64(limit + 1));
    SessionPage page;
    bool more = false;
    int rc = SQLITE_OK;
    while ((rc = s.step()) == SQLITE_ROW) {
        if (page.sessions.size() == limit) {
            more = true;
            break;
        }
        Row r;
        r.id = s.text(0);
        r.title = s.text(1);
        r.renamed = s.int64(2) != 0;
        r.createdMs = s.int64(3);
        r.updatedMs = s.int64(4);
        r.turnCount = int(s.int64(5));
        r.messageCount = int(s.int64(6));
        r.lastSeq = s.int64(7);
        r.runningTurn = s.text(8);
        page.sessions.append(r.toRecord());
    }
    s.reset();
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return sqlError(QStringLiteral("listing sessions"));
    if (more) {
        const SessionRecord &last = page.sessions.constLast();
        page.nextCursor = SessionCursor::encode({last.updated.toMSecsSinceEpoch(), last.id});
    }
    return page;
}

StoreResult<qint64> SqliteSessionDb::countSessions()
{
    if (!m_db)
        return notOpen();
    return m_count;
}

StoreResult<SessionRecord> SqliteSessionDb::renameSession(const QString &id, const QString &title)
{
    StoreError error;
    Row *r = row(id, &error);
    if (!r)
        return error;
    const qint64 now = nowMs();
    SqliteStatement &s = statement("UPDATE sessions SET title = ?2, title_fold = ?3, renamed = 1, "
                                   "updated_ms = ?4 WHERE id = ?1");
    s.bind(1, id);
    s.bind(2, title);
    s.bind(3, title.toCaseFolded());
    s.bind(4, now);
    if (s.step() != SQLITE_DONE)
        return sqlError(QStringLiteral("renaming session %1").arg(id));
    r->title = title;
    r->renamed = true;
    r->updatedMs = now;
    return r->toRecord();
}

StoreResult<DeleteReport> SqliteSessionDb::removeRows(const QString &id)
{
    DeleteReport report;
    report.sessionId = id;
    const std::pair<const char *, qint64 *> deletes[] = {
            {"DELETE FROM events WHERE session_id = ?1", &report.events},
            {"DELETE FROM messages WHERE session_id = ?1", &report.messages},
            {"DELETE FROM turns WHERE session_id = ?1", &report.turns},
            {"DELETE FROM sessions WHERE id = ?1", nullptr},
    };
    for (const auto &[sql, count] : deletes) {
        SqliteStatement &s = statement(sql);
        s.bind(1, id);
        if (s.step() != SQLITE_DONE)
            return sqlError(QStringLiteral("deleting session %1").arg(id));
        if (count)
            *count = sqlite3_changes64(m_db);
    }
    return report;
}

StoreResult<DeleteReport> SqliteSessionDb::deleteSession(const QString &id)
{
    if (const auto f = flush(); !f.ok())
        return f.error();
    StoreError error;
    if (!row(id, &error))
        return error;
    if (const auto sp = savepoint(); !sp.ok())
        return sp.error();
    auto report = removeRows(id);
    if (!report.ok() || !release().ok()) {
        rollbackToSavepoint();
        return report.ok() ? sqlError(QStringLiteral("deleting session %1").arg(id))
                           : report.error();
    }
    m_cache.remove(id);
    --m_count;
    publishCount();
    return report;
}

StoreResult<Lease> SqliteSessionDb::beginTurn(const QString &sessionId, const QString &turnId)
{
    StoreError error;
    Row *r = row(sessionId, &error);
    if (!r)
        return error;
    if (!r->runningTurn.isEmpty())
        return StoreError {
                StoreError::Code::Busy,
                QStringLiteral("turn %1 is running on this session").arg(r->runningTurn)};
    const qint64 now = nowMs();
    if (const auto sp = savepoint(); !sp.ok())
        return sp.error();
    const auto failed = [&]() -> StoreResult<Lease> {
        const StoreError e = sqlError(QStringLiteral("starting turn %1").arg(turnId));
        rollbackToSavepoint();
        return e;
    };
    qint64 ordinal = 1;
    {
        SqliteStatement &s = statement("SELECT coalesce(max(ordinal), 0) + 1 FROM turns "
                                       "WHERE session_id = ?1");
        ResetOnExit reset(s);
        s.bind(1, sessionId);
        if (s.step() != SQLITE_ROW)
            return failed();
        ordinal = s.int64(0);
    }
    SqliteStatement &u = statement("UPDATE sessions SET running_turn = ?2, turn_count = ?3, "
                                   "fence = ?4, updated_ms = ?5 WHERE id = ?1");
    u.bind(1, sessionId);
    u.bind(2, turnId);
    u.bind(3, qint64(r->turnCount + 1));
    u.bind(4, r->fence + 1);
    u.bind(5, now);
    if (u.step() != SQLITE_DONE)
        return failed();
    SqliteStatement &t = statement("INSERT INTO turns (session_id, ordinal, id, state, "
                                   "started_ms) VALUES (?1, ?2, ?3, 'running', ?4)");
    t.bind(1, sessionId);
    t.bind(2, ordinal);
    t.bind(3, turnId);
    t.bind(4, now);
    if (t.step() != SQLITE_DONE || !release().ok())
        return failed();
    r->runningTurn = turnId;
    ++r->turnCount;
    ++r->fence;
    r->updatedMs = now;
    return Lease {sessionId, turnId, r->fence};
}

StoreResult<Lease> SqliteSessionDb::renewLease(const Lease &lease)
{
    StoreError error;
    if (!turnRow(lease, &error))
        return error;
    return lease;
}

StoreResult<bool> SqliteSessionDb::endTurn(const Lease &lease, const TurnRecord &turn)
{
    if (const auto f = flush(); !f.ok())
        return f; // the session's row is not repaired at open once its turn ended
    StoreError error;
    Row *r = turnRow(lease, &error);
    if (!r)
        return error;
    const QString running = r->runningTurn == lease.turnId ? QString() : r->runningTurn;
    if (const auto sp = savepoint(); !sp.ok())
        return sp.error();
    const auto failed = [&]() -> StoreResult<bool> {
        const StoreError e = sqlError(QStringLiteral("ending turn %1").arg(lease.turnId));
        rollbackToSavepoint();
        return e;
    };
    SqliteStatement &t = statement("UPDATE turns SET state = ?3, ended_ms = ?4, iterations = ?5 "
                                   "WHERE session_id = ?1 AND id = ?2");
    t.bind(1, lease.sessionId);
    t.bind(2, lease.turnId);
    t.bind(3, turnStateName(turn.state));
    t.bind(4, msOr(turn.ended, nowMs()));
    t.bind(5, qint64(turn.iterations));
    if (t.step() != SQLITE_DONE)
        return failed();
    SqliteStatement &s
            = statement("UPDATE sessions SET running_turn = ?2, fence = ?3 WHERE id = ?1");
    s.bind(1, lease.sessionId);
    s.bind(2, running);
    s.bind(3, r->fence + 1);
    if (s.step() != SQLITE_DONE || !release().ok())
        return failed();
    r->runningTurn = running;
    ++r->fence; // the lease is spent: later writes with it are refused
    return true;
}

StoreResult<bool> SqliteSessionDb::insertEvent(const StreamEvent &event)
{
    SqliteStatement &s = statement("INSERT INTO events (session_id, seq, turn_id, type, ts_ms, "
                                   "data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    const QByteArray sessionId = event.sessionId.toUtf8();
    const QByteArray turnId = event.turnId.toUtf8();
    const QByteArray type = event.typeName().toLatin1();
    const QByteArray data = QJsonDocument(event.data).toJson(QJsonDocument::Compact);
    s.bindStatic(1, sessionId);
    s.bind(2, event.seq);
    s.bindStatic(3, turnId);
    s.bindStatic(4, type);
    s.bind(5, event.ts.toMSecsSinceEpoch());
    s.bindStatic(6, data);
    const int rc = s.step();
    s.reset(); // before the bound texts go
    if (rc != SQLITE_DONE)
        return sqlError(QStringLiteral("appending event %1 to session %2")
                                .arg(event.seq)
                                .arg(event.sessionId));
    return true;
}

StoreResult<StreamEvent> SqliteSessionDb::appendEvent(const Lease &lease, const StreamEvent &event)
{
    StoreError error;
    Row *r = turnRow(lease, &error);
    if (!r)
        return error;
    StreamEvent stored = event;
    stored.sessionId = r->id;
    stored.seq = r->lastSeq + 1;
    if (!stored.ts.isValid())
        stored.ts = QDateTime::currentDateTimeUtc();
    if (const auto inserted = insertEvent(stored); !inserted.ok())
        return inserted.error();
    r->lastSeq = stored.seq;
    r->updatedMs = stored.ts.toMSecsSinceEpoch();
    m_dirtySessions.insert(r->id);
    if (r->runningTurn.isEmpty())
        m_flushNow = true; // an append outside a turn: open() would not repair this row
    if (!stored.turnId.isEmpty()) {
        TurnSeqs &seqs = m_dirtyTurns[{r->id, stored.turnId}];
        if (seqs.first == 0)
            seqs.first = stored.seq;
        seqs.last = stored.seq;
    }
    return stored;
}

StoreResult<bool> SqliteSessionDb::appendMessage(const Lease &lease, const ChatMessage &message)
{
    StoreError error;
    Row *r = turnRow(lease, &error);
    if (!r)
        return error;
    QString title = r->title;
    if (!r->renamed && title.isEmpty() && message.role == ChatMessage::Role::User)
        title = SessionTitle::fromMessage(message.text);
    const qint64 now = nowMs();
    if (const auto sp = savepoint(); !sp.ok())
        return sp.error();
    const auto failed = [&]() -> StoreResult<bool> {
        const StoreError e = sqlError(
                QStringLiteral("appending a message to session %1").arg(lease.sessionId));
        rollbackToSavepoint();
        return e;
    };
    SqliteStatement &m = statement("INSERT INTO messages (session_id, ordinal, body) "
                                   "VALUES (?1, ?2, ?3)");
    m.bind(1, r->id);
    m.bind(2, qint64(r->messageCount));
    m.bind(3, QJsonDocument(MessageCodec::toJson(message)).toJson(QJsonDocument::Compact));
    if (m.step() != SQLITE_DONE)
        return failed();
    SqliteStatement &s = statement("UPDATE sessions SET message_count = ?2, title = ?3, "
                                   "title_fold = ?4, updated_ms = ?5 WHERE id = ?1");
    s.bind(1, r->id);
    s.bind(2, qint64(r->messageCount + 1));
    s.bind(3, title);
    s.bind(4, title.toCaseFolded());
    s.bind(5, now);
    if (s.step() != SQLITE_DONE || !release().ok())
        return failed();
    ++r->messageCount;
    r->title = title;
    r->updatedMs = now;
    return true;
}

StoreResult<EventPage> SqliteSessionDb::readEvents(const QString &sessionId, qint64 afterSeq,
                                                   int limit)
{
    StoreError error;
    const Row *r = row(sessionId, &error);
    if (!r)
        return error;
    EventPage page;
    page.lastSeq = r->lastSeq;
    {
        SqliteStatement &s = statement("SELECT min(seq) FROM events WHERE session_id = ?1");
        ResetOnExit reset(s);
        s.bind(1, sessionId);
        if (s.step() != SQLITE_ROW)
            return sqlError(QStringLiteral("reading the events of session %1").arg(sessionId));
        page.firstSeq = s.int64(0);
    }
    page.gap = page.firstSeq > 0 && afterSeq + 1 < page.firstSeq;
    SqliteStatement &s = statement("SELECT seq, turn_id, type, ts_ms, data FROM events "
                                   "WHERE session_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3");
    s.bind(1, sessionId);
    s.bind(2, afterSeq);
    s.bind(3, qint64(std::clamp(limit, 1, 10000)));
    int rc = SQLITE_OK;
    while ((rc = s.step()) == SQLITE_ROW) {
        StreamEvent e;
        e.sessionId = sessionId;
        e.seq = s.int64(0);
        e.turnId = s.text(1);
        const auto type = streamEventTypeFromName(s.text(2));
        QJsonParseError parse;
        const QJsonDocument doc = QJsonDocument::fromJson(s.bytes(4), &parse);
        if (!type || parse.error != QJsonParseError::NoError || !doc.isObject())
            return StoreError {StoreError::Code::Io,
                               QStringLiteral("event %1 of session %2 in %3 is damaged")
                                       .arg(QString::number(e.seq), sessionId, m_path)};
        e.type = *type;
        e.ts = utc(s.int64(3));
        e.data = doc.object();
        page.events.append(e);
    }
    if (rc != SQLITE_DONE)
        return sqlError(QStringLiteral("reading the events of session %1").arg(sessionId));
    return page;
}

StoreResult<QStringList> SqliteSessionDb::applyRetention(const RetentionPolicy &policy)
{
    if (!m_db)
        return notOpen();
    if (const auto f = flush(); !f.ok())
        return f.error();
    QStringList ids;
    const auto collect = [&](SqliteStatement &s) -> bool {
        int rc = SQLITE_OK;
        while ((rc = s.step()) == SQLITE_ROW) {
            if (!s.text(1).isEmpty())
                continue; // a running turn keeps its session
            const QString id = s.text(0);
            if (!ids.contains(id))
                ids.append(id);
        }
        return rc == SQLITE_DONE;
    };
    if (policy.maxAgeMs > 0) {
        SqliteStatement &s = statement("SELECT id, running_turn FROM sessions "
                                       "WHERE updated_ms < ?1 ORDER BY updated_ms DESC, id DESC");
        s.bind(1, nowMs() - policy.maxAgeMs);
        if (!collect(s))
            return sqlError(QStringLiteral("applying retention"));
    }
    if (policy.maxSessions > 0) {
        SqliteStatement &s = statement("SELECT id, running_turn FROM sessions "
                                       "ORDER BY updated_ms DESC, id DESC LIMIT -1 OFFSET ?1");
        s.bind(1, qint64(policy.maxSessions));
        if (!collect(s))
            return sqlError(QStringLiteral("applying retention"));
    }
    for (const QString &id : std::as_const(ids)) {
        if (const auto sp = savepoint(); !sp.ok())
            return sp.error();
        const auto report = removeRows(id);
        if (!report.ok() || !release().ok()) {
            rollbackToSavepoint();
            return sqlError(QStringLiteral("applying retention"));
        }
        m_cache.remove(id);
        --m_count;
    }
    publishCount();
    return ids;
}

StoreResult<SessionRecord> SqliteSessionDb::importSession(const SessionArchive &archive)
{
    if (!m_db)
        return notOpen();
    const SessionRecord &in = archive.data.session;
    const auto conflict = StoreError {StoreError::Code::Conflict,
                                      QStringLiteral("a session with id %1 exists").arg(in.id)};
    if (in.id.isEmpty() || m_cache.contains(in.id))
        return conflict;
    if (const auto sp = savepoint(); !sp.ok())
        return sp.error();
    const auto failed = [&]() -> StoreResult<SessionRecord> {
        const StoreError e = sqlError(QStringLiteral("importing session %1").arg(in.id));
        rollbackToSavepoint();
        return e;
    };
    Row r;
    r.id = in.id;
    r.title = in.title;
    r.renamed = in.renamed;
    r.createdMs = msOr(in.created, nowMs());
    r.updatedMs = msOr(in.updated, r.createdMs);
    r.turnCount = in.turnCount;
    r.messageCount = int(archive.data.messages.size());
    r.lastSeq = archive.events.isEmpty() ? 0 : archive.events.constLast().seq;
    SqliteStatement &s = statement(
            "INSERT INTO sessions (id, title, title_fold, renamed, created_ms, updated_ms, "
            "turn_count, message_count, last_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    s.bind(1, r.id);
    s.bind(2, r.title);
    s.bind(3, r.title.toCaseFolded());
    s.bind(4, qint64(r.renamed));
    s.bind(5, r.createdMs);
    s.bind(6, r.updatedMs);
    s.bind(7, qint64(r.turnCount));
    s.bind(8, qint64(r.messageCount));
    s.bind(9, r.lastSeq);
    const int rc = s.step();
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        rollbackToSavepoint();
        return conflict;
    }
    if (rc != SQLITE_DONE)
        return failed();
    qint64 ordinal = 0;
    for (const ChatMessage &message : archive.data.messages) {
        SqliteStatement &m = statement("INSERT INTO messages (session_id, ordinal, body) "
                                       "VALUES (?1, ?2, ?3)");
        m.bind(1, r.id);
        m.bind(2, ordinal++);
        m.bind(3, QJsonDocument(MessageCodec::toJson(message)).toJson(QJsonDocument::Compact));
        if (m.step() != SQLITE_DONE)
            return failed();
    }
    ordinal = 0;
    for (const TurnRecord &turn : archive.data.turns) {
        SqliteStatement &t = statement(
                "INSERT INTO turns (session_id, ordinal, id, state, started_ms, ended_ms, "
                "iterations, first_seq, last_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
        t.bind(1, r.id);
        t.bind(2, ++ordinal);
        t.bind(3, turn.id);
        t.bind(4, turnStateName(turn.state));
        t.bind(5, msOr(turn.started, r.createdMs));
        if (turn.ended.isValid())
            t.bind(6, turn.ended.toMSecsSinceEpoch());
        else
            t.bindNull(6);
        t.bind(7, qint64(turn.iterations));
        t.bind(8, turn.firstSeq);
        t.bind(9, turn.lastSeq);
        if (t.step() != SQLITE_DONE)
            return failed();
    }
    for (StreamEvent event : archive.events) {
        event.sessionId = r.id;
        if (!event.ts.isValid())
            event.ts = utc(r.updatedMs);
        if (!insertEvent(event).ok())
            return failed();
    }
    if (!release().ok())
        return failed();
    ++m_count;
    publishCount();
    return r.toRecord();
}
