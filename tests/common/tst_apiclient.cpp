// ApiClient against a scripted HTTP peer (HttpFixture: a real QTcpServer): what each call sends
// (method, path, token, body), how answers become typed values, and every way an answer can be
// wrong: the server's error, a body that is not the API's JSON, one over the bound, none in time,
// a redirect, no server at all; and a destroyed context never sees its callback.

#include "httpfixture.h"

#include <apiclient.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <QTimeZone>

namespace {

template<typename T> struct Result
{
    bool called = false;
    int calls = 0;
    T value {};
    std::optional<ApiError> error;
    ApiClient::Callback<T> callback()
    {
        return [this](const T &v, const std::optional<ApiError> &e) {
            called = true;
            ++calls;
            value = v;
            error = e;
        };
    }
};

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

class tst_ApiClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void requestsCarryTokenAndBody_data();
    void requestsCarryTokenAndBody();
    void typedSessions();
    void typedServersAndTools();
    void approvalRules();
    void serverErrorIsTyped();
    void notJsonIsBadResponse_data();
    void notJsonIsBadResponse();
    void oversizedAnswer_data();
    void oversizedAnswer();
    void slowAnswerTimesOut();
    void redirectIsNotFollowed();
    void noServerIsNetworkError();
    void destroyedContextIsNotCalled();
    void baseUrlWithPrefix();

private:
    /// Answers every request with `status` and `body`.
    void answerAll(int status, const QByteArray &body, const QByteArray &extra = {})
    {
        m_server->onRequest = [=](HttpFixture::Request &r) {
            r.socket->write(HttpFixture::answer(status, body, extra));
        };
    }

    std::unique_ptr<HttpFixture> m_server;
    std::unique_ptr<ApiClient> m_api;
};

void tst_ApiClient::init()
{
    m_server = std::make_unique<HttpFixture>();
    QVERIFY(m_server->listen());
    m_api = std::make_unique<ApiClient>();
    m_api->setBaseUrl(m_server->url());
}

void tst_ApiClient::cleanup()
{
    m_api.reset();
    m_server.reset();
}

using Call = std::function<void(ApiClient *, QObject *, std::function<void()>)>;
Q_DECLARE_METATYPE(Call)

void tst_ApiClient::requestsCarryTokenAndBody_data()
{
    QTest::addColumn<Call>("call");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("body");
    auto done = [](std::function<void()> d) {
        return [d](const auto &, const std::optional<ApiError> &) { d(); };
    };
    QTest::newRow("health") << Call(
            [=](ApiClient *a, QObject *c, auto d) { a->health(c, done(d)); })
                            << QByteArray("GET") << QByteArray("/health") << QByteArray();
    QTest::newRow("createSession")
            << Call([=](ApiClient *a, QObject *c, auto d) { a->createSession(c, done(d)); })
            << QByteArray("POST") << QByteArray("/api/v3/sessions") << QByteArray();
    QTest::newRow("renameSession") << Call([=](ApiClient *a, QObject *c, auto d) {
        a->renameSession(QStringLiteral("a/b"), QStringLiteral("Trip \"plans\""), c, done(d));
    }) << QByteArray("PATCH") << QByteArray("/api/v3/sessions/a%2Fb")
                                   << QByteArray(R"({"title":"Trip \"plans\""})");
    QTest::newRow("deleteSession") << Call([=](ApiClient *a, QObject *c, auto d) {
        a->deleteSession(QStringLiteral("s 1"), c, done(d));
    }) << QByteArray("DELETE") << QByteArray("/api/v3/sessions/s%201")
                                   << QByteArray();
    QTest::newRow("send") << Call([=](ApiClient *a, QObject *c, auto d) {
        a->send(QStringLiteral("s1"), QStringLiteral("hi"), c, done(d));
    }) << QByteArray("POST")
                          << QByteArray("/api/v3/chat/send")
                          << QByteArray(R"({"message":"hi","session_id":"s1"})");
    QTest::newRow("send without session") << Call([=](ApiClient *a, QObject *c, auto d) {
        a->send(QString(), QStringLiteral("hi"), c, done(d));
    }) << QByteArray("POST") << QByteArray("/api/v3/chat/send")
                                          << QByteArray(R"({"message":"hi"})");
    QTest::newRow("cancel") << Call([=](ApiClient *a, QObject *c, auto d) {
        a->cancel(QStringLiteral("s1"), c, done(d));
    }) << QByteArray("POST") << QByteArray("/api/v3/chat/cancel")
                            << QByteArray(R"({"session_id":"s1"})");
    QTest::newRow("approve")
            << Call([=](ApiClient *a, QObject *c, auto d) {
                   a->approve(QStringLiteral("s1"), QStringLiteral("call_1"), false,
                              QStringLiteral("tool"), c, done(d));
               })
            << QByteArray("POST") << QByteArray("/api/v3/chat/approve")
            << QByteArray(
                       R"({"approved":false,"call_id":"call_1","scope":"tool","session_id":"s1"})");
    QTest::newRow("elicit")
            << Call([=](ApiClient *a, QObject *c, auto d) {
                   a->elicit(QStringLiteral("s1"), QStringLiteral("eli_1"),
                             QStringLiteral("accept"),
                             {{QStringLiteral("name"), QStringLiteral("Ada")}}, c, done(d));
               })
            << QByteArray("POST") << QByteArray("/api/v3/chat/elicit")
            << QByteArray(
                       R"({"action":"accept","content":{"name":"Ada"},"request_id":"eli_1","session_id":"s1"})");
    QTest::newRow("restartServer") << Call([=](ApiClient *a, QObject *c, auto d) {
        a->restartServer(QStringLiteral("fixture"), c, done(d));
    }) << QByteArray("POST") << QByteArray("/api/v3/servers/fixture/restart")
                                   << QByteArray();
    QTest::newRow("disable") << Call([=](ApiClient *a, QObject *c, auto d) {
        a->setServerEnabled(QStringLiteral("fs"), false, c, done(d));
    }) << QByteArray("POST") << QByteArray("/api/v3/servers/fs/disable")
                             << QByteArray();
    QTest::newRow("removeApprovalRule")
            << Call([=](ApiClient *a, QObject *c, auto d) {
                   ApprovalRule rule;
                   rule.scope = QStringLiteral("tool");
                   rule.server = QStringLiteral("fs");
                   rule.tool = QStringLiteral("write&file");
                   rule.decision = QStringLiteral("deny");
                   a->removeApprovalRule(rule, c, done(d));
               })
            << QByteArray("DELETE")
            << QByteArray("/api/v3/approvals/rules?scope=tool&server=fs&tool=write%26file")
            << QByteArray();
}

void tst_ApiClient::requestsCarryTokenAndBody()
{
    QFETCH(Call, call);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, body);
    answerAll(200, "{}");
    m_api->setToken(QStringLiteral("s3cret"));
    bool done = false;
    call(m_api.get(), this, [&done] { done = true; });
    QTRY_VERIFY(done);
    QCOMPARE(m_server->requests.size(), size_t(1));
    const HttpFixture::Request &r = *m_server->requests.at(0);
    QCOMPARE(r.method, method);
    QCOMPARE(r.target, target);
    QCOMPARE(r.header("authorization"), QByteArray("Bearer s3cret"));
    QCOMPARE(r.body, body);
    if (!body.isEmpty())
        QCOMPARE(r.header("content-type"), QByteArray("application/json"));
}

void tst_ApiClient::typedSessions()
{
    const QJsonObject summary {{"session_id", "notes"},
                               {"title", "Trip plans"},
                               {"turn_id", QJsonValue::Null},
                               {"created", "2026-11-24T15:35:00.621Z"},
                               {"updated", "2026-11-24T15:36:00.000Z"},
                               {"last_seq", 8},
                               {"message_count", 4},
                               {"turn_count", 2},
                               {"connections", 1},
                               {"busy", true}};
    const QJsonArray list {summary, QJsonObject {{"title", "no id: skipped"}}};
    answerAll(200, json({{"sessions", list}}));
    Result<QList<SessionSummary>> sessions;
    m_api->listSessions(this, sessions.callback());
    QTRY_VERIFY(sessions.called);
    QVERIFY(!sessions.error);
    QCOMPARE(sessions.value.size(), 1);
    const SessionSummary &s = sessions.value.at(0);
    QCOMPARE(s.id, QStringLiteral("notes"));
    QCOMPARE(s.title, QStringLiteral("Trip plans"));
    QCOMPARE(s.turnId, QString());
    QCOMPARE(s.created, QDateTime(QDate(2026, 11, 24), QTime(15, 35, 0, 621), QTimeZone::utc()));
    QCOMPARE(s.lastSeq, 8);
    QCOMPARE(s.messageCount, 4);
    QCOMPARE(s.turnCount, 2);
    QCOMPARE(s.connections, 1);
    QVERIFY(s.busy);

    // A list without its array is not the API's answer.
    answerAll(200, json({{"sessions", "many"}}));
    Result<QList<SessionSummary>> wrong;
    m_api->listSessions(this, wrong.callback());
    QTRY_VERIFY(wrong.called);
    QVERIFY(wrong.error);
    QCOMPARE(wrong.error->code, QStringLiteral("bad_response"));

    answerAll(201, json(summary));
    Result<SessionSummary> created;
    m_api->createSession(QStringLiteral("notes"), this, created.callback());
    QTRY_VERIFY(created.called);
    QVERIFY(!created.error);
    QCOMPARE(created.value.id, QStringLiteral("notes"));
    QCOMPARE(m_server->requests.back()->body, QByteArray(R"({"session_id":"notes"})"));

    m_server->onRequest = [](HttpFixture::Request &r) {
        r.socket->write("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
    };
    Result<bool> deleted;
    m_api->deleteSession(QStringLiteral("notes"), this, deleted.callback());
    QTRY_VERIFY(deleted.called);
    QVERIFY(!deleted.error);
    QVERIFY(deleted.value);
}

void tst_ApiClient::typedServersAndTools()
{
    const QJsonObject item {
            {"name", "fixture"},
            {"state", "ready"},
            {"transport", "stdio"},
            {"protocol_version", "2025-11-25"},
            {"server", QJsonObject {{"name", "mcp-fixture-server"}, {"version", "1.0.0"}}},
            {"tools", 13},
            {"restarts", 2},
            {"enabled", true},
            {"stderr_tail", QJsonArray {"line 1", "line 2"}},
            {"tool_names", QJsonArray {"echo", "fail"}}};
    answerAll(200, json({{"servers", QJsonArray {item}}}));
    Result<QList<ServerInfo>> servers;
    m_api->listServers(this, servers.callback());
    QTRY_VERIFY(servers.called);
    QVERIFY(!servers.error);
    QCOMPARE(servers.value.size(), 1);
    const ServerInfo &s = servers.value.at(0);
    QCOMPARE(s.name, QStringLiteral("fixture"));
    QCOMPARE(s.state, QStringLiteral("ready"));
    QCOMPARE(s.serverName, QStringLiteral("mcp-fixture-server"));
    QCOMPARE(s.serverVersion, QStringLiteral("1.0.0"));
    QCOMPARE(s.protocolVersion, QStringLiteral("2025-11-25"));
    QCOMPARE(s.toolCount, 13);
    QCOMPARE(s.restarts, 2);
    QCOMPARE(s.stderrTail, (QStringList {"line 1", "line 2"}));
    QCOMPARE(s.toolNames, (QStringList {"echo", "fail"}));

    QJsonObject detail = item;
    const QJsonObject echo {{"name", "echo"},
                            {"tool", "echo"},
                            {"title", "Echo"},
                            {"description", "Echoes"},
                            {"input_schema", QJsonObject {{"type", "object"}}},
                            {"annotations", QJsonObject {{"readOnlyHint", true}}}};
    detail.insert("tools", QJsonArray {echo});
    detail.insert("capabilities", QJsonObject {{"tools", QJsonObject {}}});
    answerAll(200, json(detail));
    Result<ServerInfo> one;
    m_api->getServer(QStringLiteral("fixture"), this, one.callback());
    QTRY_VERIFY(one.called);
    QVERIFY(!one.error);
    QCOMPARE(one.value.tools.size(), 1);
    QCOMPARE(one.value.tools.at(0).server, QStringLiteral("fixture"));
    QCOMPARE(one.value.tools.at(0).annotations.value("readOnlyHint").toBool(), true);
    QVERIFY(one.value.capabilities.contains("tools"));

    answerAll(200, json({{"tools", QJsonArray {echo, QJsonObject {{"x", 1}}}}}));
    Result<QList<ToolInfo>> tools;
    m_api->listTools(this, tools.callback());
    QTRY_VERIFY(tools.called);
    QCOMPARE(tools.value.size(), 1);
    QCOMPARE(tools.value.at(0).title, QStringLiteral("Echo"));
    QCOMPARE(tools.value.at(0).inputSchema.value("type").toString(), QStringLiteral("object"));
}

void tst_ApiClient::approvalRules()
{
    const QJsonObject rule {{"scope", "tool"},
                            {"server", "fs"},
                            {"tool", "write_file"},
                            {"decision", "deny"},
                            {"source", "remembered"}};
    answerAll(201, json(rule));
    ApprovalRule wanted = *ApprovalRule::fromJson(rule);
    QCOMPARE(wanted.source, QStringLiteral("remembered"));
    Result<ApprovalRule> added;
    m_api->addApprovalRule(wanted, this, added.callback());
    QTRY_VERIFY(added.called);
    QVERIFY(!added.error);
    QCOMPARE(added.value.decision, QStringLiteral("deny"));
    QCOMPARE(m_server->requests.back()->body,
             QByteArray(R"({"decision":"deny","scope":"tool","server":"fs","tool":"write_file"})"));
    QVERIFY(!ApprovalRule::fromJson({{"scope", "tool"}}));
}

void tst_ApiClient::serverErrorIsTyped()
{
    answerAll(409, HttpFixture::errorBody("turn_running", "a turn is already running"));
    Result<QJsonObject> sent;
    m_api->send(QStringLiteral("s1"), QStringLiteral("again"), this, sent.callback());
    QTRY_VERIFY(sent.called);
    QVERIFY(sent.error);
    QCOMPARE(sent.error->httpStatus, 409);
    QCOMPARE(sent.error->code, QStringLiteral("turn_running"));
    QCOMPARE(sent.error->message, QStringLiteral("a turn is already running"));
    QVERIFY(!sent.error->network);
    QCOMPARE(sent.calls, 1);
}

void tst_ApiClient::notJsonIsBadResponse_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("html page") << 200 << QByteArray("<html>proxy login</html>");
    QTest::newRow("array") << 200 << QByteArray("[1,2]");
    QTest::newRow("cut JSON") << 200 << QByteArray("{\"sessions\":[");
    QTest::newRow("error without API body") << 502 << QByteArray("Bad Gateway");
}

void tst_ApiClient::notJsonIsBadResponse()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    answerAll(status, body);
    Result<QJsonObject> health;
    m_api->health(this, health.callback());
    QTRY_VERIFY(health.called);
    QVERIFY(health.error);
    QCOMPARE(health.error->code, QStringLiteral("bad_response"));
    QCOMPARE(health.error->httpStatus, status);
    QVERIFY(!health.error->message.isEmpty());
}

void tst_ApiClient::oversizedAnswer_data()
{
    QTest::addColumn<bool>("withLength");
    QTest::newRow("Content-Length over the bound") << true;
    QTest::newRow("body read until close") << false;
}

// A hostile server's endless answer: the client stops at its bound with "too_large".
void tst_ApiClient::oversizedAnswer()
{
    QFETCH(bool, withLength);
    m_api->setMaxResponseBytes(64 * 1024);
    m_server->onRequest = [&](HttpFixture::Request &r) {
        r.socket->write(withLength ? "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                     "Content-Length: 100000000\r\n\r\n{\"a\":\""
                                   : "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                     "Connection: close\r\n\r\n{\"a\":\"");
        m_server->dribble(r.socket, QByteArray(512 * 1024, 'x'), 16 * 1024, 1);
    };
    Result<QJsonObject> health;
    m_api->health(this, health.callback());
    QTRY_VERIFY(health.called);
    QVERIFY(health.error);
    QCOMPARE(health.error->code, QStringLiteral("too_large"));
    QVERIFY2(health.error->message.contains(QLatin1String("65536 bytes")),
             qPrintable(health.error->message));
    QTRY_VERIFY(m_server->requests.at(0)->disconnected);
    QCOMPARE(health.calls, 1);
}

void tst_ApiClient::slowAnswerTimesOut()
{
    m_server->onRequest = [](HttpFixture::Request &) {}; // never answers
    m_api->setTransferTimeout(300);
    Result<QList<SessionSummary>> sessions;
    QElapsedTimer clock;
    clock.start();
    m_api->listSessions(this, sessions.callback());
    QTRY_VERIFY(sessions.called);
    QVERIFY(clock.elapsed() >= 290);
    QVERIFY(sessions.error);
    QCOMPARE(sessions.error->code, QStringLiteral("timeout"));
    QVERIFY(sessions.error->network);
    QTest::qWait(100);
    QCOMPARE(sessions.calls, 1);
}

// A redirect would carry the bearer token to another place: it is not followed.
void tst_ApiClient::redirectIsNotFollowed()
{
    HttpFixture other;
    QVERIFY(other.listen());
    answerAll(302, "{}", "Location: " + other.url().toEncoded() + "/health\r\n");
    m_api->setToken(QStringLiteral("s3cret"));
    Result<QJsonObject> health;
    m_api->health(this, health.callback());
    QTRY_VERIFY(health.called);
    QVERIFY(health.error);
    QCOMPARE(health.error->code, QStringLiteral("bad_response"));
    QCOMPARE(health.error->httpStatus, 302);
    QTest::qWait(100);
    QVERIFY(other.requests.empty());
}

void tst_ApiClient::noServerIsNetworkError()
{
    const quint16 port = m_server->port();
    m_server.reset(); // nothing listens there now
    m_api->setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    Result<QJsonObject> health;
    m_api->health(this, health.callback());
    QTRY_VERIFY(health.called);
    QVERIFY(health.error);
    QCOMPARE(health.error->code, QStringLiteral("network_error"));
    QVERIFY(health.error->network);
    QCOMPARE(health.error->httpStatus, 0);
}

void tst_ApiClient::destroyedContextIsNotCalled()
{
    HttpFixture::Request *pending = nullptr;
    m_server->onRequest = [&](HttpFixture::Request &r) { pending = &r; };
    auto context = std::make_unique<QObject>();
    Result<QJsonObject> health;
    m_api->health(context.get(), health.callback());
    QTRY_VERIFY(pending);
    context.reset();
    // The request was given up with its context; a late answer reaches nobody.
    QTRY_VERIFY(pending->disconnected);
    QTest::qWait(100);
    QVERIFY(!health.called);
}

void tst_ApiClient::baseUrlWithPrefix()
{
    answerAll(200, "{\"status\":\"ok\"}");
    m_api->setBaseUrl(QUrl(m_server->url().toString() + QStringLiteral("/host/")));
    Result<QJsonObject> health;
    m_api->health(this, health.callback());
    QTRY_VERIFY(health.called);
    QVERIFY(!health.error);
    QCOMPARE(health.value.value("status").toString(), QStringLiteral("ok"));
    QCOMPARE(m_server->requests.at(0)->target, QByteArray("/host/health"));
}

QTEST_GUILESS_MAIN(tst_ApiClient)
#include "tst_apiclient.moc"
