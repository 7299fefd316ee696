#include "legacystore.h"

#include "session.h"

LegacyMemoryStore::LegacyMemoryStore(QObject *parent)
    : QObject(parent)
{ }

LegacyMemoryStore::~LegacyMemoryStore() = default;

Session *LegacyMemoryStore::create(const QString &id)
{
    if (!id.isEmpty() && m_sessions.contains(id))
        return nullptr;
    auto *session = new Session(id, this);
    m_sessions.insert(session->id(), session);
    m_order.append(session->id());
    return session;
}

Session *LegacyMemoryStore::get(const QString &id) const
{
    return m_sessions.value(id);
}

bool LegacyMemoryStore::remove(const QString &id)
{
    Session *session = m_sessions.take(id);
    if (!session)
        return false;
    m_order.removeOne(id);
    session->deleteLater();
    return true;
}

QList<Session *> LegacyMemoryStore::list() const
{
    QList<Session *> out;
    out.reserve(m_order.size());
    for (const QString &id : m_order)
        out.append(m_sessions.value(id));
    return out;
}

void LegacyMemoryStore::touch(const QString &id)
{
    if (Session *session = m_sessions.value(id))
        session->touch();
}
