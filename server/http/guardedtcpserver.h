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
    GuardedTcpServer(const ConnectionLimits &limits, qint64 maxBodyBytes,
                     ConnectionGuard::HeadCheck headCheck, QObject *parent = nullptr);
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
    int m_open = 0;
    quint64 m_turnedAway = 0;
    QElapsedTimer m_turnAwayLog;
};
