#include "memorysessionstore.h"

#include "sessioncursor.h"
#include "sessiontitle.h"

#include <QMetaObject>

#include <algorithm>

MemorySessionStore::MemorySessionStore(QObject *parent)
    : SessionStore(parent)
{ }

MemorySessionStore::~MemorySessionStore() = default;

template<typename T> void MemorySessionStore::later(Done<T> done, StoreResult<T> result)
{
    if (!done)
        return;
    QMetaObject::invokeMethod(
            this, [done = std::move(done), result = std::move(result)]() { done(result); },
            Qt::QueuedConnection);
}

StoreError MemorySessionStore::notFound(const QString &id)
{
    return {StoreError::Code::NotFound, QStringLiteral("no session with id %1").arg(id)};
}

MemorySessionStore::Entry *MemorySessionStore::turnEntry(const Lease &lease, StoreError *error)
{
    auto it = m_sessions.find(lease.sessionId);
    if (it == m_sessions.end()) {
        *error = notFound(lease.sessionId);
        return nullptr;
    }
    if (lease.fence != 0 && lease.fence != it->fence) {
        *error = {StoreError::Code::Fenced,
                  QStringLiteral("the lease of turn %1 is no longer current").arg(lease.turnId)};
        return nullptr;
    }
    return &*it;
}

void MemorySessionStore::open(Done<bool> done)
{
    later<bool>(std::move(done), true);
}

StoreHealth MemorySessionStore::health() const
{
    StoreHealth h;
    h.kind = QStringLiteral("memory");
    h.durability = QStringLiteral("none");
    h.sessions = m_sessions.size();
    return h;
}

void MemorySessionStore::createSession(const SessionRecord &record, Done<SessionRecord> done)
{
    if (record.id.isEmpty() || m_sessions.contains(record.id))
        return later<SessionRecord>(
                std::move(done),
                StoreError {StoreError::Code::Conflict,
                            QStringLiteral("a session with id %1 exists").arg(record.id)});
    Entry e;
    e.data.session = record;
    SessionRecord &r = e.data.session;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (!r.created.isValid())
        r.created = now;
    if (!r.updated.isValid())
        r.updated = r.created;
    r.lastSeq = 0;
    r.runningTurnId.clear();
    m_sessions.insert(r.id, e);
    later<SessionRecord>(std::move(done), r);
}

void MemorySessionStore::getSession(const QString &id, Done<SessionRecord> done)
{
    const auto it = m_sessions.constFind(id);
    if (it == m_sessions.cend())
        return later<SessionRecord>(std::move(done), notFound(id));
    later<SessionRecord>(std::move(done), it->data.session);
}

void MemorySessionStore::loadSession(const QString &id, Done<SessionData> done)
{
    const auto it = m_sessions.constFind(id);
    if (it == m_sessions.cend())
        return later<SessionData>(std::move(done), notFound(id));
    later<SessionData>(std::move(done), it->data);
}

void MemorySessionStore::listSessions(const SessionQuery &query, Done<SessionPage> done)
{
    std::optional<SessionCursor::Key> cursor;
    if (!query.cursor.isEmpty()) {
        cursor = SessionCursor::decode(query.cursor);
        if (!cursor)
            return later<SessionPage>(
                    std::move(done),
                    StoreError {StoreError::Code::Invalid,
                                QStringLiteral("cursor is not one this server made")});
    }
    QList<const SessionRecord *> rows;
    for (const Entry &e : std::as_const(m_sessions)) {
        const SessionRecord &r = e.data.session;
        if (!query.titleContains.isEmpty()
            && !r.title.contains(query.titleContains, Qt::CaseInsensitive))
            continue;
        if (cursor && !SessionCursor::after(*cursor, r.updated.toMSecsSinceEpoch(), r.id))
            continue;
        rows.append(&r);
    }
    // Only the page (and one more, to know whether another follows) is put in order: a page of
    // a large store costs a scan, not a sort of every session.
    const int limit = std::clamp(query.limit, 1, 500);
    const qsizetype ordered = std::min<qsizetype>(rows.size(), limit + 1);
    std::partial_sort(rows.begin(), rows.begin() + ordered, rows.end(),
                      [](const SessionRecord *a, const SessionRecord *b) {
                          const qint64 ua = a->updated.toMSecsSinceEpoch();
                          const qint64 ub = b->updated.toMSecsSinceEpoch();
                          return ua != ub ? ua > ub : a->id > b->id;
                      });
    SessionPage page;
    for (qsizetype i = 0; i < rows.size() && i < limit; ++i)
        page.sessions.append(*rows.at(i));
    if (rows.size() > limit) {
        const SessionRecord &last = page.sessions.constLast();
        page.nextCursor = SessionCursor::encode({last.updated.toMSecsSinceEpoch(), last.id});
    }
    later<SessionPage>(std::move(done), page);
}

void MemorySessionStore::countSessions(Done<qint64> done)
{
    later<qint64>(std::move(done), qint64(m_sessions.size()));
}

void MemorySessionStore::renameSession(const QString &id, const QString &title,
                                       Done<SessionRecord> done)
{
    auto it = m_sessions.find(id);
    if (it == m_sessions.end())
        return later<SessionRecord>(std::move(done), notFound(id));
    SessionRecord &r = it->data.session;
    r.title = title;
    r.renamed = true;
    r.updated = QDateTime::currentDateTimeUtc();
    later<SessionRecord>(std::move(done), r);
}

void MemorySessionStore::remove(const QString &id)
{
    m_sessions.remove(id);
    QMetaObject::invokeMethod(
            this, [this, id] { Q_EMIT sessionDeleted(id); }, Qt::QueuedConnection);
}

void MemorySessionStore::deleteSession(const QString &id, Done<DeleteReport> done)
{
    const auto it = m_sessions.constFind(id);
    if (it == m_sessions.cend())
        return later<DeleteReport>(std::move(done), notFound(id));
    const DeleteReport report {id, it->data.messages.size(), it->events.size(),
                               it->data.turns.size()};
    remove(id);
    later<DeleteReport>(std::move(done), report);
}

void MemorySessionStore::beginTurn(const QString &sessionId, const QString &turnId,
                                   Done<Lease> done)
{
    auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end())
        return later<Lease>(std::move(done), notFound(sessionId));
    SessionRecord &r = it->data.session;
    if (!r.runningTurnId.isEmpty())
        return later<Lease>(
                std::move(done),
                StoreError {
                        StoreError::Code::Busy,
                        QStringLiteral("turn %1 is running on this session").arg(r.runningTurnId)});
    r.runningTurnId = turnId;
    ++r.turnCount;
    r.updated = QDateTime::currentDateTimeUtc();
    TurnRecord turn;
    turn.id = turnId;
    turn.sessionId = sessionId;
    turn.started = r.updated;
    it->data.turns.append(turn);
    later<Lease>(std::move(done), Lease {sessionId, turnId, ++it->fence});
}

void MemorySessionStore::renewLease(const Lease &lease, Done<Lease> done)
{
    StoreError error;
    if (!turnEntry(lease, &error))
        return later<Lease>(std::move(done), error);
    later<Lease>(std::move(done), lease);
}

void MemorySessionStore::endTurn(const Lease &lease, const TurnRecord &turn, Done<bool> done)
{
    StoreError error;
    Entry *e = turnEntry(lease, &error);
    if (!e)
        return later<bool>(std::move(done), error);
    if (e->data.session.runningTurnId == lease.turnId)
        e->data.session.runningTurnId.clear();
    ++e->fence; // the lease is spent: later writes with it are refused
    for (TurnRecord &t : e->data.turns) {
        if (t.id == lease.turnId) {
            const QDateTime started = t.started;
            const qint64 firstSeq = t.firstSeq;
            const qint64 lastSeq = t.lastSeq;
            t = turn;
            t.id = lease.turnId;
            t.sessionId = lease.sessionId;
            t.started = started;
            t.firstSeq = firstSeq;
            t.lastSeq = lastSeq;
            if (!t.ended.isValid())
                t.ended = QDateTime::currentDateTimeUtc();
        }
    }
    later<bool>(std::move(done), true);
}

void MemorySessionStore::appendEvent(const Lease &lease, const StreamEvent &event,
                                     Done<StreamEvent> done)
{
    StoreError error;
    Entry *e = turnEntry(lease, &error);
    if (!e)
        return later<StreamEvent>(std::move(done), error);
    StreamEvent stored = event;
    SessionRecord &r = e->data.session;
    stored.sessionId = r.id;
    stored.seq = ++r.lastSeq;
    if (!stored.ts.isValid())
        stored.ts = QDateTime::currentDateTimeUtc();
    r.updated = stored.ts;
    e->events.append(stored);
    if (!stored.turnId.isEmpty()) {
        for (TurnRecord &t : e->data.turns) {
            if (t.id == stored.turnId) {
                if (t.firstSeq == 0)
                    t.firstSeq = stored.seq;
                t.lastSeq = stored.seq;
            }
        }
    }
    const QString id = r.id;
    QMetaObject::invokeMethod(
            this, [this, id, stored] { Q_EMIT eventCommitted(id, stored); }, Qt::QueuedConnection);
    later<StreamEvent>(std::move(done), stored);
}

void MemorySessionStore::appendMessage(const Lease &lease, const ChatMessage &message,
                                       Done<bool> done)
{
    StoreError error;
    Entry *e = turnEntry(lease, &error);
    if (!e)
        return later<bool>(std::move(done), error);
    SessionRecord &r = e->data.session;
    e->data.messages.append(message);
    r.messageCount = int(e->data.messages.size());
    if (!r.renamed && r.title.isEmpty() && message.role == ChatMessage::Role::User)
        r.title = SessionTitle::fromMessage(message.text);
    r.updated = QDateTime::currentDateTimeUtc();
    later<bool>(std::move(done), true);
}

void MemorySessionStore::readEvents(const QString &sessionId, qint64 afterSeq, int limit,
                                    Done<EventPage> done)
{
    const auto it = m_sessions.constFind(sessionId);
    if (it == m_sessions.cend())
        return later<EventPage>(std::move(done), notFound(sessionId));
    const QList<StreamEvent> &events = it->events;
    EventPage page;
    page.lastSeq = it->data.session.lastSeq;
    page.firstSeq = events.isEmpty() ? 0 : events.constFirst().seq;
    page.gap = page.firstSeq > 0 && afterSeq + 1 < page.firstSeq;
    const auto first = std::upper_bound(
            events.cbegin(), events.cend(), afterSeq,
            [](qint64 value, const StreamEvent &event) { return value < event.seq; });
    const qsizetype n = std::min<qsizetype>(events.cend() - first, std::clamp(limit, 1, 10000));
    page.events = QList<StreamEvent>(first, first + n);
    later<EventPage>(std::move(done), page);
}

void MemorySessionStore::applyRetention(const RetentionPolicy &policy, Done<QStringList> done)
{
    QList<const SessionRecord *> idle;
    for (const Entry &e : std::as_const(m_sessions))
        idle.append(&e.data.session);
    std::sort(idle.begin(), idle.end(), [](const SessionRecord *a, const SessionRecord *b) {
        return a->updated > b->updated;
    });
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QStringList removed;
    for (qsizetype i = 0; i < idle.size(); ++i) {
        const SessionRecord &r = *idle.at(i);
        if (!r.runningTurnId.isEmpty())
            continue;
        const bool tooOld = policy.maxAgeMs > 0 && r.updated.msecsTo(now) > policy.maxAgeMs;
        const bool tooMany = policy.maxSessions > 0 && i >= policy.maxSessions;
        if (tooOld || tooMany)
            removed.append(r.id);
    }
    for (const QString &id : std::as_const(removed))
        remove(id);
    later<QStringList>(std::move(done), removed);
}

void MemorySessionStore::importSession(const SessionArchive &archive, Done<SessionRecord> done)
{
    const QString id = archive.data.session.id;
    if (id.isEmpty() || m_sessions.contains(id))
        return later<SessionRecord>(
                std::move(done),
                StoreError {StoreError::Code::Conflict,
                            QStringLiteral("a session with id %1 exists").arg(id)});
    Entry e;
    e.data = archive.data;
    e.events = archive.events;
    SessionRecord &r = e.data.session;
    r.runningTurnId.clear();
    r.messageCount = int(e.data.messages.size());
    r.lastSeq = e.events.isEmpty() ? 0 : e.events.constLast().seq;
    for (StreamEvent &event : e.events)
        event.sessionId = id;
    m_sessions.insert(id, e);
    later<SessionRecord>(std::move(done), r);
}
