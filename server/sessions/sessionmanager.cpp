#include "sessionmanager.h"

#include "logging.h"
#include "session.h"
#include "legacystore.h"

#include <QJsonObject>

SessionManager::SessionManager(LegacyStore *store, Options options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_options(options)
{
    m_timer.setInterval(std::max(1, m_options.checkIntervalMs));
    connect(&m_timer, &QTimer::timeout, this, &SessionManager::expireIdle);
    m_timer.start();
}

SessionManager::~SessionManager() = default;

Session *SessionManager::create(const QString &id, CreateError *error)
{
    if (m_store->count() >= m_options.maxSessions) {
        qCWarning(lcSessions) << "session refused: the cap of" << m_options.maxSessions
                              << "sessions is reached";
        if (error)
            *error = CreateError::Full;
        return nullptr;
    }
    Session *session = m_store->create(id);
    if (!session && error)
        *error = CreateError::IdTaken;
    if (session) {
        qCInfo(lcSessions) << "session created" << session->id();
        Q_EMIT sessionCreated(session);
    }
    return session;
}

QString SessionManager::errorMessage(CreateError error) const
{
    switch (error) {
    case CreateError::IdTaken:
        return QStringLiteral("a session with this id exists");
    case CreateError::Full:
        return QStringLiteral("the server holds its maximum of %1 sessions: delete sessions that "
                              "are no longer needed (DELETE /api/v3/sessions/{id}), wait for idle "
                              "ones to expire, or raise sessions.max_sessions in the config")
                .arg(m_options.maxSessions);
    }
    return {};
}

Session *SessionManager::get(const QString &id) const
{
    Session *session = m_store->get(id);
    if (session)
        m_store->touch(id);
    return session;
}

QList<Session *> SessionManager::list() const
{
    return m_store->list();
}

bool SessionManager::remove(const QString &id, const QString &reason)
{
    Session *session = m_store->get(id);
    if (!session)
        return false;
    session->append(
            StreamEvent::make(StreamEventType::SessionEnd, {{QStringLiteral("reason"), reason}}));
    m_store->remove(id);
    qCInfo(lcSessions) << "session ended" << id << reason;
    Q_EMIT sessionRemoved(id, reason);
    return true;
}

void SessionManager::shutdown()
{
    const QList<Session *> sessions = m_store->list();
    for (Session *session : sessions)
        remove(session->id(), QStringLiteral("shutdown"));
}

int SessionManager::expireIdle()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QStringList expired;
    for (Session *session : m_store->list()) {
        if (!session->isBusy() && session->updated().msecsTo(now) > m_options.idleTtlMs)
            expired.append(session->id());
    }
    for (const QString &id : std::as_const(expired))
        remove(id, QStringLiteral("expired"));
    return int(expired.size());
}
