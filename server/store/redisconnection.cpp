#include "redisconnection.h"

#include "redislogging.h"

#include <QAbstractSocket>
#include <QPointer>
#include <QTcpSocket>

#include <algorithm>

namespace {
constexpr int kCheckIntervalMs = 50;
constexpr qint64 kReadChunk = 1024 * 1024;
} // namespace

RedisConnection::RedisConnection(const Options &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_backoffMs(options.backoffMinMs)
{
    m_clock.start();
    m_checkTimer.setInterval(kCheckIntervalMs);
    connect(&m_checkTimer, &QTimer::timeout, this, &RedisConnection::check);
    m_backoffTimer.setSingleShot(true);
    connect(&m_backoffTimer, &QTimer::timeout, this, &RedisConnection::connectNow);
}

RedisConnection::~RedisConnection()
{
    // No callback after destruction: drop them without calling.
    m_pending.clear();
    m_waiting.clear();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        delete m_socket;
    }
}

void RedisConnection::registerScript(const RedisScript &script)
{
    m_scripts.append(script);
}

void RedisConnection::subscribe(const QList<QByteArray> &channels)
{
    m_channels = channels;
}

void RedisConnection::start()
{
    if (m_state != State::Idle)
        return;
    m_checkTimer.start();
    connectNow();
}

void RedisConnection::stop()
{
    m_backoffTimer.stop();
    m_checkTimer.stop();
    if (m_state != State::Idle)
        fail(QStringLiteral("the connection was closed"));
    m_backoffTimer.stop();
    m_state = State::Idle;
}

void RedisConnection::connectNow()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    m_state = State::Connecting;
    m_subscribed = false;
    m_parser = std::make_unique<RespParser>();
    m_socket = new QTcpSocket(this);
    connect(m_socket, &QTcpSocket::connected, this, &RedisConnection::onConnected);
    connect(m_socket, &QTcpSocket::readyRead, this, &RedisConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &RedisConnection::onSocketError);
    connect(m_socket, &QTcpSocket::disconnected, this,
            [this] { fail(QStringLiteral("Redis closed the connection")); });
    m_connectDeadline = m_clock.elapsed() + m_options.connectTimeoutMs;
    m_socket->connectToHost(m_options.host, m_options.port);
}

void RedisConnection::onConnected()
{
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_socket->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
    m_state = State::Handshake;
    QList<QList<QByteArray>> steps;
    steps.append({QByteArrayLiteral("SELECT"), QByteArray::number(m_options.db)});
    for (const RedisScript &s : std::as_const(m_scripts))
        steps.append({QByteArrayLiteral("SCRIPT"), QByteArrayLiteral("LOAD"), s.body});
    for (const QByteArray &ch : std::as_const(m_channels))
        steps.append({QByteArrayLiteral("SUBSCRIBE"), ch});
    m_handshakeLeft = int(steps.size());
    for (const auto &args : std::as_const(steps)) {
        send(
                args, [this](const RedisReply &reply) { handshakeStep(reply); }, true);
        if (args.constFirst() == "SUBSCRIBE")
            m_subscribed = true;
    }
}

void RedisConnection::handshakeStep(const RedisReply &reply)
{
    if (reply.isUnavailable())
        return; // fail() is already under way
    if (reply.isError() || reply.type == RedisReply::Type::Nil) {
        fail(QStringLiteral("Redis refused the connection's setup: %1").arg(reply.describe()));
        return;
    }
    if (--m_handshakeLeft > 0)
        return;
    m_state = State::Ready;
    m_backoffMs = m_options.backoffMinMs;
    m_lastError.clear();
    auto waiting = std::move(m_waiting);
    m_waiting.clear();
    for (auto &w : waiting)
        send(w.first, std::move(w.second.callback), false);
    qCInfo(lcRedis) << "connected to" << m_options.host << m_options.port << "db" << m_options.db;
    Q_EMIT ready();
}

void RedisConnection::send(const QList<QByteArray> &args, Callback callback, bool internal)
{
    Pending p;
    p.callback = std::move(callback);
    p.deadline = m_clock.elapsed() + m_options.commandTimeoutMs;
    p.internal = internal;
    m_pending.push_back(std::move(p));
    m_socket->write(RespParser::format(args));
}

void RedisConnection::flush()
{
    if (m_socket && m_state == State::Ready)
        m_socket->flush();
}

void RedisConnection::command(const QList<QByteArray> &args, Callback callback)
{
    switch (m_state) {
    case State::Ready:
        if (m_subscribed)
            return failLater(std::move(callback),
                             QStringLiteral("a subscriber connection sends no commands"));
        send(args, std::move(callback), false);
        return;
    case State::Connecting:
    case State::Handshake: {
        Pending p;
        p.callback = std::move(callback);
        p.deadline = m_clock.elapsed() + m_options.commandTimeoutMs;
        m_waiting.emplace_back(args, std::move(p));
        return;
    }
    case State::Idle:
    case State::Backoff:
        return failLater(std::move(callback),
                         m_lastError.isEmpty() ? QStringLiteral("not connected to Redis")
                                               : m_lastError);
    }
}

void RedisConnection::evalScript(const RedisScript &script, const QList<QByteArray> &keys,
                                 const QList<QByteArray> &args, Callback callback)
{
    QList<QByteArray> argv;
    argv.reserve(keys.size() + args.size() + 3);
    argv << QByteArrayLiteral("EVALSHA") << script.sha << QByteArray::number(keys.size());
    argv << keys << args;
    QPointer<RedisConnection> self(this);
    command(argv, [self, argv, body = script.body, callback](const RedisReply &reply) {
        if (!reply.isError() || !reply.str.startsWith("NOSCRIPT") || !self) {
            callback(reply);
            return;
        }
        // The script cache was flushed since the connection loaded it: run the body (which
        // also caches it again).
        QList<QByteArray> eval = argv;
        eval[0] = QByteArrayLiteral("EVAL");
        eval[1] = body;
        self->command(eval, callback);
    });
}

void RedisConnection::failLater(Callback callback, const QString &why)
{
    QPointer<RedisConnection> self(this);
    QMetaObject::invokeMethod(
            this,
            [self, callback = std::move(callback), why] {
                if (self && callback)
                    callback(RedisReply::unavailable(why));
            },
            Qt::QueuedConnection);
}

void RedisConnection::onReadyRead()
{
    QPointer<RedisConnection> self(this);
    RespParser *parser = m_parser.get();
    while (m_socket && m_socket->bytesAvailable() > 0) {
        const QByteArray bytes = m_socket->read(kReadChunk);
        if (!parser->feed(bytes)) {
            reset(QStringLiteral("Redis sent %1").arg(parser->error()));
            return;
        }
        while (true) {
            std::optional<RedisReply> reply = parser->next();
            if (!reply) {
                if (parser->failed()) {
                    reset(QStringLiteral("Redis sent %1").arg(parser->error()));
                    return;
                }
                break;
            }
            handleReply(std::move(*reply));
            if (!self || m_parser.get() != parser)
                return; // destroyed or reset by a callback
        }
    }
}

void RedisConnection::handleReply(RedisReply reply)
{
    if (m_subscribed && reply.isArray() && reply.size() == 3) {
        const QByteArray *kind = reply.stringAt(0);
        const QByteArray *channel = reply.stringAt(1);
        const QByteArray *payload = reply.stringAt(2);
        if (kind && channel && payload && *kind == "message") {
            Q_EMIT message(*channel, *payload);
            return;
        }
    }
    if (m_pending.empty()) {
        reset(QStringLiteral("Redis sent a reply nobody asked for (%1)").arg(reply.describe()));
        return;
    }
    Pending p = std::move(m_pending.front());
    m_pending.pop_front();
    if (p.callback)
        p.callback(reply);
}

void RedisConnection::onSocketError()
{
    if (!m_socket)
        return;
    fail(QStringLiteral("Redis at %1:%2: %3")
                 .arg(m_options.host)
                 .arg(m_options.port)
                 .arg(m_socket->errorString()));
}

void RedisConnection::reset(const QString &why)
{
    qCWarning(lcRedis) << "dropping the connection:" << why;
    fail(why);
}

void RedisConnection::fail(const QString &why)
{
    if (m_state == State::Idle || m_state == State::Backoff)
        return;
    const bool wasReady = m_state == State::Ready;
    m_lastError = why;
    m_state = State::Backoff;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    m_parser.reset();
    m_subscribed = false;
    auto pending = std::move(m_pending);
    m_pending.clear();
    auto waiting = std::move(m_waiting);
    m_waiting.clear();
    m_backoffTimer.start(m_backoffMs);
    m_backoffMs = std::min(m_backoffMs * 2, m_options.backoffMaxMs);
    if (wasReady)
        qCWarning(lcRedis) << "lost Redis:" << why;
    QPointer<RedisConnection> self(this);
    const RedisReply failure = RedisReply::unavailable(why);
    for (Pending &p : pending) {
        if (p.callback && !p.internal)
            p.callback(failure);
        if (!self)
            return;
    }
    for (auto &w : waiting) {
        if (w.second.callback)
            w.second.callback(failure);
        if (!self)
            return;
    }
    Q_EMIT lost(why);
}

void RedisConnection::check()
{
    const qint64 now = m_clock.elapsed();
    if (m_state == State::Connecting && now > m_connectDeadline) {
        fail(QStringLiteral("Redis at %1:%2 did not accept the connection within %3 ms")
                     .arg(m_options.host)
                     .arg(m_options.port)
                     .arg(m_options.connectTimeoutMs));
        return;
    }
    if (!m_pending.empty() && now > m_pending.front().deadline) {
        reset(QStringLiteral("Redis did not answer within %1 ms").arg(m_options.commandTimeoutMs));
        return;
    }
    QPointer<RedisConnection> self(this);
    while (!m_waiting.empty() && now > m_waiting.front().second.deadline) {
        Callback cb = std::move(m_waiting.front().second.callback);
        m_waiting.pop_front();
        if (cb)
            cb(RedisReply::unavailable(QStringLiteral("could not reach Redis within %1 ms (%2)")
                                               .arg(m_options.commandTimeoutMs)
                                               .arg(m_lastError.isEmpty()
                                                            ? QStringLiteral("connecting")
                                                            : m_lastError)));
        if (!self)
            return;
    }
}
