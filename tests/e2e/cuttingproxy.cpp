#include "cuttingproxy.h"

#include <QHostAddress>

CuttingProxy::CuttingProxy(quint16 upstreamPort, QObject *parent)
    : QObject(parent)
    , m_upstreamPort(upstreamPort)
{
    connect(&m_server, &QTcpServer::newConnection, this, &CuttingProxy::onNewConnection);
}

CuttingProxy::~CuttingProxy()
{
    for (Pair *pair : std::as_const(m_pairs)) {
        if (pair->client)
            pair->client->abort();
        if (pair->upstream)
            pair->upstream->abort();
        delete pair;
    }
}

bool CuttingProxy::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

void CuttingProxy::onNewConnection()
{
    while (QTcpSocket *client = m_server.nextPendingConnection()) {
        auto *pair = new Pair;
        pair->client = client;
        auto *upstream = new QTcpSocket(client);
        pair->upstream = upstream;
        m_pairs.append(pair);
        // Bytes the client sends before the upstream is connected wait in the client socket.
        auto forwardUp = [this, pair] {
            if (!pair->client || !pair->upstream
                || pair->upstream->state() != QAbstractSocket::ConnectedState)
                return;
            const QByteArray bytes = pair->client->readAll();
            sniff(pair, bytes);
            pair->upstream->write(bytes);
        };
        connect(client, &QTcpSocket::readyRead, this, forwardUp);
        connect(upstream, &QTcpSocket::connected, this, forwardUp);
        connect(upstream, &QTcpSocket::readyRead, this, [pair] {
            if (pair->client && pair->upstream)
                pair->client->write(pair->upstream->readAll());
        });
        connect(client, &QTcpSocket::disconnected, this, [pair] {
            if (pair->upstream)
                pair->upstream->disconnectFromHost();
        });
        connect(upstream, &QTcpSocket::disconnected, this, [pair] {
            if (pair->client) {
                pair->client->write(pair->upstream->readAll());
                pair->client->disconnectFromHost();
            }
        });
        connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
        upstream->connectToHost(QHostAddress::LocalHost, m_upstreamPort);
    }
}

void CuttingProxy::sniff(Pair *pair, const QByteArray &bytes)
{
    if (pair->headDone)
        return;
    pair->head += bytes.left(16384);
    const qsizetype end = pair->head.indexOf("\r\n\r\n");
    if (end < 0 && pair->head.size() < 16384)
        return;
    pair->headDone = true;
    const QList<QByteArray> lines = pair->head.left(end).split('\n');
    if (lines.isEmpty() || !lines.first().startsWith("GET /api/v3/chat/stream"))
        return;
    pair->stream = true;
    QByteArray lastEventId;
    for (const QByteArray &line : lines) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().toLower() == "last-event-id")
            lastEventId = line.mid(colon + 1).trimmed();
    }
    m_streamRequests.append(lastEventId);
}

int CuttingProxy::cutStreams()
{
    int cut = 0;
    for (Pair *pair : std::as_const(m_pairs)) {
        if (!pair->stream || !pair->client
            || pair->client->state() != QAbstractSocket::ConnectedState)
            continue;
        pair->client->abort();
        if (pair->upstream)
            pair->upstream->abort();
        ++cut;
    }
    return cut;
}

int CuttingProxy::openStreams() const
{
    int open = 0;
    for (const Pair *pair : m_pairs) {
        if (pair->stream && pair->client
            && pair->client->state() == QAbstractSocket::ConnectedState)
            ++open;
    }
    return open;
}
