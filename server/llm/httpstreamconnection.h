#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>

class QTcpSocket;
class QUrl;

/// One HTTP/1.1 request whose response body is read only as fast as its receiver takes it.
///
/// QNetworkAccessManager reads responses on a thread of its own, and on Qt 6.8 it reads on past
/// QNetworkReply::setReadBufferSize, so a peer that sends faster than the receiver works is
/// buffered in memory. This class owns its socket (QTcpSocket; QSslSocket for https) with a
/// bounded read buffer and decodes the body (chunked, Content-Length or up to the close) in
/// pieces of at most kPieceBytes, each handed to bodyData() before it reads on: while the
/// receiver works, the kernel's buffers fill and TCP holds the peer back.
///
/// One request per connection (`Connection: close`); no redirects; no compression (it asks for
/// `identity`, and a compressed body is a protocol error); a proxy is the one Qt would take for
/// the URL, tunnelled (CONNECT or SOCKS). Every byte of the response head is
/// bounded (kMaxHeadBytes, kMaxHeaders). No signal is emitted from start() or abort().
class HttpStreamConnection : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpStreamConnection)

public:
    enum class Failure {
        None,
        UnsupportedUrl, ///< not http or https (or https without TLS), or a header with a line break
        HostNotFound,
        ConnectionFailed, ///< refused, reset or closed before a response
        Tls, ///< the TLS handshake failed (certificate, protocol)
        Protocol, ///< not an HTTP/1.x response, or one past the bounds of its head
        BrokenBody, ///< the connection closed or failed before the body's end
    };

    static constexpr qint64 kPieceBytes = qint64(64) * 1024; ///< at most this per bodyData()
    static constexpr qint64 kSocketBufferBytes = qint64(64) * 1024; ///< read ahead of the decoder
    static constexpr qint64 kMaxHeadBytes = qint64(64) * 1024; ///< status line + headers
    static constexpr int kMaxHeaders = 256;

    explicit HttpStreamConnection(QObject *parent = nullptr);
    ~HttpStreamConnection() override;

    /// Sends the request (asynchronously); call once.
    void start(const QByteArray &method, const QUrl &url,
               const QList<QPair<QByteArray, QByteArray>> &headers, const QByteArray &body);
    /// Closes the connection at once; no signal follows.
    void abort();

    /// The response's status (0 until responseStarted()).
    [[nodiscard]] int status() const { return m_status; }
    /// A response header by name (any case; repeated headers joined with ", "); empty if absent.
    [[nodiscard]] QByteArray header(const QByteArray &name) const;
    [[nodiscard]] Failure failure() const { return m_failure; }
    [[nodiscard]] QString errorString() const { return m_errorString; }

Q_SIGNALS:
    /// The status and headers are known (interim 1xx responses are skipped).
    void responseStarted();
    /// The next piece of the decoded body (at most kPieceBytes).
    void bodyData(const QByteArray &piece);
    /// The response is over: its whole body was delivered (failure() None), or it failed.
    void finished();

private:
    enum class State {
        Idle,
        Head,
        ChunkSize,
        ChunkData,
        ChunkEnd,
        Trailers,
        Length,
        UntilClose,
        Done
    };

    void pump();
    /// Reads head lines; false when it needs more bytes (or failed).
    bool readHead();
    /// One line of the head or of the chunked framing, without its line break; false when it
    /// is not complete yet, or when it is longer than `max` (then the response failed).
    [[nodiscard]] bool takeLine(QByteArray *line, qint64 max);
    /// The head is read: the body's framing from its headers; false when the response failed.
    [[nodiscard]] bool headComplete();
    void onDisconnected();
    void onSocketError();
    void fail(Failure failure, const QString &message);
    void reportFailure();
    void finish();
    void dropSocket();

    QTcpSocket *m_socket = nullptr;
    State m_state = State::Idle;
    Failure m_failure = Failure::None;
    QString m_errorString;
    QString m_host; ///< for messages
    int m_status = 0;
    QList<QPair<QByteArray, QByteArray>> m_headers; ///< lower-case names
    qint64 m_headBytes = 0;
    qint64 m_remaining = 0; ///< of the current chunk, or of a Content-Length body
    bool m_pumping = false;
    bool m_reported = false; ///< finished() was emitted (or abort() called): nothing follows
    bool m_closed = false; ///< the peer closed; what is still buffered is read first
};
