// The HTTP edge in front of QtHttpServer, over real sockets against the in-process server (so
// that a test can choose short timeouts): strict request framing and its limits (431, 414,
// 400, 413) answered before the request is buffered, the token checked before a body is read,
// request and idle timeouts, the cap on open connections, and pipelining.

#include "rawclient.h"

#include <chatservice.h>
#include <hostcore.h>
#include <httpapiserver.h>
#include <serverregistry.h>

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace HttpTest;

namespace {
const QByteArray kToken = "edge-token";
}

class tst_HttpEdge : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void framing_data();
    void framing();
    void goodRequestsPass_data();
    void goodRequestsPass();
    void tokenCheckedBeforeBody();
    void hugeBodyRefusedFromItsLength();
    void slowRequestTimesOut_data();
    void slowRequestTimesOut();
    void idleConnectionsAreClosed();
    void connectionCap();
    void pipelinedBehindStreamIsDropped();
    void pipelinedBehindUnansweredRequestIsRefused();
    void pipelinedBehindAnsweredRequestIsAnswered();
    void chatClientsGoneAtAnyMoment();

private:
    std::unique_ptr<HttpApiServer> server(const ConnectionLimits &limits = {},
                                          const QString &token = {});
    QByteArray authorized() const { return "Authorization: Bearer " + kToken + "\r\n"; }

    QTemporaryDir m_dir;
    HostCore *m_core = nullptr;
    std::unique_ptr<HttpApiServer> m_default; // default limits, with a token
};

void tst_HttpEdge::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QFile file(m_dir.filePath("config.json"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"mcpServers": {}, "provider": {"name": "offline"}})");
    file.close();
    qunsetenv("OPENAI_API_KEY");
    qunsetenv("ANTHROPIC_API_KEY");
    m_core = new HostCore(this);
    HostCore::Options options;
    options.configPath = file.fileName();
    QString error;
    QVERIFY2(m_core->init(options, &error), qPrintable(error));
    m_core->start();
    m_default = server({}, QString::fromLatin1(kToken));
    QVERIFY(m_default);
}

std::unique_ptr<HttpApiServer> tst_HttpEdge::server(const ConnectionLimits &limits,
                                                    const QString &token)
{
    HttpApiServer::Options o;
    o.port = 0;
    o.token = token;
    o.limits = limits;
    o.sse.heartbeatMs = 60000;
    auto s = std::make_unique<HttpApiServer>(m_core, o);
    QString error;
    if (!s->listen(&error)) {
        qWarning() << error;
        return nullptr;
    }
    return s;
}

void tst_HttpEdge::framing_data()
{
    QTest::addColumn<QByteArray>("request"); // "{port}" is replaced by the server's port
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");

    const QByteArray host = "Host: 127.0.0.1:{port}\r\n";
    const QByteArray post = "POST /api/v3/chat/send HTTP/1.1\r\n" + host + authorized();
    QByteArray manyHeaders;
    for (int i = 0; i < 101; ++i)
        manyHeaders += "X-H" + QByteArray::number(i) + ": v\r\n";

    QTest::newRow("header block too large")
            << "GET /health HTTP/1.1\r\n" + host + "X-Big: " + QByteArray(33000, 'a') + "\r\n\r\n"
            << 431 << "headers_too_large";
    QTest::newRow("header block too large, never ending")
            << "GET /health HTTP/1.1\r\n" + host + "X-Big: " + QByteArray(40000, 'a') << 431
            << "headers_too_large";
    QTest::newRow("too many headers") << "GET /health HTTP/1.1\r\n" + host + manyHeaders + "\r\n"
                                      << 431 << "too_many_headers";
    QTest::newRow("request line too long") << "GET /" + QByteArray(9000, 'a') + " HTTP/1.1\r\n"
                    + host + "\r\n" << 414 << "request_line_too_long";
    QTest::newRow("two Content-Length") << post + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"
                                        << 400 << "bad_content_length";
    QTest::newRow("negative Content-Length") << post + "Content-Length: -1\r\n\r\n"
                                             << 400 << "bad_content_length";
    QTest::newRow("non-digit Content-Length") << post + "Content-Length: 1x\r\n\r\n"
                                              << 400 << "bad_content_length";
    QTest::newRow("Content-Length list")
            << post + "Content-Length: 2, 2\r\n\r\n{}" << 400 << "bad_content_length";
    QTest::newRow("overflowing Content-Length")
            << post + "Content-Length: 99999999999999999999999\r\n\r\n"
            << 400 << "bad_content_length";
    QTest::newRow("Transfer-Encoding gzip") << post + "Transfer-Encoding: gzip\r\n\r\n"
                                            << 400 << "bad_transfer_encoding";
    QTest::newRow("Transfer-Encoding chunked, gzip")
            << post + "Transfer-Encoding: chunked, gzip\r\n\r\n"
            << 400 << "bad_transfer_encoding";
    QTest::newRow("Transfer-Encoding and Content-Length")
            << post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"
            << 400 << "bad_transfer_encoding";
    QTest::newRow("bad chunk size") << post + "Transfer-Encoding: chunked\r\n\r\nzz\r\n"
                                    << 400 << "bad_chunk";
    QTest::newRow("chunk size with extension")
            << post + "Transfer-Encoding: chunked\r\n\r\n2;x=1\r\n{}\r\n0\r\n\r\n"
            << 400 << "bad_chunk";
    QTest::newRow("overflowing chunk size")
            << post + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n"
            << 400 << "bad_chunk";
    QTest::newRow("chunk without CRLF")
            << post + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX" << 400 << "bad_chunk";
    QTest::newRow("trailers") << post + "Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n\r\n"
                              << 400 << "bad_chunk";
    QTest::newRow("body over the limit (Content-Length)")
            << post + "Content-Length: 1048577\r\n\r\n"
            << 413 << "body_too_large";
    QTest::newRow("body over the limit (chunked)")
            << post + "Transfer-Encoding: chunked\r\n\r\n100001\r\n"
            << 413 << "body_too_large";
    QTest::newRow("missing Host") << QByteArray("GET /health HTTP/1.1\r\n\r\n") << 400
                                  << "missing_host";
    QTest::newRow("two Host headers")
            << "GET /health HTTP/1.1\r\n" + host + "Host: evil.example\r\n\r\n"
            << 400 << "bad_host";
    QTest::newRow("absolute URI naming another host")
            << "GET http://evil.example/health HTTP/1.1\r\n" + host + "\r\n"
            << 400 << "bad_host";
    QTest::newRow("absolute URI and Host of a rebinding name")
            << QByteArray("GET http://evil.example/health HTTP/1.1\r\nHost: evil.example\r\n\r\n")
            << 403 << "forbidden_host"; // the dispatcher's answer: the connection stays
    QTest::newRow("bare LF") << "GET /health HTTP/1.1\n" + host + "\r\n" << 400 << "bad_line";
    QTest::newRow("folded header") << "GET /health HTTP/1.1\r\n" + host + "X-A: 1\r\n b\r\n\r\n"
                                   << 400 << "bad_header";
    QTest::newRow("space before colon") << "GET /health HTTP/1.1\r\n" + host + "X-A : 1\r\n\r\n"
                                        << 400 << "bad_header";
    QTest::newRow("HTTP/2 preface")
            << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 400 << "bad_http_version";
    QTest::newRow("garbage") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n", 13)
                             << 400 << "bad_request_line";
}

void tst_HttpEdge::framing()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QString, code);
    const quint16 port = m_default->port();
    request.replace("{port}", QByteArray::number(port));

    RawClient client;
    QVERIFY(client.connectTo(port));
    client.send(request);
    QVERIFY2(client.waitForAnswer(), client.received.left(300).constData());
    QCOMPARE(client.status(), status);
    QCOMPARE(QJsonDocument::fromJson(client.body())
                     .object()
                     .value("error")
                     .toObject()
                     .value("code")
                     .toString(),
             code);
    QCOMPARE(client.answers(), 1);
    if (status == 403)
        return;
    // Refused requests end the connection; no handler ran on a guessed request.
    QCOMPARE(client.header("connection"), QByteArray("close"));
    QVERIFY(client.waitForClose(5000));
    QCOMPARE(client.answers(), 1);
}

void tst_HttpEdge::goodRequestsPass_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    const QByteArray host = "Host: 127.0.0.1:{port}\r\n";
    const QByteArray auth = authorized();
    QTest::newRow("GET /health") << "GET /health HTTP/1.1\r\n" + host + "\r\n" << 200;
    QTest::newRow("HTTP/1.0") << "GET /health HTTP/1.0\r\n" + host + "\r\n" << 200;
    QTest::newRow("absolute URI of this host") << "GET http://127.0.0.1:{port}/health HTTP/1.1\r\n"
                    + host + "\r\n" << 200;
    QTest::newRow("POST with Content-Length")
            << "POST /api/v3/sessions HTTP/1.1\r\n" + host + auth + "Content-Length: 2\r\n\r\n{}"
            << 201;
    QTest::newRow("POST chunked") << "POST /api/v3/sessions HTTP/1.1\r\n" + host + auth
                    + "Transfer-Encoding: chunked\r\n\r\n1\r\n{\r\n1\r\n}\r\n0\r\n\r\n"
                                  << 201;
    QTest::newRow("headers just under the limits")
            << "GET /health HTTP/1.1\r\n" + host + "X-Big: " + QByteArray(30000, 'a') + "\r\n\r\n"
            << 200;
}

void tst_HttpEdge::goodRequestsPass()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    const quint16 port = m_default->port();
    request.replace("{port}", QByteArray::number(port));
    RawClient client;
    QVERIFY(client.connectTo(port));
    client.send(request);
    QVERIFY(client.waitForAnswer());
    QCOMPARE(client.status(), status);
}

void tst_HttpEdge::tokenCheckedBeforeBody()
{
    const quint16 port = m_default->port();
    // Without the token: 401 as soon as the head is complete, the body never sent.
    RawClient wrong;
    QVERIFY(wrong.connectTo(port));
    wrong.send(requestHead("POST", "/api/v3/chat/send", port,
                           "Authorization: Bearer nope\r\nContent-Length: 100000\r\n"));
    QVERIFY(wrong.waitForAnswer(3000));
    QCOMPARE(wrong.status(), 401);
    QCOMPARE(wrong.header("www-authenticate"), QByteArray("Bearer"));
    QVERIFY(wrong.waitForClose());

    // With it, the server waits for the body.
    RawClient right;
    QVERIFY(right.connectTo(port));
    right.send(
            requestHead("POST", "/api/v3/sessions", port, authorized() + "Content-Length: 2\r\n"));
    QTest::qWait(300);
    QCOMPARE(right.status(), 0);
    right.send("{}");
    QVERIFY(right.waitForAnswer());
    QCOMPARE(right.status(), 201);
}

void tst_HttpEdge::hugeBodyRefusedFromItsLength()
{
    // 256 MiB announced, a few sent: the answer comes before the body, from the length alone.
    const quint16 port = m_default->port();
    for (const QByteArray &auth : {QByteArray(), authorized()}) {
        RawClient client;
        QVERIFY(client.connectTo(port));
        client.send(requestHead("POST", "/api/v3/chat/send", port,
                                auth + "Content-Length: 268435456\r\n")
                    + QByteArray(65536, 'x'));
        QVERIFY(client.waitForAnswer(3000));
        QCOMPARE(client.status(), 413); // from the length: before the token and the body
    }
}

void tst_HttpEdge::slowRequestTimesOut_data()
{
    QTest::addColumn<QByteArray>("start");
    QTest::addColumn<QByteArray>("drip"); // sent byte by byte every 100 ms, never finishing
    QTest::newRow("slow head") << QByteArray("GET /health HTTP/1.1\r\n")
                               << QByteArray("X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    QTest::newRow("slow body") << QByteArray(
            "POST /api/v3/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
            "1000\r\n\r\n") << QByteArray(60, '{');
}

void tst_HttpEdge::slowRequestTimesOut()
{
    QFETCH(QByteArray, start);
    QFETCH(QByteArray, drip);
    ConnectionLimits limits;
    limits.requestTimeoutMs = 1000;
    const auto s = server(limits);
    QVERIFY(s);
    RawClient slow;
    QVERIFY(slow.connectTo(s->port()));
    QElapsedTimer t;
    t.start();
    slow.send(start);
    for (const char c : std::as_const(drip)) {
        if (slow.closed || slow.status() != 0)
            break;
        slow.send(QByteArray(1, c));
        QTest::qWait(100);
    }
    QVERIFY(TestSupport::waitFor([&] { return slow.status() != 0; }, 3000));
    QVERIFY2(t.elapsed() < 1800, QByteArray::number(t.elapsed()).constData());
    QCOMPARE(slow.status(), 408);
    QVERIFY(slow.waitForClose(5000));
}

void tst_HttpEdge::idleConnectionsAreClosed()
{
    ConnectionLimits limits;
    limits.idleTimeoutMs = 700;
    const auto s = server(limits);
    QVERIFY(s);
    // One that never sends anything, one after its answer (keep-alive).
    RawClient silent;
    RawClient kept;
    QVERIFY(silent.connectTo(s->port()));
    QVERIFY(kept.connectTo(s->port()));
    kept.send(requestHead("GET", "/health", s->port()));
    QVERIFY(kept.waitForAnswer());
    QCOMPARE(kept.status(), 200);
    QVERIFY(!kept.closed);
    QVERIFY(silent.waitForClose(3000));
    QVERIFY(kept.waitForClose(3000));
    QCOMPARE(silent.received, QByteArray());
}

void tst_HttpEdge::connectionCap()
{
    ConnectionLimits limits; // 256 open connections
    limits.idleTimeoutMs = 4000;
    limits.requestTimeoutMs = 4000;
    const auto s = server(limits);
    QVERIFY(s);
    const quint16 port = s->port();

    // Slowloris below the cap: a normal client still gets its answers.
    std::vector<std::unique_ptr<RawClient>> held;
    for (int i = 0; i < 200; ++i) {
        held.push_back(std::make_unique<RawClient>());
        QVERIFY(held.back()->connectTo(port));
        held.back()->send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    }
    {
        RawClient normal;
        QVERIFY(normal.connectTo(port));
        normal.send(requestHead("GET", "/health", port));
        QVERIFY(normal.waitForAnswer());
        QCOMPARE(normal.status(), 200);
    }
    QTest::qWait(100); // the normal client's connection is closed on the server's side too
    while (held.size() < 256) {
        held.push_back(std::make_unique<RawClient>());
        QVERIFY(held.back()->connectTo(port));
    }
    QTest::qWait(200);
    for (const auto &c : held)
        QVERIFY(!c->closed);

    // The 257th: a short 503 with Retry-After, then closed.
    RawClient over;
    over.connectTo(port); // it may be closed again by the time this looks
    QVERIFY(over.waitForAnswer());
    QCOMPARE(over.status(), 503);
    QCOMPARE(over.header("retry-after"), QByteArray("5"));
    QVERIFY(over.waitForClose());

    // The held ones time out (408 for the slow requests, closed for the idle ones); then
    // there is room again.
    QVERIFY(TestSupport::waitFor(
            [&] {
                return std::all_of(held.begin(), held.end(),
                                   [](const auto &c) { return c->closed; });
            },
            10000));
    QCOMPARE(held.front()->status(), 408);
    RawClient after;
    QVERIFY(after.connectTo(port));
    after.send(requestHead("GET", "/health", port));
    QVERIFY(after.waitForAnswer());
    QCOMPARE(after.status(), 200);
}

void tst_HttpEdge::pipelinedBehindStreamIsDropped()
{
    const quint16 port = m_default->port();
    RawClient client;
    QVERIFY(client.connectTo(port));
    client.send(requestHead("GET", "/api/v3/chat/stream?access_token=" + kToken, port)
                + requestHead("GET", "/health", port)
                + requestHead("DELETE", "/api/v3/sessions/x", port, authorized()));
    QVERIFY(TestSupport::waitFor([&] { return client.received.contains("session_start"); }));
    QTest::qWait(300);
    // More bytes later on the open stream are dropped as well.
    client.send(requestHead("GET", "/health", port));
    QTest::qWait(300);
    QCOMPARE(client.status(), 200);
    QVERIFY(client.header("content-type").startsWith("text/event-stream"));
    QVERIFY2(!client.body().contains("HTTP/1."), client.body().constData()); // nothing
                                                                             // answered inside it
    QVERIFY(!client.closed);
}

void tst_HttpEdge::pipelinedBehindUnansweredRequestIsRefused()
{
    // POST /chat answers when its turn ends; a request behind it would be answered first,
    // inside or before the /chat answer. It is refused and the connection closed.
    const quint16 port = m_default->port();
    const QByteArray body = R"({"message":"hello"})";
    RawClient client;
    QVERIFY(client.connectTo(port));
    client.send(requestHead("POST", "/chat", port,
                            authorized() + "Content-Length: " + QByteArray::number(body.size())
                                    + "\r\n")
                + body + requestHead("GET", "/health", port));
    QVERIFY(client.waitForClose());
    QCOMPARE(client.status(), 400);
    QVERIFY2(client.body().contains("pipelining_refused"), client.received.constData());
    QCOMPARE(client.answers(), 1);
}

void tst_HttpEdge::pipelinedBehindAnsweredRequestIsAnswered()
{
    // Requests answered at once may be pipelined: each gets its answer, in order.
    const quint16 port = m_default->port();
    RawClient client;
    QVERIFY(client.connectTo(port));
    client.send(requestHead("GET", "/health", port) + requestHead("GET", "/nope", port)
                + requestHead("GET", "/health", port));
    QVERIFY(TestSupport::waitFor([&] { return client.answers() == 3; }));
    QCOMPARE(client.statuses(), (QList<int> {200, 404, 200}));
}

void tst_HttpEdge::chatClientsGoneAtAnyMoment()
{
    // POST /chat clients that leave 0..30 ms after sending, while their turns run and their
    // answers are written (tst_httpdisconnect does this with a slow tool against mcp-hostd;
    // this one runs wherever the in-process server builds, QtHttpServer 6.8 included).
    const quint16 port = m_default->port();
    const QByteArray body = R"({"message":"what tools do you have?"})";
    const QByteArray request = requestHead("POST", "/chat", port,
                                           authorized() + "Content-Length: "
                                                   + QByteArray::number(body.size()) + "\r\n")
            + body;
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < 30; ++i) {
        clients.push_back(std::make_unique<RawClient>());
        QVERIFY(clients.back()->connectTo(port));
        clients.back()->send(request);
        RawClient *c = clients.back().get();
        QTimer::singleShot(i, &c->socket, [c] { c->abort(); });
    }
    QTest::qWait(300);
    QVERIFY(TestSupport::waitFor([this] { return m_core->chat()->runningTurns() == 0; }));
    RawClient after;
    QVERIFY(after.connectTo(port));
    after.send(requestHead("GET", "/health", port));
    QVERIFY(after.waitForAnswer());
    QCOMPARE(after.status(), 200);
}

QTEST_GUILESS_MAIN(tst_HttpEdge)
#include "tst_httpedge.moc"
