// The HTTP API end to end: the real `mcp-hostd` on a free port with the fixture MCP server and
// the scripted LLM, spoken to over plain HTTP (REST) and raw SSE. Every endpoint of docs/api.md,
// the event stream of whole turns, resumption after a dropped connection, several streams on
// one session, and every kind of bad input with its status and JSON error.
//
// Tests of what a turn does (cancel, approval, elicitation, two windows) read the stream with
// the project's EventStreamClient (ApiTest::Stream); tests of the stream's wire format (SSE ids,
// Last-Event-ID as header or query, the server closing the stream, replay) read it raw
// (SseClient), since the client hides exactly those bytes.

#include "apitestsupport.h"
#include "httptestsupport.h"

#include <QElapsedTimer>
#include <QNetworkProxy>
#include <QScopeGuard>
#include <QTest>

using namespace HttpTest;

namespace {

/// Event types in order; progress `acting` events are left out and runs of partial_response
/// merged, so the shape of a turn can be compared exactly.
QStringList signature(const QList<Received> &events)
{
    QStringList out;
    for (const Received &e : events) {
        if (e.type() == QLatin1String("acting") && e.data.contains(QStringLiteral("progress")))
            continue;
        if (e.type() == QLatin1String("partial_response") && !out.isEmpty()
            && out.last() == QLatin1String("partial_response"))
            continue;
        out << e.type();
    }
    return out;
}

/// The same for the events EventStreamClient delivered.
QStringList signature(const QList<StreamEvent> &events)
{
    QStringList out;
    for (const StreamEvent &e : events) {
        if (e.type == StreamEventType::Acting && e.data.contains(QStringLiteral("progress")))
            continue;
        if (e.type == StreamEventType::PartialResponse && !out.isEmpty()
            && out.last() == QLatin1String("partial_response"))
            continue;
        out << e.typeName();
    }
    return out;
}

QString firstText(const QJsonObject &observing)
{
    return observing.value(QStringLiteral("content"))
            .toArray()
            .at(0)
            .toObject()
            .value(QStringLiteral("text"))
            .toString();
}

QString streamPath(const QString &sessionId, const QString &extraQuery = {})
{
    QString path = QStringLiteral("/api/v3/chat/stream");
    QStringList query;
    if (!sessionId.isEmpty())
        query << QStringLiteral("session_id=") + sessionId;
    if (!extraQuery.isEmpty())
        query << extraQuery;
    if (!query.isEmpty())
        path += QLatin1Char('?') + query.join(QLatin1Char('&'));
    return path;
}

} // namespace

class tst_HttpApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void healthAndPage();
    void toolsAndServers();
    void sessionsLifecycle();
    void sessionListRefusesHostileQueries();
    void deleteEndsOpenStreams();
    void fullEventStreamOfOneTurn();
    void chatIsSynchronousAndContinuesSessions();
    void cancelStopsTheRunningTool();
    void approval_data();
    void approval();
    void chatApprovedThroughApprove_data();
    void chatApprovedThroughApprove();
    void policyDenial();
    void chatApprovalPolicy_data();
    void chatApprovalPolicy();
    void elicitation_data();
    void elicitation();
    void restartServer();
    void metricsMove();
    void resumeAfterDisconnect_data();
    void resumeAfterDisconnect();
    void resumeWithAnIdFromElsewhere();
    void twoConnectionsSeeEveryEvent();
    void badInput_data();
    void badInput();
    void secondSendWhileTurnRuns();

private:
    /// Opens a stream and waits for its session_start.
    bool openStream(SseClient &client, const QString &sessionId = {}, const Headers &headers = {},
                    const QString &extraQuery = {});
    /// Starts a turn with `send`; returns the turn id ("" on failure).
    QString send(const QString &sessionId, const QString &message);
    /// A session that has one finished turn (user + assistant messages).
    QString sessionWithHistory();
    QJsonArray messagesOf(const QString &sessionId);

    ScriptedLlm m_llm;
    std::unique_ptr<HostProcess> m_host;
    RestClient m_rest;
};

void tst_HttpApi::initTestCase()
{
    QVERIFY2(m_llm.start(), "the scripted LLM did not start");
    m_host = std::make_unique<HostProcess>();
    m_host->useLlm(m_llm);
    // image needs the user's approval, audio is denied; echo and the others run at once.
    m_host->config.insert(
            QStringLiteral("approval"),
            QJsonObject {
                    {QStringLiteral("tools"),
                     QJsonObject {{QStringLiteral("fixture/image"), QStringLiteral("ask")},
                                  {QStringLiteral("fixture/audio"), QStringLiteral("deny")}}}});
    const QString failure = m_host->start();
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    m_rest.port = m_host->port;
    QVERIFY2(waitForServersReady(m_rest), m_host->err.right(2000).constData());
}

bool tst_HttpApi::openStream(SseClient &client, const QString &sessionId, const Headers &headers,
                             const QString &extraQuery)
{
    client.open(m_host->port, streamPath(sessionId, extraQuery), headers);
    if (!client.waitForResponse() || !client.isStream())
        return false;
    return client.waitForType(QStringLiteral("session_start"), 20000) == 0;
}

QString tst_HttpApi::send(const QString &sessionId, const QString &message)
{
    QJsonObject body {{QStringLiteral("message"), message}};
    if (!sessionId.isEmpty())
        body.insert(QStringLiteral("session_id"), sessionId);
    const Reply r = m_rest.post(QStringLiteral("/api/v3/chat/send"), body);
    if (r.status != 202) {
        qWarning() << "send failed:" << r.describe();
        return {};
    }
    return r.json().value(QStringLiteral("turn_id")).toString();
}

QString tst_HttpApi::sessionWithHistory()
{
    if (!m_llm.setScript({textReply(QStringLiteral("First answer."))}))
        return {};
    const Reply r = m_rest.post(QStringLiteral("/chat"),
                                {{QStringLiteral("message"), QStringLiteral("first question")}});
    if (r.status != 200)
        return {};
    return r.json().value(QStringLiteral("session_id")).toString();
}

QJsonArray tst_HttpApi::messagesOf(const QString &sessionId)
{
    return m_rest.get(QStringLiteral("/api/v3/sessions/") + sessionId)
            .json()
            .value(QStringLiteral("messages"))
            .toArray();
}

void tst_HttpApi::healthAndPage()
{
    const Reply health = m_rest.get(QStringLiteral("/health"));
    QCOMPARE(health.status, 200);
    const QJsonObject h = health.json();
    QCOMPARE(h.value("status").toString(), QStringLiteral("ok"));
    QCOMPARE(h.value("version").toString(), QStringLiteral(MCPHOST_VERSION));
    QVERIFY(h.value("uptime_s").toDouble() > 0);
    QVERIFY(h.contains("sessions") && h.contains("connections"));
    const QJsonArray servers = h.value("mcp_servers").toArray();
    QCOMPARE(servers.size(), 1);
    QCOMPARE(servers.at(0).toObject().value("name").toString(), QStringLiteral("fixture"));
    QCOMPARE(servers.at(0).toObject().value("state").toString(), QStringLiteral("ready"));

    const Reply page = m_rest.get(QStringLiteral("/"));
    QCOMPARE(page.status, 200);
    QVERIFY(page.header("Content-Type").startsWith("text/html"));
    QVERIFY(page.body.contains("<html") || page.body.contains("<!DOCTYPE"));

    const Reply api = m_rest.get(QStringLiteral("/api/v3/openapi.json"));
    QCOMPARE(api.status, 200);
    QVERIFY(api.json().value("openapi").toString().startsWith(QLatin1String("3.")));
    QVERIFY(api.json().value("paths").toObject().contains("/api/v3/chat/stream"));
}

void tst_HttpApi::toolsAndServers()
{
    const Reply tools = m_rest.get(QStringLiteral("/api/v3/tools"));
    QCOMPARE(tools.status, 200);
    QJsonObject echo;
    for (const QJsonValue &v : tools.json().value("tools").toArray()) {
        if (v.toObject().value("name").toString() == QLatin1String("echo"))
            echo = v.toObject();
    }
    QVERIFY2(!echo.isEmpty(), tools.body.constData());
    QCOMPARE(echo.value("server").toString(), QStringLiteral("fixture"));
    QVERIFY(echo.value("input_schema")
                    .toObject()
                    .value("properties")
                    .toObject()
                    .contains("message"));

    const Reply servers = m_rest.get(QStringLiteral("/api/v3/servers"));
    QCOMPARE(servers.status, 200);
    const QJsonObject fixture = servers.json().value("servers").toArray().at(0).toObject();
    QCOMPARE(fixture.value("name").toString(), QStringLiteral("fixture"));
    QCOMPARE(fixture.value("state").toString(), QStringLiteral("ready"));
    QCOMPARE(fixture.value("tools").toInt(), tools.json().value("tools").toArray().size());
}

void tst_HttpApi::sessionListRefusesHostileQueries()
{
    // Every query of the list is bounded and checked before the store is asked.
    for (const QString &query :
         {QStringLiteral("limit=0"), QStringLiteral("limit=501"), QStringLiteral("limit=abc"),
          QStringLiteral("limit=-1"), QStringLiteral("cursor=not-ours"),
          QStringLiteral("cursor=") + QString(600, QLatin1Char('A')),
          QStringLiteral("q=") + QString(201, QLatin1Char('x'))}) {
        const Reply r = m_rest.get(QStringLiteral("/api/v3/sessions?") + query);
        QVERIFY2(r.status == 400, qPrintable(query.left(40) + QLatin1String(": ") + r.describe()));
        QCOMPARE(r.errorCode(), QStringLiteral("invalid_field"));
    }
    QCOMPARE(m_rest.get(QStringLiteral("/api/v3/sessions?limit=500&q=%25_%00")).status, 200);
}

void tst_HttpApi::sessionsLifecycle()
{
    const Reply created = m_rest.post(QStringLiteral("/api/v3/sessions"), {});
    QCOMPARE(created.status, 201);
    const QString id = created.json().value("session_id").toString();
    QVERIFY(!id.isEmpty());
    QCOMPARE(created.json().value("message_count").toInt(), 0);

    const Reply named
            = m_rest.post(QStringLiteral("/api/v3/sessions"), {{"session_id", "my-notes.1"}});
    QCOMPARE(named.status, 201);
    QCOMPARE(named.json().value("session_id").toString(), QStringLiteral("my-notes.1"));
    const Reply again
            = m_rest.post(QStringLiteral("/api/v3/sessions"), {{"session_id", "my-notes.1"}});
    QCOMPARE(again.status, 409);
    QCOMPARE(again.errorCode(), QStringLiteral("session_exists"));

    QStringList listed;
    for (const QJsonValue &v :
         m_rest.get(QStringLiteral("/api/v3/sessions")).json().value("sessions").toArray())
        listed << v.toObject().value("session_id").toString();
    QVERIFY(listed.contains(id) && listed.contains(QStringLiteral("my-notes.1")));

    // A turn on the named session shows in its messages.
    QVERIFY(m_llm.setScript({textReply(QStringLiteral("Noted."))}));
    const Reply chat = m_rest.post(QStringLiteral("/chat"),
                                   {{"session_id", "my-notes.1"}, {"message", "remember milk"}});
    QCOMPARE(chat.status, 200);
    const Reply read = m_rest.get(QStringLiteral("/api/v3/sessions/my-notes.1"));
    QCOMPARE(read.status, 200);
    const QJsonArray messages = read.json().value("messages").toArray();
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages.at(0).toObject().value("role").toString(), QStringLiteral("user"));
    QCOMPARE(messages.at(0).toObject().value("content").toString(),
             QStringLiteral("remember milk"));
    QCOMPARE(messages.at(1).toObject().value("role").toString(), QStringLiteral("assistant"));
    QCOMPARE(messages.at(1).toObject().value("content").toString(), QStringLiteral("Noted."));
    QCOMPARE(read.json().value("busy").toBool(), false);

    for (const QString &gone : {id, QStringLiteral("my-notes.1")}) {
        QCOMPARE(m_rest.request("DELETE", QStringLiteral("/api/v3/sessions/") + gone).status, 200);
        const Reply after = m_rest.get(QStringLiteral("/api/v3/sessions/") + gone);
        QCOMPARE(after.status, 404);
        QCOMPARE(after.errorCode(), QStringLiteral("unknown_session"));
    }
}

void tst_HttpApi::deleteEndsOpenStreams()
{
    const QString id = m_rest.post(QStringLiteral("/api/v3/sessions"), {})
                               .json()
                               .value("session_id")
                               .toString();
    SseClient stream;
    QVERIFY(openStream(stream, id));
    QCOMPARE(m_rest.request("DELETE", QStringLiteral("/api/v3/sessions/") + id).status, 200);
    const int end = stream.waitForType(QStringLiteral("session_end"));
    QVERIFY2(end > 0, qPrintable(stream.types().join(',')));
    QCOMPARE(stream.events.at(end).data.value("reason").toString(), QStringLiteral("deleted"));
    // A connection frame: the session's log is gone, so it never moves the resume point.
    QVERIFY(!stream.events.at(end).sse.hasId);
    // The server closes the stream after session_end.
    QVERIFY(TestSupport::waitFor([&] { return stream.closed; }, 10000));
}

void tst_HttpApi::fullEventStreamOfOneTurn()
{
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("call_echo", "echo", {{"message", "hello stream"}})}),
             textReply(QStringLiteral("The echo said: hello stream"), 5)}));
    SseClient stream;
    QVERIFY(openStream(stream)); // no session_id: a new session
    const Received start = stream.events.at(0);
    QVERIFY(!start.sse.hasId); // session_start never moves the resume point
    QCOMPARE(start.data.value("created").toBool(), true);
    QCOMPARE(start.data.value("message_count").toInt(), 0);
    QCOMPARE(start.data.value("last_seq").toInt(), 0);
    QVERIFY(!start.data.value("model").toString().isEmpty());
    QVERIFY(start.data.value("tools").toArray().contains(QStringLiteral("echo")));
    QVERIFY(start.data.value("turn_id").isNull());
    const QString sessionId = start.data.value("session_id").toString();
    QVERIFY(!sessionId.isEmpty());

    const QString turnId = send(sessionId, QStringLiteral("please echo hello stream"));
    QVERIFY(!turnId.isEmpty());
    QVERIFY2(stream.waitForType(QStringLiteral("final_response")) > 0,
             qPrintable(stream.types().join(',')));

    QCOMPARE(signature(stream.events),
             (QStringList {"session_start", "thinking", "tool_call", "acting", "observing",
                           "thinking", "partial_response", "final_response"}));
    qint64 previous = 0;
    QString answer;
    for (int i = 1; i < stream.events.size(); ++i) {
        const Received &e = stream.events.at(i);
        QVERIFY2(e.sse.hasId, qPrintable(e.type()));
        QCOMPARE(e.sse.id.toLongLong(), e.seq()); // the SSE id is the event's seq
        QVERIFY2(e.seq() > previous,
                 qPrintable(QStringLiteral("seq %1 after %2").arg(e.seq()).arg(previous)));
        previous = e.seq();
        QCOMPARE(QString::fromLatin1(e.sse.type), e.type()); // the SSE event name is the type
        QCOMPARE(e.data.value("session_id").toString(), sessionId);
        QCOMPARE(e.data.value("turn_id").toString(), turnId);
        QVERIFY(QDateTime::fromString(e.data.value("ts").toString(), Qt::ISODateWithMs).isValid());
        QVERIFY(e.data.value("ts").toString().endsWith(QLatin1Char('Z')));
        if (e.type() == QLatin1String("partial_response"))
            answer += e.data.value("delta").toString();
    }
    QCOMPARE(stream.events.at(1).data.value("input").toString(),
             QStringLiteral("please echo hello stream"));
    QCOMPARE(stream.events.at(1).data.value("iteration").toInt(), 1);
    const QJsonObject call = stream.ofType("tool_call").at(0).data;
    QCOMPARE(call.value("call_id").toString(), QStringLiteral("call_echo"));
    QCOMPARE(call.value("server").toString(), QStringLiteral("fixture"));
    QCOMPARE(call.value("tool").toString(), QStringLiteral("echo"));
    QCOMPARE(call.value("arguments").toObject(), (QJsonObject {{"message", "hello stream"}}));
    QCOMPARE(call.value("approval").toString(), QStringLiteral("auto"));
    const QJsonObject observed = stream.ofType("observing").at(0).data;
    QCOMPARE(observed.value("call_id").toString(), QStringLiteral("call_echo"));
    QCOMPARE(observed.value("is_error").toBool(), false);
    QCOMPARE(firstText(observed), QStringLiteral("Echo: hello stream"));
    QVERIFY(observed.contains("duration_ms"));
    const QJsonObject final = stream.ofType("final_response").at(0).data;
    QCOMPARE(final.value("content").toString(), QStringLiteral("The echo said: hello stream"));
    QCOMPARE(answer, final.value("content").toString());
    QCOMPARE(final.value("iterations").toInt(), 2);
    QCOMPARE(final.value("stop_reason").toString(), QStringLiteral("answer"));
    QVERIFY(final.value("usage").isObject());
    QVERIFY(stream.ofType("partial_response").size() > 1); // streamed in pieces

    // The conversation is kept: user, assistant (tool call), tool result, answer.
    const QJsonArray messages = messagesOf(sessionId);
    QCOMPARE(messages.size(), 4);
    QCOMPARE(messages.at(1)
                     .toObject()
                     .value("tool_calls")
                     .toArray()
                     .at(0)
                     .toObject()
                     .value("name")
                     .toString(),
             QStringLiteral("echo"));
    QCOMPARE(messages.at(2).toObject().value("role").toString(), QStringLiteral("tool"));
    QCOMPARE(messages.at(3).toObject().value("content").toString(),
             final.value("content").toString());
}

void tst_HttpApi::chatIsSynchronousAndContinuesSessions()
{
    QVERIFY(m_llm.setScript({toolReply({toolCall("c1", "echo", {{"message", "sync"}})}),
                             textReply(QStringLiteral("Echoed sync."))}));
    const Reply first = m_rest.post(QStringLiteral("/chat"), {{"message", "echo sync"}});
    QVERIFY2(first.status == 200, first.describe().constData());
    const QJsonObject a = first.json();
    const QString sessionId = a.value("session_id").toString();
    QVERIFY(!sessionId.isEmpty() && !a.value("turn_id").toString().isEmpty());
    QCOMPARE(a.value("response").toString(), QStringLiteral("Echoed sync."));
    QCOMPARE(a.value("iterations").toInt(), 2);
    QStringList types;
    for (const QJsonValue &step : a.value("steps").toArray())
        types << step.toObject().value("type").toString();
    QCOMPARE(types.filter(QRegularExpression("^(?!partial_response)")),
             (QStringList {"thinking", "tool_call", "acting", "observing", "thinking",
                           "final_response"}));

    // With session_id the conversation goes on: the model sees the earlier exchange.
    QVERIFY(m_llm.setScript({textReply(QStringLiteral("You asked me to echo sync."))}));
    const Reply second = m_rest.post(QStringLiteral("/chat"),
                                     {{"message", "what did I ask?"}, {"session_id", sessionId}});
    QCOMPARE(second.status, 200);
    QCOMPARE(second.json().value("session_id").toString(), sessionId);
    QVERIFY(second.json().value("turn_id").toString() != a.value("turn_id").toString());
    const QJsonArray sent = m_llm.requests()
                                    .at(0)
                                    .toObject()
                                    .value("body")
                                    .toObject()
                                    .value("messages")
                                    .toArray();
    QStringList contents;
    for (const QJsonValue &m : sent)
        contents << m.toObject().value("content").toString();
    QVERIFY2(contents.contains("echo sync") && contents.contains("Echoed sync.")
                     && contents.contains("what did I ask?"),
             qPrintable(contents.join('|')));
    QCOMPARE(messagesOf(sessionId).size(), 6);
}

void tst_HttpApi::cancelStopsTheRunningTool()
{
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c_slow", "slow", {{"steps", 100}, {"delay_ms", 100}})}),
             textReply(QStringLiteral("never sent"))}));
    ApiTest::Stream stream(m_host->port);
    QVERIFY(stream.open());
    const QString sessionId = stream.client.sessionId();
    QVERIFY(!send(sessionId, QStringLiteral("be slow")).isEmpty());
    QVERIFY(stream.waitForType(QStringLiteral("acting")) > 0);

    const Reply cancel
            = m_rest.post(QStringLiteral("/api/v3/chat/cancel"), {{"session_id", sessionId}});
    QCOMPARE(cancel.status, 202);
    const int final = stream.waitForType(QStringLiteral("final_response"), 15000);
    QVERIFY2(final > 0, qPrintable(stream.types().join(',')));
    QCOMPARE(stream.events.at(final).data.value("stop_reason").toString(),
             QStringLiteral("cancelled"));
    // The cancelled call was closed with a result; the model was never asked again.
    const auto observed = stream.ofType("observing");
    QCOMPARE(observed.size(), 1);
    QVERIFY(observed.at(0).data.value("is_error").toBool());
    QCOMPARE(m_llm.requests().size(), 1);
    QCOMPARE(m_rest.get(QStringLiteral("/api/v3/sessions/") + sessionId)
                     .json()
                     .value("busy")
                     .toBool(),
             false);

    // Nothing left to cancel.
    const Reply again
            = m_rest.post(QStringLiteral("/api/v3/chat/cancel"), {{"session_id", sessionId}});
    QCOMPARE(again.status, 409);
    QCOMPARE(again.errorCode(), QStringLiteral("no_turn"));
}

void tst_HttpApi::approval_data()
{
    QTest::addColumn<bool>("approved");
    QTest::newRow("approved") << true;
    QTest::newRow("denied") << false;
}

void tst_HttpApi::approval()
{
    QFETCH(bool, approved);
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c_img", "image", {})}), textReply(QStringLiteral("Done."))}));
    ApiTest::Stream stream(m_host->port);
    QVERIFY(stream.open());
    const QString sessionId = stream.client.sessionId();
    QVERIFY(!send(sessionId, QStringLiteral("show me the picture")).isEmpty());
    const int call = stream.waitForType(QStringLiteral("tool_call"));
    QVERIFY(call > 0);
    const StreamEvent waiting = stream.events.at(call);
    QCOMPARE(waiting.data.value("approval").toString(), QStringLiteral("required"));
    // It says until when it waits: the default timeout (5 minutes) after the event.
    QCOMPARE(waiting.data.value("approval_timeout_ms").toInt(), 300000);
    const QDateTime deadline
            = StreamEvent::parseTimestamp(waiting.data.value("deadline").toString());
    QVERIFY2(deadline.isValid(), qPrintable(waiting.data.value("deadline").toString()));
    const qint64 wait = waiting.ts.msecsTo(deadline);
    QVERIFY2(wait > 299000 && wait <= 300000, qPrintable(QString::number(wait)));

    // Nothing runs until someone answers.
    QTest::qWait(300);
    QCOMPARE(stream.ofType("acting").size(), 0);
    const Reply wrong
            = m_rest.post(QStringLiteral("/api/v3/chat/approve"),
                          {{"session_id", sessionId}, {"call_id", "nope"}, {"approved", true}});
    QCOMPARE(wrong.status, 404);
    QCOMPARE(wrong.errorCode(), QStringLiteral("unknown_request"));

    const Reply answer = m_rest.post(
            QStringLiteral("/api/v3/chat/approve"),
            {{"session_id", sessionId}, {"call_id", "c_img"}, {"approved", approved}});
    QVERIFY2(answer.status == 200, answer.describe().constData());
    QCOMPARE(answer.json().value("approved").toBool(), approved);
    QVERIFY(stream.waitForType(QStringLiteral("final_response")) > 0);

    QStringList expected {"session_start", "thinking", "tool_call"};
    if (approved)
        expected << "acting";
    expected << "observing"
             << "thinking"
             << "partial_response"
             << "final_response";
    QCOMPARE(signature(stream.events), expected);
    const QJsonObject observed = stream.ofType("observing").at(0).data;
    QCOMPARE(observed.value("is_error").toBool(), !approved);
    if (approved) {
        const QJsonObject block = observed.value("content").toArray().at(0).toObject();
        QCOMPARE(block.value("type").toString(), QStringLiteral("image"));
        QCOMPARE(block.value("mimeType").toString(), QStringLiteral("image/png"));
    } else {
        QVERIFY2(firstText(observed).contains("denied"), qPrintable(firstText(observed)));
    }
}

void tst_HttpApi::chatApprovedThroughApprove_data()
{
    QTest::addColumn<bool>("ownSession"); // false: /chat creates the session
    QTest::newRow("session created first, its stream open") << true;
    QTest::newRow("session found while /chat waits, stream replayed") << false;
}

void tst_HttpApi::chatApprovedThroughApprove()
{
    // The path docs/api.md gives a POST /chat caller whose turn needs an approval: the call_id
    // comes from the session's stream, the answer goes to /api/v3/chat/approve, and /chat then
    // answers with the turn's result.
    QFETCH(bool, ownSession);
    QVERIFY(m_llm.setScript({toolReply({toolCall("c_chat_img", "image", {})}),
                             textReply(QStringLiteral("Here."))}));
    SseClient stream;
    QString sessionId;
    if (ownSession) {
        sessionId = m_rest.post(QStringLiteral("/api/v3/sessions"), {})
                            .json()
                            .value("session_id")
                            .toString();
        QVERIFY(!sessionId.isEmpty());
        QVERIFY(openStream(stream, sessionId));
    }
    QJsonObject body {{"message", "show me the picture"}};
    if (ownSession)
        body.insert("session_id", sessionId);
    QNetworkAccessManager nam;
    nam.setProxy(QNetworkProxy::NoProxy);
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/chat").arg(m_host->port)));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setTransferTimeout(60000);
    std::unique_ptr<QNetworkReply> chat(nam.post(request, QJsonDocument(body).toJson()));

    if (!ownSession) {
        // The session of a waiting /chat is the busy one; its stream replays the tool call.
        QVERIFY(TestSupport::waitFor([&] {
            for (const QJsonValue &v : m_rest.get(QStringLiteral("/api/v3/sessions"))
                                               .json()
                                               .value("sessions")
                                               .toArray()) {
                if (v.toObject().value("busy").toBool())
                    sessionId = v.toObject().value("session_id").toString();
            }
            return !sessionId.isEmpty();
        }));
        QVERIFY(openStream(stream, sessionId, {}, QStringLiteral("last_event_id=0")));
    }
    const int call = stream.waitForType(QStringLiteral("tool_call"));
    QVERIFY2(call > 0, qPrintable(stream.types().join(',')));
    const QJsonObject toolCall = stream.events.at(call).data;
    QCOMPARE(toolCall.value("approval").toString(), QStringLiteral("required"));
    const QString callId = toolCall.value("call_id").toString();
    QCOMPARE(callId, QStringLiteral("c_chat_img"));
    QTest::qWait(200);
    QVERIFY(!chat->isFinished()); // /chat waits for the answer

    const Reply approve
            = m_rest.post(QStringLiteral("/api/v3/chat/approve"),
                          {{"session_id", sessionId}, {"call_id", callId}, {"approved", true}});
    QVERIFY2(approve.status == 200, approve.describe().constData());
    QVERIFY(TestSupport::waitFor([&] { return chat->isFinished(); }, 30000));
    QCOMPARE(chat->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    const QJsonObject result = QJsonDocument::fromJson(chat->readAll()).object();
    QCOMPARE(result.value("session_id").toString(), sessionId);
    QCOMPARE(result.value("response").toString(), QStringLiteral("Here."));
    QStringList steps;
    for (const QJsonValue &step : result.value("steps").toArray())
        steps << step.toObject().value("type").toString();
    QVERIFY2(steps.contains("acting"), qPrintable(steps.join(','))); // the tool ran
}

void tst_HttpApi::chatApprovalPolicy_data()
{
    QTest::addColumn<QString>("approval"); // the /chat body's field; empty: left out
    QTest::newRow("deny: answered at once") << "deny";
    QTest::newRow("wait: answered through /api/v3/chat/approve") << "wait";
    QTest::newRow("default is wait") << "";
}

void tst_HttpApi::chatApprovalPolicy()
{
    // POST /chat with a tool that needs approval: "deny" answers at once with the call denied;
    // "wait" (the default) waits until /api/v3/chat/approve answers it.
    QFETCH(QString, approval);
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c_img", "image", {})}), textReply(QStringLiteral("Done."))}));
    SseClient stream;
    QVERIFY(openStream(stream));
    const QString sessionId = stream.events.at(0).data.value("session_id").toString();
    QJsonObject body {{"session_id", sessionId}, {"message", "show me the picture"}};
    if (!approval.isEmpty())
        body.insert("approval", approval);

    QNetworkAccessManager nam;
    nam.setProxy(QNetworkProxy::NoProxy);
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/chat").arg(m_host->port)));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QElapsedTimer clock;
    clock.start();
    QNetworkReply *reply = nam.post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
    const auto cleanup = qScopeGuard([reply] { reply->deleteLater(); });

    if (approval == QLatin1String("deny")) {
        QVERIFY(TestSupport::waitFor([reply] { return reply->isFinished(); }, 10000));
        QVERIFY2(clock.elapsed() < 5000, "a turn that denies must not wait");
    } else {
        const int call = stream.waitForType(QStringLiteral("tool_call"));
        QVERIFY(call > 0);
        QCOMPARE(stream.events.at(call).data.value("approval").toString(),
                 QStringLiteral("required"));
        QTest::qWait(300);
        QVERIFY2(!reply->isFinished(), "the turn waits for the approval");
        const Reply answer = m_rest.post(
                QStringLiteral("/api/v3/chat/approve"),
                {{"session_id", sessionId}, {"call_id", "c_img"}, {"approved", true}});
        QVERIFY2(answer.status == 200, answer.describe().constData());
        QVERIFY(TestSupport::waitFor([reply] { return reply->isFinished(); }, 10000));
    }
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    const QJsonObject out = QJsonDocument::fromJson(reply->readAll()).object();
    QCOMPARE(out.value("response").toString(), QStringLiteral("Done."));
    QJsonObject call;
    QJsonObject observed;
    for (const QJsonValue &v : out.value("steps").toArray()) {
        const QJsonObject step = v.toObject();
        if (step.value("type").toString() == QLatin1String("tool_call"))
            call = step;
        if (step.value("type").toString() == QLatin1String("observing"))
            observed = step;
    }
    const bool denied = approval == QLatin1String("deny");
    QCOMPARE(call.value("approval").toString(),
             denied ? QStringLiteral("denied") : QStringLiteral("required"));
    QCOMPARE(observed.value("is_error").toBool(), denied);
    if (denied)
        QVERIFY2(firstText(observed).contains("does not wait for approvals"),
                 qPrintable(firstText(observed)));

    // Another value is refused: the field can only tighten the policy.
    const Reply bad = m_rest.post(QStringLiteral("/chat"),
                                  {{"message", "show me the picture"}, {"approval", "allow"}});
    QCOMPARE(bad.status, 400);
    QCOMPARE(bad.errorCode(), QStringLiteral("invalid_field"));
    QCOMPARE(bad.errorMessage(), QStringLiteral("field \"approval\" must be \"wait\" or \"deny\""));
}

void tst_HttpApi::policyDenial()
{
    QVERIFY(m_llm.setScript({toolReply({toolCall("c_audio", "audio", {})}),
                             textReply(QStringLiteral("Not allowed."))}));
    const Reply r = m_rest.post(QStringLiteral("/chat"), {{"message", "play a sound"}});
    QCOMPARE(r.status, 200);
    QJsonObject call;
    QJsonObject observed;
    bool acted = false;
    for (const QJsonValue &v : r.json().value("steps").toArray()) {
        const QJsonObject step = v.toObject();
        if (step.value("type").toString() == QLatin1String("tool_call"))
            call = step;
        if (step.value("type").toString() == QLatin1String("observing"))
            observed = step;
        acted |= step.value("type").toString() == QLatin1String("acting");
    }
    QCOMPARE(call.value("approval").toString(), QStringLiteral("denied"));
    QVERIFY(!acted);
    QVERIFY(observed.value("is_error").toBool());
    QVERIFY(firstText(observed).contains("denied by the approval policy"));
}

void tst_HttpApi::elicitation_data()
{
    QTest::addColumn<QString>("action");
    QTest::addColumn<QJsonObject>("content");
    QTest::addColumn<QString>("expected");
    QTest::newRow("accept") << "accept" << QJsonObject {{"name", "Ada Lovelace"}} << "Ada Lovelace";
    QTest::newRow("decline") << "decline" << QJsonObject {} << "decline";
}

void tst_HttpApi::elicitation()
{
    QFETCH(QString, action);
    QFETCH(QJsonObject, content);
    QFETCH(QString, expected);
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c_ask", "ask_elicitation", {{"message", "Who are you?"}})}),
             textReply(QStringLiteral("Thanks."))}));
    ApiTest::Stream stream(m_host->port);
    QVERIFY(stream.open());
    const QString sessionId = stream.client.sessionId();
    QVERIFY(!send(sessionId, QStringLiteral("ask for my name")).isEmpty());
    const int asked = stream.waitForType(QStringLiteral("elicitation"));
    QVERIFY2(asked > 0, qPrintable(stream.types().join(',')));
    const QJsonObject e = stream.events.at(asked).data;
    QCOMPARE(e.value("server").toString(), QStringLiteral("fixture"));
    QCOMPARE(e.value("message").toString(), QStringLiteral("Who are you?"));
    QVERIFY(e.value("schema").toObject().value("properties").toObject().contains("name"));
    const QString requestId = e.value("request_id").toString();
    QVERIFY(!requestId.isEmpty());

    const Reply bad = m_rest.post(
            QStringLiteral("/api/v3/chat/elicit"),
            {{"session_id", sessionId}, {"request_id", requestId}, {"action", "maybe"}});
    QCOMPARE(bad.status, 400);
    QVERIFY(bad.errorMessage().contains("accept"));

    QJsonObject body {{"session_id", sessionId}, {"request_id", requestId}, {"action", action}};
    if (!content.isEmpty())
        body.insert("content", content);
    const Reply answer = m_rest.post(QStringLiteral("/api/v3/chat/elicit"), body);
    QVERIFY2(answer.status == 200, answer.describe().constData());
    QVERIFY(stream.waitForType(QStringLiteral("final_response")) > 0);
    const QString result = firstText(stream.ofType("observing").at(0).data);
    QVERIFY2(result.contains(action) && result.contains(expected), qPrintable(result));

    // Answered once: a second answer finds nothing waiting.
    const Reply twice = m_rest.post(QStringLiteral("/api/v3/chat/elicit"), body);
    QVERIFY(twice.status == 409 || twice.status == 404);
}

void tst_HttpApi::restartServer()
{
    const int before = m_rest.get(QStringLiteral("/api/v3/servers"))
                               .json()
                               .value("servers")
                               .toArray()
                               .at(0)
                               .toObject()
                               .value("restarts")
                               .toInt();
    const QList<qint64> oldProcesses = m_host->children();
    QCOMPARE(oldProcesses.size(), 1);
    const Reply r = m_rest.post(QStringLiteral("/api/v3/servers/fixture/restart"), {});
    QCOMPARE(r.status, 202);
    QCOMPARE(r.json().value("name").toString(), QStringLiteral("fixture"));
    // From the request on the server reads "restarting" until the new process is ready.
    QCOMPARE(r.json().value("state").toString(), QStringLiteral("restarting"));
    QVERIFY(TestSupport::waitFor([&] { return processGone(oldProcesses.at(0)); }, 30000));
    QVERIFY(TestSupport::waitFor(
            [&] {
                const QList<qint64> now = m_host->children();
                if (now.size() != 1 || now.at(0) == oldProcesses.at(0))
                    return false;
                const QJsonObject s = m_rest.get(QStringLiteral("/api/v3/servers"))
                                              .json()
                                              .value("servers")
                                              .toArray()
                                              .at(0)
                                              .toObject();
                return s.value("state").toString() == QLatin1String("ready")
                        && s.value("restarts").toInt() == before + 1;
            },
            30000));
    // Its tools work again.
    QVERIFY(m_llm.setScript({toolReply({toolCall("c1", "echo", {{"message", "after restart"}})}),
                             textReply(QStringLiteral("ok"))}));
    const Reply chat = m_rest.post(QStringLiteral("/chat"), {{"message", "echo after restart"}});
    QCOMPARE(chat.status, 200);
    QVERIFY(QJsonDocument(chat.json().value("steps").toArray())
                    .toJson()
                    .contains("Echo: after restart"));

    const Reply unknown = m_rest.post(QStringLiteral("/api/v3/servers/nosuch/restart"), {});
    QCOMPARE(unknown.status, 404);
    QCOMPARE(unknown.errorCode(), QStringLiteral("unknown_server"));
    QVERIFY(unknown.errorMessage().contains("nosuch"));
}

void tst_HttpApi::metricsMove()
{
    auto scrape = [this] {
        const Reply r = m_rest.get(QStringLiteral("/metrics"));
        QHash<QString, double> values;
        for (const QByteArray &line : r.body.split('\n')) {
            if (line.isEmpty() || line.startsWith('#'))
                continue;
            const qsizetype space = line.lastIndexOf(' ');
            values.insert(QString::fromUtf8(line.left(space)), line.mid(space + 1).toDouble());
        }
        return std::make_pair(r, values);
    };
    QVERIFY(waitForServersReady(m_rest));
    const auto [first, before] = scrape();
    QCOMPARE(first.status, 200);
    QVERIFY(first.header("Content-Type").startsWith("text/plain"));
    for (const char *name :
         {"mcphost_sse_connections", "mcphost_sse_events_sent_total", "mcphost_sessions",
          "mcphost_turns_started_total", "mcphost_turns_finished_total", "mcphost_turns_running",
          "mcphost_http_requests_total", "mcphost_tool_call_seconds_count",
          "mcphost_model_call_seconds_count", "mcphost_mcp_server_up{server=\"fixture\"}"}) {
        QVERIFY2(before.contains(QLatin1String(name)), name);
    }
    QVERIFY(first.body.contains("# TYPE mcphost_turns_started_total counter"));
    QVERIFY(first.body.contains("mcphost_tool_call_seconds{quantile=\"0.5\"}"));
    QCOMPARE(before.value("mcphost_mcp_server_up{server=\"fixture\"}"), 1.0);

    QVERIFY(m_llm.setScript({toolReply({toolCall("c1", "echo", {{"message", "m"}})}),
                             textReply(QStringLiteral("m"))}));
    SseClient stream;
    QVERIFY(openStream(stream));
    QVERIFY(!send(stream.events.at(0).data.value("session_id").toString(),
                  QStringLiteral("count me"))
                     .isEmpty());
    QVERIFY(stream.waitForType(QStringLiteral("final_response")) > 0);
    const auto [second, after] = scrape();
    QCOMPARE(after.value("mcphost_turns_started_total"),
             before.value("mcphost_turns_started_total") + 1);
    QCOMPARE(after.value("mcphost_turns_finished_total"),
             before.value("mcphost_turns_finished_total") + 1);
    QCOMPARE(after.value("mcphost_tool_call_seconds_count"),
             before.value("mcphost_tool_call_seconds_count") + 1);
    QCOMPARE(after.value("mcphost_model_call_seconds_count"),
             before.value("mcphost_model_call_seconds_count") + 2);
    QVERIFY(after.value("mcphost_sse_events_sent_total")
            >= before.value("mcphost_sse_events_sent_total") + 7);
    QVERIFY(after.value("mcphost_http_requests_total")
            > before.value("mcphost_http_requests_total"));
    QVERIFY(after.value("mcphost_sse_connections") >= 1);
}

void tst_HttpApi::resumeAfterDisconnect_data()
{
    QTest::addColumn<bool>("viaHeader");
    QTest::newRow("Last-Event-ID header") << true;
    QTest::newRow("last_event_id query") << false;
}

void tst_HttpApi::resumeAfterDisconnect()
{
    QFETCH(bool, viaHeader);
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c_slow", "slow", {{"steps", 12}, {"delay_ms", 150}})}),
             textReply(QStringLiteral("Slow work is done."), 4)}));
    auto first = std::make_unique<SseClient>();
    QVERIFY(openStream(*first, {}));
    const QString sessionId = first->events.at(0).data.value("session_id").toString();
    QVERIFY(!send(sessionId, QStringLiteral("work slowly")).isEmpty());
    // Drop the connection while the tool runs (a couple of progress events in).
    QVERIFY(TestSupport::waitFor([&] {
        int progress = 0;
        for (const Received &e : first->ofType("acting"))
            progress += e.data.contains("progress");
        return progress >= 2;
    }));
    first->abort();
    const QList<Received> before = first->events;
    const qint64 lastSeen = first->lastId();
    QVERIFY(lastSeen > 0);
    // Let events happen while nobody listens.
    QVERIFY(TestSupport::waitFor([&] {
        return m_rest.get(QStringLiteral("/api/v3/sessions/") + sessionId)
                       .json()
                       .value("last_seq")
                       .toInteger()
                >= lastSeen + 2;
    }));

    SseClient second;
    if (viaHeader)
        QVERIFY(openStream(second, sessionId, {{"Last-Event-ID", QByteArray::number(lastSeen)}}));
    else
        QVERIFY(openStream(second, sessionId, {},
                           QStringLiteral("last_event_id=%1").arg(lastSeen)));
    QVERIFY2(second.waitForType(QStringLiteral("final_response"), 30000) > 0,
             qPrintable(second.types().join(',')));

    // The union has every event exactly once, in order; compare with a full replay from 0.
    QList<Received> joined = before.mid(1) + second.events.mid(1);
    QCOMPARE(second.events.at(1).seq(), lastSeen + 1); // nothing lost at the seam
    SseClient everything;
    QVERIFY(openStream(everything, sessionId, {{"Last-Event-ID", "0"}}));
    QVERIFY(TestSupport::waitFor([&] { return everything.ofType("final_response").size() == 1; }));
    QCOMPARE(joined.size(), everything.events.size() - 1);
    for (int i = 0; i < joined.size(); ++i) {
        QCOMPARE(joined.at(i).seq(), everything.events.at(i + 1).seq());
        QCOMPARE(joined.at(i).data, everything.events.at(i + 1).data);
        if (i > 0)
            QCOMPARE(joined.at(i).seq(), joined.at(i - 1).seq() + 1);
    }
    QCOMPARE(signature(joined),
             (QStringList {"thinking", "tool_call", "acting", "observing", "thinking",
                           "partial_response", "final_response"}));
    QCOMPARE(everything.events.at(0).data.value("last_seq").toInteger(), joined.last().seq());
}

void tst_HttpApi::resumeWithAnIdFromElsewhere()
{
    // A client that remembers id 1000 of a session that was deleted and made again under the
    // same name still gets the new session's live events.
    QCOMPARE(m_rest.post(QStringLiteral("/api/v3/sessions"), {{"session_id", "reused"}}).status,
             201);
    QVERIFY(m_llm.setScript({textReply(QStringLiteral("Fresh answer."))}));
    SseClient stream;
    QVERIFY(openStream(stream, QStringLiteral("reused"), {{"Last-Event-ID", "1000"}}));
    QCOMPARE(stream.events.size(), 1); // nothing stored to replay
    QVERIFY(!send(QStringLiteral("reused"), QStringLiteral("hello again")).isEmpty());
    const int final = stream.waitForType(QStringLiteral("final_response"));
    QVERIFY2(final > 0, qPrintable(stream.types().join(',')));
    QCOMPARE(stream.events.at(1).seq(), 1);
    QCOMPARE(stream.events.at(final).data.value("content").toString(),
             QStringLiteral("Fresh answer."));
    QCOMPARE(m_rest.request("DELETE", QStringLiteral("/api/v3/sessions/reused")).status, 200);
}

void tst_HttpApi::twoConnectionsSeeEveryEvent()
{
    QVERIFY(m_llm.setScript({toolReply({toolCall("c1", "slow", {{"steps", 3}, {"delay_ms", 50}})}),
                             textReply(QStringLiteral("Both windows see this."), 3)}));
    const QString sessionId = m_rest.post(QStringLiteral("/api/v3/sessions"), {})
                                      .json()
                                      .value("session_id")
                                      .toString();
    // Two windows as the desktop app opens them: the project's EventStreamClient.
    ApiTest::Stream a(m_host->port);
    ApiTest::Stream b(m_host->port);
    QVERIFY(a.open(sessionId));
    QVERIFY(b.open(sessionId));
    QCOMPARE(m_rest.get(QStringLiteral("/api/v3/sessions/") + sessionId)
                     .json()
                     .value("connections")
                     .toInt(),
             2);
    QVERIFY(!send(sessionId, QStringLiteral("two windows")).isEmpty());
    QVERIFY(a.waitForType(QStringLiteral("final_response")) > 0);
    QVERIFY(b.waitForType(QStringLiteral("final_response")) > 0);
    QCOMPARE(a.events.size(), b.events.size());
    for (int i = 1; i < a.events.size(); ++i) {
        QCOMPARE(a.events.at(i).seq, b.events.at(i).seq);
        QCOMPARE(a.events.at(i).toJson(), b.events.at(i).toJson());
    }
    QVERIFY(a.ofType("acting").size() >= 4); // the call and its progress
    // A closed window is noticed: the session counts one connection again.
    a.client.close();
    QVERIFY(TestSupport::waitFor([&] {
        return m_rest.get(QStringLiteral("/api/v3/sessions/") + sessionId)
                       .json()
                       .value("connections")
                       .toInt()
                == 1;
    }));
    QCOMPARE(b.client.state(), EventStreamClient::State::Open);
}

void tst_HttpApi::badInput_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path"); // {id}: the session that has history
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("mentions"); // what the message must name

    const QByteArray big
            = "{\"session_id\":\"{id}\",\"message\":\"" + QByteArray(1024 * 1024 + 10, 'a') + "\"}";
    QTest::newRow("malformed JSON") << QByteArray("POST") << "/api/v3/chat/send"
                                    << QByteArray("{\"message\": \"hi\"") << 400 << "invalid_json"
                                    << "JSON";
    QTest::newRow("body not an object") << QByteArray("POST") << "/api/v3/chat/send"
                                        << QByteArray("[\"hi\"]") << 400 << "invalid_json"
                                        << "object";
    QTest::newRow("empty body") << QByteArray("POST") << "/api/v3/chat/send" << QByteArray() << 400
                                << "empty_body"
                                << "JSON";
    QTest::newRow("message is a number")
            << QByteArray("POST") << "/api/v3/chat/send"
            << QByteArray("{\"session_id\":\"{id}\",\"message\":5}") << 400 << "invalid_field"
            << "\"message\" must be a string";
    QTest::newRow("session_id is a number")
            << QByteArray("POST") << "/api/v3/chat/send"
            << QByteArray("{\"session_id\":7,\"message\":\"hi\"}") << 400 << "invalid_field"
            << "\"session_id\"";
    QTest::newRow("message missing")
            << QByteArray("POST") << "/api/v3/chat/send" << QByteArray("{\"session_id\":\"{id}\"}")
            << 400 << "invalid_field"
            << "missing field \"message\"";
    QTest::newRow("message empty")
            << QByteArray("POST") << "/api/v3/chat/send"
            << QByteArray("{\"session_id\":\"{id}\",\"message\":\"\"}") << 400 << "empty_message"
            << "empty";
    QTest::newRow("message blank") << QByteArray("POST") << "/api/v3/chat/send"
                                   << QByteArray("{\"session_id\":\"{id}\",\"message\":\"  \\n \"}")
                                   << 400 << "empty_message"
                                   << "empty";
    QTest::newRow("body over 1 MiB")
            << QByteArray("POST") << "/api/v3/chat/send" << big << 413 << "body_too_large"
            << "1048576";
    QTest::newRow("unknown session")
            << QByteArray("POST") << "/api/v3/chat/send"
            << QByteArray("{\"session_id\":\"no-such\",\"message\":\"hi\"}") << 404
            << "unknown_session"
            << "session";
    QTest::newRow("chat: message is an object")
            << QByteArray("POST") << "/chat"
            << QByteArray("{\"session_id\":\"{id}\",\"message\":{}}") << 400 << "invalid_field"
            << "\"message\"";
    QTest::newRow("chat: unknown session")
            << QByteArray("POST") << "/chat"
            << QByteArray("{\"session_id\":\"no-such\",\"message\":\"hi\"}") << 404
            << "unknown_session"
            << "session";
    QTest::newRow("cancel: session_id missing") << QByteArray("POST") << "/api/v3/chat/cancel"
                                                << QByteArray("{}") << 400 << "invalid_field"
                                                << "\"session_id\"";
    QTest::newRow("cancel: unknown session")
            << QByteArray("POST") << "/api/v3/chat/cancel"
            << QByteArray("{\"session_id\":\"no-such\"}") << 404 << "unknown_session"
            << "session";
    QTest::newRow("approve: approved missing")
            << QByteArray("POST") << "/api/v3/chat/approve"
            << QByteArray("{\"session_id\":\"{id}\",\"call_id\":\"c\"}") << 400 << "invalid_field"
            << "\"approved\"";
    QTest::newRow("approve: approved a string")
            << QByteArray("POST") << "/api/v3/chat/approve"
            << QByteArray("{\"session_id\":\"{id}\",\"call_id\":\"c\",\"approved\":\"yes\"}") << 400
            << "invalid_field"
            << "\"approved\" must be true or false";
    QTest::newRow("approve: no turn")
            << QByteArray("POST") << "/api/v3/chat/approve"
            << QByteArray("{\"session_id\":\"{id}\",\"call_id\":\"c\",\"approved\":true}") << 409
            << "no_turn"
            << "no turn";
    QTest::newRow("elicit: action missing")
            << QByteArray("POST") << "/api/v3/chat/elicit"
            << QByteArray("{\"session_id\":\"{id}\",\"request_id\":\"r\"}") << 400
            << "invalid_field"
            << "\"action\"";
    QTest::newRow("elicit: content not an object")
            << QByteArray("POST") << "/api/v3/chat/elicit"
            << QByteArray("{\"session_id\":\"{id}\",\"request_id\":\"r\",\"action\":\"accept\","
                          "\"content\":\"Ada\"}")
            << 400 << "invalid_field"
            << "\"content\"";
    QTest::newRow("session: bad id")
            << QByteArray("POST") << "/api/v3/sessions" << QByteArray("{\"session_id\":\"a b/c\"}")
            << 400 << "invalid_field"
            << "session_id";
    QTest::newRow("session: unknown") << QByteArray("GET") << "/api/v3/sessions/no-such"
                                      << QByteArray() << 404 << "unknown_session"
                                      << "session";
    QTest::newRow("session: delete unknown") << QByteArray("DELETE") << "/api/v3/sessions/no-such"
                                             << QByteArray() << 404 << "unknown_session"
                                             << "session";
    QTest::newRow("stream: unknown session")
            << QByteArray("GET") << "/api/v3/chat/stream?session_id=no-such" << QByteArray() << 404
            << "unknown_session"
            << "session";
    QTest::newRow("stream: bad Last-Event-ID")
            << QByteArray("GET") << "/api/v3/chat/stream?session_id={id}&last_event_id=abc"
            << QByteArray() << 400 << "invalid_last_event_id"
            << "Last-Event-ID";
    QTest::newRow("unknown route")
            << QByteArray("GET") << "/api/v3/nothing" << QByteArray() << 404 << "not_found"
            << "/api/v3/nothing";
    QTest::newRow("unknown route under /api")
            << QByteArray("POST") << "/api/v3/chat/sendd" << QByteArray("{}") << 404 << "not_found"
            << "/api/v3/chat/sendd";
    QTest::newRow("wrong method: GET send") << QByteArray("GET") << "/api/v3/chat/send"
                                            << QByteArray() << 405 << "method_not_allowed"
                                            << "POST";
    QTest::newRow("wrong method: PUT sessions") << QByteArray("PUT") << "/api/v3/sessions"
                                                << QByteArray("{}") << 405 << "method_not_allowed"
                                                << "GET, POST";
    QTest::newRow("wrong method: DELETE health")
            << QByteArray("DELETE") << "/health" << QByteArray() << 405 << "method_not_allowed"
            << "GET";
}

void tst_HttpApi::badInput()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    QFETCH(QString, mentions);

    static QString sessionId;
    static QJsonArray history;
    if (sessionId.isEmpty()) {
        sessionId = sessionWithHistory();
        QVERIFY(!sessionId.isEmpty());
        history = messagesOf(sessionId);
        QCOMPARE(history.size(), 2);
    }
    path.replace(QStringLiteral("{id}"), sessionId);
    body.replace("{id}", sessionId.toUtf8());

    const Reply r = m_rest.request(method, path, body);
    QVERIFY2(r.status == status, r.describe().constData());
    QVERIFY2(r.header("Content-Type").startsWith("application/json"),
             r.header("Content-Type").constData());
    QCOMPARE(r.errorCode(), code);
    QVERIFY2(r.errorMessage().contains(mentions), qPrintable(r.errorMessage()));
    if (status == 405) {
        QVERIFY(!r.header("Allow").isEmpty());
        QVERIFY2(QString::fromLatin1(r.header("Allow")).contains(mentions),
                 r.header("Allow").constData());
    }
    // Nothing in the session was lost, and it still works.
    QCOMPARE(messagesOf(sessionId), history);
    QCOMPARE(m_rest.get(QStringLiteral("/health")).status, 200);
}

void tst_HttpApi::secondSendWhileTurnRuns()
{
    const QString sessionId = sessionWithHistory();
    QVERIFY(!sessionId.isEmpty());
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c1", "slow", {{"steps", 100}, {"delay_ms", 100}})}),
             textReply(QStringLiteral("late"))}));
    SseClient stream;
    QVERIFY(openStream(stream, sessionId));
    QVERIFY(!send(sessionId, QStringLiteral("start something slow")).isEmpty());
    QVERIFY(stream.waitForType(QStringLiteral("acting")) > 0);

    const Reply busy = m_rest.post(QStringLiteral("/api/v3/chat/send"),
                                   {{"session_id", sessionId}, {"message", "and another"}});
    QCOMPARE(busy.status, 409);
    QCOMPARE(busy.errorCode(), QStringLiteral("turn_running"));
    const Reply busyChat = m_rest.post(QStringLiteral("/chat"),
                                       {{"session_id", sessionId}, {"message", "and another"}});
    QCOMPARE(busyChat.status, 409);
    QVERIFY(m_rest.get(QStringLiteral("/api/v3/sessions/") + sessionId)
                    .json()
                    .value("busy")
                    .toBool());

    QCOMPARE(m_rest.post(QStringLiteral("/api/v3/chat/cancel"), {{"session_id", sessionId}}).status,
             202);
    QVERIFY(stream.waitForType(QStringLiteral("final_response")) > 0);
    // The earlier exchange is intact; the rejected messages never entered the session.
    const QJsonArray messages = messagesOf(sessionId);
    QCOMPARE(messages.at(0).toObject().value("content").toString(),
             QStringLiteral("first question"));
    QCOMPARE(messages.at(1).toObject().value("content").toString(),
             QStringLiteral("First answer."));
    QCOMPARE(messages.at(2).toObject().value("content").toString(),
             QStringLiteral("start something slow"));
    for (const QJsonValue &m : messages)
        QVERIFY(m.toObject().value("content").toString() != QLatin1String("and another"));
}

QTEST_GUILESS_MAIN(tst_HttpApi)
#include "tst_httpapi.moc"
