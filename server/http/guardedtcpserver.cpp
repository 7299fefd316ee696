#include "guardedtcpserver.h"

#include "guardedsocket.h"
#include "logging.h"
#include "responsewriter.h"

#include <QTimer>

GuardedTcpServer::GuardedTcpServer(const ConnectionLimits &limits, qint64 maxBodyBytes,
                                   ConnectionGuard::HeadCheck headCheck, QObject *parent,
                                   std::function<qint64(const RequestHead &)> bodyLimit)
    : QTcpServer(parent)
    , m_limits(limits)
    , m_maxBodyBytes(maxBodyBytes)
    , m_headCheck(std::move(headCheck))
    , m_bodyLimit(std::move(bodyLimit))
{ }

GuardedTcpServer::~GuardedTcpServer() = default;

void GuardedTcpServer::incomingConnection(qintptr descriptor)
{
    if (m_open >= m_limits.maxOpenConnections) {
        turnAway(descriptor);
        return;
    }
    auto *socket = new GuardedSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    ++m_open;
    // The guard lives as long as the socket (its child), so the count follows the sockets
    // QtHttpServer deletes after they disconnect.
    auto *guard = new ConnectionGuard(socket, m_limits, m_maxBodyBytes, m_headCheck, m_bodyLimit);
    connect(guard, &QObject::destroyed, this, [this] { --m_open; });
    // Slot order is the guard's whole premise: a signal calls its slots in the order they were
    // connected. The guard connected its readyRead slot in its constructor, before the socket
    // exists for QtHttpServer, which connects its own reader only when it takes the socket
    // (QAbstractHttpServerPrivate::handleNewConnections in 6.4, the
    // QHttpServerHttp1ProtocolHandler constructor in 6.8, both from pendingConnectionAvailable
    // after addPendingConnection). So the guard sees every new byte first, and QtHttpServer
    // reads everything available in its own slot (6.4 handleReadyRead parses until the
    // request is complete or the bytes run out). The guard's second slot must run after
    // QtHttpServer's: it is connected here and moved to the end again whenever another slot
    // is connected to readyRead (GuardedSocket::connectNotify; 6.8 reconnects its reader after
    // every deferred answer).
    addPendingConnection(socket);
    guard->attachAfterServer();
}

void GuardedTcpServer::turnAway(qintptr descriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    // Once per 10 s at most: a flood must not flood the log too.
    ++m_turnedAway;
    if (!m_turnAwayLog.isValid() || m_turnAwayLog.elapsed() > 10000) {
        qCWarning(lcHttp) << "turning away connections: the server holds its maximum of"
                          << m_limits.maxOpenConnections << "open connections;" << m_turnedAway
                          << "turned away so far";
        m_turnAwayLog.start();
    }
    ResponseWriter::refuse(socket,
                           {ApiError::Code::TooManyConnections,
                            QStringLiteral("the server holds its maximum of %1 open connections; "
                                           "try again shortly")
                                    .arg(m_limits.maxOpenConnections),
                            m_limits.retryAfterSeconds},
                           {});
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    connect(socket, &QTcpSocket::readyRead, socket,
            [socket] { socket->skip(socket->bytesAvailable()); });
    socket->disconnectFromHost();
    QTimer::singleShot(2000, socket, [socket] { socket->abort(); });
}
