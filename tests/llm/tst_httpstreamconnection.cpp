// HttpStreamConnection against a peer on a real socket that writes exact bytes: what a broken
// or hostile model endpoint could send (the scripted-llm fixture speaks only well-formed HTTP,
// through QHttpServer). Each row's response is written in the pieces given, and the body the
// connection delivers, its failure and what the peer received are checked.

#include <httpstreamconnection.h>

#include <QPointer>
#include <QProcess>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using Failure = HttpStreamConnection::Failure;
Q_DECLARE_METATYPE(Failure)

namespace {

/// Accepts one connection, collects the request, and answers with `pieces` (one per event-loop
/// turn), then closes unless `keepOpen`.
class RawPeer : public QObject
{
public:
    RawPeer(QList<QByteArray> pieces, bool keepOpen)
        : m_pieces(std::move(pieces))
        , m_keepOpen(keepOpen)
    {
        m_server.listen(QHostAddress::LocalHost);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            m_socket = m_server.nextPendingConnection();
            connect(m_socket, &QTcpSocket::readyRead, this, [this] {
                request += m_socket->readAll();
                if (!m_answering && request.contains("\r\n\r\n")) {
                    m_answering = true;
                    writeNext();
                }
            });
        });
    }

    [[nodiscard]] quint16 port() const { return m_server.serverPort(); }
    QByteArray request;

private:
    void writeNext()
    {
        if (!m_socket)
            return;
        if (m_pieces.isEmpty()) {
            if (!m_keepOpen)
                m_socket->disconnectFromHost();
            return;
        }
        m_socket->write(m_pieces.takeFirst());
        m_socket->flush();
        QTimer::singleShot(5, this, [this] { writeNext(); });
    }

    QTcpServer m_server;
    QPointer<QTcpSocket> m_socket;
    QList<QByteArray> m_pieces;
    bool m_keepOpen;
    bool m_answering = false;
};

QByteArray sse(int n)
{
    QByteArray out;
    for (int i = 0; i < n; ++i)
        out += "data: " + QByteArray::number(i) + "\n\n";
    return out;
}

} // namespace

class tst_HttpStreamConnection : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void responses_data();
    void responses();
    void requestAsSent();
    void headerWithLineBreakIsNotSent();
    void refusedConnection();
    void tls_data();
    void tls();
    void abortFromTheReceiver();
};

void tst_HttpStreamConnection::responses_data()
{
    QTest::addColumn<QList<QByteArray>>("pieces");
    QTest::addColumn<bool>("keepOpen");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<Failure>("failure");

    const QByteArray body = sse(2000); // about 17 KiB
    const QByteArray head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n";
    QByteArray chunked;
    for (qsizetype at = 0; at < body.size(); at += 1000) {
        const QByteArray part = body.mid(at, 1000);
        chunked += QByteArray::number(part.size(), 16) + "\r\n" + part + "\r\n";
    }
    chunked += "0\r\n\r\n";
    // The chunked framing cut at every few bytes: a chunk size line, its CRLF, the data, all
    // split across reads.
    QList<QByteArray> pieces {head + "Transfer-Encoding: chunked\r\n\r\n"};
    for (qsizetype at = 0; at < chunked.size(); at += 997)
        pieces << chunked.mid(at, 997);
    QTest::newRow("chunked, split anywhere") << pieces << false << 200 << body << Failure::None;
    QTest::newRow("chunked with extensions and trailers")
            << QList<QByteArray> {head + "Transfer-Encoding: chunked\r\n\r\n",
                                  "5;name=value\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n"}
            << false << 200 << QByteArray("hello") << Failure::None;
    QTest::newRow("Content-Length, connection kept open: done at the length")
            << QList<QByteArray> {head + "Content-Length: 11\r\n\r\nhello", " world"} << true << 200
            << QByteArray("hello world") << Failure::None;
    QTest::newRow("no length: the body ends with the connection")
            << QList<QByteArray> {head + "\r\n", body.left(5000), body.mid(5000)} << false << 200
            << body << Failure::None;
    QTest::newRow("an interim 100 Continue first")
            << QList<QByteArray> {"HTTP/1.1 100 Continue\r\n\r\n",
                                  head + "Content-Length: 2\r\n\r\nok"}
            << true << 200 << QByteArray("ok") << Failure::None;
    QTest::newRow("an error status with its body")
            << QList<QByteArray> {"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nContent-"
                                  "Length: 13\r\n\r\n{\"error\":\"x\"}"}
            << true << 429 << QByteArray("{\"error\":\"x\"}") << Failure::None;
    QTest::newRow("closed in the middle of a chunk")
            << QList<QByteArray> {head + "Transfer-Encoding: chunked\r\n\r\n", "10\r\nonly half"}
            << false << 200 << QByteArray("only half") << Failure::BrokenBody;
    QTest::newRow("closed before the Content-Length")
            << QList<QByteArray> {head + "Content-Length: 100\r\n\r\nshort"} << false << 200
            << QByteArray("short") << Failure::BrokenBody;
    QTest::newRow("a chunk size that is not hex")
            << QList<QByteArray> {head + "Transfer-Encoding: chunked\r\n\r\n", "zz\r\nhello\r\n"}
            << true << 200 << QByteArray() << Failure::BrokenBody;
    QTest::newRow("a chunk longer than it said")
            << QList<QByteArray> {head + "Transfer-Encoding: chunked\r\n\r\n", "2\r\nhello\r\n"}
            << true << 200 << QByteArray("he") << Failure::BrokenBody;
    QTest::newRow("an endless chunk size line")
            << QList<QByteArray> {head + "Transfer-Encoding: chunked\r\n\r\n",
                                  QByteArray(4096, '1')}
            << true << 200 << QByteArray() << Failure::BrokenBody;
    QTest::newRow("not HTTP") << QList<QByteArray> {"SSH-2.0-OpenSSH\r\n\r\n"} << true << 0
                              << QByteArray() << Failure::Protocol;
    QTest::newRow("a compressed body, not asked for")
            << QList<QByteArray> {head + "Content-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc"}
            << true << 200 << QByteArray() << Failure::Protocol;
    QTest::newRow("an invalid Content-Length")
            << QList<QByteArray> {head + "Content-Length: -5\r\n\r\n"} << true << 200
            << QByteArray() << Failure::Protocol;
    // Bounded heads: an endless header line, and endless headers, each cut at 64 KiB.
    QTest::newRow("an endless header line")
            << QList<QByteArray> {head + "X-Long: ", QByteArray(200 * 1024, 'a')} << true << 200
            << QByteArray() << Failure::Protocol;
    QList<QByteArray> many {head};
    for (int i = 0; i < 300; ++i)
        many << "X-" + QByteArray::number(i) + ": 1\r\n";
    QTest::newRow("too many headers") << many << true << 200 << QByteArray() << Failure::Protocol;
    QTest::newRow("closed without a response")
            << QList<QByteArray> {} << false << 0 << QByteArray() << Failure::ConnectionFailed;
}

void tst_HttpStreamConnection::responses()
{
    QFETCH(QList<QByteArray>, pieces);
    QFETCH(bool, keepOpen);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(Failure, failure);
    RawPeer peer(pieces, keepOpen);
    HttpStreamConnection connection;
    QByteArray received;
    int largestPiece = 0;
    connect(&connection, &HttpStreamConnection::bodyData, this, [&](const QByteArray &piece) {
        received += piece;
        largestPiece = std::max(largestPiece, int(piece.size()));
    });
    QSignalSpy started(&connection, &HttpStreamConnection::responseStarted);
    QSignalSpy finished(&connection, &HttpStreamConnection::finished);
    connection.start("POST", QUrl(QStringLiteral("http://127.0.0.1:%1/v1").arg(peer.port())),
                     {{"Content-Type", "application/json"}}, "{}");
    QVERIFY(finished.wait(10000));
    QCOMPARE(int(connection.failure()), int(failure));
    QVERIFY2(!connection.errorString().isEmpty() || failure == Failure::None,
             "a failure says what went wrong");
    QCOMPARE(connection.status(), status);
    QCOMPARE(received, body);
    QVERIFY(largestPiece <= HttpStreamConnection::kPieceBytes);
    if (failure == Failure::None)
        QCOMPARE(started.count(), 1);
    if (status == 429)
        QCOMPARE(connection.header("retry-after"), QByteArray("3"));
    QTest::qWait(20);
    QCOMPARE(finished.count(), 1); // once, and nothing after it
}

void tst_HttpStreamConnection::requestAsSent()
{
    RawPeer peer({"HTTP/1.1 204 No Content\r\n\r\n"}, true);
    HttpStreamConnection connection;
    QSignalSpy finished(&connection, &HttpStreamConnection::finished);
    connection.start("POST",
                     QUrl(QStringLiteral("http://127.0.0.1:%1/v1/chat?x=a%20b").arg(peer.port())),
                     {{"Authorization", "Bearer k"}, {"Content-Length", "999"}}, "{\"a\":1}");
    QVERIFY(finished.wait(10000));
    QCOMPARE(int(connection.failure()), int(Failure::None));
    QCOMPARE(connection.status(), 204);
    const QByteArray request = peer.request;
    QVERIFY2(request.startsWith("POST /v1/chat?x=a%20b HTTP/1.1\r\n"), request.constData());
    QVERIFY(request.contains(
            QStringLiteral("\r\nHost: 127.0.0.1:%1\r\n").arg(peer.port()).toLatin1()));
    QVERIFY(request.contains("\r\nAuthorization: Bearer k\r\n"));
    // The length is the body's, whatever a caller said; the body is not compressed.
    QVERIFY(request.contains("\r\nContent-Length: 7\r\n"));
    QVERIFY(!request.contains("999"));
    QVERIFY(request.contains("\r\nAccept-Encoding: identity\r\n"));
    QVERIFY(request.endsWith("\r\n\r\n{\"a\":1}"));
}

void tst_HttpStreamConnection::headerWithLineBreakIsNotSent()
{
    // An API key with a line break in a config would add a header of its own: nothing is sent.
    RawPeer peer({"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"}, true);
    HttpStreamConnection connection;
    QSignalSpy finished(&connection, &HttpStreamConnection::finished);
    connection.start("POST", QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(peer.port())),
                     {{"Authorization", "Bearer k\r\nX-Evil: 1"}}, {});
    QCOMPARE(finished.count(), 0); // never from start()
    QVERIFY(finished.wait(5000));
    QCOMPARE(int(connection.failure()), int(Failure::UnsupportedUrl));
    QTest::qWait(50);
    QVERIFY(peer.request.isEmpty());
}

void tst_HttpStreamConnection::refusedConnection()
{
    HttpStreamConnection connection;
    QSignalSpy finished(&connection, &HttpStreamConnection::finished);
    connection.start("POST", QUrl(QStringLiteral("http://127.0.0.1:1/")), {}, {});
    QVERIFY(finished.wait(10000));
    QCOMPARE(int(connection.failure()), int(Failure::ConnectionFailed));
    QCOMPARE(connection.status(), 0);
    QVERIFY(!connection.errorString().isEmpty());
}

void tst_HttpStreamConnection::tls_data()
{
    QTest::addColumn<bool>("trusted");
    QTest::newRow("a certificate the client trusts") << true;
    QTest::newRow("a self-signed certificate it does not trust") << false;
}

// https through QSslSocket against a local TLS server whose certificate is made for the run:
// trusted, the exchange is the same as over plain TCP; untrusted, it fails as a TLS failure
// and nothing is sent.
void tst_HttpStreamConnection::tls()
{
    QFETCH(bool, trusted);
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    if (QStandardPaths::findExecutable("openssl").isEmpty())
        QSKIP("openssl is needed to make the certificate");
    QTemporaryDir dir;
    QProcess openssl;
    openssl.start("openssl",
                  {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                   "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                   dir.filePath("key.pem"), "-out", dir.filePath("cert.pem")});
    QVERIFY(openssl.waitForFinished(30000));
    QCOMPARE(openssl.exitCode(), 0);
    QFile certFile(dir.filePath("cert.pem"));
    QFile keyFile(dir.filePath("key.pem"));
    QVERIFY(certFile.open(QIODevice::ReadOnly) && keyFile.open(QIODevice::ReadOnly));
    const QSslCertificate cert(&certFile, QSsl::Pem);
    const QSslKey key(&keyFile, QSsl::Rsa, QSsl::Pem);
    QVERIFY(!cert.isNull() && !key.isNull());

    QSslServer server;
    QSslConfiguration serverConfig = QSslConfiguration::defaultConfiguration();
    serverConfig.setLocalCertificate(cert);
    serverConfig.setPrivateKey(key);
    serverConfig.setPeerVerifyMode(QSslSocket::VerifyNone);
    server.setSslConfiguration(serverConfig);
    QVERIFY(server.listen(QHostAddress::LocalHost));
    QByteArray request;
    connect(&server, &QSslServer::pendingConnectionAvailable, this, [&] {
        QTcpSocket *socket = server.nextPendingConnection();
        connect(socket, &QTcpSocket::readyRead, socket, [&request, socket] {
            request += socket->readAll();
            if (request.contains("\r\n\r\n"))
                socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n8\r\ndata: x\n\r\n0\r\n\r\n");
        });
    });

    const QSslConfiguration before = QSslConfiguration::defaultConfiguration();
    if (trusted) {
        QSslConfiguration client = before;
        client.addCaCertificate(cert);
        QSslConfiguration::setDefaultConfiguration(client);
    }
    HttpStreamConnection connection;
    QByteArray received;
    connect(&connection, &HttpStreamConnection::bodyData, this,
            [&received](const QByteArray &piece) { received += piece; });
    QSignalSpy finished(&connection, &HttpStreamConnection::finished);
    connection.start("POST",
                     QUrl(QStringLiteral("https://127.0.0.1:%1/v1").arg(server.serverPort())),
                     {{"Authorization", "Bearer secret"}}, "{}");
    const bool ended = finished.wait(10000);
    QSslConfiguration::setDefaultConfiguration(before);
    QVERIFY(ended);
    if (trusted) {
        QCOMPARE(int(connection.failure()), int(Failure::None));
        QCOMPARE(connection.status(), 200);
        QCOMPARE(received, QByteArray("data: x\n"));
        QVERIFY(request.startsWith("POST /v1 HTTP/1.1\r\n"));
    } else {
        QCOMPARE(int(connection.failure()), int(Failure::Tls));
        QVERIFY(request.isEmpty()); // the key never went to a server it could not verify
    }
}

void tst_HttpStreamConnection::abortFromTheReceiver()
{
    // The receiver stops after the first piece: nothing more is delivered, no finished().
    const QByteArray body(1024 * 1024, 'x');
    RawPeer peer({"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n", body}, true);
    HttpStreamConnection connection;
    int pieces = 0;
    connect(&connection, &HttpStreamConnection::bodyData, this, [&](const QByteArray &) {
        ++pieces;
        connection.abort();
    });
    QSignalSpy finished(&connection, &HttpStreamConnection::finished);
    connection.start("POST", QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(peer.port())), {}, {});
    QTRY_COMPARE_WITH_TIMEOUT(pieces, 1, 10000);
    QTest::qWait(100);
    QCOMPARE(pieces, 1);
    QCOMPARE(finished.count(), 0);
}

QTEST_GUILESS_MAIN(tst_HttpStreamConnection)
#include "tst_httpstreamconnection.moc"
