#pragma once

#include "apierror.h"

#include <QByteArray>
#include <QHttpServerResponder>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>

#include <functional>

class ConnectionGuard;
class QHttpServer;
class QHttpServerRequest;
class QTcpSocket;

/// The one place that writes to HTTP clients: every answer, every event-stream byte and every
/// refusal of the connection guard goes through here, and every QHttpServerResponder call of
/// the project is in responsewriter.cpp, with QtHttpServer's version differences (6.4: status
/// line, headers and body written one by one, socket() on the responder; 6.5: no socket();
/// 6.8: QHttpHeaders, chunked streams, another missing-handler signature).
///
/// An answer given inside the request handler uses the static respond(). An answer given
/// later (POST /chat, the stream) takes the responder into a ResponseWriter, which holds the
/// connection through a QPointer: once the client is gone (QtHttpServer deletes the socket
/// after it disconnects) every write is a no-op, isGone() is true and gone() was emitted.
class ResponseWriter : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ResponseWriter)

public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;
    using Handler = std::function<void(const QHttpServerRequest &, QHttpServerResponder &&)>;

    /// Makes `handler` QtHttpServer's handler for every request (its router is not used).
    static void setHandler(QHttpServer *server, QObject *context, Handler handler);
    /// Answers inside the request handler. Content-Length is added here.
    static void respond(QHttpServerResponder &responder, int status, const Headers &headers,
                        const QByteArray &body);
    /// The guard's own answer on a connection QtHttpServer has not answered (then closed).
    static void refuse(QTcpSocket *socket, const ApiError &error, const Headers &headers);

    /// Takes a responder to answer later; call inside the request handler.
    explicit ResponseWriter(QHttpServerResponder &&responder, QObject *parent = nullptr);
    ~ResponseWriter() override;

    /// The client went away (or the connection was closed): nothing will be written.
    [[nodiscard]] bool isGone() const;
    /// The late answer (once). No-op when the client is gone.
    void send(int status, const Headers &headers, const QByteArray &body);

    /// Starts a 200 text/event-stream answer with `headers` and the first bytes.
    void beginStream(const Headers &headers, const QByteArray &first);
    /// More bytes of the stream.
    void writeStream(const QByteArray &bytes);
    /// Bytes handed over and not yet sent to the client (0 when gone).
    [[nodiscard]] qint64 bytesToWrite() const;
    /// Ends the stream after what is queued is sent, and closes the connection.
    void endStream();
    /// Drops the connection at once.
    void abort();

Q_SIGNALS:
    /// The client disconnected or the connection is gone; emitted once.
    void gone();
    /// Some bytes reached the client's side (room in the socket buffer again).
    void bytesWritten();

private:
    void markGone();

    QHttpServerResponder m_responder;
    QPointer<QTcpSocket> m_socket;
    QPointer<ConnectionGuard> m_guard;
    bool m_used = false;
    bool m_gone = false;
};
