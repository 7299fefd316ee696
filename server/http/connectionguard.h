#pragma once

#include "apierror.h"
#include "connectionlimits.h"
#include "requestframer.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <optional>

class GuardedSocket;

/// Stands in front of QtHttpServer on one client connection and sees every byte first.
///
/// Its readyRead slot is connected before QtHttpServer's (GuardedTcpServer connects it before
/// it hands the socket over), so it frames each request with a strict RequestFramer from
/// peek() before QtHttpServer reads it, and refuses (an error answer, then close) what breaks
/// a limit or the framing, a body without the token, a request that is not complete within
/// the request timeout (408), and a request pipelined behind one that is not answered yet.
/// It also closes a connection idle for the idle timeout, and drops what a client sends on a
/// connection that carries an event stream. A second slot, kept after QtHttpServer's, notes
/// what QtHttpServer left unread.
///
/// ResponseWriter tells it when an answer is written (responseFinished) or a stream begins.
class ConnectionGuard : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionGuard)

public:
    /// Decides, from the head of a request with a body, whether to refuse it before the body
    /// is read (the token check); nullopt: go on.
    using HeadCheck = std::function<std::optional<ApiError>(const RequestHead &)>;

    /// `maxBodyBytes` bounds every body; `bodyLimit` (optional) gives one request's own limit
    /// from its head (RequestFramer::Limits::bodyLimit).
    ConnectionGuard(GuardedSocket *socket, const ConnectionLimits &limits, qint64 maxBodyBytes,
                    HeadCheck headCheck, std::function<qint64(const RequestHead &)> bodyLimit = {});
    ~ConnectionGuard() override;

    /// Connects the slot that must run after QtHttpServer's (call after handing the socket over).
    void attachAfterServer();

    /// The guard of a socket (its child), or nullptr.
    [[nodiscard]] static ConnectionGuard *of(const QObject *socket);
    /// The guard whose readyRead is being handled right now (QtHttpServer calls the request
    /// handlers inside it), or nullptr.
    [[nodiscard]] static ConnectionGuard *current();
    [[nodiscard]] GuardedSocket *socket() const;

    /// An answer to the oldest unanswered request was written completely.
    void responseFinished();
    /// The oldest unanswered request is answered with an event stream from now on.
    void streamStarted();
    [[nodiscard]] bool isStreaming() const { return m_streaming; }
    [[nodiscard]] bool isRefused() const { return m_refused; }

Q_SIGNALS:
    /// The guard refused the connection (status as written).
    void refused(int status);

private:
    void beforeServer();
    void afterServer();
    void refuse(const ApiError &error);
    void refusePipelined();
    void drain();
    void closeRefused();
    void dropInput();
    void updateTimers();
    void onRequestTimeout();
    void onIdleTimeout();

    QPointer<GuardedSocket> m_socket;
    RequestFramer m_framer;
    HeadCheck m_headCheck;
    int m_requestTimeoutMs;
    int m_idleTimeoutMs;
    QTimer m_requestTimer;
    QTimer m_idleTimer;
    QTimer m_lingerQuiet;
    QMetaObject::Connection m_after;
    qint64 m_seen = 0; ///< bytes at the front of the socket's buffer the framer already had
    qint64 m_drained = 0; ///< bytes dropped after a refusal
    quint64 m_completed = 0; ///< requests framed completely
    quint64 m_answered = 0; ///< of those, answered
    quint64 m_pipelinedAfter = 0; ///< > 0: a request began before this many were answered
    bool m_streaming = false;
    bool m_refused = false;
};
