#include "ssestream.h"

#include "logging.h"

#include <QTcpSocket>

SseStream::SseStream(QHttpServerResponder &&responder, QString sessionId,
                     qint64 maxBufferedBytes, QObject *parent)
    : QObject(parent)
    , m_responder(std::move(responder))
    , m_socket(m_responder.socket())
    , m_sessionId(std::move(sessionId))
    , m_maxBuffered(maxBufferedBytes)
{
    m_age.start();
    if (m_socket) {
        connect(m_socket, &QTcpSocket::disconnected, this,
                [this] { finish(QStringLiteral("client disconnected")); });
        connect(m_socket, &QObject::destroyed, this,
                [this] { finish(QStringLiteral("connection gone")); });
    }
}

SseStream::~SseStream()
{
    if (m_socket && !m_closed)
        m_socket->disconnectFromHost();
}

void SseStream::open(const QList<QPair<QByteArray, QByteArray>> &extraHeaders)
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
    // The first body write ends the header block; tell the client how fast to reconnect.
    m_responder.writeBody("retry: 1000\n\n");
}

qint64 SseStream::bytesPending() const
{
    return m_socket ? m_socket->bytesToWrite() : 0;
}

bool SseStream::write(const QByteArray &frame)
{
    if (!m_socket || m_closed)
        return false;
    if (m_socket->bytesToWrite() + frame.size() > m_maxBuffered) {
        qCInfo(lcHttp) << "cutting a slow SSE reader of session" << m_sessionId << "with"
                       << m_socket->bytesToWrite() << "bytes unsent";
        finish(QStringLiteral("slow reader"));
        return false;
    }
    m_socket->write(frame);
    return true;
}

void SseStream::close()
{
    if (m_socket && !m_closed) {
        m_socket->flush();
        m_socket->disconnectFromHost();
    }
    finish(QStringLiteral("closed by the server"));
}

void SseStream::finish(const QString &why)
{
    if (m_closed)
        return;
    m_closed = true;
    if (m_socket && m_socket->state() != QAbstractSocket::UnconnectedState && why == QLatin1String("slow reader"))
        m_socket->abort();
    Q_EMIT closed(this, why);
}
