#pragma once

// A scripted HTTP/1.1 peer for the client tests: a real QTcpServer on 127.0.0.1 whose every
// request is handed to the test (`onRequest`) with its head parsed; the test answers with raw
// bytes, in whatever pieces and at whatever pace it likes, keeps the socket open or drops it.

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <functional>
#include <memory>
#include <vector>

class HttpFixture : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpFixture)
public:
    struct Request
    {
        int index = 0; ///< 0 for the first request the fixture saw
        QByteArray method, target;
        QHash<QByteArray, QByteArray> headers; ///< lower-case names
        QByteArray body;
        qint64 atMs = 0; ///< since the fixture started
        QPointer<QTcpSocket> socket;
        bool disconnected = false;

        [[nodiscard]] QByteArray header(const QByteArray &name) const
        {
            return headers.value(name.toLower());
        }
    };

    explicit HttpFixture(QObject *parent = nullptr)
        : QObject(parent)
    {
        connect(&m_server, &QTcpServer::newConnection, this, &HttpFixture::onConnection);
        m_clock.start();
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    [[nodiscard]] quint16 port() const { return m_server.serverPort(); }
    [[nodiscard]] QUrl url() const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port()));
    }
    [[nodiscard]] qint64 elapsed() const { return m_clock.elapsed(); }

    /// Called with each complete request head (and body, by Content-Length).
    std::function<void(Request &)> onRequest;
    std::vector<std::unique_ptr<Request>> requests;
    int tcpConnections = 0;

    static QByteArray streamHead(const QByteArray &extra = {})
    {
        return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
               "Connection: close\r\n"
                + extra + "\r\n";
    }
    static QByteArray answer(int status, const QByteArray &body, const QByteArray &extra = {},
                             const QByteArray &type = "application/json")
    {
        return "HTTP/1.1 " + QByteArray::number(status) + " Status\r\nContent-Type: " + type
                + "\r\nContent-Length: " + QByteArray::number(body.size())
                + "\r\nConnection: close\r\n" + extra + "\r\n" + body;
    }
    static QByteArray errorBody(const QByteArray &code, const QByteArray &message)
    {
        return "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}";
    }

    /// Writes `bytes` in pieces of `chunk` bytes, one piece every `intervalMs`; then `done`.
    void dribble(QTcpSocket *socket, const QByteArray &bytes, int chunk, int intervalMs,
                 std::function<void()> done = {})
    {
        auto *timer = new QTimer(socket);
        auto offset = std::make_shared<qsizetype>(0);
        connect(timer, &QTimer::timeout, socket, [=] {
            if (*offset >= bytes.size()) {
                timer->stop();
                timer->deleteLater();
                if (done)
                    done();
                return;
            }
            socket->write(bytes.mid(*offset, chunk));
            socket->flush();
            *offset += chunk;
        });
        timer->start(intervalMs);
    }

private:
    void onConnection()
    {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            ++tcpConnections;
            auto buffer = std::make_shared<QByteArray>();
            connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] {
                *buffer += socket->readAll();
                for (;;) {
                    const qsizetype end = buffer->indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    auto request = std::make_unique<Request>();
                    const QList<QByteArray> lines = buffer->left(end).split('\n');
                    const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
                    request->method = first.value(0);
                    request->target = first.value(1);
                    for (qsizetype i = 1; i < lines.size(); ++i) {
                        const qsizetype colon = lines.at(i).indexOf(':');
                        if (colon > 0)
                            request->headers.insert(lines.at(i).left(colon).trimmed().toLower(),
                                                    lines.at(i).mid(colon + 1).trimmed());
                    }
                    const qsizetype length = request->header("content-length").toLongLong();
                    if (buffer->size() < end + 4 + length)
                        return;
                    request->body = buffer->mid(end + 4, length);
                    buffer->remove(0, end + 4 + length);
                    request->index = int(requests.size());
                    request->atMs = m_clock.elapsed();
                    request->socket = socket;
                    Request *r = request.get();
                    requests.push_back(std::move(request));
                    connect(socket, &QTcpSocket::disconnected, this,
                            [r] { r->disconnected = true; });
                    if (onRequest)
                        onRequest(*r);
                }
            });
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    }

    QTcpServer m_server;
    QElapsedTimer m_clock;
};
