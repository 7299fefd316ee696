#pragma once

#include "chatmodel.h"
#include "streamevent.h"

#include <QDateTime>
#include <QList>
#include <QObject>

#include <optional>
#include <variant>

class ChatService;
class Session;
class SessionManager;

/// The sessions as the API (HTTP, CLI, the desktop app's local mode) sees them: value-type
/// summaries and details, create and delete, the event log, and one signal for the new events
/// of every session. Nothing outside the core holds a Session.
///
/// Every call that names a session by id marks it as used (it does not expire while it is
/// read); list() and count() do not.
class SessionService : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionService)

public:
    /// What a session list shows.
    struct Summary
    {
        QString id;
        QDateTime created;
        QDateTime updated; ///< the last activity
        int messageCount = 0;
        qint64 lastSeq = 0; ///< the seq of its last event (0 before the first)
        bool busy = false; ///< a turn runs
        QString turnId; ///< the running turn (empty when not busy)
    };
    /// A session with its messages.
    struct Detail
    {
        Summary summary;
        QList<ChatMessage> messages;
    };
    /// Why create() refused.
    enum class CreateError {
        IdTaken, ///< a session with this id exists
        Full, ///< the cap of sessions is reached
    };
    using CreateResult = std::variant<Summary, CreateError>;

    /// `chat` cancels a session's running turn before it is deleted; neither is owned.
    SessionService(SessionManager *sessions, ChatService *chat, QObject *parent = nullptr);
    ~SessionService() override;

    /// Every session (in no particular order).
    [[nodiscard]] QList<Summary> list() const;
    [[nodiscard]] int count() const;
    [[nodiscard]] std::optional<Summary> summary(const QString &id) const;
    [[nodiscard]] std::optional<Detail> detail(const QString &id) const;
    /// A new session (`id` empty: a new UUID).
    CreateResult create(const QString &id = {});
    /// Cancels its running turn, ends it (`session_end` reason "deleted") and removes it;
    /// false for an unknown id.
    bool remove(const QString &id);
    /// The stored events of a session (empty for an unknown id).
    [[nodiscard]] QList<StreamEvent> events(const QString &id) const;
    /// The stored events with seq > `afterSeq`.
    [[nodiscard]] QList<StreamEvent> eventsAfter(const QString &id, qint64 afterSeq) const;
    /// The message for people of a CreateError: names the cap and how to raise it.
    [[nodiscard]] QString errorMessage(CreateError error) const;

Q_SIGNALS:
    /// A session stored a new event (with its seq and ts), synchronously and in seq order:
    /// a subscriber that replays eventsAfter() and then follows this signal misses nothing.
    void eventAppended(const QString &sessionId, const StreamEvent &event);

private:
    void follow(Session *session);

    SessionManager *m_sessions;
    ChatService *m_chat;
};
