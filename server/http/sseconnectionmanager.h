#pragma once

#include "streamevent.h"

#include <QHash>
#include <QHttpServerResponder>
#include <QObject>
#include <QPointer>
#include <QSharedPointer>
#include <QTimer>

class ResponseWriter;
class SessionService;
class SseStream;
struct SseFeed;

/// The open event streams: at most `maxConnections` at a time, tracked per session (a session
/// may have several; each gets every event), a heartbeat comment on idle streams, replay from
/// a Last-Event-ID, and fan-out of each committed session event, encoded once into the
/// session's shared feed that every stream of the session reads at its own pace.
///
/// Replay reads the store page by page (kReplayPage events, the next page once the socket
/// took the last) while the stream holds its place in the feed; then the stream follows the
/// feed from the first event after the replayed ones: nothing missed, nothing twice. A resume
/// point the store no longer has gets `stream_reset` first, then the events from the oldest
/// it has. `session_start` opens every connection and `session_end` closes it (deleted,
/// expired, shutdown); neither carries an SSE `id`, so they never move the resume point.
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

    /// Follows the committed events of every session of `sessions` (not owned).
    SseConnectionManager(SessionService *sessions, Options options, QObject *parent = nullptr);
    ~SseConnectionManager() override;

    [[nodiscard]] bool isFull() const { return connectionCount() >= m_options.maxConnections; }
    [[nodiscard]] int connectionCount() const { return m_count; }
    [[nodiscard]] int connectionsFor(const QString &sessionId) const;
    [[nodiscard]] quint64 eventsSent() const { return m_eventsSent; }
    [[nodiscard]] const Options &options() const { return m_options; }

    /// Opens a stream on the session `sessionId` (takes `writer`): headers, `sessionStart`,
    /// the stored events with seq > afterSeq, then every new event live.
    void attach(ResponseWriter *writer, const QString &sessionId, qint64 afterSeq,
                const StreamEvent &sessionStart,
                const QList<QPair<QByteArray, QByteArray>> &headers);
    /// Ends every stream with `session_end` {reason: "shutdown"} (server shutdown).
    void closeAll();

    static constexpr int kReplayPage = 500;
    /// The next replay page waits until the socket holds less than this.
    static constexpr qint64 kReplayLowWater = 64 * 1024;

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
    /// Replays the stored events of `stream` after `afterSeq`, then releases it to the feed.
    void replay(SseStream *stream, qint64 afterSeq);
    /// The next replay page, once the socket holds less than kReplayLowWater.
    void replayLater(SseStream *stream, qint64 afterSeq);
    void endStreams(const QString &sessionId, const QString &reason);
    /// Writes a frame without an id to every stream of `sessionId` (held ones directly).
    void broadcast(const QString &sessionId, const QByteArray &frame);
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
