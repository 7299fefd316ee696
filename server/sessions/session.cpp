#include "session.h"

#include "logging.h"
#include "sessiontitle.h"

#include <QPointer>

Session::Session(SessionStore *store, SessionData data, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_data(std::move(data))
{
    m_renew.setInterval(kRenewMs);
    connect(&m_renew, &QTimer::timeout, this, &Session::renew);
}

Session::~Session()
{
    // Gone mid-turn (its owner went away): release the lease so the session is not held.
    if (isBusy() && m_lease.fence != 0) {
        TurnRecord turn;
        turn.state = TurnState::Interrupted;
        m_store->endTurn(m_lease, turn, {});
    }
}

void Session::beginTurn(const QString &turnId, TurnDone done)
{
    if (isBusy() || turnId.isEmpty()) {
        QMetaObject::invokeMethod(
                this,
                [done] {
                    done(StoreError {StoreError::Code::Busy,
                                     QStringLiteral("a turn is already running on this session")});
                },
                Qt::QueuedConnection);
        return;
    }
    // Taken now, so a second beginTurn on this object is refused at once.
    m_lease = Lease {id(), turnId, 0};
    m_failed = false;
    QPointer<Session> self(this);
    SessionStore *store = m_store;
    m_store->beginTurn(id(), turnId, [self, store, done, turnId](StoreResult<Lease> result) {
        if (!self) {
            // Granted after this session was destroyed: give the lease back at once.
            if (result.ok()) {
                TurnRecord turn;
                turn.state = TurnState::Interrupted;
                store->endTurn(result.value(), turn, {});
            }
            return;
        }
        if (!result.ok()) {
            if (self->m_lease.turnId == turnId)
                self->m_lease = {};
            return done(result.error());
        }
        self->m_lease = result.value();
        ++self->m_data.session.turnCount;
        self->m_renew.start();
        Q_EMIT self->busyChanged(true);
        done(std::nullopt);
    });
}

void Session::endTurn(const TurnRecord &turn, std::function<void()> done)
{
    if (!isBusy()) {
        QMetaObject::invokeMethod(this, done, Qt::QueuedConnection);
        return;
    }
    const Lease lease = m_lease;
    m_lease = {};
    m_renew.stop();
    ++m_pending;
    QPointer<Session> self(this);
    m_store->endTurn(lease, turn, [self](StoreResult<bool> result) {
        if (!self)
            return;
        if (!result.ok())
            qCWarning(lcSessions).noquote()
                    << "the end of a turn was not stored:" << result.error().message;
        self->settle();
    });
    afterPending([self, done] {
        if (self)
            Q_EMIT self->busyChanged(false);
        done();
    });
}

void Session::append(StreamEvent event)
{
    event.sessionId = id();
    event.ts = QDateTime::currentDateTimeUtc();
    // Outside a turn (fence 0) the store always accepts; inside, the turn's lease decides.
    Lease lease = m_lease.fence != 0 ? m_lease : Lease {id(), event.turnId, 0};
    ++m_pending;
    QPointer<Session> self(this);
    m_store->appendEvent(lease, event, [self](StoreResult<StreamEvent> result) {
        if (!self)
            return;
        if (result.ok()) {
            self->m_data.session.lastSeq = result.value().seq;
            self->m_data.session.updated = result.value().ts;
            qCDebug(lcSessions) << self->id() << "event" << result.value().seq
                                << result.value().typeName();
            Q_EMIT self->eventAppended(result.value());
        } else {
            self->fail(result.error());
        }
        self->settle();
    });
}

void Session::appendMessage(const ChatMessage &message)
{
    SessionRecord &r = m_data.session;
    m_data.messages.append(message);
    r.messageCount = int(m_data.messages.size());
    if (!r.renamed && r.title.isEmpty() && message.role == ChatMessage::Role::User)
        r.title = SessionTitle::fromMessage(message.text);
    ++m_pending;
    QPointer<Session> self(this);
    m_store->appendMessage(m_lease, message, [self](StoreResult<bool> result) {
        if (!self)
            return;
        if (!result.ok())
            self->fail(result.error());
        self->settle();
    });
}

void Session::afterPending(std::function<void()> done)
{
    if (m_pending == 0)
        QMetaObject::invokeMethod(this, done, Qt::QueuedConnection);
    else
        m_whenSettled.append(std::move(done));
}

void Session::settle()
{
    if (--m_pending > 0)
        return;
    const auto waiting = std::exchange(m_whenSettled, {});
    for (const auto &f : waiting)
        f();
}

void Session::fail(const StoreError &error)
{
    if (std::exchange(m_failed, true))
        return;
    qCWarning(lcSessions).noquote() << "session" << id() << "could not store a write of turn"
                                    << m_lease.turnId << "-" << error.message;
    Q_EMIT writeFailed(error);
}

void Session::renew()
{
    if (!isBusy() || m_lease.fence == 0)
        return;
    QPointer<Session> self(this);
    m_store->renewLease(m_lease, [self](StoreResult<Lease> result) {
        if (self && !result.ok() && result.error().code == StoreError::Code::Fenced)
            self->fail(result.error());
    });
}
