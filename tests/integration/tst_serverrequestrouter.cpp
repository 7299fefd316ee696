// ServerRequestRouter end to end: two sessions (two ReactAgents driven by the scripted LLM)
// with tool calls in flight on one fixture MCP server at once. Over Streamable HTTP each
// elicitation arrives on the response stream of the call that caused it and reaches that
// session only; over stdio nothing says which call it belongs to, so it is refused.

#include "../llm/llmtestutil.h"
#include "testsupport.h"

#include <openaiprovider.h>
#include <reactagent.h>
#include <serverregistry.h>
#include <serverrequestrouter.h>
#include <session.h>
#include <storetestutil.h>

#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace TestSupport;

namespace {

QJsonObject toolReply(const QString &id, const QString &name, const QJsonObject &args)
{
    return {{"tool_calls",
             QJsonArray {QJsonObject {{"id", id}, {"name", name}, {"arguments", args}}}},
            {"chunk_size", 1000}};
}

QJsonObject textReply(const QString &text)
{
    return {{"text", text}, {"chunk_size", 1000}};
}

/// One user's session and the turn running in it.
struct Turn
{
    MemorySessionStore store;
    std::unique_ptr<Session> session {StoreTestUtil::createSession(&store)};
    std::unique_ptr<ReactAgent> agent;
    QList<StreamEvent> events;
    bool finished = false;

    [[nodiscard]] QList<StreamEvent> ofType(StreamEventType type) const
    {
        QList<StreamEvent> out;
        for (const StreamEvent &e : events) {
            if (e.type == type)
                out.append(e);
        }
        return out;
    }
    [[nodiscard]] QString observedText() const
    {
        const QList<StreamEvent> observed = ofType(StreamEventType::Observing);
        if (observed.isEmpty())
            return {};
        return observed.first()
                .data.value("content")
                .toArray()
                .at(0)
                .toObject()
                .value("text")
                .toString();
    }
    [[nodiscard]] bool observedError() const
    {
        const QList<StreamEvent> observed = ofType(StreamEventType::Observing);
        return !observed.isEmpty() && observed.first().data.value("is_error").toBool();
    }
};

} // namespace

class tst_ServerRequestRouter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_llm.start(), "the scripted-llm fixture did not start");
        HttpProviderOptions http;
        http.baseUrl = m_llm.url(QStringLiteral("/v1"));
        http.apiKey = QStringLiteral("sk-test");
        http.model = QStringLiteral("scripted");
        http.maxRetries = 0;
        http.idleTimeoutMs = 20000;
        m_model = std::make_unique<OpenAiProvider>(http);
        QVERIFY(m_httpServer.start(
                fixtureServer(),
                {QStringLiteral("--http"), QStringLiteral("0"), QStringLiteral("--sse-responses")},
                QProcessEnvironment::systemEnvironment(), "LISTENING "));
        const QByteArray out = m_httpServer.output;
        const qsizetype at = out.indexOf("LISTENING ") + 10;
        m_httpPort = quint16(out.mid(at, out.indexOf('\n', at) - at).trimmed().toUInt());
        QVERIFY(m_httpPort != 0);
    }

    void twoSessionsWithCallsInFlight_data()
    {
        QTest::addColumn<bool>("http");
        QTest::newRow("streamable http: each its own") << true;
        QTest::newRow("stdio: ambiguous, refused") << false;
    }
    void twoSessionsWithCallsInFlight()
    {
        QFETCH(bool, http);
        ServerConfig fx;
        fx.name = QStringLiteral("fx");
        if (http) {
            fx.kind = ServerConfig::Kind::StreamableHttp;
            fx.url = QUrl(QStringLiteral("http://127.0.0.1:%1/mcp").arg(m_httpPort));
        } else {
            fx.command = fixtureServer();
        }
        ServerConnection::Options options;
        options.autoRestart = false;
        ServerRegistry registry({fx}, options);
        ServerRequestRouter router;
        router.install(&registry);
        registry.startAll();
        QVERIFY(waitFor([&] { return registry.findTool("ask_elicitation").has_value(); }, 20000));

        // A asks first but its server waits 3 s before asking A's user; B asks at once. With
        // "the newest session with a call running on that server", A's question went to B.
        QVERIFY(m_llm.setScript(
                {toolReply("a1", "ask_elicitation", {{"message", "for A"}, {"delay_ms", 3000}}),
                 toolReply("b1", "ask_elicitation", {{"message", "for B"}}), textReply("done"),
                 textReply("done")}));
        Turn a;
        Turn b;
        // Over HTTP both questions are answered only once both arrived, so both calls are in
        // flight when each arrives.
        const auto answerAll = [&] {
            for (Turn *t : {&a, &b}) {
                for (const StreamEvent &e : t->ofType(StreamEventType::Elicitation)) {
                    const QString who = e.data.value("message").toString().mid(4);
                    t->agent->answerElicitation(e.data.value("request_id").toString(), "accept",
                                                {{"name", who}});
                }
            }
        };
        for (Turn *t : {&a, &b}) {
            connect(t->session.get(), &Session::eventAppended, this, [&, t](const StreamEvent &e) {
                t->events.append(e);
                if (e.type != StreamEventType::Elicitation)
                    return;
                const bool both = !a.ofType(StreamEventType::Elicitation).isEmpty()
                        && !b.ofType(StreamEventType::Elicitation).isEmpty();
                if (!http || both)
                    QTimer::singleShot(0, this, answerAll);
            });
            t->agent = std::make_unique<ReactAgent>(t->session.get(), m_model.get(), &registry,
                                                    AgentOptions {});
            t->agent->setRequestRouter(&router);
            connect(t->agent.get(), &ReactAgent::finished, this, [t] { t->finished = true; });
        }
        QVERIFY(a.agent->start(QStringLiteral("ask A")));
        QVERIFY(waitFor([&] { return !a.ofType(StreamEventType::Acting).isEmpty(); }, 10000));
        QVERIFY(b.agent->start(QStringLiteral("ask B")));
        QVERIFY(waitFor([&] { return a.finished && b.finished; }, 30000));

        const QList<StreamEvent> askedA = a.ofType(StreamEventType::Elicitation);
        const QList<StreamEvent> askedB = b.ofType(StreamEventType::Elicitation);
        if (http) {
            QCOMPARE(askedA.size(), 1);
            QCOMPARE(askedA.first().data.value("message").toString(), QStringLiteral("for A"));
            QCOMPARE(askedB.size(), 1);
            QCOMPARE(askedB.first().data.value("message").toString(), QStringLiteral("for B"));
            QVERIFY2(a.observedText().contains("\"name\":\"A\""), qPrintable(a.observedText()));
            QVERIFY2(b.observedText().contains("\"name\":\"B\""), qPrintable(b.observedText()));
        } else {
            // B's question came while both calls ran: refused, with the reason, to nobody.
            QCOMPARE(askedB.size(), 0);
            QVERIFY(b.observedError());
            QVERIFY2(b.observedText().contains("elicitation request refused")
                             && b.observedText().contains("2 sessions"),
                     qPrintable(b.observedText()));
            // A's came after B's call had ended: one call in flight is unambiguous.
            for (const StreamEvent &e : askedA)
                QCOMPARE(e.data.value("message").toString(), QStringLiteral("for A"));
            QCOMPARE(askedA.size(), 1);
            QVERIFY2(a.observedText().contains("\"name\":\"A\""), qPrintable(a.observedText()));
        }

        QSignalSpy stopped(&registry, &ServerRegistry::allStopped);
        registry.stopAll();
        QVERIFY(waitFor([&] { return !stopped.isEmpty(); }, 10000));
    }

private:
    ScriptedLlm m_llm;
    std::unique_ptr<OpenAiProvider> m_model;
    ServerProcess m_httpServer;
    quint16 m_httpPort = 0;
};

QTEST_GUILESS_MAIN(tst_ServerRequestRouter)
#include "tst_serverrequestrouter.moc"
