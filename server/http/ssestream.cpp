#include "ssestream.h"

#include "logging.h"

#include <QTimer>

SseStream::SseStream(QHttpServerResponder &&responder, QString sessionId,
                     QSharedPointer<SseFeed> feed, qint64 maxBehindBytes, QObject *parent)
    : QObject(parent)
    , m_responder(std::move(responder))
    , m_socket(m_responder.socket())
    , m_sessionId(std::move(sessionId))
    , m_feed(std::move(feed))
    , m_maxBehind(maxBehindBytes)
{
    m_age.start();
    m_next = m_feed->endIndex();
    m_sentBytes = m_feed->totalBytes;
    if (m_socket) {
        connect(m_socket, &QTcpSocket::disconnected, this,
                [this] { finish(QStringLiteral("client disconnected")); });
        connect(m_socket, &QObject::destroyed, this,
                [this] { finish(QStringLiteral("connection gone")); });
        connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
            if (m_stall.isActive())
                m_stall.start(); // progress: the stall clock starts over
            flush();
        });
    }
    m_stall.setSingleShot(true);
    m_stall.setInterval(kStallMs);
    connect(&m_stall, &QTimer::timeout, this, &SseStream::checkStalled);
}

SseStream::~SseStream()
{
    if (m_socket && !m_closed)
        m_socket->disconnectFromHost();
}

void SseStream::open(const QList<QPair<QByteArray, QByteArray>> &extraHeaders,
                     const QByteArray &prefix)
{
    if (!m_socket)
        return;
    m_responder.writeStatusLine(QHttpServerResponder::StatusCode::Ok);
    m_responder.writeHeader("Content-Type", "text/event-stream; charset=utf-8");
    m_responder.writeHeader("Cache-Control", "no-cache, no-transform");
    m_responder.writeHeader("Connection", "close");
    m_responder.writeHeader("X-Accel-Buffering", "no");
    for (const auto &h : extraHeaders)
        m_responder.writeHeader(h.first, h.second);
    // The first body write ends the header block; it also tells the client how fast to
    // reconnect.
    m_responder.writeBody(QByteArray("retry: 1000\n\n") + prefix);
}

qint64 SseStream::bytesBehind() const
{
    return (m_feed->totalBytes - m_sentBytes) + (m_socket ? m_socket->bytesToWrite() : 0);
}

void SseStream::pump()
{
    flush();
}

void SseStream::checkStalled()
{
    if (!m_socket || m_closed)
        return;
    // Cut only a reader that is far behind AND took nothing for a while: a burst of large
    // events can put a healthy reader far behind for a moment.
    if (bytesBehind() > m_maxBehind) {
        qCInfo(lcHttp) << "cutting a stalled SSE reader of session" << m_sessionId << "with"
                       << bytesBehind() << "bytes unsent";
        m_socket->abort();
        finish(QStringLiteral("slow reader"));
        return;
    }
    if (bytesBehind() > 0)
        m_stall.start();
}

void SseStream::heartbeat(const QByteArray &frame)
{
    if (m_socket && !m_closed && !m_closing && m_next == m_feed->endIndex()
        && m_socket->bytesToWrite() == 0)
        m_socket->write(frame);
}

void SseStream::flush()
{
    if (!m_socket || m_closed)
        return;
    const qint64 end = m_feed->endIndex();
    while (m_next < end && m_socket->bytesToWrite() < kSocketLowWater) {
        const QByteArray &frame = m_feed->at(m_next++);
        m_sentBytes += frame.size();
        m_socket->write(frame);
    }
    if (!m_stall.isActive() && (m_next < end || m_socket->bytesToWrite() > 0))
        m_stall.start();
    if (m_closing && m_next == end) {
        m_socket->disconnectFromHost(); // sends what the socket holds, then closes
        finish(QStringLiteral("closed by the server"));
    }
}

void SseStream::close()
{
    if (m_closed || m_closing)
        return;
    if (!m_socket) {
        finish(QStringLiteral("closed by the server"));
        return;
    }
    m_closing = true;
    // A reader that never takes the rest must not keep the connection forever.
    QTimer::singleShot(5000, this, [this] {
        if (!m_closed) {
            if (m_socket)
                m_socket->abort();
            finish(QStringLiteral("closed by the server (the reader did not take the rest)"));
        }
    });
    flush();
}

void SseStream::finish(const QString &why)
{
    if (m_closed)
        return;
    m_closed = true;
    Q_EMIT closed(this, why);
}
