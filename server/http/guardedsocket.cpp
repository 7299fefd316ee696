#include "guardedsocket.h"

#include <QMetaMethod>

GuardedSocket::GuardedSocket(QObject *parent)
    : QTcpSocket(parent)
{ }

GuardedSocket::~GuardedSocket() = default;

void GuardedSocket::setReadyReadConnectedHandler(std::function<void()> handler)
{
    m_onConnected = std::move(handler);
}

void GuardedSocket::quietly(const std::function<void()> &f)
{
    m_quiet = true;
    f();
    m_quiet = false;
}

void GuardedSocket::connectNotify(const QMetaMethod &signal)
{
    QTcpSocket::connectNotify(signal);
    if (m_quiet || !m_onConnected || signal != QMetaMethod::fromSignal(&QIODevice::readyRead))
        return;
    // Queued: never connect or disconnect inside another object's connect call. A queued
    // readyRead that the connecting code posts next still runs after this.
    QMetaObject::invokeMethod(
            this, [this] { m_onConnected(); }, Qt::QueuedConnection);
}
