#include "connectionguard.h"

#include "guardedsocket.h"
#include "logging.h"
#include "responsewriter.h"

namespace {
QPointer<ConnectionGuard> s_current;
constexpr int kCloseGraceMs = 2000; // how long a refused connection is drained before closing
constexpr int kLingerQuietMs = 300; // a refused client quiet this long has sent what it had
constexpr qint64 kDrainBudget = 16 * 1024 * 1024; // what a refused client may still send

RequestFramer::Limits framerLimits(const ConnectionLimits &limits, qint64 maxBodyBytes,
                                   std::function<qint64(const RequestHead &)> bodyLimit)
{
    RequestFramer::Limits l;
    l.maxRequestLineBytes = std::min(limits.maxRequestLineBytes, limits.maxHeaderBytes);
    l.maxHeaderBytes = limits.maxHeaderBytes;
    l.maxHeaderCount = limits.maxHeaderCount;
    l.maxBodyBytes = maxBodyBytes;
    l.bodyLimit = std::move(bodyLimit);
    return l;
}
} // namespace

ConnectionGuard::ConnectionGuard(GuardedSocket *socket, const ConnectionLimits &limits,
                                 qint64 maxBodyBytes, HeadCheck headCheck,
                                 std::function<qint64(const RequestHead &)> bodyLimit)
    : QObject(socket)
    , m_socket(socket)
    , m_framer(framerLimits(limits, maxBodyBytes, std::move(bodyLimit)))
    , m_headCheck(std::move(headCheck))
    , m_requestTimeoutMs(limits.requestTimeoutMs)
    , m_idleTimeoutMs(limits.idleTimeoutMs)
{
    // Bounds what Qt buffers for this connection: a whole request (QtHttpServer reads it in
    // one transaction) and a little more; the framer refuses bigger requests before that.
    socket->setReadBufferSize(limits.maxHeaderBytes + maxBodyBytes + 256 * 1024);
    // Connected before the socket reaches QtHttpServer, so this runs first on every readyRead.
    connect(socket, &QIODevice::readyRead, this, &ConnectionGuard::beforeServer);
    socket->setReadyReadConnectedHandler([this] { attachAfterServer(); });
    m_requestTimer.setSingleShot(true);
    m_idleTimer.setSingleShot(true);
    connect(&m_requestTimer, &QTimer::timeout, this, &ConnectionGuard::onRequestTimeout);
    connect(&m_idleTimer, &QTimer::timeout, this, &ConnectionGuard::onIdleTimeout);
    updateTimers();
}

ConnectionGuard::~ConnectionGuard() = default;

void ConnectionGuard::attachAfterServer()
{
    if (!m_socket || m_refused)
        return;
    m_socket->quietly([this] {
        disconnect(m_after);
        m_after = connect(m_socket, &QIODevice::readyRead, this, &ConnectionGuard::afterServer);
    });
}

ConnectionGuard *ConnectionGuard::of(const QObject *socket)
{
    return socket ? socket->findChild<ConnectionGuard *>(QString(), Qt::FindDirectChildrenOnly)
                  : nullptr;
}

ConnectionGuard *ConnectionGuard::current()
{
    return s_current;
}

GuardedSocket *ConnectionGuard::socket() const
{
    return m_socket;
}

void ConnectionGuard::beforeServer()
{
    if (!m_socket || m_refused)
        return;
    s_current = this;
    if (m_streaming) {
        dropInput();
        return;
    }
    const qint64 available = m_socket->bytesAvailable();
    if (available <= m_seen)
        return; // re-emitted for bytes already framed
    // QtHttpServer reads in its own readyRead slot, after this one: what it left unread is
    // m_seen (noted in afterServer), so the bytes after it are new.
    // Requests complete before this read that are still unanswered are held by a handler
    // (POST /chat): QtHttpServer 6.4 would answer a new request at once, before them.
    const quint64 heldBefore = m_completed - m_answered;
    const QByteArray bytes = m_socket->peek(available);
    QByteArrayView rest = QByteArrayView(bytes).sliced(std::min<qint64>(m_seen, bytes.size()));
    m_seen = bytes.size();
    while (!rest.isEmpty()) {
        RequestFramer::Event event = RequestFramer::Event::None;
        rest = rest.sliced(m_framer.feed(rest, &event));
        switch (event) {
        case RequestFramer::Event::None:
            break;
        case RequestFramer::Event::Started:
            if (heldBefore > 0 && m_answered < m_completed) {
                refusePipelined();
                return;
            }
            // Behind a request of this same read: it may be answered at once (then this one
            // is fine); afterServer decides.
            if (m_answered < m_completed && m_pipelinedAfter == 0)
                m_pipelinedAfter = m_completed;
            m_idleTimer.stop();
            m_requestTimer.start(m_requestTimeoutMs);
            break;
        case RequestFramer::Event::HeadComplete:
            if (m_headCheck) {
                if (const auto error = m_headCheck(m_framer.head())) {
                    refuse(*error);
                    return;
                }
            }
            break;
        case RequestFramer::Event::RequestComplete:
            ++m_completed;
            m_requestTimer.stop();
            m_framer.reset();
            break;
        case RequestFramer::Event::Failed:
            refuse({m_framer.error().code, m_framer.error().message});
            return;
        }
    }
}

void ConnectionGuard::afterServer()
{
    if (s_current == this)
        s_current = nullptr;
    if (!m_socket || m_refused)
        return;
    if (m_streaming) {
        // Bytes behind a stream are never a request: answering one inside the stream would
        // corrupt it.
        m_pipelinedAfter = 0;
        dropInput();
        return;
    }
    if (m_pipelinedAfter > 0) {
        if (m_answered < m_pipelinedAfter) {
            refusePipelined();
            return;
        }
        m_pipelinedAfter = 0;
    }
    m_seen = m_socket->bytesAvailable();
    updateTimers();
}

void ConnectionGuard::refusePipelined()
{
    refuse({ApiError::Code::PipeliningRefused,
            QStringLiteral("a request arrived before the previous one on this connection was "
                           "answered; send it after the answer (or on another connection)")});
}

void ConnectionGuard::dropInput()
{
    if (!m_socket)
        return;
    // QtHttpServer may hold a read transaction open (it has read nothing of these bytes):
    // committing it lets skip() free the buffer instead of only moving a read position.
    if (m_socket->isTransactionStarted())
        m_socket->commitTransaction();
    m_socket->skip(m_socket->bytesAvailable());
    m_seen = 0;
}

void ConnectionGuard::closeRefused()
{
    if (!m_socket || m_socket->state() == QAbstractSocket::UnconnectedState)
        return;
    m_lingerQuiet.stop();
    m_socket->disconnectFromHost(); // sends the answer, then closes
    QPointer<GuardedSocket> socket = m_socket;
    QTimer::singleShot(kCloseGraceMs / 2, socket, [socket] {
        if (socket)
            socket->abort();
    });
}

void ConnectionGuard::drain()
{
    if (!m_socket)
        return;
    if (m_lingerQuiet.isActive())
        m_lingerQuiet.start(); // still sending: wait on
    m_drained += m_socket->bytesAvailable();
    dropInput();
    if (m_drained > kDrainBudget)
        m_socket->abort();
}

void ConnectionGuard::responseFinished()
{
    ++m_answered;
    updateTimers();
}

void ConnectionGuard::streamStarted()
{
    m_streaming = true;
    updateTimers();
}

void ConnectionGuard::updateTimers()
{
    if (m_refused || m_streaming) {
        m_requestTimer.stop();
        m_idleTimer.stop();
        return;
    }
    if (m_framer.isIdle() && m_answered >= m_completed) {
        m_idleTimer.start(m_idleTimeoutMs);
    } else {
        m_idleTimer.stop();
    }
}

void ConnectionGuard::onRequestTimeout()
{
    refuse({ApiError::Code::RequestTimeout,
            QStringLiteral("the request was not complete within %1 s")
                    .arg(double(m_requestTimeoutMs) / 1000.0)});
}

void ConnectionGuard::onIdleTimeout()
{
    if (!m_socket || m_refused || m_streaming)
        return;
    qCDebug(lcHttp) << "closing a connection idle for" << m_idleTimeoutMs << "ms";
    m_socket->disconnectFromHost();
}

void ConnectionGuard::refuse(const ApiError &error)
{
    if (m_refused || !m_socket)
        return;
    m_refused = true;
    m_requestTimer.stop();
    m_idleTimer.stop();
    if (s_current == this)
        s_current = nullptr;
    qCInfo(lcHttp).noquote() << "refusing a request from" << m_socket->peerAddress().toString()
                             << error.toHttp().status << error.toHttp().code;
    // QtHttpServer must not see a byte more: every reader but the drain is cut off.
    QObject::disconnect(m_socket, &QIODevice::readyRead, nullptr, nullptr);
    connect(m_socket, &QIODevice::readyRead, this, &ConnectionGuard::drain);
    dropInput();
    ResponseWriter::Headers headers;
    using C = ApiError::Code;
    if (error.code == C::Unauthorized)
        headers.append(qMakePair(QByteArray("WWW-Authenticate"), QByteArray("Bearer")));
    ResponseWriter::refuse(m_socket, error, headers);
    // Lingering close: a client still sending the body it announced reads the answer only
    // after it sent it, and a close with unread input makes the kernel reset the connection
    // (and the client lose the answer). So what still comes is read and dropped, up to a
    // budget and for a short while; then the connection is closed.
    const bool bodyMayFollow = error.code == C::BodyTooLarge || error.code == C::Unauthorized
            || error.code == C::BadChunk || error.code == C::PipeliningRefused;
    if (!bodyMayFollow) {
        m_socket->disconnectFromHost(); // sends the answer, then closes
        Q_EMIT refused(error.toHttp().status);
        return;
    }
    // Closed once the client is quiet for a moment (it has sent what it had), at the latest
    // after kCloseGraceMs.
    m_lingerQuiet.setSingleShot(true);
    m_lingerQuiet.setInterval(kLingerQuietMs);
    connect(&m_lingerQuiet, &QTimer::timeout, this, &ConnectionGuard::closeRefused);
    m_lingerQuiet.start();
    QTimer::singleShot(kCloseGraceMs, this, &ConnectionGuard::closeRefused);
    Q_EMIT refused(error.toHttp().status);
}
