#pragma once

#include "streamevent.h"

#include <QHash>
#include <QHttpServerResponder>
#include <QObject>
#include <QPointer>
#include <QSharedPointer>
#include <QTimer>

class SessionService;
class SseStream;
struct SseFeed;

/// The open event streams: at most `maxConnections` at a time, tracked per session (a session
/// may have several; each gets every event), a heartbeat comment on idle streams, replay from
/// a Last-Event-ID, and fan-out of each new session event, encoded once into the session's
/// shared feed that every stream of the session reads at its own pace.
///
/// `session_start` opens every connection; it carries no SSE `id` so it never moves the
/// client's resume point. After a session's `session_end`, its streams are closed.
class SseConnectionManager : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SseConnectionManager)

public:
    struct Options
    {
        int maxConnections = 50;
        int heartbeatMs = 15000;
        qint64 maxBehindBytes = 4 * 1024 * 1024; ///< a reader this far behind is cut
    };

    /// Follows the new events of every session of `sessions` (not owned).
    SseConnectionManager(SessionService *sessions, Options options, QObject *parent = nullptr);
    ~SseConnectionManager() override;

    [[nodiscard]] bool isFull() const { return connectionCount() >= m_options.maxConnections; }
    [[nodiscard]] int connectionCount() const { return m_count; }
    [[nodiscard]] int connectionsFor(const QString &sessionId) const;
    [[nodiscard]] quint64 eventsSent() const { return m_eventsSent; }
    [[nodiscard]] const Options &options() const { return m_options; }

    /// Opens a stream on the session `sessionId`: headers, `sessionStart`, the stored events
    /// with seq > afterSeq, then every new event live.
    void attach(QHttpServerResponder &&responder, const QString &sessionId, qint64 afterSeq,
                const StreamEvent &sessionStart,
                const QList<QPair<QByteArray, QByteArray>> &headers);
    /// Closes every stream (server shutdown, after the sessions' session_end).
    void closeAll();

    /// One SSE frame for a stored event: `id: <seq>`, `event: <type>`, `data: <json>`.
    [[nodiscard]] static QByteArray encode(const StreamEvent &event, bool withId = true);

Q_SIGNALS:
    void connectionCountChanged(int count);

private:
    /// The open streams of one session and the feed they share.
    struct Fanout
    {
        QSharedPointer<SseFeed> feed;
        QList<SseStream *> streams;
    };

    void onEvent(const QString &sessionId, const StreamEvent &event);
    void onStreamClosed(SseStream *stream, const QString &why);
    void heartbeat();
    [[nodiscard]] QList<SseStream *> allStreams() const;

    SessionService *m_sessionService;
    Options m_options;
    QHash<QString, Fanout> m_sessions; // session id -> its streams
    QTimer m_heartbeat;
    int m_count = 0;
    quint64 m_eventsSent = 0;
};
