#pragma once

#include "transport.h"

#include <QPointer>

#include <utility>

/// An in-memory transport; two of them linked by createPair() talk to each other. Messages
/// are delivered asynchronously (queued), as over a real pipe. For tests of the protocol
/// layers without processes or sockets.
class MemoryTransport : public Transport
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MemoryTransport)

public:
    static std::pair<MemoryTransport *, MemoryTransport *> createPair(QObject *parent = nullptr);

    void open() override;
    void send(const JsonRpc::Message &message) override;
    void close() override;
    [[nodiscard]] QString describe() const override { return QStringLiteral("memory"); }

    /// Every message this side sent, in order (tests assert on them).
    [[nodiscard]] const QList<JsonRpc::Message> &sent() const { return m_sent; }

private:
    explicit MemoryTransport(QObject *parent);
    void deliver(const JsonRpc::Message &message);
    void peerClosed();

    QPointer<MemoryTransport> m_peer;
    QList<JsonRpc::Message> m_sent;
};
