#include "session.h"

#include "logging.h"
#include "sessiontitle.h"

#include <QUuid>

#include <algorithm>

Session::Session(const QString &id, QObject *parent)
    : QObject(parent)
    , m_id(id.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : id)
    , m_created(QDateTime::currentDateTimeUtc())
    , m_updated(m_created)
{ }

Session::~Session() = default;

void Session::touch()
{
    m_updated = QDateTime::currentDateTimeUtc();
}

void Session::appendMessage(const ChatMessage &message)
{
    m_messages.append(message);
    if (!m_renamed && m_title.isEmpty() && message.role == ChatMessage::Role::User)
        m_title = SessionTitle::fromMessage(message.text);
    touch();
}

void Session::setTitle(const QString &title)
{
    m_title = title;
    m_renamed = true;
    touch();
}

void Session::setMessages(const QList<ChatMessage> &messages)
{
    m_messages = messages;
    touch();
}

StreamEvent Session::append(StreamEvent event)
{
    event.sessionId = m_id;
    event.seq = ++m_lastSeq;
    event.ts = QDateTime::currentDateTimeUtc();
    m_updated = event.ts;
    m_events.append(event);
    qCDebug(lcSessions) << m_id << "event" << event.seq << event.typeName();
    Q_EMIT eventAppended(event);
    return event;
}

QList<StreamEvent> Session::eventsAfter(qint64 seq) const
{
    // The log is sorted by seq: find the first one past `seq`.
    const auto first = std::upper_bound(
            m_events.cbegin(), m_events.cend(), seq,
            [](qint64 value, const StreamEvent &event) { return value < event.seq; });
    return QList<StreamEvent>(first, m_events.cend());
}

bool Session::beginTurn(const QString &turnId)
{
    if (isBusy() || turnId.isEmpty())
        return false;
    m_turnId = turnId;
    ++m_turnCount;
    touch();
    Q_EMIT busyChanged(true);
    return true;
}

void Session::endTurn()
{
    if (!isBusy())
        return;
    m_turnId.clear();
    touch();
    Q_EMIT busyChanged(false);
}
