#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QString>

#include <QHttpServerResponder>

#include <QTcpSocket>

/// One open text/event-stream response. Holds the (move-only) responder and its socket,
/// writes frames, notices the client going away at once, and cuts a reader that falls too far
/// behind (bounded write buffer: it reconnects and resumes with Last-Event-ID).
///
/// QtHttpServer 6.4: the body has no Content-Length and ends when the connection closes; the
/// socket is deleted by the server after `disconnected`, so it is held in a QPointer; writes
/// happen only on the server's thread.
class SseStream : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SseStream)

public:
    SseStream(QHttpServerResponder &&responder, QString sessionId, qint64 maxBufferedBytes,
              QObject *parent = nullptr);
    ~SseStream() override;

    /// Writes the status line and headers (extra headers: CORS and the like).
    void open(const QList<QPair<QByteArray, QByteArray>> &extraHeaders);
    /// Writes one encoded frame; false if the stream is closed or was cut for being slow.
    bool write(const QByteArray &frame);
    /// Ends the response (closes the connection).
    void close();

    [[nodiscard]] bool isOpen() const { return m_socket && !m_closed; }
    [[nodiscard]] const QString &sessionId() const { return m_sessionId; }
    /// The seq of the last event written (the resume point of this connection).
    [[nodiscard]] qint64 lastSeq() const { return m_lastSeq; }
    void setLastSeq(qint64 seq) { m_lastSeq = seq; }
    [[nodiscard]] qint64 bytesPending() const;
    [[nodiscard]] qint64 ageMs() const { return m_age.elapsed(); }

Q_SIGNALS:
    /// The client went away, the stream was closed, or it was cut for falling behind.
    /// Emitted once; the owner deletes the stream later (never inside this signal).
    void closed(SseStream *stream, const QString &why);

private:
    void finish(const QString &why);

    QHttpServerResponder m_responder;
    QPointer<QTcpSocket> m_socket;
    QString m_sessionId;
    qint64 m_maxBuffered;
    qint64 m_lastSeq = 0;
    QElapsedTimer m_age;
    bool m_closed = false;
};
