#include "ssestream.h"

#include "logging.h"
#include "responsewriter.h"

#include <QTimer>

SseStream::SseStream(ResponseWriter *writer, QString sessionId, QSharedPointer<SseFeed> feed,
                     qint64 maxBehindBytes, QObject *parent)
    : QObject(parent)
    , m_writer(writer)
    , m_sessionId(std::move(sessionId))
    , m_feed(std::move(feed))
    , m_maxBehind(maxBehindBytes)
{
    m_age.start();
    m_next = m_feed->endIndex();
    m_sentBytes = m_feed->totalBytes;
    m_writer->setParent(this);
    connect(m_writer, &ResponseWriter::gone, this,
            [this] { finish(QStringLiteral("client disconnected")); });
    connect(m_writer, &ResponseWriter::bytesWritten, this, [this] {
        if (m_stall.isActive())
            m_stall.start(); // progress: the stall clock starts over
        flush();
    });
    m_stall.setSingleShot(true);
    m_stall.setInterval(kStallMs);
    connect(&m_stall, &QTimer::timeout, this, &SseStream::checkStalled);
}

SseStream::~SseStream()
{
    if (!m_closed)
        m_writer->endStream();
}

bool SseStream::isOpen() const
{
    return !m_writer->isGone() && !m_closed;
}

void SseStream::open(const QList<QPair<QByteArray, QByteArray>> &extraHeaders,
                     const QByteArray &prefix)
{
    if (m_writer->isGone())
        return;
    QList<QPair<QByteArray, QByteArray>> headers {
            {"Content-Type", "text/event-stream; charset=utf-8"},
            {"Cache-Control", "no-cache, no-transform"},
            {"Connection", "close"},
            {"X-Accel-Buffering", "no"}};
    headers += extraHeaders;
    // The first bytes also tell the client how fast to reconnect.
    m_writer->beginStream(headers, QByteArray("retry: 1000\n\n") + prefix);
}

qint64 SseStream::bytesBehind() const
{
    return (m_feed->totalBytes - m_sentBytes) + m_writer->bytesToWrite();
}

void SseStream::pump()
{
    flush();
}

void SseStream::hold()
{
    m_held = true;
}

void SseStream::writeReplay(const QByteArray &bytes)
{
    if (!m_writer->isGone() && !m_closed)
        m_writer->writeStream(bytes);
}

void SseStream::release(qint64 index)
{
    index = std::clamp(index, m_next, m_feed->endIndex());
    for (qint64 i = std::max(m_next, m_feed->firstIndex); i < index; ++i)
        m_sentBytes += m_feed->at(i).size();
    m_next = index;
    m_held = false;
    flush();
}

qint64 SseStream::unsentBytes() const
{
    return m_writer->bytesToWrite();
}

void SseStream::checkStalled()
{
    if (m_writer->isGone() || m_closed)
        return;
    // Cut only a reader that is far behind AND took nothing for a while: a burst of large
    // events can put a healthy reader far behind for a moment.
    if (bytesBehind() > m_maxBehind) {
        qCInfo(lcHttp) << "cutting a stalled SSE reader of session" << m_sessionId << "with"
                       << bytesBehind() << "bytes unsent";
        m_writer->abort();
        finish(QStringLiteral("slow reader"));
        return;
    }
    if (bytesBehind() > 0)
        m_stall.start();
}

void SseStream::heartbeat(const QByteArray &frame)
{
    if (!m_writer->isGone() && !m_closed && !m_closing && (m_held || m_next == m_feed->endIndex())
        && m_writer->bytesToWrite() == 0)
        m_writer->writeStream(frame);
}

void SseStream::flush()
{
    if (m_writer->isGone() || m_closed || m_held)
        return;
    const qint64 end = m_feed->endIndex();
    while (m_next < end && m_writer->bytesToWrite() < kSocketLowWater) {
        const QByteArray &frame = m_feed->at(m_next++);
        m_sentBytes += frame.size();
        m_writer->writeStream(frame);
    }
    if (!m_stall.isActive() && (m_next < end || m_writer->bytesToWrite() > 0))
        m_stall.start();
    if (m_closing && m_next == end) {
        m_writer->endStream(); // sends what the socket holds, then closes
        finish(QStringLiteral("closed by the server"));
    }
}

void SseStream::close()
{
    if (m_closed || m_closing)
        return;
    if (m_held)
        release(m_feed->endIndex()); // mid-replay: the owner wrote the last frame itself
    if (m_writer->isGone()) {
        finish(QStringLiteral("closed by the server"));
        return;
    }
    m_closing = true;
    // A reader that never takes the rest must not keep the connection forever.
    QTimer::singleShot(5000, this, [this] {
        if (!m_closed) {
            m_writer->abort();
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
