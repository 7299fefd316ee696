#pragma once

#include <QTcpSocket>

#include <functional>

/// The TCP socket of one client connection. It tells its guard when someone connects to its
/// readyRead signal, so that the guard can keep its "after QtHttpServer" slot the last one
/// (Qt 6.8 disconnects and reconnects its reader around every deferred response).
class GuardedSocket : public QTcpSocket
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GuardedSocket)

public:
    explicit GuardedSocket(QObject *parent = nullptr);
    ~GuardedSocket() override;

    /// Called (queued) after another slot was connected to readyRead.
    void setReadyReadConnectedHandler(std::function<void()> handler);
    /// Connections made inside `f` are not reported (the guard's own reordering).
    void quietly(const std::function<void()> &f);

protected:
    void connectNotify(const QMetaMethod &signal) override;

private:
    std::function<void()> m_onConnected;
    bool m_quiet = false;
};
