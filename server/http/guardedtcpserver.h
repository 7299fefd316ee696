#pragma once

#include "connectionguard.h"
#include "connectionlimits.h"

#include <QElapsedTimer>
#include <QTcpServer>

/// The listening socket of the HTTP API: it caps open connections (past the cap a new one
/// gets a short 503 with Retry-After and is closed) and gives every accepted connection a
/// ConnectionGuard before QtHttpServer sees it.
class GuardedTcpServer : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GuardedTcpServer)

public:
    /// `maxBodyBytes` bounds every body, `bodyLimit` (optional) gives a request's own limit
    /// from its head (the route's).
    GuardedTcpServer(const ConnectionLimits &limits, qint64 maxBodyBytes,
                     ConnectionGuard::HeadCheck headCheck, QObject *parent = nullptr,
                     std::function<qint64(const RequestHead &)> bodyLimit = {});
    ~GuardedTcpServer() override;

    [[nodiscard]] int openConnections() const { return m_open; }
    [[nodiscard]] quint64 turnedAway() const { return m_turnedAway; }
    [[nodiscard]] const ConnectionLimits &limits() const { return m_limits; }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void turnAway(qintptr descriptor);

    ConnectionLimits m_limits;
    qint64 m_maxBodyBytes;
    ConnectionGuard::HeadCheck m_headCheck;
    std::function<qint64(const RequestHead &)> m_bodyLimit;
    int m_open = 0;
    quint64 m_turnedAway = 0;
    QElapsedTimer m_turnAwayLog;
};
