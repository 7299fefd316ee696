// Clients that go away at every point of every route never take the real `mcp-hostd` down:
// before the body, mid-body, while a POST /chat turn runs (a slow tool of the fixture), while
// the answer is written, mid-stream. The turn's work is still in the session afterwards.

#include "apitestsupport.h"
#include "httptestsupport.h"
#include "rawclient.h"

#include <QTest>

using namespace HttpTest;

class tst_HttpDisconnect : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void chatClientGoneWhileTurnRuns();
    void chatClientGoneWhileAnswerIsWritten();
    void streamClientGoneMidStream();
    void requestBehindRunningChatIsRefused();
    void goneAtEachPoint_data();
    void goneAtEachPoint();
    void cleanupTestCase();

private:
    [[nodiscard]] bool alive();
    QString newSession();
    bool waitUntilIdle(const QString &sessionId, int timeoutMs = 30000);

    ScriptedLlm m_llm;
    std::unique_ptr<HostProcess> m_host;
    RestClient m_rest;
};

void tst_HttpDisconnect::initTestCase()
{
    QVERIFY2(m_llm.start(), "the scripted LLM did not start");
    m_host = std::make_unique<HostProcess>();
    m_host->useLlm(m_llm);
    const QString failure = m_host->start();
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    m_rest.port = m_host->port;
    QVERIFY2(waitForServersReady(m_rest), m_host->err.right(2000).constData());
}

void tst_HttpDisconnect::cleanupTestCase()
{
    QVERIFY2(alive(), m_host->err.right(3000).constData());
}

bool tst_HttpDisconnect::alive()
{
    if (m_host->process.state() != QProcess::Running)
        return false;
    return m_rest.get(QStringLiteral("/health")).status == 200;
}

QString tst_HttpDisconnect::newSession()
{
    return m_rest.post(QStringLiteral("/api/v3/sessions"), {})
            .json()
            .value(QStringLiteral("session_id"))
            .toString();
}

bool tst_HttpDisconnect::waitUntilIdle(const QString &sessionId, int timeoutMs)
{
    return TestSupport::waitFor(
            [&] {
                const Reply r = m_rest.get(QStringLiteral("/api/v3/sessions/") + sessionId);
                return r.status == 200 && !r.json().value(QStringLiteral("busy")).toBool();
            },
            timeoutMs);
}

void tst_HttpDisconnect::chatClientGoneWhileTurnRuns()
{
    // The turn outlives its client: the answer is due on a connection that no longer exists.
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c_slow", "slow", {{"steps", 5}, {"delay_ms", 100}})}),
             textReply(QStringLiteral("slow work done"))}));
    const QString session = newSession();
    QVERIFY(!session.isEmpty());
    const QByteArray body
            = QJsonDocument(QJsonObject {{"session_id", session}, {"message", "work slowly"}})
                      .toJson(QJsonDocument::Compact);
    RawClient client;
    QVERIFY(client.connectTo(m_host->port));
    client.send(requestHead("POST", "/chat", m_host->port,
                            "Content-Type: application/json\r\nContent-Length: "
                                    + QByteArray::number(body.size()) + "\r\n")
                + body);
    QVERIFY(TestSupport::waitFor([&] {
        return m_rest.get(QStringLiteral("/api/v3/sessions/") + session)
                .json()
                .value(QStringLiteral("busy"))
                .toBool();
    }));
    client.abort();

    QVERIFY(waitUntilIdle(session));
    QTest::qWait(200); // the answer is written (or not) right after the turn ends
    QVERIFY2(alive(), m_host->err.right(3000).constData());
    // The turn's work is in the session: the user's message, the tool call and the answer.
    const QJsonArray messages = m_rest.get(QStringLiteral("/api/v3/sessions/") + session)
                                        .json()
                                        .value(QStringLiteral("messages"))
                                        .toArray();
    QVERIFY2(messages.size() >= 4, QJsonDocument(messages).toJson().constData());
    QCOMPARE(messages.last().toObject().value("content").toString(),
             QStringLiteral("slow work done"));
}

void tst_HttpDisconnect::chatClientGoneWhileAnswerIsWritten()
{
    // A large answer: the client reads its first bytes and drops the connection.
    const QString big(3 * 1024 * 1024, QLatin1Char('x'));
    QVERIFY(m_llm.setScript({textReply(big, 256 * 1024)}));
    const QString session = newSession();
    const QByteArray body
            = QJsonDocument(QJsonObject {{"session_id", session}, {"message", "say a lot"}})
                      .toJson(QJsonDocument::Compact);
    RawClient client;
    QVERIFY(client.connectTo(m_host->port));
    client.socket.setReadBufferSize(1024);
    client.send(requestHead("POST", "/chat", m_host->port,
                            "Content-Length: " + QByteArray::number(body.size()) + "\r\n")
                + body);
    QVERIFY(TestSupport::waitFor([&] { return !client.received.isEmpty(); }, 30000));
    client.abort();
    QVERIFY(waitUntilIdle(session));
    QVERIFY2(alive(), m_host->err.right(3000).constData());
}

void tst_HttpDisconnect::streamClientGoneMidStream()
{
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c_slow", "slow", {{"steps", 5}, {"delay_ms", 100}})}),
             textReply(QStringLiteral("streamed work done"))}));
    const QString session = newSession();
    ApiTest::Stream stream(m_host->port);
    QVERIFY(stream.open(session));
    const Reply sent = m_rest.post(QStringLiteral("/api/v3/chat/send"),
                                   {{"session_id", session}, {"message", "work"}});
    QCOMPARE(sent.status, 202);
    QVERIFY(stream.waitForType(QStringLiteral("acting")) > 0);
    stream.client.close(); // the window goes away mid-turn
    QVERIFY(waitUntilIdle(session));
    QVERIFY2(alive(), m_host->err.right(3000).constData());
    const Reply s = m_rest.get(QStringLiteral("/api/v3/sessions/") + session);
    QCOMPARE(s.json().value("messages").toArray().last().toObject().value("content").toString(),
             QStringLiteral("streamed work done"));
    // A new stream replays the whole turn.
    ApiTest::Stream again(m_host->port);
    QVERIFY(again.open(session));
    QVERIFY(again.waitForType(QStringLiteral("final_response")) > 0);
    QCOMPARE(again.ofType(QStringLiteral("thinking")).size(), 2);
}

void tst_HttpDisconnect::requestBehindRunningChatIsRefused()
{
    // A second request on the connection of a running POST /chat would be answered first,
    // before the /chat answer it follows. It is refused, and nothing else is written.
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c_slow", "slow", {{"steps", 5}, {"delay_ms", 100}})}),
             textReply(QStringLiteral("late answer"))}));
    const QString session = newSession();
    const QByteArray body
            = QJsonDocument(QJsonObject {{"session_id", session}, {"message", "work slowly"}})
                      .toJson(QJsonDocument::Compact);
    RawClient client;
    QVERIFY(client.connectTo(m_host->port));
    client.send(requestHead("POST", "/chat", m_host->port,
                            "Content-Length: " + QByteArray::number(body.size()) + "\r\n")
                + body);
    QVERIFY(TestSupport::waitFor([&] {
        return m_rest.get(QStringLiteral("/api/v3/sessions/") + session)
                .json()
                .value(QStringLiteral("busy"))
                .toBool();
    }));
    client.send(requestHead("GET", "/health", m_host->port));
    QVERIFY(client.waitForClose());
    QCOMPARE(client.statuses(), QList<int> {400});
    QVERIFY2(client.body().contains("pipelining_refused"), client.received.constData());
    QVERIFY(waitUntilIdle(session));
    QVERIFY(alive());
}

void tst_HttpDisconnect::goneAtEachPoint_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("point"); // before-body, mid-body, after-request, mid-head

    const QByteArray chat = R"({"message":"echo please"})";
    struct Route
    {
        const char *method;
        const char *path;
        QByteArray body;
    };
    const QList<Route> routes {{"POST", "/chat", chat},
                               {"POST", "/api/v3/chat/send", chat},
                               {"POST", "/api/v3/sessions", "{}"},
                               {"POST", "/api/v3/chat/cancel", R"({"session_id":"nope"})"},
                               {"GET", "/api/v3/chat/stream", {}},
                               {"GET", "/api/v3/sessions", {}},
                               {"GET", "/api/v3/tools", {}},
                               {"GET", "/", {}},
                               {"GET", "/health", {}}};
    for (const Route &r : routes) {
        const QByteArray name = QByteArray(r.method) + ' ' + r.path;
        QTest::newRow(name + ": mid-head") << QByteArray(r.method) << QByteArray(r.path) << r.body
                                           << QStringLiteral("mid-head");
        QTest::newRow(name + ": after the request") << QByteArray(r.method) << QByteArray(r.path)
                                                    << r.body << QStringLiteral("after-request");
        if (r.body.isEmpty())
            continue;
        QTest::newRow(name + ": before the body") << QByteArray(r.method) << QByteArray(r.path)
                                                  << r.body << QStringLiteral("before-body");
        QTest::newRow(name + ": mid-body") << QByteArray(r.method) << QByteArray(r.path) << r.body
                                           << QStringLiteral("mid-body");
    }
}

void tst_HttpDisconnect::goneAtEachPoint()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, body);
    QFETCH(QString, point);

    QVERIFY(m_llm.setScript({toolReply({toolCall("c_echo", "echo", {{"message", "hi"}})}),
                             textReply(QStringLiteral("echoed"))}));
    const QByteArray head
            = requestHead(method, path, m_host->port,
                          body.isEmpty() ? QByteArray()
                                         : "Content-Type: application/json\r\nContent-Length: "
                                          + QByteArray::number(body.size()) + "\r\n");
    QByteArray bytes;
    if (point == QLatin1String("mid-head"))
        bytes = head.left(head.size() / 2);
    else if (point == QLatin1String("before-body"))
        bytes = head;
    else if (point == QLatin1String("mid-body"))
        bytes = head + body.left(body.size() / 2);
    else
        bytes = head + body;

    // Ten clients at once, each gone at the same point.
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < 10; ++i) {
        clients.push_back(std::make_unique<RawClient>());
        QVERIFY(clients.back()->connectTo(m_host->port));
        clients.back()->send(bytes);
    }
    QTest::qWait(50);
    for (auto &c : clients)
        c->abort();
    // Turns started by /chat and send finish without their clients.
    QVERIFY(TestSupport::waitFor([this] {
        return m_rest.get(QStringLiteral("/health")).json().value("running_turns").toInt() == 0;
    }));
    QTest::qWait(100);
    QVERIFY2(alive(), m_host->err.right(3000).constData());
}

QTEST_GUILESS_MAIN(tst_HttpDisconnect)
#include "tst_httpdisconnect.moc"
