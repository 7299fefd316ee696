#include "sqlitesessionstore.h"

#include "sqlitebackup.h"
#include "sqlitesessiondb.h"
#include "sqliteworker.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace {

constexpr int kBackupPagesPerStep = 256;

// On the worker: one step now, the next one in a later round, so that the writes queued in
// between are not held up by the whole copy.
void backupStep(SqliteWorker *worker, std::shared_ptr<SqliteBackup> backup,
                SessionStore::Done<bool> done)
{
    worker->post(
            [worker, backup = std::move(backup),
             done = std::move(done)](SqliteSessionDb &) mutable -> SqliteWorker::Completion {
                StoreResult<bool> result = worker->stopping()
                        ? StoreResult<bool>(StoreError {StoreError::Code::Unavailable,
                                                        QStringLiteral("the store closed")})
                        : backup->step(kBackupPagesPerStep);
                if (result.ok() && !result.value()) {
                    backupStep(worker, std::move(backup), std::move(done));
                    return {};
                }
                return [done = std::move(done), result](const StoreError *) {
                    if (done)
                        done(result);
                };
            },
            SqliteWorker::Kind::Alone);
}

} // namespace

SqliteSessionStore::SqliteSessionStore(const QString &path, QObject *parent)
    : SqliteSessionStore(path, Options(), parent)
{ }

SqliteSessionStore::SqliteSessionStore(const QString &path, Options options, QObject *parent)
    : SessionStore(parent)
    , m_path(path)
    , m_synchronous(options.synchronous)
{
    const auto sync = options.synchronous == Synchronous::Full
            ? SqliteSessionDb::Synchronous::Full
            : SqliteSessionDb::Synchronous::Normal;
    m_worker = std::make_unique<SqliteWorker>(
            std::make_unique<SqliteSessionDb>(path, sync, &m_count), this);
}

SqliteSessionStore::~SqliteSessionStore()
{
    m_worker.reset(); // before the members the worker's tasks point to
}

QString SqliteSessionStore::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
            + QStringLiteral("/sessions.db");
}

template<typename T, typename Op> void SqliteSessionStore::submit(Done<T> done, Op op)
{
    m_worker->post([op = std::move(op), done = std::move(done)](
                           SqliteSessionDb &db) mutable -> SqliteWorker::Completion {
        StoreResult<T> result = op(db);
        return [result = std::move(result), done = std::move(done)](const StoreError *failed) {
            if (!done)
                return;
            if (failed)
                done(*failed);
            else
                done(result);
        };
    });
}

void SqliteSessionStore::open(Done<bool> done)
{
    m_worker->post(
            [this,
             done = std::move(done)](SqliteSessionDb &db) mutable -> SqliteWorker::Completion {
                QList<StreamEvent> interrupted;
                StoreResult<bool> result = db.open(&interrupted);
                m_open = result.ok();
                return [this, result = std::move(result), interrupted = std::move(interrupted),
                        done = std::move(done)](const StoreError *) {
                    m_openError = result.ok() ? QString() : result.error().message;
                    if (result.ok())
                        Q_EMIT healthChanged();
                    for (const StreamEvent &event : interrupted)
                        Q_EMIT eventCommitted(event.sessionId, event);
                    if (done)
                        done(result);
                };
            },
            SqliteWorker::Kind::Alone);
}

StoreHealth SqliteSessionStore::health() const
{
    StoreHealth h;
    h.kind = QStringLiteral("sqlite");
    h.durability = m_synchronous == Synchronous::Full ? QStringLiteral("full")
                                                      : QStringLiteral("normal");
    h.available = m_open;
    if (!h.available)
        h.detail = m_openError.isEmpty() ? QStringLiteral("the session database is not open")
                                         : m_openError;
    h.sessions = m_count;
    return h;
}

void SqliteSessionStore::createSession(const SessionRecord &record, Done<SessionRecord> done)
{
    submit(std::move(done), [record](SqliteSessionDb &db) { return db.createSession(record); });
}

void SqliteSessionStore::getSession(const QString &id, Done<SessionRecord> done)
{
    submit(std::move(done), [id](SqliteSessionDb &db) { return db.getSession(id); });
}

void SqliteSessionStore::loadSession(const QString &id, Done<SessionData> done)
{
    submit(std::move(done), [id](SqliteSessionDb &db) { return db.loadSession(id); });
}

void SqliteSessionStore::listSessions(const SessionQuery &query, Done<SessionPage> done)
{
    submit(std::move(done), [query](SqliteSessionDb &db) { return db.listSessions(query); });
}

void SqliteSessionStore::countSessions(Done<qint64> done)
{
    submit(std::move(done), [](SqliteSessionDb &db) { return db.countSessions(); });
}

void SqliteSessionStore::renameSession(const QString &id, const QString &title,
                                       Done<SessionRecord> done)
{
    submit(std::move(done),
           [id, title](SqliteSessionDb &db) { return db.renameSession(id, title); });
}

void SqliteSessionStore::deleteSession(const QString &id, Done<DeleteReport> done)
{
    submit<DeleteReport>(
            [this, done = std::move(done)](StoreResult<DeleteReport> result) {
                if (result.ok())
                    Q_EMIT sessionDeleted(result.value().sessionId);
                if (done)
                    done(std::move(result));
            },
            [id](SqliteSessionDb &db) { return db.deleteSession(id); });
}

void SqliteSessionStore::beginTurn(const QString &sessionId, const QString &turnId,
                                   Done<Lease> done)
{
    submit(std::move(done),
           [sessionId, turnId](SqliteSessionDb &db) { return db.beginTurn(sessionId, turnId); });
}

void SqliteSessionStore::renewLease(const Lease &lease, Done<Lease> done)
{
    submit(std::move(done), [lease](SqliteSessionDb &db) { return db.renewLease(lease); });
}

void SqliteSessionStore::endTurn(const Lease &lease, const TurnRecord &turn, Done<bool> done)
{
    submit(std::move(done), [lease, turn](SqliteSessionDb &db) { return db.endTurn(lease, turn); });
}

void SqliteSessionStore::appendEvent(const Lease &lease, const StreamEvent &event,
                                     Done<StreamEvent> done)
{
    submit<StreamEvent>(
            [this, done = std::move(done)](StoreResult<StreamEvent> result) {
                if (result.ok())
                    Q_EMIT eventCommitted(result.value().sessionId, result.value());
                if (done)
                    done(std::move(result));
            },
            [lease, event](SqliteSessionDb &db) { return db.appendEvent(lease, event); });
}

void SqliteSessionStore::appendMessage(const Lease &lease, const ChatMessage &message,
                                       Done<bool> done)
{
    submit(std::move(done),
           [lease, message](SqliteSessionDb &db) { return db.appendMessage(lease, message); });
}

void SqliteSessionStore::readEvents(const QString &sessionId, qint64 afterSeq, int limit,
                                    Done<EventPage> done)
{
    submit(std::move(done), [sessionId, afterSeq, limit](SqliteSessionDb &db) {
        return db.readEvents(sessionId, afterSeq, limit);
    });
}

void SqliteSessionStore::applyRetention(const RetentionPolicy &policy, Done<QStringList> done)
{
    submit<QStringList>(
            [this, done = std::move(done)](StoreResult<QStringList> result) {
                if (result.ok()) {
                    for (const QString &id : std::as_const(result.value()))
                        Q_EMIT sessionDeleted(id);
                }
                if (done)
                    done(std::move(result));
            },
            [policy](SqliteSessionDb &db) { return db.applyRetention(policy); });
}

void SqliteSessionStore::importSession(const SessionArchive &archive, Done<SessionRecord> done)
{
    submit(std::move(done), [archive](SqliteSessionDb &db) { return db.importSession(archive); });
}

void SqliteSessionStore::backup(const QString &path, Done<bool> done)
{
    const QString target = QFileInfo(path).absoluteFilePath();
    if (target == QFileInfo(m_path).absoluteFilePath()
        || QFileInfo(target).canonicalFilePath() == QFileInfo(m_path).canonicalFilePath()) {
        QMetaObject::invokeMethod(
                this,
                [done = std::move(done), target] {
                    if (done)
                        done(StoreError {StoreError::Code::Invalid,
                                         QStringLiteral("the backup target %1 is the session "
                                                        "database itself")
                                                 .arg(target)});
                },
                Qt::QueuedConnection);
        return;
    }
    m_worker->post(
            [worker = m_worker.get(), target,
             done = std::move(done)](SqliteSessionDb &db) mutable -> SqliteWorker::Completion {
                auto backup = std::make_shared<SqliteBackup>(db.handle(), target);
                StoreResult<bool> started = backup->start();
                if (!started.ok())
                    return [done = std::move(done), started](const StoreError *) {
                        if (done)
                            done(started);
                    };
                backupStep(worker, std::move(backup), std::move(done));
                return {};
            },
            SqliteWorker::Kind::Alone);
}
