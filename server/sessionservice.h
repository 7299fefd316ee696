#pragma once

#include "sessionstore.h"
#include "streamevent.h"

#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>

/// The sessions as the API (HTTP, CLI, the desktop app's local mode) sees them, over the
/// SessionStore: list pages, counts, details, create (with the cap), rename, delete, the event
/// log, export and import, retention on a timer, and one signal for the committed events of
/// every session. Everything answers through callbacks (the store is asynchronous); errors are
/// the store's StoreError, mapped to HTTP once (coreerrors.cpp).
class SessionService : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionService)

public:
    template<typename T> using Done = SessionStore::Done<T>;

    struct Options
    {
        int maxSessions = 1000; ///< create() refuses past this (config: sessions.max_sessions)
        RetentionPolicy retention; ///< applied every retentionCheckMs (0 bounds: off)
        int retentionCheckMs = 60 * 1000;
    };

    /// `store` is not owned and must outlive the service.
    SessionService(SessionStore *store, Options options, QObject *parent = nullptr);
    ~SessionService() override;

    [[nodiscard]] SessionStore *store() const { return m_store; }
    [[nodiscard]] const Options &options() const { return m_options; }
    /// Called with a session's id before it is deleted (ChatService cancels its turn).
    void setBeforeDelete(std::function<void(const QString &)> hook) { m_beforeDelete = hook; }

    void list(const SessionQuery &query, Done<SessionPage> done);
    void count(Done<qint64> done);
    void summary(const QString &id, Done<SessionRecord> done);
    void detail(const QString &id, Done<SessionData> done);
    /// A new session (`id` empty: a new UUID); Full past maxSessions, Conflict if taken.
    void create(const QString &id, Done<SessionRecord> done);
    /// Cancels its running turn, deletes it for real; streams get `session_end` "deleted".
    void remove(const QString &id, Done<DeleteReport> done);
    /// `title` already validated (SessionTitle::validate).
    void rename(const QString &id, const QString &title, Done<SessionRecord> done);
    void readEvents(const QString &id, qint64 afterSeq, int limit, Done<EventPage> done);
    /// The session with its whole event log.
    void exportArchive(const QString &id, Done<SessionArchive> done);
    /// Stores a validated archive as a new session with a new id (the source is untouched).
    void importArchive(SessionArchive archive, Done<SessionRecord> done);
    /// Applies the retention policy now (the timer calls it).
    void applyRetention(Done<QStringList> done = {});

    /// The message of the cap for people: names it and how to raise it.
    [[nodiscard]] QString fullMessage() const;

Q_SIGNALS:
    /// A session's event was committed (with its seq and ts), in seq order per session.
    void eventAppended(const QString &sessionId, const StreamEvent &event);
    /// A session is gone: `reason` "deleted" or "expired" (retention).
    void sessionRemoved(const QString &sessionId, const QString &reason);
    /// The store lost acknowledged data (SessionStore::dataLost).
    void dataLost(const QString &why);

private:
    void readAll(const QString &id, qint64 afterSeq, SessionArchive archive,
                 Done<SessionArchive> done);

    SessionStore *m_store;
    Options m_options;
    std::function<void(const QString &)> m_beforeDelete;
    QSet<QString> m_deleting; ///< ids remove() deletes now
    int m_retentionRuns = 0; ///< retention passes under way (their deletions are "expired")
    QTimer m_retention;
};
