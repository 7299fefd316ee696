// ReactAgent end to end: the fixture MCP server over stdio, the scripted LLM endpoint through
// the OpenAI-compatible provider (real HTTP), and the built-in offline model. Each scenario
// asserts the exact event sequence (types, order, iterations, call ids) and what the model was
// sent.

#include "../integration/testsupport.h"
#include "../llm/llmtestutil.h"

#include <anthropicprovider.h>
#include <offlinemodel.h>
#include <openaiprovider.h>
#include <reactagent.h>
#include <serverregistry.h>
#include <serverrequestrouter.h>
#include <session.h>
#include <sessionservice.h>
#include <storetestutil.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace {

QJsonObject call(const QString &id, const QString &name, const QJsonObject &args)
{
    return {{"id", id}, {"name", name}, {"arguments", args}};
}

QJsonObject toolReply(const QJsonArray &calls, const QString &text = {})
{
    QJsonObject o {{"tool_calls", calls}, {"chunk_size", 1000}};
    if (!text.isEmpty())
        o.insert("text", text);
    return o;
}

QJsonObject textReply(const QString &text)
{
    return {{"text", text}, {"chunk_size", 1000}};
}

/// The messages of the request body the scripted endpoint received.
QJsonArray messagesOf(const QJsonObject &record)
{
    return record.value("body").toObject().value("messages").toArray();
}

} // namespace

class tst_ReactAgent : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();

    void directAnswer();
    void oneTool();
    void twoToolsConcurrently();
    void toolErrorFedBack();
    void iterationCap();
    void cancelDuringTool();
    void approval_data();
    void approval();
    void denyPolicy();
    void loopGuard();
    void sampling();
    void samplingWithdrawn_data();
    void samplingWithdrawn();
    void elicitation();
    void elicitationWithdrawn();
    void turnThatDoesNotWaitForApproval();
    void largeResultTruncatedForModelOnly();
    void contextAcrossThreeTurns();
    void contextTrimmedToBudget();
    void modelErrorEndsWithError();
    void modelOutputBounded_data();
    void modelOutputBounded();
    void sessionExpiresAfterTurn();
    void offlineDirectAnswer();
    void offlineOneTool();

private:
    /// Runs one turn to its end; returns false on timeout.
    bool runTurn(const QString &message, const AgentOptions &options = {},
                 ChatModel *model = nullptr, int timeoutMs = 30000);
    /// "type iteration call_id extra" per event, progress `acting` events left out, and
    /// consecutive partial_response events of one iteration merged.
    QStringList signature() const;
    [[nodiscard]] QList<StreamEvent> ofType(StreamEventType type) const;

    ScriptedLlm m_llm;
    ServerRegistry *m_registry = nullptr;
    ServerRequestRouter *m_router = nullptr;
    std::unique_ptr<OpenAiProvider> m_model;
    MemorySessionStore m_store;
    std::unique_ptr<Session> m_session;
    std::unique_ptr<ReactAgent> m_agent;
    QList<StreamEvent> m_events;
    std::function<void(const StreamEvent &)> m_onEvent;
};

void tst_ReactAgent::initTestCase()
{
    QVERIFY2(m_llm.start(), "the scripted-llm fixture did not start");
    ServerConfig fx;
    fx.name = QStringLiteral("fx");
    fx.command = TestSupport::fixtureServer();
    fx.args = {QStringLiteral("--instructions"), QStringLiteral("Prefer echo for repeating text.")};
    QVERIFY2(QFile::exists(fx.command), qPrintable(fx.command));
    ServerConnection::Options options;
    options.autoRestart = false;
    m_registry = new ServerRegistry({fx}, options, this);
    m_router = new ServerRequestRouter(this);
    m_router->install(m_registry);
    m_registry->startAll();
    QVERIFY(TestSupport::waitFor([this] { return m_registry->isSettled(); }, 20000));
    QVERIFY(TestSupport::waitFor([this] { return m_registry->findTool("echo").has_value(); }));

    HttpProviderOptions http;
    http.baseUrl = m_llm.url(QStringLiteral("/v1"));
    http.apiKey = QStringLiteral("sk-test");
    http.model = QStringLiteral("scripted");
    http.maxRetries = 0;
    http.idleTimeoutMs = 10000;
    m_model = std::make_unique<OpenAiProvider>(http);
}

void tst_ReactAgent::cleanupTestCase()
{
    QSignalSpy stopped(m_registry, &ServerRegistry::allStopped);
    m_registry->stopAll();
    stopped.wait(5000);
}

void tst_ReactAgent::init()
{
    m_events.clear();
    m_onEvent = {};
    m_session.reset(StoreTestUtil::createSession(&m_store));
    QVERIFY(m_session);
    connect(m_session.get(), &Session::eventAppended, this, [this](const StreamEvent &e) {
        m_events.append(e);
        if (m_onEvent)
            m_onEvent(e);
    });
}

void tst_ReactAgent::cleanup()
{
    m_agent.reset();
    m_session.reset();
}

bool tst_ReactAgent::runTurn(const QString &message, const AgentOptions &options, ChatModel *model,
                             int timeoutMs)
{
    m_agent = std::make_unique<ReactAgent>(m_session.get(), model ? model : m_model.get(),
                                           m_registry, options);
    m_agent->setRequestRouter(m_router);
    bool done = false;
    connect(m_agent.get(), &ReactAgent::finished, this, [&done] { done = true; });
    if (!m_agent->start(message))
        return false;
    return TestSupport::waitFor([&done] { return done; }, timeoutMs);
}

QStringList tst_ReactAgent::signature() const
{
    QStringList out;
    for (const StreamEvent &e : m_events) {
        const QJsonObject d = e.data;
        if (e.type == StreamEventType::Acting && d.contains("progress"))
            continue;
        QStringList parts {e.typeName()};
        if (d.contains("iteration"))
            parts << QString::number(d.value("iteration").toInt());
        if (d.contains("call_id"))
            parts << d.value("call_id").toString();
        if (e.type == StreamEventType::ToolCall)
            parts << d.value("approval").toString();
        if (e.type == StreamEventType::Observing && d.value("is_error").toBool())
            parts << QStringLiteral("error");
        if (e.type == StreamEventType::FinalResponse)
            parts << d.value("stop_reason").toString();
        const QString line = parts.join(QLatin1Char(' '));
        if (e.type == StreamEventType::PartialResponse && !out.isEmpty() && out.last() == line)
            continue;
        out << line;
    }
    return out;
}

QList<StreamEvent> tst_ReactAgent::ofType(StreamEventType type) const
{
    QList<StreamEvent> out;
    for (const StreamEvent &e : m_events) {
        if (e.type == type)
            out.append(e);
    }
    return out;
}

void tst_ReactAgent::directAnswer()
{
    QVERIFY(m_llm.setScript({textReply("Hello there.")}));
    QVERIFY(runTurn("Hi"));
    QCOMPARE(signature(),
             (QStringList {"thinking 1", "partial_response 1", "final_response 1 answer"}));
    QCOMPARE(m_events.first().data.value("input").toString(), QStringLiteral("Hi"));
    const QJsonObject final = m_events.last().data;
    QCOMPARE(final.value("content").toString(), QStringLiteral("Hello there."));
    QCOMPARE(final.value("iterations").toInt(), 1);
    QVERIFY(final.value("usage").toObject().value("output_tokens").toInt() > 0);
    // Common fields, seq from 1, one turn id.
    for (int i = 0; i < m_events.size(); ++i) {
        QCOMPARE(m_events[i].seq, qint64(i + 1));
        QCOMPARE(m_events[i].turnId, m_agent->turnId());
    }
    QCOMPARE(m_agent->state(), ReactAgent::State::Answered);
    QVERIFY(!m_session->isBusy());
    QCOMPARE(m_session->messages().size(), 2);
    QCOMPARE(m_session->messages().at(1).text, QStringLiteral("Hello there."));
    // The model was offered the fixture's tools and told to choose.
    const QJsonObject body = m_llm.requests().at(0).toObject().value("body").toObject();
    QCOMPARE(body.value("tool_choice").toString(), QStringLiteral("auto"));
    QVERIFY(body.value("tools").toArray().size() >= 10);
    const QJsonObject system = messagesOf(m_llm.requests().at(0).toObject()).at(0).toObject();
    QCOMPARE(system.value("role"), QJsonValue("system"));
    // The instructions the server gave at initialize reach the model.
    QVERIFY2(system.value("content").toString().contains(
                     "Instructions from the MCP server \"fx\":\nPrefer echo for repeating text."),
             qPrintable(system.value("content").toString()));
}

void tst_ReactAgent::oneTool()
{
    QVERIFY(m_llm.setScript({toolReply({call("c1", "echo", {{"message", "hi"}})}, "Let me echo."),
                             textReply("It said: Echo: hi")}));
    QVERIFY(runTurn("echo hi"));
    QCOMPARE(signature(),
             (QStringList {"thinking 1", "partial_response 1", "tool_call 1 c1 auto", "acting 1 c1",
                           "observing 1 c1", "thinking 2", "partial_response 2",
                           "final_response 2 answer"}));
    const QJsonObject toolCall = ofType(StreamEventType::ToolCall).at(0).data;
    QCOMPARE(toolCall.value("server").toString(), QStringLiteral("fx"));
    QCOMPARE(toolCall.value("tool").toString(), QStringLiteral("echo"));
    QCOMPARE(toolCall.value("arguments").toObject(), (QJsonObject {{"message", "hi"}}));
    const QJsonObject observing = ofType(StreamEventType::Observing).at(0).data;
    QCOMPARE(observing.value("content").toArray().at(0).toObject().value("text").toString(),
             QStringLiteral("Echo: hi"));
    QVERIFY(observing.contains("duration_ms"));
    QCOMPARE(m_events.last().data.value("iterations").toInt(), 2);

    const QJsonArray sent = messagesOf(m_llm.requests().at(1).toObject());
    const QJsonObject assistant = sent.at(sent.size() - 2).toObject();
    QCOMPARE(assistant.value("tool_calls").toArray().at(0).toObject().value("id").toString(),
             QStringLiteral("c1"));
    const QJsonObject tool = sent.last().toObject();
    QCOMPARE(tool.value("role").toString(), QStringLiteral("tool"));
    QCOMPARE(tool.value("tool_call_id").toString(), QStringLiteral("c1"));
    QCOMPARE(tool.value("content").toString(), QStringLiteral("Echo: hi"));
    // user, assistant(call), tool, assistant(answer)
    QCOMPARE(m_session->messages().size(), 4);
}

void tst_ReactAgent::twoToolsConcurrently()
{
    // c1 is slow (3 x 100 ms), c2 answers at once: c2 is observed first, both were running
    // together, and the model gets c1's result first (its order).
    QVERIFY(m_llm.setScript({toolReply({call("c1", "slow", {{"steps", 3}, {"delay_ms", 100}}),
                                        call("c2", "echo", {{"message", "two"}})}),
                             textReply("Both done.")}));
    QVERIFY(runTurn("do both"));
    QCOMPARE(signature(),
             (QStringList {"thinking 1", "tool_call 1 c1 auto", "acting 1 c1",
                           "tool_call 1 c2 auto", "acting 1 c2", "observing 1 c2", "observing 1 c1",
                           "thinking 2", "partial_response 2", "final_response 2 answer"}));
    // Progress of the slow tool arrived as acting events with progress/total/message.
    int progress = 0;
    for (const StreamEvent &e : ofType(StreamEventType::Acting)) {
        if (e.data.contains("progress")) {
            ++progress;
            QCOMPARE(e.data.value("call_id").toString(), QStringLiteral("c1"));
            QCOMPARE(e.data.value("total").toInt(), 3);
            QVERIFY(e.data.value("message").toString().startsWith("step "));
        }
    }
    QCOMPARE(progress, 3);
    const QJsonArray sent = messagesOf(m_llm.requests().at(1).toObject());
    QCOMPARE(sent.at(sent.size() - 2).toObject().value("tool_call_id").toString(),
             QStringLiteral("c1"));
    QCOMPARE(sent.at(sent.size() - 2).toObject().value("content").toString(),
             QStringLiteral("done after 3 steps"));
    QCOMPARE(sent.last().toObject().value("tool_call_id").toString(), QStringLiteral("c2"));
}

void tst_ReactAgent::toolErrorFedBack()
{
    QVERIFY(m_llm.setScript({toolReply({call("c1", "fail", {{"reason", "disk on fire"}})}),
                             textReply("The tool failed.")}));
    QVERIFY(runTurn("try it"));
    QCOMPARE(signature(),
             (QStringList {"thinking 1", "tool_call 1 c1 auto", "acting 1 c1",
                           "observing 1 c1 error", "thinking 2", "partial_response 2",
                           "final_response 2 answer"}));
    const QJsonArray sent = messagesOf(m_llm.requests().at(1).toObject());
    QCOMPARE(sent.last().toObject().value("content").toString(),
             QStringLiteral("Error: disk on fire"));
    QVERIFY(m_session->messages().at(2).isError);
}

void tst_ReactAgent::iterationCap()
{
    AgentOptions options;
    options.maxIterations = 3;
    QVERIFY(m_llm.setScript({toolReply({call("c1", "echo", {{"message", "1"}})}),
                             toolReply({call("c2", "echo", {{"message", "2"}})}),
                             textReply("Out of steps.")}));
    QVERIFY(runTurn("keep going", options));
    QCOMPARE(signature(),
             (QStringList {"thinking 1", "tool_call 1 c1 auto", "acting 1 c1", "observing 1 c1",
                           "thinking 2", "tool_call 2 c2 auto", "acting 2 c2", "observing 2 c2",
                           "thinking 3", "partial_response 3", "final_response 3 max_iterations"}));
    const QJsonArray requests = m_llm.requests();
    QCOMPARE(requests.size(), 3);
    QCOMPARE(requests.at(1).toObject().value("body").toObject().value("tool_choice").toString(),
             QStringLiteral("auto"));
    QCOMPARE(requests.at(2).toObject().value("body").toObject().value("tool_choice").toString(),
             QStringLiteral("none"));
    QCOMPARE(m_events.last().data.value("iterations").toInt(), 3);
}

void tst_ReactAgent::cancelDuringTool()
{
    QVERIFY(m_llm.setScript({toolReply({call("c1", "slow", {{"steps", 100}, {"delay_ms", 50}})}),
                             textReply("never sent")}));
    bool cancelled = false;
    m_onEvent = [this, &cancelled](const StreamEvent &e) {
        if (e.type == StreamEventType::Acting && e.data.value("progress").toInt() == 2
            && !cancelled) {
            cancelled = true;
            QTimer::singleShot(0, m_agent.get(), &ReactAgent::cancel);
        }
    };
    QElapsedTimer clock;
    clock.start();
    QVERIFY(runTurn("be slow"));
    QVERIFY(clock.elapsed() < 3000);
    QCOMPARE(signature(),
             (QStringList {"thinking 1", "tool_call 1 c1 auto", "acting 1 c1",
                           "observing 1 c1 error", "final_response 1 cancelled"}));
    QCOMPARE(m_agent->state(), ReactAgent::State::Cancelled);
    // The cancelled call says how long it ran (at least the two 50 ms steps before the cancel).
    for (const StreamEvent &e : std::as_const(m_events)) {
        if (e.type == StreamEventType::Observing)
            QVERIFY2(e.data.value("duration_ms").toInteger() >= 90,
                     qPrintable(QString::number(e.data.value("duration_ms").toInteger())));
    }
    // The tool stopped: no progress arrives afterwards, and the model was not called again.
    const int count = int(m_events.size());
    QTest::qWait(300);
    QCOMPARE(m_events.size(), count);
    QCOMPARE(m_llm.requests().size(), 1);
    // The session's history stays valid: the call has a (cancelled) result.
    QCOMPARE(m_session->messages().size(), 3);
    QCOMPARE(m_session->messages().at(2).toolCallId, QStringLiteral("c1"));
    QVERIFY(!m_session->isBusy());
    // The server is still usable (it got a cancellation, not a crash).
    QVERIFY(m_registry->connection("fx")->client());
}

void tst_ReactAgent::approval_data()
{
    QTest::addColumn<QString>("answer"); // "yes", "no", "" (no answer: times out)
    QTest::addColumn<QStringList>("expected");
    QTest::addColumn<QString>("toolMessage");
    QTest::newRow("granted") << "yes" << QStringList {"thinking 1",
                                                      "tool_call 1 c1 required",
                                                      "acting 1 c1",
                                                      "observing 1 c1",
                                                      "thinking 2",
                                                      "partial_response 2",
                                                      "final_response 2 answer"}
                             << "Echo: careful";
    QTest::newRow("denied") << "no"
                            << QStringList {"thinking 1",           "tool_call 1 c1 required",
                                            "observing 1 c1 error", "thinking 2",
                                            "partial_response 2",   "final_response 2 answer"}
                            << "Error: The user denied the call to echo.";
    QTest::newRow("timed out") << ""
                               << QStringList {"thinking 1",           "tool_call 1 c1 required",
                                               "observing 1 c1 error", "thinking 2",
                                               "partial_response 2",   "final_response 2 answer"}
                               << "Error: The call to echo was denied: nobody approved it "
                                  "within 0.3 s.";
}

void tst_ReactAgent::approval()
{
    QFETCH(QString, answer);
    QFETCH(QStringList, expected);
    QFETCH(QString, toolMessage);
    AgentOptions options;
    options.approval = ApprovalPolicy::fromJson(
            QJsonDocument::fromJson(R"({"servers": {"fx": "ask"}})").object());
    options.approvalTimeoutMs = 300;
    QVERIFY(m_llm.setScript(
            {toolReply({call("c1", "echo", {{"message", "careful"}})}), textReply("OK.")}));
    m_onEvent = [this, answer](const StreamEvent &e) {
        if (e.type == StreamEventType::ToolCall && !answer.isEmpty()) {
            const QString id = e.data.value("call_id").toString();
            QTimer::singleShot(50, m_agent.get(), [this, id, answer] {
                QVERIFY(m_agent->approve(id, answer == QLatin1String("yes")));
                QVERIFY(!m_agent->approve(id, true)); // answered once only
            });
        }
    };
    QVERIFY(runTurn("echo carefully", options));
    QCOMPARE(signature(), expected);
    QCOMPARE(messagesOf(m_llm.requests().at(1).toObject())
                     .last()
                     .toObject()
                     .value("content")
                     .toString(),
             toolMessage);
}

void tst_ReactAgent::denyPolicy()
{
    AgentOptions options;
    options.approval = ApprovalPolicy::fromJson(
            QJsonDocument::fromJson(R"({"tools": {"fx/echo": "deny"}})").object());
    QVERIFY(m_llm.setScript(
            {toolReply({call("c1", "echo", {{"message", "no"}})}), textReply("Not allowed.")}));
    QVERIFY(runTurn("echo", options));
    QCOMPARE(signature(),
             (QStringList {"thinking 1", "tool_call 1 c1 denied", "observing 1 c1 error",
                           "thinking 2", "partial_response 2", "final_response 2 answer"}));
}

void tst_ReactAgent::loopGuard()
{
    const QJsonObject same {{"message", "again"}};
    QVERIFY(m_llm.setScript({toolReply({call("c1", "echo", same)}),
                             toolReply({call("c2", "echo", same)}),
                             toolReply({call("c3", "echo", same)}), textReply("I give up.")}));
    QVERIFY(runTurn("loop"));
    QCOMPARE(signature(),
             (QStringList {"thinking 1", "tool_call 1 c1 auto", "acting 1 c1", "observing 1 c1",
                           "thinking 2", "tool_call 2 c2 auto", "acting 2 c2", "observing 2 c2",
                           "thinking 3", "tool_call 3 c3 auto", "observing 3 c3 error",
                           "thinking 4", "partial_response 4", "final_response 4 answer"}));
    const QJsonArray requests = m_llm.requests();
    QCOMPARE(requests.size(), 4);
    const QJsonObject last = requests.at(3).toObject().value("body").toObject();
    QCOMPARE(last.value("tool_choice").toString(), QStringLiteral("none"));
    QVERIFY(messagesOf(requests.at(3).toObject())
                    .last()
                    .toObject()
                    .value("content")
                    .toString()
                    .contains("Loop guard"));
}

void tst_ReactAgent::sampling()
{
    // The tool asks the host to sample; the session's model answers (after approval).
    QVERIFY(m_llm.setScript({toolReply({call("c1", "ask_sampling", {{"prompt", "Say pong"}})}),
                             textReply("pong"), textReply("The server heard pong.")}));
    m_onEvent = [this](const StreamEvent &e) {
        if (e.type == StreamEventType::Sampling) {
            QCOMPARE(e.data.value("approval").toString(), QStringLiteral("required"));
            QCOMPARE(e.data.value("server").toString(), QStringLiteral("fx"));
            const QString id = e.data.value("request_id").toString();
            QTimer::singleShot(0, m_agent.get(),
                               [this, id] { QVERIFY(m_agent->approve(id, true)); });
        }
    };
    QVERIFY(runTurn("sample"));
    QCOMPARE(signature(),
             (QStringList {"thinking 1", "tool_call 1 c1 auto", "acting 1 c1", "sampling",
                           "observing 1 c1", "thinking 2", "partial_response 2",
                           "final_response 2 answer"}));
    QCOMPARE(ofType(StreamEventType::Observing)
                     .at(0)
                     .data.value("content")
                     .toArray()
                     .at(0)
                     .toObject()
                     .value("text")
                     .toString(),
             QStringLiteral("pong"));
    const QJsonArray requests = m_llm.requests();
    QCOMPARE(requests.size(), 3);
    // The sampling call carried the server's message, without tools.
    const QJsonObject samplingBody = requests.at(1).toObject().value("body").toObject();
    QCOMPARE(messagesOf(requests.at(1).toObject()).last().toObject().value("content").toString(),
             QStringLiteral("Say pong"));
    QVERIFY(!samplingBody.contains("tools"));
}

void tst_ReactAgent::samplingWithdrawn_data()
{
    QTest::addColumn<bool>("running");
    QTest::newRow("while it waits for approval") << false;
    QTest::newRow("while the model answers it") << true;
}

void tst_ReactAgent::samplingWithdrawn()
{
    // The server withdraws its sampling request (notifications/cancelled): the work stops (the
    // approval is dropped, or the model call aborted) and the card is closed by an event.
    QFETCH(bool, running);
    QJsonObject slow {
            {"text", "too late"}, {"fault", "slow_first_token"}, {"first_delay_ms", 8000}};
    const QJsonObject ask = toolReply(
            {call("c1", "ask_sampling", {{"prompt", "Say pong"}, {"cancel_after_ms", 400}})});
    // Running: the sampling call is the second request, the answer after the tool the third.
    QVERIFY(m_llm.setScript(running ? QJsonArray {ask, slow, textReply("The server gave up.")}
                                    : QJsonArray {ask, textReply("The server gave up.")}));
    AgentOptions options;
    options.approval.sampling
            = running ? ApprovalPolicy::Decision::Allow : ApprovalPolicy::Decision::Ask;
    QElapsedTimer clock;
    clock.start();
    QVERIFY(runTurn("sample", options));
    QVERIFY2(clock.elapsed() < 6000, "the withdrawn sampling call must not be waited for");
    const QList<StreamEvent> samplings = ofType(StreamEventType::Sampling);
    QCOMPARE(samplings.size(), 2);
    const QString id = samplings.at(0).data.value("request_id").toString();
    QCOMPARE(samplings.at(0).data.value("approval").toString(),
             running ? QStringLiteral("auto") : QStringLiteral("required"));
    QCOMPARE(samplings.at(1).data.value("request_id").toString(), id);
    QCOMPARE(samplings.at(1).data.value("status").toString(), QStringLiteral("cancelled"));
    QCOMPARE(samplings.at(1).data.value("server").toString(), QStringLiteral("fx"));
    QCOMPARE(samplings.at(1).data.value("reason").toString(),
             QStringLiteral("the fixture withdrew the request"));
    QCOMPARE(signature().last(), QStringLiteral("final_response 2 answer"));
    QVERIFY(ofType(StreamEventType::Observing)
                    .at(0)
                    .data.value("content")
                    .toArray()
                    .at(0)
                    .toObject()
                    .value("text")
                    .toString()
                    .contains("withdrawn"));
    const QJsonArray requests = m_llm.requests();
    if (running) {
        QCOMPARE(requests.size(), 3);
        // The model call for the sampling was aborted, not left running.
        QCOMPARE(requests.at(1).toObject().value("outcome").toString(),
                 QStringLiteral("client_closed"));
    } else {
        QCOMPARE(requests.size(), 2); // the model was never asked
    }
}

void tst_ReactAgent::elicitationWithdrawn()
{
    QVERIFY(m_llm.setScript({toolReply({call("c1", "ask_elicitation",
                                             {{"message", "Name?"}, {"cancel_after_ms", 300}})}),
                             textReply("No name, then.")}));
    QString id;
    m_onEvent = [&id](const StreamEvent &e) {
        if (e.type == StreamEventType::Elicitation && id.isEmpty())
            id = e.data.value("request_id").toString();
    };
    QVERIFY(runTurn("ask me"));
    const QList<StreamEvent> elicitations = ofType(StreamEventType::Elicitation);
    QCOMPARE(elicitations.size(), 2);
    QCOMPARE(elicitations.at(1).data.value("request_id").toString(), id);
    QCOMPARE(elicitations.at(1).data.value("status").toString(), QStringLiteral("cancelled"));
    QCOMPARE(signature().last(), QStringLiteral("final_response 2 answer"));
}

void tst_ReactAgent::turnThatDoesNotWaitForApproval()
{
    // waitForApproval false (POST /chat "approval": "deny"): what the policy would ask about is
    // denied at once; what it allows still runs.
    QVERIFY(m_llm.setScript(
            {toolReply({call("c1", "echo", {{"message", "a"}}), call("c2", "big", {{"size", 3}})}),
             textReply("Only one ran.")}));
    AgentOptions options;
    options.approval.tools.insert(QStringLiteral("echo"), ApprovalPolicy::Decision::Ask);
    options.waitForApproval = false;
    QElapsedTimer clock;
    clock.start();
    QVERIFY(runTurn("both", options));
    QVERIFY(clock.elapsed() < 5000);
    QCOMPARE(signature(),
             (QStringList {"thinking 1", "tool_call 1 c1 denied", "observing 1 c1 error",
                           "tool_call 1 c2 auto", "acting 1 c2", "observing 1 c2", "thinking 2",
                           "partial_response 2", "final_response 2 answer"}));
    QVERIFY(ofType(StreamEventType::Observing)
                    .at(0)
                    .data.value("content")
                    .toArray()
                    .at(0)
                    .toObject()
                    .value("text")
                    .toString()
                    .contains("does not wait for approvals"));
}

void tst_ReactAgent::elicitation()
{
    QVERIFY(m_llm.setScript({toolReply({call("c1", "ask_elicitation", {{"message", "Name?"}})}),
                             textReply("Hello Ada.")}));
    m_onEvent = [this](const StreamEvent &e) {
        if (e.type == StreamEventType::Elicitation) {
            QCOMPARE(e.data.value("message").toString(), QStringLiteral("Name?"));
            QVERIFY(e.data.value("schema").toObject().contains("properties"));
            const QString id = e.data.value("request_id").toString();
            QTimer::singleShot(0, m_agent.get(), [this, id] {
                QVERIFY(!m_agent->answerElicitation(id, "maybe"));
                QVERIFY(m_agent->answerElicitation(id, "accept", {{"name", "Ada"}}));
            });
        }
    };
    QVERIFY(runTurn("ask me"));
    QCOMPARE(signature(),
             (QStringList {"thinking 1", "tool_call 1 c1 auto", "acting 1 c1", "elicitation",
                           "observing 1 c1", "thinking 2", "partial_response 2",
                           "final_response 2 answer"}));
    const QString text = ofType(StreamEventType::Observing)
                                 .at(0)
                                 .data.value("content")
                                 .toArray()
                                 .at(0)
                                 .toObject()
                                 .value("text")
                                 .toString();
    QVERIFY2(text.contains("accept") && text.contains("Ada"), qPrintable(text));
}

void tst_ReactAgent::largeResultTruncatedForModelOnly()
{
    QVERIFY(m_llm.setScript(
            {toolReply({call("c1", "big", {{"size", 20000}})}), textReply("Big.")}));
    QVERIFY(runTurn("big"));
    const QJsonObject observing = ofType(StreamEventType::Observing).at(0).data;
    QCOMPARE(observing.value("content").toArray().at(0).toObject().value("text").toString().size(),
             20000);
    const QString sent = messagesOf(m_llm.requests().at(1).toObject())
                                 .last()
                                 .toObject()
                                 .value("content")
                                 .toString();
    QVERIFY(sent.startsWith(QString(16384, 'x') + "\n[truncated: 16384 of 20000 bytes shown]"));
}

void tst_ReactAgent::contextAcrossThreeTurns()
{
    QVERIFY(m_llm.setScript({textReply("A1"), toolReply({call("c1", "echo", {{"message", "two"}})}),
                             textReply("A2"), textReply("A3")}));
    QVERIFY(runTurn("Q1"));
    const QString turn1 = m_agent->turnId();
    QVERIFY(runTurn("Q2"));
    const QString turn2 = m_agent->turnId();
    QVERIFY(runTurn("Q3"));
    QVERIFY(turn1 != turn2 && turn2 != m_agent->turnId());

    const QJsonArray requests = m_llm.requests();
    QCOMPARE(requests.size(), 4);
    auto roles = [](const QJsonArray &messages) {
        QStringList out;
        for (const QJsonValue &m : messages) {
            const QJsonObject o = m.toObject();
            out << o.value("role").toString() + ":" + o.value("content").toString();
        }
        return out;
    };
    QCOMPARE(roles(messagesOf(requests.at(0).toObject())).mid(1), (QStringList {"user:Q1"}));
    QCOMPARE(roles(messagesOf(requests.at(1).toObject())).mid(1),
             (QStringList {"user:Q1", "assistant:A1", "user:Q2"}));
    QCOMPARE(roles(messagesOf(requests.at(3).toObject())).mid(1),
             (QStringList {"user:Q1", "assistant:A1", "user:Q2", "assistant:", "tool:Echo: two",
                           "assistant:A2", "user:Q3"}));
    // One event log across the turns: seq keeps increasing, each event has its turn's id.
    for (int i = 0; i < m_events.size(); ++i)
        QCOMPARE(m_events[i].seq, qint64(i + 1));
    QCOMPARE(m_events.first().turnId, turn1);
    QCOMPARE(m_events.last().turnId, m_agent->turnId());
    QCOMPARE(ofType(StreamEventType::FinalResponse).size(), 3);
    QCOMPARE(m_session->messages().size(), 8); // Q1 A1 Q2 call result A2 Q3 A3
}

void tst_ReactAgent::contextTrimmedToBudget()
{
    // Three turns of about 1,000 tokens each and a budget of 1,500: the model gets the system
    // prompt and the current turn; the oldest whole turns are left out; the session keeps all.
    const QString big(4000, QLatin1Char('x'));
    QVERIFY(m_llm.setScript({textReply("A1"), textReply("A2"), textReply("A3")}));
    AgentOptions options;
    options.contextBudgetTokens = 1500;
    QVERIFY(runTurn("Q1 " + big, options));
    QVERIFY(runTurn("Q2 " + big, options));
    QVERIFY(runTurn("Q3 " + big, options));
    const QJsonArray requests = m_llm.requests();
    QCOMPARE(requests.size(), 3);
    const QJsonArray second = messagesOf(requests.at(1).toObject());
    QCOMPARE(second.size(), 2); // system, user Q2: turn 1 no longer fits
    const QJsonArray third = messagesOf(requests.at(2).toObject());
    QCOMPARE(third.size(), 2);
    QCOMPARE(third.at(0).toObject().value("role").toString(), QStringLiteral("system"));
    QVERIFY(third.at(1).toObject().value("content").toString().startsWith("Q3 "));
    QCOMPARE(m_session->messages().size(), 6);
}

void tst_ReactAgent::modelErrorEndsWithError()
{
    QVERIFY(m_llm.setScript({QJsonObject {{"fault", "401"}}}));
    QVERIFY(runTurn("hi"));
    QCOMPARE(signature(), (QStringList {"thinking 1", "error"}));
    const QJsonObject error = m_events.last().data;
    QCOMPARE(error.value("code").toString(), QStringLiteral("auth"));
    QCOMPARE(error.value("retryable").toBool(), false);
    QCOMPARE(m_events.last().turnId, m_agent->turnId());
    QCOMPARE(m_agent->state(), ReactAgent::State::Failed);
    QVERIFY(!m_session->isBusy());
}

void tst_ReactAgent::modelOutputBounded_data()
{
    QTest::addColumn<QString>("api");
    QTest::addColumn<QJsonArray>("script");
    QTest::addColumn<QString>("message");
    constexpr double kHuge = 64.0 * 1024 * 1024;
    const QString text
            = QStringLiteral("the model's answer exceeded 2 MiB (agent.max_turn_text_bytes)");
    const QString arguments = QStringLiteral(
            "the arguments of a tool call exceeded 1 MiB (agent.max_tool_argument_bytes)");
    QTest::newRow("openai: 64 MiB of text")
            << "openai" << QJsonArray {QJsonObject {{"flood", "text"}, {"flood_bytes", kHuge}}}
            << text;
    QTest::newRow("anthropic: 64 MiB of text")
            << "anthropic" << QJsonArray {QJsonObject {{"flood", "text"}, {"flood_bytes", kHuge}}}
            << text;
    QTest::newRow("openai: 64 MiB of tool arguments")
            << "openai" << QJsonArray {QJsonObject {{"flood", "arguments"}, {"flood_bytes", kHuge}}}
            << arguments;
    QTest::newRow("anthropic: 64 MiB of tool arguments")
            << "anthropic"
            << QJsonArray {QJsonObject {{"flood", "arguments"}, {"flood_bytes", kHuge}}}
            << arguments;
    QTest::newRow("openai: one 64 MiB line")
            << "openai" << QJsonArray {QJsonObject {{"flood", "line"}, {"flood_bytes", kHuge}}}
            << "sent one stream event longer than 4 MiB (provider.max_sse_line_bytes); the stream "
               "was "
               "stopped.";
    // The budget is the turn's: 1.5 MiB before a tool call, then 1 MiB more passes it.
    QTest::newRow("openai: the text budget spans the turn's model calls")
            << "openai"
            << QJsonArray {QJsonObject {{"flood", "text"},
                                        {"flood_bytes", 1.5 * 1024 * 1024},
                                        {"tool_calls",
                                         QJsonArray {call("c1", "echo", {{"message", "hi"}})}}},
                           QJsonObject {{"flood", "text"}, {"flood_bytes", 1024.0 * 1024}}}
            << text;
}

void tst_ReactAgent::modelOutputBounded()
{
    // A model that streams without end: the turn ends with an `error` naming the bound, the
    // provider's stream is closed, and what the session stored (and the process holds) stays
    // bounded.
    QFETCH(QString, api);
    QFETCH(QJsonArray, script);
    QFETCH(QString, message);
    QVERIFY(m_llm.setScript(script));
    HttpProviderOptions http;
    http.baseUrl = m_llm.url(QStringLiteral("/v1"));
    http.apiKey = QStringLiteral("sk-test");
    http.model = QStringLiteral("scripted");
    http.maxRetries = 0;
    std::unique_ptr<ChatModel> model;
    if (api == QLatin1String("anthropic"))
        model = std::make_unique<AnthropicProvider>(http);
    else
        model = std::make_unique<OpenAiProvider>(http);
    resetPeakRss();
    const qint64 rssBefore = peakRssKiB();
    QVERIFY(runTurn("flood", {}, model.get(), 60000));
    QCOMPARE(m_events.last().type, StreamEventType::Error);
    const QJsonObject error = m_events.last().data;
    QCOMPARE(error.value("code").toString(), QStringLiteral("model_output_too_large"));
#if QT_VERSION < QT_VERSION_CHECK(6, 5, 0)
    QVERIFY2(error.value("message").toString().endsWith(message),
             qPrintable(error.value("message").toString()));
#else
    // Qt 6.8's network thread reads ahead (issue 8's note): which bound fires first, the line's
    // or the turn's text budget, depends on timing there; either names its key.
    QVERIFY2(error.value("message").toString().endsWith(message)
                     || error.value("message").toString().contains(
                             QStringLiteral("(agent.max_turn_text_bytes)")),
             qPrintable(error.value("message").toString()));
#endif
    QCOMPARE(error.value("retryable").toBool(), false);
    QCOMPARE(m_agent->state(), ReactAgent::State::Failed);
    QVERIFY(!m_session->isBusy());
    qint64 streamed = 0;
    for (const StreamEvent &e : ofType(StreamEventType::PartialResponse))
        streamed += e.data.value("delta").toString().toUtf8().size();
    QVERIFY2(streamed <= 2 * 1024 * 1024, qPrintable(QString::number(streamed)));
    for (const StreamEvent &e : ofType(StreamEventType::ToolCall))
        QVERIFY(QJsonDocument(e.data.value("arguments").toObject()).toJson().size() < 1024 * 1024);
    const QJsonObject record = m_llm.finishedRequest(int(script.size()) - 1);
#if QT_VERSION < QT_VERSION_CHECK(6, 5, 0)
    QCOMPARE(record.value("outcome").toString(), QStringLiteral("client_closed"));
#else
    // On Qt 6.8 the network thread may have read the whole 64 MiB before the turn stopped the
    // stream (the known gap above); the turn still ends at its bound, which is checked.
    QVERIFY(record.value("outcome").toString() == QLatin1String("client_closed")
            || record.value("outcome").toString() == QLatin1String("complete"));
#endif
    // Nothing holds the flood whole: memory grows by less than twice the flood's size, while
    // without the bounds the answer alone (as UTF-16) is twice it, plus its events. The
    // exact peak depends on the allocator, the Qt version and ASan's quarantine (seen: about
    // 20 MiB on Qt 6.4, up to 100 MiB on Qt 6.8 or under ASan), so the line is drawn there.
    const qint64 growthKiB = peakRssKiB() - rssBefore;
#if QT_VERSION < QT_VERSION_CHECK(6, 5, 0)
    QVERIFY2(growthKiB < 128 * 1024, qPrintable(QStringLiteral("%1 KiB").arg(growthKiB)));
#else
    // The same known 6.8 gap as in tests/llm/llmtestutil.h: checked on 6.4 only.
    if (growthKiB >= 128 * 1024)
        qWarning("Qt 6.8: the flood raised the peak RSS by %lld KiB", growthKiB);
#endif
}

void tst_ReactAgent::sessionExpiresAfterTurn()
{
    MemorySessionStore store;
    SessionService::Options options;
    options.retention.maxAgeMs = 200;
    options.retentionCheckMs = 20;
    SessionService service(&store, options);
    std::unique_ptr<Session> session(StoreTestUtil::createSession(&store));
    QVERIFY(session);
    QList<StreamEvent> events;
    connect(session.get(), &Session::eventAppended, this,
            [&events](const StreamEvent &e) { events.append(e); });
    QVERIFY(m_llm.setScript({textReply("Hi.")}));
    ReactAgent agent(session.get(), m_model.get(), m_registry);
    QSignalSpy finished(&agent, &ReactAgent::finished);
    QVERIFY(agent.start("hello"));
    QVERIFY(finished.wait(10000));
    const QString id = session->id();
    QSignalSpy removed(&service, &SessionService::sessionRemoved);
    QVERIFY(removed.wait(3000));
    QCOMPARE(removed.first().at(0).toString(), id);
    QCOMPARE(removed.first().at(1).toString(), QStringLiteral("expired"));
    QStringList types;
    for (const StreamEvent &e : events)
        types << e.typeName();
    // The turn was whole in the store before it expired (never while it ran).
    QCOMPARE(types, (QStringList {"thinking", "partial_response", "final_response"}));
    const auto gone = StoreTestUtil::wait<SessionRecord>(
            [&](SessionStore::Done<SessionRecord> d) { store.getSession(id, d); });
    QVERIFY(gone && !gone->ok());
    QCOMPARE(gone->error().code, StoreError::Code::NotFound);
}

void tst_ReactAgent::offlineDirectAnswer()
{
    OfflineModel offline;
    QVERIFY(runTurn("What is the weather like?", {}, &offline));
    QCOMPARE(signature(),
             (QStringList {"thinking 1", "partial_response 1", "final_response 1 answer"}));
    QVERIFY(m_events.last().data.value("content").toString().contains("offline"));
}

void tst_ReactAgent::offlineOneTool()
{
    OfflineModel offline;
    QVERIFY(runTurn("call echo with message=hi", {}, &offline));
    const QStringList sig = signature();
    QCOMPARE(sig.size(), 8);
    QCOMPARE(sig.at(0), QStringLiteral("thinking 1"));
    QCOMPARE(sig.at(1), QStringLiteral("partial_response 1"));
    QVERIFY(sig.at(2).startsWith("tool_call 1 ") && sig.at(2).endsWith(" auto"));
    const QString id = ofType(StreamEventType::ToolCall).at(0).data.value("call_id").toString();
    QCOMPARE(sig.mid(3),
             (QStringList {"acting 1 " + id, "observing 1 " + id, "thinking 2",
                           "partial_response 2", "final_response 2 answer"}));
    QCOMPARE(ofType(StreamEventType::ToolCall).at(0).data.value("arguments").toObject(),
             (QJsonObject {{"message", "hi"}}));
    QVERIFY(m_events.last().data.value("content").toString().contains("Echo: hi"));
}

QTEST_GUILESS_MAIN(tst_ReactAgent)
#include "tst_reactagent.moc"
