#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSharedPointer>
#include <QString>
#include <QTimer>

class ResponseWriter;

/// The encoded frames of one session, shared by all its streams: each frame is held once, and
/// every stream reads the feed at its own pace. Frames every stream has sent are dropped.
struct SseFeed
{
    QList<QByteArray> frames;
    QList<qint64> seqs; ///< the event seq of each frame (0: a frame without an id)
    qint64 firstIndex = 0; ///< the absolute index of frames.first()
    qint64 totalBytes = 0; ///< bytes ever appended

    [[nodiscard]] qint64 endIndex() const { return firstIndex + frames.size(); }
    [[nodiscard]] const QByteArray &at(qint64 index) const { return frames.at(index - firstIndex); }
    void append(const QByteArray &frame, qint64 seq)
    {
        frames.append(frame);
        seqs.append(seq);
        totalBytes += frame.size();
    }
    [[nodiscard]] qint64 seqAt(qint64 index) const { return seqs.at(index - firstIndex); }
    void dropBefore(qint64 index)
    {
        const qint64 n = std::min<qint64>(index - firstIndex, frames.size());
        if (n > 0) {
            frames.remove(0, n);
            seqs.remove(0, n);
            firstIndex += n;
        }
    }
};

/// One open text/event-stream response. Holds the (move-only) responder and its socket,
/// sends its session's feed, notices the client going away at once, and cuts a reader that is
/// more than the bound behind and takes nothing for kStallMs (it reconnects and resumes with
/// Last-Event-ID).
///
/// Frames go into the socket only while its own buffer is below a low-water mark, so a frame
/// fanned out to a thousand streams stays one shared copy in the feed instead of a thousand
/// copies in socket buffers, however far the readers fall behind.
///
/// Every byte goes through its ResponseWriter, which knows whether the connection still exists
/// (and how the QtHttpServer in use frames a stream); writes happen only on the server's thread.
class SseStream : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SseStream)

public:
    /// Takes `writer` (its child from now on).
    SseStream(ResponseWriter *writer, QString sessionId, QSharedPointer<SseFeed> feed,
              qint64 maxBehindBytes, QObject *parent = nullptr);
    ~SseStream() override;

    /// Writes the status line, headers (CORS and the like) and this stream's own `prefix`
    /// (session_start and the replay); from then on the stream follows the feed from its end.
    void open(const QList<QPair<QByteArray, QByteArray>> &extraHeaders, const QByteArray &prefix);
    /// A new frame is in the feed: send what the socket takes.
    void pump();
    /// While the stored events are replayed: the feed is kept from here on, not sent.
    void hold();
    /// Bytes of the replay (stored events), written at once.
    void writeReplay(const QByteArray &bytes);
    /// The replay is done: follow the feed from `index` (frames before it were replayed).
    void release(qint64 index);
    [[nodiscard]] bool isHeld() const { return m_held; }
    /// Bytes handed to the socket and not yet sent.
    [[nodiscard]] qint64 unsentBytes() const;
    /// A comment frame (heartbeat) for an idle stream; skipped when data is waiting anyway.
    void heartbeat(const QByteArray &frame);
    /// Ends the response once the feed is sent (closes the connection).
    void close();

    [[nodiscard]] bool isOpen() const;
    [[nodiscard]] const QString &sessionId() const { return m_sessionId; }
    /// The feed index this stream sends next (frames before it are done for this stream).
    [[nodiscard]] qint64 position() const { return m_next; }
    /// Bytes of the feed not yet handed to the socket plus what the socket still holds.
    [[nodiscard]] qint64 bytesBehind() const;
    [[nodiscard]] qint64 ageMs() const { return m_age.elapsed(); }

    static constexpr qint64 kSocketLowWater = 4 * 1024;
    /// A reader more than the bound behind that takes nothing for this long is cut.
    static constexpr int kStallMs = 2000;

Q_SIGNALS:
    /// The client went away, the stream was closed, or it was cut for falling behind.
    /// Emitted once; the owner deletes the stream later (never inside this signal).
    void closed(SseStream *stream, const QString &why);

private:
    void flush();
    void checkStalled();
    void finish(const QString &why);

    ResponseWriter *m_writer;
    QString m_sessionId;
    QSharedPointer<SseFeed> m_feed;
    qint64 m_maxBehind;
    qint64 m_next = 0;
    qint64 m_sentBytes = 0; ///< feed bytes handed to the socket (comparable to totalBytes)
    QElapsedTimer m_age;
    QTimer m_stall; ///< runs while data waits; fires when the reader took nothing for a while
    bool m_closed = false;
    bool m_closing = false;
    bool m_held = false;
};
