#pragma once

#include "apitypes.h"
#include "streamevent.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;
class QNetworkReply;
class SseParser;

/// One session's event stream, `GET /api/v3/chat/stream` over QNetworkAccessManager (each
/// client has its own: one QNetworkAccessManager allows only 6 connections to a host).
///
/// It reconnects by itself after a dropped connection, with backoff (setReconnectDelays; the
/// stream's `retry:` and a 503's or 429's Retry-After override the next delay), resuming with
/// Last-Event-ID; an event whose seq is not above lastSeq() (a replay of one already seen) is
/// dropped, so each arrives once. A connection that carries no byte (heartbeat comments count)
/// for setHeartbeatTimeout() is taken for dead: aborted and reopened. Answers that retrying
/// cannot fix (400, 401, 403, 404, a stream that is not text/event-stream, a line or event over
/// setMaxEventBytes()) end in State::Failed with failed(). After `session_end` (deleted or
/// expired) the stream is Closed; after `session_end` "shutdown" it keeps reconnecting.
class EventStreamClient : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventStreamClient)
public:
    enum class State { Closed, Connecting, Open, Reconnecting, Failed };
    Q_ENUM(State)

    explicit EventStreamClient(QObject *parent = nullptr);
    ~EventStreamClient() override;

    void setBaseUrl(const QUrl &);
    [[nodiscard]] QUrl baseUrl() const { return m_baseUrl; }
    void setToken(const QString &);
    /// Opens the stream of `sessionId` (empty: the server creates a session, whose id
    /// session_start carries and reconnections then use); `afterSeq` > 0 is sent as
    /// Last-Event-ID (0: the server replays the whole log). Closes any stream open before.
    void open(const QString &sessionId, qint64 afterSeq = 0);
    void close();

    [[nodiscard]] QString sessionId() const { return m_sessionId; }
    [[nodiscard]] qint64 lastSeq() const { return m_lastSeq; }
    [[nodiscard]] State state() const { return m_state; }
    /// The error that ended in Failed (or the last reconnect reason while Reconnecting).
    [[nodiscard]] std::optional<ApiError> lastError() const { return m_lastError; }

    void setHeartbeatTimeout(int ms); ///< default 45000; no byte for that long = dead, reconnect
    [[nodiscard]] int heartbeatTimeout() const { return m_heartbeatTimeoutMs; }
    /// default 500, 30000; the delay doubles with each failed attempt up to maxMs, and is back to
    /// initialMs once a connection opened
    void setReconnectDelays(int initialMs, int maxMs);
    /// Largest SSE line and event (data) accepted; default 8 MiB. Past it: Failed, "too_large".
    void setMaxEventBytes(qint64 bytes);
    [[nodiscard]] qint64 maxEventBytes() const { return m_maxEventBytes; }

    /// Connections opened so far (the first one and every reconnection).
    [[nodiscard]] int connectionCount() const { return m_connections; }
    /// Heartbeat (and other) comment lines received so far.
    [[nodiscard]] qint64 commentCount() const { return m_comments; }
    /// Events dropped because their seq was not above lastSeq() (replays of seen ones).
    [[nodiscard]] qint64 duplicateCount() const { return m_duplicates; }

Q_SIGNALS:
    /// seq <= lastSeq dropped (session_start has no id and always passes); lastSeq advances.
    /// Types this client does not know are skipped (they still advance lastSeq).
    void eventReceived(const StreamEvent &event);
    void stateChanged(EventStreamClient::State state);
    void reconnecting(int attempt, int delayMs, const QString &reason);
    void failed(const ApiError &error); ///< not retryable (401/403/404/400): State::Failed

private:
    void connectNow();
    void onReadyRead();
    void onFinished();
    void onWatchdog();
    void setState(State);
    void scheduleReconnect(const QString &reason, std::optional<int> overrideMs);
    void fail(const ApiError &);
    void dropReply();
    bool handleHead();
    void handleData(QByteArrayView chunk);
    void handleEvent(const QByteArray &type, const QByteArray &id, bool hasId,
                     const QByteArray &data);

    QNetworkAccessManager *m_nam;
    QPointer<QNetworkReply> m_reply;
    std::unique_ptr<SseParser> m_parser;
    QTimer m_retryTimer;
    QTimer m_watchdog;
    QElapsedTimer m_sinceByte;
    QUrl m_baseUrl;
    QByteArray m_authorization;
    QString m_sessionId;
    qint64 m_lastSeq = 0;
    State m_state = State::Closed;
    std::optional<ApiError> m_lastError;
    std::optional<int> m_streamRetryMs; // the stream's `retry:`
    QByteArray m_errorBody; // a non-stream answer's body (bounded)
    int m_heartbeatTimeoutMs = 45000;
    int m_initialDelayMs = 500;
    int m_maxDelayMs = 30000;
    qint64 m_maxEventBytes = 8LL * 1024 * 1024;
    int m_attempt = 0; // failed attempts since the last open
    int m_connections = 0;
    qint64 m_comments = 0;
    qint64 m_duplicates = 0;
    quint64 m_generation = 0; // bumped whenever the current reply is dropped
    bool m_headSeen = false;
    bool m_isStream = false;
    bool m_ended = false; // session_end deleted/expired seen
};
