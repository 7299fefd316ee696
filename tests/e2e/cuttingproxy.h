#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>

/// A TCP proxy on 127.0.0.1 between the app and a real `mcp-hostd`: bytes pass unchanged both
/// ways; the test can cut every SSE stream (GET /api/v3/chat/stream) at once, as a dropped
/// network would, and sees each stream request's Last-Event-ID.
class CuttingProxy : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CuttingProxy)

public:
    explicit CuttingProxy(quint16 upstreamPort, QObject *parent = nullptr);
    ~CuttingProxy() override;

    bool listen();
    [[nodiscard]] quint16 port() const { return m_server.serverPort(); }

    /// Aborts both sides of every open stream connection; returns how many were cut.
    int cutStreams();
    /// Stream requests seen so far, in order: the value of Last-Event-ID ("" when absent).
    [[nodiscard]] QList<QByteArray> streamRequests() const { return m_streamRequests; }
    [[nodiscard]] int openStreams() const;

private:
    struct Pair
    {
        QPointer<QTcpSocket> client;
        QPointer<QTcpSocket> upstream;
        QByteArray head; ///< the client's first bytes, until the header block ends
        bool stream = false;
        bool headDone = false;
    };
    void onNewConnection();
    void sniff(Pair *pair, const QByteArray &bytes);

    quint16 m_upstreamPort;
    QTcpServer m_server;
    QList<Pair *> m_pairs;
    QList<QByteArray> m_streamRequests;
};
