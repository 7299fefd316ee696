// ApiClient and EventStreamClient against the real `mcp-hostd` (with --token, the fixture MCP
// server and the scripted LLM): the typed calls, a whole turn on the stream with each event
// once and in order, resuming after a given seq, heartbeats keeping a quiet stream, the
// server's 503 + Retry-After at its stream cap, 401 for a wrong token, and session_end.

#include "apitestsupport.h"
#include "httptestsupport.h"

#include <QElapsedTimer>
#include <QTest>

using namespace ApiTest;
using namespace HttpTest;

namespace {
const QString kToken = QStringLiteral("client-test-token");
}

class tst_ApiClientHost : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void typedCalls();
    void wrongToken();
    void turnOnTheStream();
    void resumeAfterSeq();
    void heartbeatsKeepAQuietStream();
    void deletedSessionEndsTheStream();
    void streamCapAnswers503WithRetryAfter();

private:
    ScriptedLlm m_llm;
    std::unique_ptr<HostProcess> m_host;
    std::unique_ptr<ApiClient> m_api;
};

void tst_ApiClientHost::initTestCase()
{
    QVERIFY2(m_llm.start(), "the scripted LLM did not start");
    m_host = std::make_unique<HostProcess>();
    m_host->useLlm(m_llm);
    const QString failure = m_host->start({QStringLiteral("--token"), kToken,
                                           QStringLiteral("--heartbeat"), QStringLiteral("0.3")});
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    m_api = apiFor(m_host->port, kToken);
    QVERIFY(TestSupport::waitFor(
            [this] {
                const auto servers = await<QList<ServerInfo>>(
                        [this](QObject *c, auto cb) { m_api->listServers(c, cb); });
                return servers.ok() && !servers.value.isEmpty()
                        && servers.value.at(0).state == QLatin1String("ready");
            },
            30000));
}

void tst_ApiClientHost::typedCalls()
{
    const auto health = await<QJsonObject>([this](QObject *c, auto cb) { m_api->health(c, cb); });
    QVERIFY2(health.ok(), health.describe());
    QCOMPARE(health.value.value("status").toString(), QStringLiteral("ok"));
    QCOMPARE(health.value.value("version").toString(), QStringLiteral(MCPHOST_VERSION));

    const auto created = await<SessionSummary>([this](QObject *c, auto cb) {
        m_api->createSession(QStringLiteral("typed-1"), c, cb);
    });
    QVERIFY2(created.ok(), created.describe());
    QCOMPARE(created.value.id, QStringLiteral("typed-1"));
    QCOMPARE(created.value.messageCount, 0);
    QVERIFY(created.value.created.isValid());
    QVERIFY(!created.value.busy);

    const auto again = await<SessionSummary>([this](QObject *c, auto cb) {
        m_api->createSession(QStringLiteral("typed-1"), c, cb);
    });
    QCOMPARE(again.status(), 409);
    QCOMPARE(again.code(), QStringLiteral("session_exists"));

    const auto sessions = await<QList<SessionSummary>>(
            [this](QObject *c, auto cb) { m_api->listSessions(c, cb); });
    QVERIFY2(sessions.ok(), sessions.describe());
    QVERIFY(std::any_of(sessions.value.cbegin(), sessions.value.cend(),
                        [](const SessionSummary &s) { return s.id == QLatin1String("typed-1"); }));

    const auto tools
            = await<QList<ToolInfo>>([this](QObject *c, auto cb) { m_api->listTools(c, cb); });
    QVERIFY2(tools.ok(), tools.describe());
    auto echo = std::find_if(tools.value.cbegin(), tools.value.cend(),
                             [](const ToolInfo &t) { return t.name == QLatin1String("echo"); });
    QVERIFY(echo != tools.value.cend());
    QCOMPARE(echo->server, QStringLiteral("fixture"));
    QCOMPARE(echo->title, QStringLiteral("Echo"));
    QVERIFY(echo->inputSchema.value("properties").toObject().contains("message"));

    const auto servers
            = await<QList<ServerInfo>>([this](QObject *c, auto cb) { m_api->listServers(c, cb); });
    QVERIFY2(servers.ok(), servers.describe());
    QCOMPARE(servers.value.size(), 1);
    QCOMPARE(servers.value.at(0).name, QStringLiteral("fixture"));
    QCOMPARE(servers.value.at(0).transport, QStringLiteral("stdio"));
    QCOMPARE(servers.value.at(0).serverName, QStringLiteral("mcp-fixture-server"));
    QCOMPARE(servers.value.at(0).toolCount, tools.value.size());

    const auto deleted = await<bool>([this](QObject *c, auto cb) {
        m_api->deleteSession(QStringLiteral("typed-1"), c, cb);
    });
    QVERIFY2(deleted.ok() && deleted.value, deleted.describe());
    const auto gone = await<QJsonObject>(
            [this](QObject *c, auto cb) { m_api->getSession(QStringLiteral("typed-1"), c, cb); });
    QCOMPARE(gone.status(), 404);
    QCOMPARE(gone.code(), QStringLiteral("unknown_session"));
    QVERIFY(!gone.error->message.isEmpty());
}

void tst_ApiClientHost::wrongToken()
{
    auto api = apiFor(m_host->port, QStringLiteral("wrong"));
    const auto sessions = await<QList<SessionSummary>>(
            [&api](QObject *c, auto cb) { api->listSessions(c, cb); });
    QCOMPARE(sessions.status(), 401);
    QCOMPARE(sessions.code(), QStringLiteral("unauthorized"));

    Stream stream(m_host->port, QStringLiteral("wrong"));
    stream.client.open(QString());
    QTRY_COMPARE(stream.failures.size(), 1);
    QCOMPARE(stream.failures.at(0).httpStatus, 401);
    QCOMPARE(stream.failures.at(0).code, QStringLiteral("unauthorized"));
    QVERIFY(stream.failures.at(0).message.contains(QLatin1String("token")));
    QCOMPARE(stream.client.state(), EventStreamClient::State::Failed);
    QTest::qWait(300);
    QCOMPARE(stream.client.connectionCount(), 1);
}

void tst_ApiClientHost::turnOnTheStream()
{
    Stream stream(m_host->port, kToken);
    QVERIFY(stream.open()); // no session: the server creates one
    const QString id = stream.client.sessionId();
    QVERIFY(!id.isEmpty());
    QCOMPARE(stream.events.at(0).sessionId, id);

    QVERIFY(m_llm.setScript({toolReply({toolCall("c1", "echo", {{"message", "via client"}})}),
                             textReply(QStringLiteral("The echo said: via client"), 5)}));
    const auto sent = await<QJsonObject>([&](QObject *c, auto cb) {
        m_api->send(id, QStringLiteral("Echo via client"), c, cb);
    });
    QVERIFY2(sent.ok(), sent.describe());
    const QString turn = sent.value.value("turn_id").toString();
    QVERIFY(!turn.isEmpty());
    QVERIFY(stream.waitForType(QStringLiteral("final_response")) > 0);

    const QList<qint64> seqs = stream.seqs();
    for (qsizetype i = 0; i < seqs.size(); ++i)
        QCOMPARE(seqs.at(i), i + 1); // each once, in order, none missing
    QCOMPARE(stream.client.lastSeq(), seqs.last());
    QStringList shape;
    for (const QString &t : stream.types()) {
        if (t != QLatin1String("partial_response") || shape.last() != t)
            shape << t;
    }
    QCOMPARE(shape,
             (QStringList {"session_start", "thinking", "tool_call", "acting", "observing",
                           "thinking", "partial_response", "final_response"}));
    const StreamEvent observing = stream.ofType(QStringLiteral("observing")).at(0);
    QCOMPARE(observing.turnId, turn);
    QCOMPARE(observing.data.value("call_id").toString(), QStringLiteral("c1"));
    const StreamEvent final = stream.ofType(QStringLiteral("final_response")).at(0);
    QCOMPARE(final.data.value("content").toString(), QStringLiteral("The echo said: via client"));
    QCOMPARE(stream.client.state(), EventStreamClient::State::Open);
    QCOMPARE(stream.client.connectionCount(), 1);
}

// A second window opened after seq k sees exactly the events after k; one opened from 0 the
// whole log, each event once.
void tst_ApiClientHost::resumeAfterSeq()
{
    QVERIFY(m_llm.setScript({textReply(QStringLiteral("Answer one two three four"), 4)}));
    const auto chat = await<QJsonObject>([&](QObject *c, auto cb) {
        m_api->post(QStringLiteral("/chat"), {{"message", "count"}}, c, cb);
    });
    QVERIFY2(chat.ok(), chat.describe());
    const QString id = chat.value.value("session_id").toString();
    const qint64 last
            = chat.value.value("steps").toArray().last().toObject().value("seq").toInteger();
    QVERIFY(last > 4);

    Stream whole(m_host->port, kToken);
    QVERIFY(whole.open(id, 0));
    QTRY_COMPARE(whole.seqs().size(), int(last));
    Stream tail(m_host->port, kToken);
    QVERIFY(tail.open(id, 3));
    QTRY_COMPARE(tail.seqs().size(), int(last - 3));
    QCOMPARE(tail.seqs().first(), 4);
    QCOMPARE(tail.seqs().last(), last);
    QTest::qWait(200);
    QCOMPARE(whole.seqs().size(), int(last));
    QCOMPARE(whole.client.duplicateCount(), 0);
}

// The server sends a heartbeat every 0.3 s: a watchdog of 1 s never fires on a quiet stream.
void tst_ApiClientHost::heartbeatsKeepAQuietStream()
{
    Stream stream(m_host->port, kToken);
    stream.client.setHeartbeatTimeout(1000);
    QVERIFY(stream.open());
    QTest::qWait(2500);
    QCOMPARE(stream.client.state(), EventStreamClient::State::Open);
    QCOMPARE(stream.client.connectionCount(), 1);
    QVERIFY2(stream.client.commentCount() >= 5,
             QByteArray::number(stream.client.commentCount()).constData());
    QVERIFY(stream.reasons.isEmpty());
}

void tst_ApiClientHost::deletedSessionEndsTheStream()
{
    Stream stream(m_host->port, kToken);
    QVERIFY(stream.open());
    const QString id = stream.client.sessionId();
    const auto deleted = await<bool>([&](QObject *c, auto cb) { m_api->deleteSession(id, c, cb); });
    QVERIFY2(deleted.ok(), deleted.describe());
    QTRY_COMPARE(stream.client.state(), EventStreamClient::State::Closed);
    const StreamEvent end = stream.events.last();
    QCOMPARE(end.type, StreamEventType::SessionEnd);
    QCOMPARE(end.data.value("reason").toString(), QStringLiteral("deleted"));
    QCOMPARE(stream.client.connectionCount(), 1);
}

// At the server's stream cap the second client is told 503 with Retry-After: 5; it waits that
// long (not its own 100 ms) and gets in once the first one leaves.
void tst_ApiClientHost::streamCapAnswers503WithRetryAfter()
{
    HostProcess capped;
    capped.useLlm(m_llm);
    const QString failure
            = capped.start({QStringLiteral("--max-connections"), QStringLiteral("1")});
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    Stream first(capped.port);
    QVERIFY(first.open());
    Stream second(capped.port);
    QElapsedTimer clock;
    clock.start();
    second.client.open(first.client.sessionId());
    QTRY_COMPARE(second.delays.size(), 1);
    QCOMPARE(second.delays.at(0), 5000);
    QVERIFY2(second.reasons.at(0).contains(QLatin1String("too_many_connections")),
             qPrintable(second.reasons.at(0)));
    QCOMPARE(second.client.state(), EventStreamClient::State::Reconnecting);
    first.client.close();
    QTRY_COMPARE_WITH_TIMEOUT(second.client.state(), EventStreamClient::State::Open, 10000);
    QVERIFY2(clock.elapsed() >= 4900, QByteArray::number(clock.elapsed()).constData());
    QVERIFY(second.waitForType(QStringLiteral("session_start")) >= 0);
    QVERIFY(second.failures.isEmpty());
}

QTEST_GUILESS_MAIN(tst_ApiClientHost)
#include "tst_apiclienthost.moc"
