// What a desktop client changes in a running host, end to end over HTTP against the real
// `mcp-hostd` with the fixture MCP server and the scripted LLM: session titles (from the first
// message, renamed with PATCH), the scope of an approval ("session" holds in its session only;
// "tool" / "server" become remembered rules every session and a restarted host obey, listed by
// GET /api/v3/approvals and revocable), rules added through the API, servers disabled and
// enabled (kept over a restart), the server detail, and a state file that is corrupt or that
// others can write, which stops the host with a message that names it.

#include "httptestsupport.h"

#include <QFileInfo>
#include <QTest>
#include <QUrlQuery>

#include <sys/stat.h>

using namespace HttpTest;

namespace {

QString sessionOf(const SseClient &stream)
{
    return stream.events.value(0).data.value(QStringLiteral("session_id")).toString();
}

QJsonObject findRule(const QJsonArray &rules, const QString &scope, const QString &server,
                     const QString &tool, const QString &source)
{
    for (const QJsonValue &v : rules) {
        const QJsonObject r = v.toObject();
        if (r.value("scope").toString() == scope && r.value("server").toString() == server
            && r.value("tool").toString() == tool && r.value("source").toString() == source)
            return r;
    }
    return {};
}

QString rulePath(const QString &scope, const QString &server, const QString &tool = {})
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("scope"), scope);
    q.addQueryItem(QStringLiteral("server"), server);
    if (!tool.isNull())
        q.addQueryItem(QStringLiteral("tool"), tool);
    return QStringLiteral("/api/v3/approvals/rules?") + q.toString(QUrl::FullyEncoded);
}

} // namespace

class tst_ApprovalRules : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void sessionTitleAndRename();
    void badRename_data();
    void badRename();
    void sessionScopeStaysInItsSession();
    void toolScopeIsRememberedAndRevocable();
    void serverRuleThroughTheApi();
    void badRules_data();
    void badRules();
    void approveScopeChecked();
    void samplingSessionScope();
    void serverDetail();
    void disableServerSurvivesRestart();
    void badStateFileStopsTheHost_data();
    void badStateFileStopsTheHost();

private:
    /// (Re)starts the host on the same config and state file.
    bool startHost();
    bool openStream(SseClient &stream, const QString &sessionId = {});
    /// Starts a turn on the stream's session whose model calls `tool` once, then answers
    /// "Done."; returns the index of the turn's tool_call event (-1 on failure).
    int callTool(SseClient &stream, const QString &callId, const QString &tool,
                 const QJsonObject &args = {});
    /// Waits for the turn's end; true when the call `callId` ran (an `acting` event).
    bool ranAfter(SseClient &stream, int from, const QString &callId);
    QString approvalAt(const SseClient &stream, int index) const
    {
        return stream.events.value(index).data.value(QStringLiteral("approval")).toString();
    }
    Reply approve(const QString &sessionId, const QString &callId, bool approved,
                  const QString &scope);
    QString serverState(const QString &name);

    ScriptedLlm m_llm;
    QTemporaryDir m_dir; ///< the state file and the config home
    QString m_statePath;
    std::unique_ptr<HostProcess> m_host;
    RestClient m_rest;
};

void tst_ApprovalRules::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_statePath = m_dir.filePath(QStringLiteral("state/state.json"));
    QVERIFY2(m_llm.start(), "the scripted LLM did not start");
    QVERIFY(startHost());
}

bool tst_ApprovalRules::startHost()
{
    m_host = std::make_unique<HostProcess>();
    m_host->useLlm(m_llm);
    m_host->env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("xdg")));
    m_host->config.insert(QStringLiteral("state_file"), m_statePath);
    m_host->config.insert(
            QStringLiteral("approval"),
            QJsonObject {{QStringLiteral("tools"),
                          QJsonObject {{QStringLiteral("fixture/image"), QStringLiteral("ask")}}}});
    const QString failure = m_host->start();
    if (!failure.isEmpty()) {
        qWarning().noquote() << failure;
        return false;
    }
    m_rest.port = m_host->port;
    return TestSupport::waitFor(
            [this] {
                const QString s = serverState(QStringLiteral("fixture"));
                return s == QLatin1String("ready") || s == QLatin1String("disabled");
            },
            30000);
}

QString tst_ApprovalRules::serverState(const QString &name)
{
    const Reply r = m_rest.get(QStringLiteral("/api/v3/servers/") + name);
    return r.json().value(QStringLiteral("state")).toString();
}

bool tst_ApprovalRules::openStream(SseClient &stream, const QString &sessionId)
{
    stream.open(m_host->port,
                sessionId.isEmpty()
                        ? QStringLiteral("/api/v3/chat/stream")
                        : QStringLiteral("/api/v3/chat/stream?session_id=") + sessionId);
    return stream.waitForResponse() && stream.isStream()
            && stream.waitForType(QStringLiteral("session_start"), 20000) == 0;
}

int tst_ApprovalRules::callTool(SseClient &stream, const QString &callId, const QString &tool,
                                const QJsonObject &args)
{
    if (!m_llm.setScript({toolReply({toolCall(callId, tool, args)}), textReply("Done.")}))
        return -1;
    const int from = int(stream.events.size());
    const Reply r = m_rest.post(QStringLiteral("/api/v3/chat/send"),
                                {{"session_id", sessionOf(stream)}, {"message", "use " + tool}});
    if (r.status != 202) {
        qWarning() << "send failed:" << r.describe();
        return -1;
    }
    return stream.waitForType(QStringLiteral("tool_call"), 30000, from);
}

bool tst_ApprovalRules::ranAfter(SseClient &stream, int from, const QString &callId)
{
    if (stream.waitForType(QStringLiteral("final_response"), 30000, from) < 0)
        return false;
    for (int i = from; i < stream.events.size(); ++i) {
        const Received &e = stream.events.at(i);
        if (e.type() == QLatin1String("acting") && e.data.value("call_id").toString() == callId)
            return true;
    }
    return false;
}

Reply tst_ApprovalRules::approve(const QString &sessionId, const QString &callId, bool approved,
                                 const QString &scope)
{
    QJsonObject body {{"session_id", sessionId}, {"call_id", callId}, {"approved", approved}};
    if (!scope.isEmpty())
        body.insert("scope", scope);
    return m_rest.post(QStringLiteral("/api/v3/chat/approve"), body);
}

void tst_ApprovalRules::sessionTitleAndRename()
{
    QVERIFY(m_llm.setScript({textReply("Sure."), textReply("Again.")}));
    const Reply created = m_rest.post(QStringLiteral("/api/v3/sessions"), {});
    QCOMPARE(created.status, 201);
    const QString id = created.json().value("session_id").toString();
    QCOMPARE(created.json().value("title").toString(), QString());
    QCOMPARE(created.json().value("turn_count").toInt(-1), 0);

    // The first line of the first message, white space collapsed, at most 80 characters.
    const QString longLine = QStringLiteral("Plan   a trip ") + QString(100, QLatin1Char('x'));
    Reply r = m_rest.post(QStringLiteral("/chat"),
                          {{"session_id", id}, {"message", "\n" + longLine + "\nsecond line"}});
    QVERIFY2(r.status == 200, r.describe().constData());
    const auto summary = [this, &id] {
        const QJsonArray list
                = m_rest.get(QStringLiteral("/api/v3/sessions")).json().value("sessions").toArray();
        for (const QJsonValue &v : list) {
            if (v.toObject().value("session_id").toString() == id)
                return v.toObject();
        }
        return QJsonObject();
    };
    const QString title = summary().value("title").toString();
    QCOMPARE(title.size(), 80);
    QVERIFY2(title.startsWith(QStringLiteral("Plan a trip xxx")), qPrintable(title));
    QVERIFY(title.endsWith(QChar(0x2026)));
    QCOMPARE(summary().value("turn_count").toInt(), 1);

    r = m_rest.request("PATCH", QStringLiteral("/api/v3/sessions/") + id,
                       R"({"title": "  Trip to Rome  "})");
    QVERIFY2(r.status == 200, r.describe().constData());
    QCOMPARE(r.json().value("title").toString(), QStringLiteral("Trip to Rome"));
    QCOMPARE(r.json().value("session_id").toString(), id);

    // Later turns keep the new title and count.
    r = m_rest.post(QStringLiteral("/chat"), {{"session_id", id}, {"message", "something else"}});
    QCOMPARE(r.status, 200);
    QCOMPARE(summary().value("title").toString(), QStringLiteral("Trip to Rome"));
    QCOMPARE(summary().value("turn_count").toInt(), 2);
    QCOMPARE(m_rest.get(QStringLiteral("/api/v3/sessions/") + id).json().value("title").toString(),
             QStringLiteral("Trip to Rome"));
}

void tst_ApprovalRules::badRename_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("knownSession");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message"); // a part of it
    QTest::newRow("empty") << QByteArray(R"({"title": "   "})") << true << 400 << "invalid_field"
                           << "must not be empty";
    QTest::newRow("missing") << QByteArray(R"({})") << true << 400 << "invalid_field"
                             << "missing field \"title\"";
    QTest::newRow("not a string") << QByteArray(R"({"title": 5})") << true << 400 << "invalid_field"
                                  << "must be a string";
    QTest::newRow("too long") << QByteArray("{\"title\": \"" + QByteArray(201, 'a') + "\"}") << true
                              << 400 << "invalid_field"
                              << "at most 200";
    QTest::newRow("two lines") << QByteArray(R"({"title": "a\nb"})") << true << 400
                               << "invalid_field"
                               << "one line";
    QTest::newRow("no body") << QByteArray() << true << 400 << "empty_body"
                             << "JSON";
    QTest::newRow("unknown session")
            << QByteArray(R"({"title": "x"})") << false << 404 << "unknown_session"
            << "no session";
}

void tst_ApprovalRules::badRename()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, knownSession);
    QFETCH(int, status);
    QFETCH(QString, code);
    QFETCH(QString, message);
    QString id = QStringLiteral("no-such-session");
    if (knownSession) {
        const Reply created = m_rest.post(QStringLiteral("/api/v3/sessions"), {});
        id = created.json().value("session_id").toString();
    }
    const Reply r = m_rest.request("PATCH", QStringLiteral("/api/v3/sessions/") + id, body);
    QCOMPARE(r.status, status);
    QCOMPARE(r.errorCode(), code);
    QVERIFY2(r.errorMessage().contains(message), qPrintable(r.errorMessage()));
}

void tst_ApprovalRules::sessionScopeStaysInItsSession()
{
    SseClient a;
    QVERIFY(openStream(a));
    int call = callTool(a, "c_a1", "image");
    QVERIFY(call > 0);
    QCOMPARE(approvalAt(a, call), QStringLiteral("required"));
    const Reply answer = approve(sessionOf(a), "c_a1", true, "session");
    QVERIFY2(answer.status == 200, answer.describe().constData());
    QCOMPARE(answer.json().value("scope").toString(), QStringLiteral("session"));
    QVERIFY(ranAfter(a, call, "c_a1"));

    // The same tool again in that session: it runs without asking.
    call = callTool(a, "c_a2", "image");
    QVERIFY(call > 0);
    QCOMPARE(approvalAt(a, call), QStringLiteral("auto"));
    QVERIFY(ranAfter(a, call, "c_a2"));

    // Another session still asks; nothing was remembered for the host.
    SseClient b;
    QVERIFY(openStream(b));
    call = callTool(b, "c_b1", "image");
    QVERIFY(call > 0);
    QCOMPARE(approvalAt(b, call), QStringLiteral("required"));
    QCOMPARE(approve(sessionOf(b), "c_b1", false, {}).status, 200);
    QVERIFY(!ranAfter(b, call, "c_b1"));
    const QJsonArray rules
            = m_rest.get(QStringLiteral("/api/v3/approvals")).json().value("rules").toArray();
    QVERIFY(findRule(rules, "tool", "fixture", "image", "remembered").isEmpty());

    // A denial "for this session" holds the same way.
    call = callTool(b, "c_b2", "image");
    QVERIFY(call > 0);
    QCOMPARE(approve(sessionOf(b), "c_b2", false, "session").status, 200);
    QVERIFY(!ranAfter(b, call, "c_b2"));
    call = callTool(b, "c_b3", "image");
    QVERIFY(call > 0);
    QCOMPARE(approvalAt(b, call), QStringLiteral("denied"));
    QVERIFY(!ranAfter(b, call, "c_b3"));
}

void tst_ApprovalRules::toolScopeIsRememberedAndRevocable()
{
    SseClient a;
    QVERIFY(openStream(a));
    int call = callTool(a, "c_t1", "image");
    QVERIFY(call > 0);
    QCOMPARE(approvalAt(a, call), QStringLiteral("required"));
    QCOMPARE(approve(sessionOf(a), "c_t1", true, "tool").status, 200);
    QVERIFY(ranAfter(a, call, "c_t1"));

    // Listed next to the config's rule for the same key, which it overrides.
    Reply r = m_rest.get(QStringLiteral("/api/v3/approvals"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().value("default").toString(), QStringLiteral("allow"));
    QCOMPARE(r.json().value("sampling").toString(), QStringLiteral("ask"));
    const QJsonArray rules = r.json().value("rules").toArray();
    QCOMPARE(findRule(rules, "tool", "fixture", "image", "remembered").value("decision").toString(),
             QStringLiteral("allow"));
    QCOMPARE(findRule(rules, "tool", "fixture", "image", "config").value("decision").toString(),
             QStringLiteral("ask"));

    // Kept in the state file, which only its owner may read.
    QFileInfo info(m_statePath);
    QVERIFY(info.exists());
    QCOMPARE(
            info.permissions()
                    & (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther),
            QFileDevice::Permissions());

    // Every session, and the host after a restart, obey it.
    QVERIFY(startHost());
    SseClient b;
    QVERIFY(openStream(b));
    call = callTool(b, "c_t2", "image");
    QVERIFY(call > 0);
    QCOMPARE(approvalAt(b, call), QStringLiteral("auto"));
    QVERIFY(ranAfter(b, call, "c_t2"));

    // Revoked: the config's rule asks again.
    r = m_rest.request("DELETE", rulePath("tool", "fixture", "image"));
    QVERIFY2(r.status == 204, r.describe().constData());
    call = callTool(b, "c_t3", "image");
    QVERIFY(call > 0);
    QCOMPARE(approvalAt(b, call), QStringLiteral("required"));
    QCOMPARE(approve(sessionOf(b), "c_t3", false, "once").status, 200);
    QVERIFY(!ranAfter(b, call, "c_t3"));

    // What is left is the config's rule, which the API does not remove.
    r = m_rest.request("DELETE", rulePath("tool", "fixture", "image"));
    QCOMPARE(r.status, 409);
    QCOMPARE(r.errorCode(), QStringLiteral("config_rule"));
    r = m_rest.request("DELETE", rulePath("tool", "fixture", "echo"));
    QCOMPARE(r.status, 404);
    QCOMPARE(r.errorCode(), QStringLiteral("unknown_rule"));

    // And the revocation was saved too.
    QVERIFY(startHost());
    const QJsonArray after
            = m_rest.get(QStringLiteral("/api/v3/approvals")).json().value("rules").toArray();
    QVERIFY(findRule(after, "tool", "fixture", "image", "remembered").isEmpty());
}

void tst_ApprovalRules::serverRuleThroughTheApi()
{
    Reply r = m_rest.post(QStringLiteral("/api/v3/approvals/rules"),
                          {{"scope", "server"}, {"server", "fixture"}, {"decision", "deny"}});
    QVERIFY2(r.status == 201, r.describe().constData());
    QCOMPARE(r.json(),
             QJsonObject({{"scope", "server"},
                          {"server", "fixture"},
                          {"decision", "deny"},
                          {"source", "remembered"}}));

    // A tool that ran at once before is now denied, without asking.
    SseClient a;
    QVERIFY(openStream(a));
    int call = callTool(a, "c_s1", "echo", {{"message", "hi"}});
    QVERIFY(call > 0);
    QCOMPARE(approvalAt(a, call), QStringLiteral("denied"));
    QVERIFY(!ranAfter(a, call, "c_s1"));

    // A tool rule beats the server rule.
    r = m_rest.post(
            QStringLiteral("/api/v3/approvals/rules"),
            {{"scope", "tool"}, {"server", "fixture"}, {"tool", "echo"}, {"decision", "allow"}});
    QVERIFY2(r.status == 201, r.describe().constData());
    call = callTool(a, "c_s2", "echo", {{"message", "hi"}});
    QVERIFY(call > 0);
    QCOMPARE(approvalAt(a, call), QStringLiteral("auto"));
    QVERIFY(ranAfter(a, call, "c_s2"));

    QCOMPARE(m_rest.request("DELETE", rulePath("tool", "fixture", "echo")).status, 204);
    QCOMPARE(m_rest.request("DELETE", rulePath("server", "fixture")).status, 204);
    call = callTool(a, "c_s3", "echo", {{"message", "hi"}});
    QVERIFY(call > 0);
    QCOMPARE(approvalAt(a, call), QStringLiteral("auto"));
    QVERIFY(ranAfter(a, call, "c_s3"));
}

void tst_ApprovalRules::badRules_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message"); // a part of it
    const QString rules = QStringLiteral("/api/v3/approvals/rules");
    QTest::newRow("scope missing")
            << QByteArray("POST") << rules
            << QByteArray(R"({"server":"fixture","decision":"deny"})") << 400 << "invalid_field"
            << "missing field \"scope\"";
    QTest::newRow("scope session")
            << QByteArray("POST") << rules
            << QByteArray(R"({"scope":"session","server":"fixture","decision":"deny"})") << 400
            << "invalid_field"
            << "\"tool\" or \"server\"";
    QTest::newRow("decision unknown")
            << QByteArray("POST") << rules
            << QByteArray(R"({"scope":"server","server":"fixture","decision":"maybe"})") << 400
            << "invalid_field"
            << "\"allow\", \"ask\" or \"deny\"";
    QTest::newRow("decision alias") // the config's aliases are not part of the API
            << QByteArray("POST") << rules
            << QByteArray(R"({"scope":"server","server":"fixture","decision":"auto"})") << 400
            << "invalid_field"
            << "\"decision\"";
    QTest::newRow("tool rule without tool")
            << QByteArray("POST") << rules
            << QByteArray(R"({"scope":"tool","server":"fixture","decision":"deny"})") << 400
            << "invalid_field"
            << "field \"tool\"";
    QTest::newRow("server rule with tool")
            << QByteArray("POST") << rules
            << QByteArray(
                       R"({"scope":"server","server":"fixture","tool":"echo","decision":"deny"})")
            << 400 << "invalid_field"
            << "has no field \"tool\"";
    QTest::newRow("server with slash")
            << QByteArray("POST") << rules
            << QByteArray(R"({"scope":"server","server":"a/b","decision":"deny"})") << 400
            << "invalid_field"
            << "field \"server\"";
    QTest::newRow("server not a string")
            << QByteArray("POST") << rules
            << QByteArray(R"({"scope":"server","server":7,"decision":"deny"})") << 400
            << "invalid_field"
            << "must be a string";
    QTest::newRow("tool too long")
            << QByteArray("POST") << rules
            << QByteArray(R"({"scope":"tool","server":"fixture","decision":"deny","tool":")"
                          + QByteArray(257, 't') + "\"}")
            << 400 << "invalid_field"
            << "field \"tool\"";
    QTest::newRow("unknown server")
            << QByteArray("POST") << rules
            << QByteArray(R"({"scope":"server","server":"nope","decision":"deny"})") << 404
            << "unknown_server"
            << "nope";
    QTest::newRow("not JSON") << QByteArray("POST") << rules << QByteArray("{") << 400
                              << "invalid_json"
                              << "";
    QTest::newRow("delete without scope") << QByteArray("DELETE") << rules + "?server=fixture"
                                          << QByteArray() << 400 << "invalid_field"
                                          << "scope";
    QTest::newRow("delete tool rule without tool")
            << QByteArray("DELETE") << rules + "?scope=tool&server=fixture" << QByteArray() << 400
            << "invalid_field"
            << "field \"tool\"";
    QTest::newRow("delete nothing remembered")
            << QByteArray("DELETE") << rules + "?scope=server&server=fixture" << QByteArray() << 404
            << "unknown_rule"
            << "fixture";
}

void tst_ApprovalRules::badRules()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    QFETCH(QString, message);
    const Reply r = m_rest.request(method, path, body);
    QCOMPARE(r.status, status);
    QCOMPARE(r.errorCode(), code);
    QVERIFY2(r.errorMessage().contains(message), qPrintable(r.errorMessage()));
    // Nothing was remembered.
    const QJsonArray rules
            = m_rest.get(QStringLiteral("/api/v3/approvals")).json().value("rules").toArray();
    for (const QJsonValue &v : rules)
        QCOMPARE(v.toObject().value("source").toString(), QStringLiteral("config"));
}

void tst_ApprovalRules::approveScopeChecked()
{
    SseClient a;
    QVERIFY(openStream(a));
    const int call = callTool(a, "c_v1", "image");
    QVERIFY(call > 0);
    Reply r = approve(sessionOf(a), "c_v1", true, "forever");
    QCOMPARE(r.status, 400);
    QCOMPARE(r.errorCode(), QStringLiteral("invalid_field"));
    QCOMPARE(r.errorMessage(),
             QStringLiteral(
                     "field \"scope\" must be \"once\", \"session\", \"tool\" or \"server\""));
    r = m_rest.post(
            QStringLiteral("/api/v3/chat/approve"),
            {{"session_id", sessionOf(a)}, {"call_id", "c_v1"}, {"approved", true}, {"scope", 3}});
    QCOMPARE(r.status, 400);
    // The call still waits; answered once, nothing is remembered.
    r = approve(sessionOf(a), "c_v1", true, "once");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().value("scope").toString(), QStringLiteral("once"));
    QVERIFY(ranAfter(a, call, "c_v1"));
    const int again = callTool(a, "c_v2", "image");
    QVERIFY(again > 0);
    QCOMPARE(approvalAt(a, again), QStringLiteral("required"));
    QCOMPARE(approve(sessionOf(a), "c_v2", false, {}).status, 200);
    QVERIFY(!ranAfter(a, again, "c_v2"));
}

void tst_ApprovalRules::samplingSessionScope()
{
    // ask_sampling makes the fixture ask the host to sample; the policy asks for sampling.
    SseClient a;
    QVERIFY(openStream(a));
    QVERIFY(m_llm.setScript({toolReply({toolCall("c_p1", "ask_sampling", {{"prompt", "hi"}})}),
                             textReply("sampled"), textReply("Done.")}));
    int from = int(a.events.size());
    QCOMPARE(m_rest.post(QStringLiteral("/api/v3/chat/send"),
                         {{"session_id", sessionOf(a)}, {"message", "sample"}})
                     .status,
             202);
    int asked = a.waitForType(QStringLiteral("sampling"), 30000, from);
    QVERIFY2(asked > 0, qPrintable(a.types().join(',')));
    QCOMPARE(approvalAt(a, asked), QStringLiteral("required"));
    const QString requestId = a.events.at(asked).data.value("request_id").toString();

    // Sampling cannot become a rule for the tool or the server.
    Reply r = approve(sessionOf(a), requestId, true, "tool");
    QCOMPARE(r.status, 400);
    QCOMPARE(r.errorCode(), QStringLiteral("invalid_field"));
    QVERIFY2(r.errorMessage().contains("sampling"), qPrintable(r.errorMessage()));
    r = approve(sessionOf(a), requestId, true, "session");
    QVERIFY2(r.status == 200, r.describe().constData());
    QVERIFY(a.waitForType(QStringLiteral("final_response"), 30000, from) > 0);
    const QJsonObject observed = a.ofType("observing").constLast().data;
    QVERIFY2(!observed.value("is_error").toBool(), QJsonDocument(observed).toJson().constData());

    // The next sampling request of that server in this session does not ask.
    QVERIFY(m_llm.setScript({toolReply({toolCall("c_p2", "ask_sampling", {{"prompt", "hi"}})}),
                             textReply("sampled"), textReply("Done.")}));
    from = int(a.events.size());
    QCOMPARE(m_rest.post(QStringLiteral("/api/v3/chat/send"),
                         {{"session_id", sessionOf(a)}, {"message", "sample"}})
                     .status,
             202);
    asked = a.waitForType(QStringLiteral("sampling"), 30000, from);
    QVERIFY(asked > 0);
    QCOMPARE(approvalAt(a, asked), QStringLiteral("auto"));
    QVERIFY(a.waitForType(QStringLiteral("final_response"), 30000, from) > 0);
}

void tst_ApprovalRules::serverDetail()
{
    Reply r = m_rest.get(QStringLiteral("/api/v3/servers/fixture"));
    QVERIFY2(r.status == 200, r.describe().constData());
    const QJsonObject s = r.json();
    QCOMPARE(s.value("state").toString(), QStringLiteral("ready"));
    QCOMPARE(s.value("enabled").toBool(false), true);
    QVERIFY(!s.value("protocol_version").toString().isEmpty());
    QVERIFY(s.value("capabilities").toObject().contains("tools"));
    QVERIFY(s.value("stderr_tail").isArray());
    QVERIFY(s.value("stderr_tail").toArray().size() <= 50);
    const QJsonArray tools = s.value("tools").toArray();
    QVERIFY(tools.size() > 5);
    QCOMPARE(s.value("tool_count").toInt(), tools.size());
    QJsonObject echo;
    for (const QJsonValue &v : tools) {
        if (v.toObject().value("tool").toString() == QLatin1String("echo"))
            echo = v.toObject();
    }
    QCOMPARE(echo.value("title").toString(), QStringLiteral("Echo"));
    QCOMPARE(echo.value("server").toString(), QStringLiteral("fixture"));
    QVERIFY(echo.value("input_schema").toObject().contains("properties"));
    QVERIFY(echo.value("annotations").isObject());

    // The list has the same item without the tools' details.
    const QJsonArray list
            = m_rest.get(QStringLiteral("/api/v3/servers")).json().value("servers").toArray();
    QCOMPARE(list.size(), 1);
    const QJsonObject item = list.at(0).toObject();
    QVERIFY(item.value("tool_names").toArray().contains(QStringLiteral("echo")));
    QCOMPARE(item.value("enabled").toBool(false), true);
    QVERIFY(item.value("stderr_tail").isArray());
    // /api/v3/tools carries every tool's annotations.
    for (const QJsonValue &v :
         m_rest.get(QStringLiteral("/api/v3/tools")).json().value("tools").toArray())
        QVERIFY(v.toObject().value("annotations").isObject());

    r = m_rest.get(QStringLiteral("/api/v3/servers/nope"));
    QCOMPARE(r.status, 404);
    QCOMPARE(r.errorCode(), QStringLiteral("unknown_server"));
    r = m_rest.post(QStringLiteral("/api/v3/servers/nope/disable"), {});
    QCOMPARE(r.status, 404);
    QCOMPARE(r.errorCode(), QStringLiteral("unknown_server"));
}

void tst_ApprovalRules::disableServerSurvivesRestart()
{
    const auto toolNames = [this] {
        QStringList names;
        for (const QJsonValue &v :
             m_rest.get(QStringLiteral("/api/v3/tools")).json().value("tools").toArray())
            names << v.toObject().value("tool").toString();
        return names;
    };
    QVERIFY(toolNames().contains("echo"));
    Reply r = m_rest.post(QStringLiteral("/api/v3/servers/fixture/disable"), {});
    QVERIFY2(r.status == 202, r.describe().constData());
    QCOMPARE(r.json().value("state").toString(), QStringLiteral("disabled"));
    QCOMPARE(r.json().value("enabled").toBool(true), false);
    QVERIFY(toolNames().isEmpty());
    // Its process is stopped.
    QVERIFY(TestSupport::waitFor([this] { return m_host->children().isEmpty(); }, 15000));
    r = m_rest.post(QStringLiteral("/api/v3/servers/fixture/restart"), {});
    QCOMPARE(r.status, 409);
    QCOMPARE(r.errorCode(), QStringLiteral("server_disabled"));

    QVERIFY(startHost());
    QCOMPARE(serverState("fixture"), QStringLiteral("disabled"));
    QVERIFY(toolNames().isEmpty());
    const QJsonObject item = m_rest.get(QStringLiteral("/api/v3/servers"))
                                     .json()
                                     .value("servers")
                                     .toArray()
                                     .at(0)
                                     .toObject();
    QCOMPARE(item.value("enabled").toBool(true), false);

    r = m_rest.post(QStringLiteral("/api/v3/servers/fixture/enable"), {});
    QVERIFY2(r.status == 202, r.describe().constData());
    QVERIFY(TestSupport::waitFor([&] { return serverState("fixture") == QLatin1String("ready"); }));
    QVERIFY(toolNames().contains("echo"));
    QVERIFY(startHost());
    QCOMPARE(serverState("fixture"), QStringLiteral("ready"));
}

void tst_ApprovalRules::badStateFileStopsTheHost_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<int>("mode"); // octal permissions
    QTest::addColumn<QString>("message"); // a part of it
    QTest::newRow("not JSON") << QByteArray("{\"version\": 1,") << 0600 << "invalid JSON";
    QTest::newRow("unknown decision")
            << QByteArray(R"({"version":1,"approval":{"tools":{"fixture/image":"yes"}}})") << 0600
            << "/approval/tools/fixture/image";
    QTest::newRow("writable by others")
            << QByteArray(R"({"version":1,"approval":{"servers":{"fixture":"allow"}}})") << 0666
            << "other users can write it";
    QTest::newRow("too large") << QByteArray(2 * 1024 * 1024, ' ') << 0600 << "larger than";
}

void tst_ApprovalRules::badStateFileStopsTheHost()
{
    QFETCH(QByteArray, content);
    QFETCH(int, mode);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("state.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(content);
    file.close();
    QVERIFY(::chmod(QFile::encodeName(path).constData(), mode_t(mode)) == 0);

    HostProcess host;
    host.useLlm(m_llm);
    host.config.insert(QStringLiteral("state_file"), path);
    const QString failure = host.start({}, 15000);
    QVERIFY2(!failure.isEmpty(), "the host started over a bad state file");
    QVERIFY(host.waitForExit(10000));
    QVERIFY(host.process.exitCode() != 0);
    const QString err = QString::fromUtf8(host.err);
    QVERIFY2(err.contains(QStringLiteral("state file ") + path), qPrintable(err));
    QVERIFY2(err.contains(message), qPrintable(err));
    // The file is left as it was, for the user to look at.
    QFile again(path);
    QVERIFY(again.open(QIODevice::ReadOnly));
    QCOMPARE(again.readAll(), content);
}

QTEST_GUILESS_MAIN(tst_ApprovalRules)
#include "tst_approvalrules.moc"
