#include "memorytransport.h"

#include <QTimer>

MemoryTransport::MemoryTransport(QObject *parent)
    : Transport(parent)
{ }

std::pair<MemoryTransport *, MemoryTransport *> MemoryTransport::createPair(QObject *parent)
{
    auto *a = new MemoryTransport(parent);
    auto *b = new MemoryTransport(parent);
    a->m_peer = b;
    b->m_peer = a;
    return {a, b};
}

void MemoryTransport::open()
{
    QTimer::singleShot(0, this, [this] {
        if (m_peer)
            markOpened();
        else
            markClosed(QStringLiteral("no peer"));
    });
}

void MemoryTransport::send(const JsonRpc::Message &message)
{
    m_sent.append(message);
    if (!m_peer)
        return;
    QPointer<MemoryTransport> peer = m_peer;
    QTimer::singleShot(0, peer, [peer, message] {
        if (peer)
            peer->deliver(message);
    });
}

void MemoryTransport::deliver(const JsonRpc::Message &message)
{
    if (isOpen())
        Q_EMIT messageReceived(message);
}

void MemoryTransport::close()
{
    QPointer<MemoryTransport> peer = m_peer;
    m_peer.clear();
    QTimer::singleShot(0, this, [this] { markClosed(QStringLiteral("closed")); });
    if (peer) {
        QTimer::singleShot(0, peer, [peer] {
            if (peer)
                peer->peerClosed();
        });
    }
}

void MemoryTransport::peerClosed()
{
    m_peer.clear();
    markClosed(QStringLiteral("the peer closed the connection"));
}
