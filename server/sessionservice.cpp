#include "sessionservice.h"

#include "chatservice.h"
#include "session.h"
#include "sessionmanager.h"

namespace {

SessionService::Summary summaryOf(const Session *s)
{
    SessionService::Summary out;
    out.id = s->id();
    out.created = s->created();
    out.updated = s->updated();
    out.messageCount = int(s->messages().size());
    out.lastSeq = s->lastSeq();
    out.busy = s->isBusy();
    out.turnId = s->isBusy() ? s->turnId() : QString();
    return out;
}

} // namespace

SessionService::SessionService(SessionManager *sessions, ChatService *chat, QObject *parent)
    : QObject(parent)
    , m_sessions(sessions)
    , m_chat(chat)
{
    for (Session *s : m_sessions->list())
        follow(s);
    connect(m_sessions, &SessionManager::sessionCreated, this, &SessionService::follow);
}

SessionService::~SessionService() = default;

void SessionService::follow(Session *session)
{
    // The connection goes with the session; the id is copied, the session may be gone later.
    connect(session, &Session::eventAppended, this,
            [this, id = session->id()](const StreamEvent &event) {
                Q_EMIT eventAppended(id, event);
            });
}

QList<SessionService::Summary> SessionService::list() const
{
    QList<Summary> out;
    const QList<Session *> sessions = m_sessions->list();
    out.reserve(sessions.size());
    for (const Session *s : sessions)
        out.append(summaryOf(s));
    return out;
}

int SessionService::count() const
{
    return int(m_sessions->list().size());
}

std::optional<SessionService::Summary> SessionService::summary(const QString &id) const
{
    const Session *s = m_sessions->get(id);
    if (!s)
        return std::nullopt;
    return summaryOf(s);
}

std::optional<SessionService::Detail> SessionService::detail(const QString &id) const
{
    const Session *s = m_sessions->get(id);
    if (!s)
        return std::nullopt;
    return Detail {summaryOf(s), s->messages()};
}

SessionService::CreateResult SessionService::create(const QString &id)
{
    SessionManager::CreateError error {};
    const Session *s = m_sessions->create(id, &error);
    if (!s)
        return error == SessionManager::CreateError::Full ? CreateError::Full
                                                          : CreateError::IdTaken;
    return summaryOf(s);
}

bool SessionService::remove(const QString &id)
{
    if (!m_sessions->get(id))
        return false;
    m_chat->cancel(id);
    return m_sessions->remove(id, QStringLiteral("deleted"));
}

QList<StreamEvent> SessionService::events(const QString &id) const
{
    const Session *s = m_sessions->get(id);
    return s ? s->events() : QList<StreamEvent>();
}

QList<StreamEvent> SessionService::eventsAfter(const QString &id, qint64 afterSeq) const
{
    const Session *s = m_sessions->get(id);
    return s ? s->eventsAfter(afterSeq) : QList<StreamEvent>();
}

QString SessionService::errorMessage(CreateError error) const
{
    return m_sessions->errorMessage(error == CreateError::Full
                                            ? SessionManager::CreateError::Full
                                            : SessionManager::CreateError::IdTaken);
}
