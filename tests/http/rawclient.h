#pragma once

// A raw HTTP client over QTcpSocket for the edge tests: it sends exactly the bytes a test
// gives (malformed, partial, pipelined, slow), reads what comes back, and can drop the
// connection at any moment.

#include "../integration/testsupport.h"

#include <QHostAddress>
#include <QTcpSocket>

#include <memory>

namespace HttpTest {

class RawClient
{
public:
    RawClient()
    {
        QObject::connect(&socket, &QTcpSocket::readyRead, &socket,
                         [this] { received += socket.readAll(); });
        QObject::connect(&socket, &QTcpSocket::connected, &socket, [this] { connected = true; });
        QObject::connect(&socket, &QTcpSocket::disconnected, &socket, [this] { closed = true; });
        QObject::connect(&socket, &QTcpSocket::errorOccurred, &socket,
                         [this](QAbstractSocket::SocketError e) {
                             if (e != QAbstractSocket::SocketTimeoutError)
                                 closed = true;
                         });
    }
    Q_DISABLE_COPY_MOVE(RawClient)

    bool connectTo(quint16 port, int timeoutMs = 5000)
    {
        socket.connectToHost(QHostAddress::LocalHost, port);
        return TestSupport::waitFor(
                       [this] {
                           return socket.state() == QAbstractSocket::ConnectedState || closed;
                       },
                       timeoutMs)
                && socket.state() == QAbstractSocket::ConnectedState;
    }
    void send(const QByteArray &bytes)
    {
        socket.write(bytes);
        socket.flush();
    }
    /// Waits until a whole answer (head + Content-Length body) arrived or the peer closed.
    bool waitForAnswer(int timeoutMs = 10000)
    {
        return TestSupport::waitFor([this] { return answerComplete() || closed; }, timeoutMs)
                && status() != 0;
    }
    bool waitForClose(int timeoutMs = 10000)
    {
        return TestSupport::waitFor([this] { return closed; }, timeoutMs);
    }
    [[nodiscard]] int status() const
    {
        if (!received.startsWith("HTTP/1."))
            return 0;
        return received.mid(9, 3).toInt();
    }
    [[nodiscard]] QByteArray head() const
    {
        const qsizetype end = received.indexOf("\r\n\r\n");
        return end < 0 ? QByteArray() : received.left(end);
    }
    [[nodiscard]] QByteArray header(const QByteArray &name) const
    {
        for (const QByteArray &line : head().split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().toLower() == name.toLower())
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }
    [[nodiscard]] QByteArray body() const
    {
        const qsizetype end = received.indexOf("\r\n\r\n");
        return end < 0 ? QByteArray() : received.mid(end + 4);
    }
    [[nodiscard]] bool answerComplete() const
    {
        const qsizetype end = received.indexOf("\r\n\r\n");
        if (end < 0)
            return false;
        const QByteArray length = header("content-length");
        return !length.isEmpty() && body().size() >= length.toLongLong();
    }
    /// The statuses of the answers received on this connection, in order (each answer's
    /// body is skipped by its Content-Length; a body without one runs to the end).
    [[nodiscard]] QList<int> statuses() const
    {
        QList<int> out;
        qsizetype at = 0;
        while (received.mid(at).startsWith("HTTP/1.")) {
            out << received.mid(at + 9, 3).toInt();
            const qsizetype end = received.indexOf("\r\n\r\n", at);
            if (end < 0)
                break;
            qint64 length = -1;
            for (const QByteArray &line : received.mid(at, end - at).split('\n')) {
                const qsizetype colon = line.indexOf(':');
                if (colon > 0 && line.left(colon).trimmed().toLower() == "content-length")
                    length = line.mid(colon + 1).trimmed().toLongLong();
            }
            if (length < 0)
                break;
            at = end + 4 + length;
        }
        return out;
    }
    [[nodiscard]] int answers() const { return int(statuses().size()); }
    void abort()
    {
        socket.abort();
        closed = true;
    }

    QTcpSocket socket;
    QByteArray received;
    bool connected = false;
    bool closed = false;
};

/// "METHOD path HTTP/1.1" with Host and the given extra header lines (each ending in CRLF).
inline QByteArray requestHead(const QByteArray &method, const QByteArray &path, quint16 port,
                              const QByteArray &extra = {})
{
    return method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) + "\r\n"
            + extra + "\r\n";
}

} // namespace HttpTest
