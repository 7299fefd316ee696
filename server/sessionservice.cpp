#include "sessionservice.h"

#include "logging.h"

#include <QPointer>
#include <QUuid>

namespace {
constexpr int kExportPage = 5000;
}

SessionService::SessionService(SessionStore *store, Options options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_options(options)
{
    connect(m_store, &SessionStore::eventCommitted, this, &SessionService::eventAppended);
    connect(m_store, &SessionStore::dataLost, this, &SessionService::dataLost);
    connect(m_store, &SessionStore::sessionDeleted, this, [this](const QString &id) {
        const bool asked = m_deleting.remove(id);
        Q_EMIT sessionRemoved(id,
                              !asked && m_retentionRuns > 0 ? QStringLiteral("expired")
                                                            : QStringLiteral("deleted"));
    });
    const RetentionPolicy &r = m_options.retention;
    if (r.maxAgeMs > 0 || r.maxSessions > 0) {
        m_retention.setInterval(std::max(100, m_options.retentionCheckMs));
        connect(&m_retention, &QTimer::timeout, this, [this] { applyRetention(); });
        m_retention.start();
    }
}

SessionService::~SessionService() = default;

QString SessionService::fullMessage() const
{
    return QStringLiteral("the server holds its maximum of %1 sessions: delete sessions that are "
                          "no longer needed (DELETE /api/v3/sessions/{id}), or raise "
                          "sessions.max_sessions in the config")
            .arg(m_options.maxSessions);
}

void SessionService::list(const SessionQuery &query, Done<SessionPage> done)
{
    m_store->listSessions(query, std::move(done));
}

void SessionService::count(Done<qint64> done)
{
    m_store->countSessions(std::move(done));
}

void SessionService::summary(const QString &id, Done<SessionRecord> done)
{
    m_store->getSession(id, std::move(done));
}

void SessionService::detail(const QString &id, Done<SessionData> done)
{
    m_store->loadSession(id, std::move(done));
}

void SessionService::create(const QString &id, Done<SessionRecord> done)
{
    QPointer<SessionService> self(this);
    m_store->countSessions([self, id, done](StoreResult<qint64> counted) {
        if (!self)
            return;
        if (!counted.ok())
            return done(counted.error());
        if (counted.value() >= self->m_options.maxSessions) {
            qCWarning(lcServer) << "session refused: the cap of" << self->m_options.maxSessions
                                << "sessions is reached";
            return done(StoreError {StoreError::Code::Full, self->fullMessage()});
        }
        SessionRecord record;
        record.id = id.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : id;
        self->m_store->createSession(record, [done](StoreResult<SessionRecord> created) {
            if (created.ok())
                qCInfo(lcServer) << "session created" << created.value().id;
            done(std::move(created));
        });
    });
}

void SessionService::remove(const QString &id, Done<DeleteReport> done)
{
    if (m_beforeDelete)
        m_beforeDelete(id);
    m_deleting.insert(id);
    QPointer<SessionService> self(this);
    m_store->deleteSession(id, [self, id, done](StoreResult<DeleteReport> result) {
        if (self && !result.ok())
            self->m_deleting.remove(id);
        if (result.ok())
            qCInfo(lcServer) << "session deleted" << id << "-" << result.value().events << "events,"
                             << result.value().messages << "messages";
        done(std::move(result));
    });
}

void SessionService::rename(const QString &id, const QString &title, Done<SessionRecord> done)
{
    m_store->renameSession(id, title, std::move(done));
}

void SessionService::readEvents(const QString &id, qint64 afterSeq, int limit, Done<EventPage> done)
{
    m_store->readEvents(id, afterSeq, limit, std::move(done));
}

void SessionService::exportArchive(const QString &id, Done<SessionArchive> done)
{
    QPointer<SessionService> self(this);
    m_store->loadSession(id, [self, id, done](StoreResult<SessionData> loaded) {
        if (!self)
            return;
        if (!loaded.ok())
            return done(loaded.error());
        SessionArchive archive;
        archive.data = std::move(loaded.value());
        self->readAll(id, 0, std::move(archive), done);
    });
}

void SessionService::readAll(const QString &id, qint64 afterSeq, SessionArchive archive,
                             Done<SessionArchive> done)
{
    QPointer<SessionService> self(this);
    m_store->readEvents(
            id, afterSeq, kExportPage,
            [self, id, archive = std::move(archive), done](StoreResult<EventPage> page) mutable {
                if (!self)
                    return;
                if (!page.ok())
                    return done(page.error());
                archive.events += page.value().events;
                if (page.value().events.size() < kExportPage)
                    return done(std::move(archive));
                self->readAll(id, archive.events.constLast().seq, std::move(archive), done);
            });
}

void SessionService::importArchive(SessionArchive archive, Done<SessionRecord> done)
{
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    archive.data.session.id = id;
    archive.data.session.runningTurnId.clear();
    for (TurnRecord &t : archive.data.turns)
        t.sessionId = id;
    for (StreamEvent &e : archive.events)
        e.sessionId = id;
    m_store->importSession(archive, std::move(done));
}

void SessionService::applyRetention(Done<QStringList> done)
{
    QPointer<SessionService> self(this);
    ++m_retentionRuns;
    m_store->applyRetention(m_options.retention, [self, done](StoreResult<QStringList> removed) {
        if (self)
            --self->m_retentionRuns;
        if (self && removed.ok() && !removed.value().isEmpty())
            qCInfo(lcServer) << "retention removed" << removed.value().size() << "sessions";
        if (done)
            done(std::move(removed));
    });
}
