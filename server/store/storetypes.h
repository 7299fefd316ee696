#pragma once

#include "chatmodel.h"
#include "streamevent.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>
#include <utility>

/// Why a store operation failed. The core maps these to its own errors once (SessionService,
/// ChatService); the HTTP layer maps those to statuses (coreerrors.cpp).
struct StoreError
{
    enum class Code {
        NotFound, ///< no session (or turn) with this id
        Conflict, ///< the id is taken (create, import)
        Busy, ///< another turn holds the session's lease
        Fenced, ///< the caller's lease is no longer the current one: the write was refused
        Unavailable, ///< the store cannot be reached now (Redis down or stalled); retry later
        Full, ///< a cap is reached (sessions, bytes)
        Invalid, ///< the request breaks a rule of the store (seq not next, bad document, …)
        Io, ///< the database failed (disk full, corrupt file); the message names it
    };
    Code code = Code::Io;
    QString message; ///< for people; names the id or the bound, never a secret
};

/// The outcome of a store operation: a value or a StoreError.
template<typename T> class StoreResult
{
public:
    StoreResult(T value)
        : m_value(std::move(value))
    { }
    StoreResult(StoreError error)
        : m_error(std::move(error))
    { }
    [[nodiscard]] bool ok() const { return m_value.has_value(); }
    [[nodiscard]] const T &value() const { return *m_value; }
    [[nodiscard]] T &value() { return *m_value; }
    [[nodiscard]] const StoreError &error() const { return m_error; }

private:
    std::optional<T> m_value;
    StoreError m_error;
};

/// What a store keeps of a session besides its messages and events.
struct SessionRecord
{
    QString id;
    QString title; ///< from the first user message until renamed ("" before)
    bool renamed = false; ///< the title was set by a rename: later messages keep it
    QDateTime created; ///< UTC
    QDateTime updated; ///< UTC, the last activity (a message, an event, a rename)
    int turnCount = 0;
    int messageCount = 0;
    qint64 lastSeq = 0; ///< the seq of its last event (0 before the first)
    QString runningTurnId; ///< the turn that holds the lease ("" when none)
};

/// The states of a turn. A turn is Running from beginTurn() until endTurn(); a turn found
/// Running whose owner is gone (a crash, a lost lease) is closed as Interrupted.
enum class TurnState { Running, Answered, MaxIterations, Cancelled, Failed, Interrupted };
[[nodiscard]] QString turnStateName(TurnState state); ///< "running", "answered", …
[[nodiscard]] std::optional<TurnState> turnStateFromName(const QString &name);

struct TurnRecord
{
    QString id;
    QString sessionId;
    TurnState state = TurnState::Running;
    QDateTime started; ///< UTC
    QDateTime ended; ///< UTC; invalid while running
    int iterations = 0;
    qint64 firstSeq = 0; ///< its first event (0: none yet)
    qint64 lastSeq = 0; ///< its last event
};

/// A session as loaded to run a turn or to show it.
struct SessionData
{
    SessionRecord session;
    QList<ChatMessage> messages;
    QList<TurnRecord> turns; ///< oldest first
};

/// GET /api/v3/sessions: sorted by last activity, newest first (ties by id), `cursor` from the
/// previous page's nextCursor, `titleContains` case-insensitive.
struct SessionQuery
{
    int limit = 50; ///< 1..500
    QString cursor; ///< opaque; "" for the first page
    QString titleContains;
};

struct SessionPage
{
    QList<SessionRecord> sessions;
    QString nextCursor; ///< "" after the last page
};

/// Events with seq > afterSeq, oldest first, at most `limit`.
struct EventPage
{
    QList<StreamEvent> events;
    qint64 firstSeq = 0; ///< the oldest event the store still has (0: none)
    qint64 lastSeq = 0; ///< the session's last seq now
    /// The events right after afterSeq are gone (trimmed by retention, or lost by a Redis that
    /// restarted without its data): the caller cannot resume there and must say so.
    bool gap = false;
};

/// The right to write a session's turn. `fence` grows with every lease of the session; a
/// store refuses writes (Fenced) that carry a fence other than the current one.
struct Lease
{
    QString sessionId;
    QString turnId;
    qint64 fence = 0;
};

/// What deleteSession() removed, for the API's answer.
struct DeleteReport
{
    QString sessionId;
    qint64 messages = 0;
    qint64 events = 0;
    qint64 turns = 0;
};

/// Which sessions retention removes: older (last activity) than maxAgeMs, or past the
/// maxSessions most recent. 0 turns a bound off. A session whose turn runs is never removed.
struct RetentionPolicy
{
    qint64 maxAgeMs = 0;
    int maxSessions = 0;
};

/// Everything of one session, for export and import (SessionDocument reads and writes it).
struct SessionArchive
{
    SessionData data;
    QList<StreamEvent> events; ///< the whole log, seq contiguous
};

/// What /health shows of a store.
struct StoreHealth
{
    QString kind; ///< "memory", "sqlite", "redis"
    bool available = true;
    QString detail; ///< why not available, for people
    /// What survives: "none" (memory), "normal" / "full" (SQLite's synchronous); "" unknown
    /// (Redis: the Redis server's appendfsync decides, see warnings).
    QString durability;
    QStringList warnings; ///< e.g. Redis without AOF
    qint64 sessions = -1; ///< last known count (-1: unknown)
};

Q_DECLARE_METATYPE(StoreError)
