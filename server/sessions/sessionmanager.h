#pragma once

#include <QObject>
#include <QTimer>

class Session;
class LegacyStore;

/// The sessions of a server: creates, finds and ends them through a LegacyStore, and ends
/// idle ones. It holds at most `maxSessions`: past that, create() fails with CreateError::Full
/// (so a client cannot fill memory with sessions that are kept for the idle TTL).
///
/// A session idle for longer than the TTL (no message, event or touch) is expired by a periodic
/// check: it gets a `session_end` event with reason "expired" (so connected streams learn why),
/// then it is removed. A busy session (a turn runs) never expires. remove() ends a session with
/// reason "deleted"; shutdown() ends all with "shutdown".
class SessionManager : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionManager)

public:
    struct Options
    {
        qint64 idleTtlMs = 60 * 60 * 1000; ///< 1 hour
        int checkIntervalMs = 60 * 1000; ///< how often idle sessions are looked for
        int maxSessions = 1000; ///< sessions held at most (config: sessions.max_sessions)
    };

    /// Why create() returned null.
    enum class CreateError {
        IdTaken, ///< a session with this id exists
        Full, ///< the manager holds maxSessions sessions
    };

    /// `store` must outlive the manager.
    SessionManager(LegacyStore *store, Options options, QObject *parent = nullptr);
    explicit SessionManager(LegacyStore *store, QObject *parent = nullptr)
        : SessionManager(store, Options(), parent)
    { }
    ~SessionManager() override;

    [[nodiscard]] const Options &options() const { return m_options; }
    void setIdleTtlMs(qint64 ms) { m_options.idleTtlMs = ms; }
    void setMaxSessions(int max) { m_options.maxSessions = max; }
    [[nodiscard]] LegacyStore *store() const { return m_store; }

    /// A new session (`id` empty: a new UUID); null if the id is taken or the cap is reached,
    /// with the reason in `*error` when given.
    Session *create(const QString &id = {}, CreateError *error = nullptr);
    /// The message for people of a CreateError: names the id, or the cap and how to raise it.
    [[nodiscard]] QString errorMessage(CreateError error) const;
    /// The session with `id` (marked as used), or null.
    [[nodiscard]] Session *get(const QString &id) const;
    [[nodiscard]] QList<Session *> list() const;
    /// Ends a session: `session_end` {reason}, then it is removed. False for an unknown id.
    bool remove(const QString &id, const QString &reason = QStringLiteral("deleted"));
    /// Ends every session with reason "shutdown".
    void shutdown();
    /// Ends the sessions idle for longer than the TTL now; returns how many (the timer calls it).
    int expireIdle();

Q_SIGNALS:
    void sessionCreated(Session *session);
    /// After its session_end event; the session object is deleted later.
    void sessionRemoved(const QString &id, const QString &reason);

private:
    LegacyStore *m_store;
    Options m_options;
    QTimer m_timer;
};
