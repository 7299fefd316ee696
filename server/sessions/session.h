#pragma once

#include "chatmodel.h"
#include "streamevent.h"

#include <QDateTime>
#include <QList>
#include <QObject>

/// One conversation: its messages (user, assistant with tool calls, tool results) and its
/// event log.
///
/// Contract of the event log: append() assigns each event the next sequence number of this
/// session (1, 2, 3, … strictly increasing, never reused, also after events were dropped from
/// memory) and a UTC timestamp, stores it, and emits eventAppended() synchronously, so
/// subscribers see events in seq order. eventsAfter(K) replays every stored event with seq > K.
///
/// At most one turn runs at a time: beginTurn() marks the session busy with the turn id that
/// the turn's events carry.
class Session : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Session)

public:
    /// `id` empty: a new UUID (without braces).
    explicit Session(const QString &id = {}, QObject *parent = nullptr);
    ~Session() override;

    [[nodiscard]] const QString &id() const { return m_id; }
    [[nodiscard]] const QDateTime &created() const { return m_created; }
    /// The last activity (a message, an event, or touch()).
    [[nodiscard]] const QDateTime &updated() const { return m_updated; }
    void touch();

    [[nodiscard]] const QList<ChatMessage> &messages() const { return m_messages; }
    void appendMessage(const ChatMessage &message);
    void setMessages(const QList<ChatMessage> &messages);

    /// Stores `event` with the next seq and the current time; returns the stored event.
    StreamEvent append(StreamEvent event);
    [[nodiscard]] const QList<StreamEvent> &events() const { return m_events; }
    [[nodiscard]] QList<StreamEvent> eventsAfter(qint64 seq) const;
    /// The seq of the last appended event (0 before the first).
    [[nodiscard]] qint64 lastSeq() const { return m_lastSeq; }
    /// Stores can restore a session: the next append gets `seq` + 1.
    void setLastSeq(qint64 seq) { m_lastSeq = std::max(m_lastSeq, seq); }

    /// The title: from the first user message (SessionTitle::fromMessage) until setTitle();
    /// "" before.
    [[nodiscard]] const QString &title() const { return m_title; }
    /// Renames the session (the caller validated `title`); later messages keep it.
    void setTitle(const QString &title);
    /// The turns begun on this session.
    [[nodiscard]] int turnCount() const { return m_turnCount; }

    [[nodiscard]] bool isBusy() const { return !m_turnId.isEmpty(); }
    [[nodiscard]] const QString &turnId() const { return m_turnId; }
    /// Starts a turn; false (and nothing changes) while another turn runs.
    bool beginTurn(const QString &turnId);
    void endTurn();

Q_SIGNALS:
    /// A new event was stored (already with its seq and ts).
    void eventAppended(const StreamEvent &event);
    void busyChanged(bool busy);

private:
    QString m_id;
    QDateTime m_created;
    QDateTime m_updated;
    QList<ChatMessage> m_messages;
    QList<StreamEvent> m_events;
    qint64 m_lastSeq = 0;
    QString m_turnId;
    QString m_title;
    bool m_renamed = false;
    int m_turnCount = 0;
};
