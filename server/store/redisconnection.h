#pragma once

#include "redisreply.h"
#include "redisscript.h"
#include "respparser.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>

class QTcpSocket;

/// One connection to Redis on Qt's event loop: QTcpSocket for the I/O, hiredis's RESP parser
/// (RespParser, bounded) for the replies. Commands are pipelined and answered in order.
///
/// Not hiredis's async API: its 0.14 version has no timeouts and abort()s on a reply it did
/// not expect (an unsolicited reply, a short pub/sub message), and a Redis is a network peer
/// that must not be able to crash us.
///
/// - Connect timeout and per-command timeout: a Redis that does not answer (SIGSTOP, a lost
///   network) fails every pending command with an Unavailable reply after commandTimeoutMs, and
///   the connection is dropped and made again with a backoff (backoffMinMs doubling to
///   backoffMaxMs). Commands sent while it connects wait (up to their timeout); while it waits
///   to reconnect they fail at once (later, never inside the call).
/// - At every connect it selects the database, loads the registered scripts, and (subscriber)
///   subscribes its channels before it is ready(); evalScript() falls back to EVAL on NOSCRIPT.
/// - Subscriber mode (subscribe()): pushes arrive as message(); no other commands are sent.
/// Callbacks are never called after the connection is destroyed.
class RedisConnection : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RedisConnection)

public:
    struct Options
    {
        QString host = QStringLiteral("127.0.0.1");
        quint16 port = 6379;
        int db = 0;
        int connectTimeoutMs = 2000;
        int commandTimeoutMs = 3000;
        int backoffMinMs = 100;
        int backoffMaxMs = 2000;
    };
    using Callback = std::function<void(const RedisReply &)>;

    explicit RedisConnection(const Options &options, QObject *parent = nullptr);
    ~RedisConnection() override;

    /// Loaded (SCRIPT LOAD) at every connect, before ready().
    void registerScript(const RedisScript &script);
    /// Subscriber mode: these channels are subscribed at every connect.
    void subscribe(const QList<QByteArray> &channels);
    void start();
    void stop();

    [[nodiscard]] bool isReady() const { return m_state == State::Ready; }
    [[nodiscard]] QString lastError() const { return m_lastError; }
    [[nodiscard]] const Options &options() const { return m_options; }

    void command(const QList<QByteArray> &args, Callback callback);
    void evalScript(const RedisScript &script, const QList<QByteArray> &keys,
                    const QList<QByteArray> &args, Callback callback);
    /// Writes what was sent so far now rather than when the event loop next finds the socket
    /// writable (QTcpSocket buffers): for a caller that just sent a large batch and has nothing
    /// more to add to it. Commands sent one by one are best left to coalesce.
    void flush();
    /// Drops the connection now (as after a timeout) and reconnects with the backoff.
    void reset(const QString &why);

Q_SIGNALS:
    void ready();
    /// The connection failed or was lost (every pending command got Unavailable).
    void lost(const QString &why);
    void message(const QByteArray &channel, const QByteArray &payload);

private:
    enum class State { Idle, Connecting, Handshake, Ready, Backoff };
    struct Pending
    {
        Callback callback;
        qint64 deadline = 0;
        bool internal = false;
    };

    void connectNow();
    void onConnected();
    void onReadyRead();
    void onSocketError();
    void handleReply(RedisReply reply);
    void send(const QList<QByteArray> &args, Callback callback, bool internal);
    void fail(const QString &why);
    void failLater(Callback callback, const QString &why);
    void check();
    void handshakeStep(const RedisReply &reply);

    Options m_options;
    QList<RedisScript> m_scripts;
    QList<QByteArray> m_channels;
    State m_state = State::Idle;
    QTcpSocket *m_socket = nullptr;
    std::unique_ptr<RespParser> m_parser;
    std::deque<Pending> m_pending; ///< sent, waiting for their replies (in order)
    std::deque<std::pair<QList<QByteArray>, Pending>> m_waiting; ///< not sent yet (connecting)
    int m_handshakeLeft = 0;
    int m_backoffMs = 0;
    qint64 m_connectDeadline = 0;
    QElapsedTimer m_clock;
    QTimer m_checkTimer;
    QTimer m_backoffTimer;
    QString m_lastError;
    bool m_subscribed = false;
};
