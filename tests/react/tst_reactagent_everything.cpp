// The agent with the official reference server (server-everything over stdio) and the
// built-in offline model, through the same HostCore and ChatService the server uses.

#include "../integration/testsupport.h"

#include <chatservice.h>
#include <hostcore.h>
#include <reactagent.h>
#include <serverregistry.h>
#include <sessionservice.h>
#include <storetestutil.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

class tst_ReactAgentEverything : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void oneTool();
    void progressBecomesActing();
    void samplingAnsweredByTheSessionModel();
    void plainRequestsWithTheOfflineModel();
    void cleanupTestCase();

private:
    /// Runs one turn and returns its events (types and data).
    QList<StreamEvent> turn(const QString &message);
    QStringList types(const QList<StreamEvent> &events) const;

    QTemporaryDir m_dir;
    HostCore *m_core = nullptr;
};

void tst_ReactAgentEverything::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QJsonObject config {
            {"mcpServers",
             QJsonObject {{"everything",
                           QJsonObject {{"command", "node"},
                                        {"args",
                                         QJsonArray {TestSupport::everythingScript(), "stdio"}}}}}},
            {"approval", QJsonObject {{"sampling", "allow"}}}};
    QFile file(m_dir.filePath("config.json"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QJsonDocument(config).toJson());
    file.close();

    qunsetenv("OPENAI_API_KEY");
    qunsetenv("OPENAI_BASE_URL");
    qunsetenv("ANTHROPIC_API_KEY");
    m_core = new HostCore(this);
    HostCore::Options options;
    options.configPath = file.fileName();
    QString error;
    QVERIFY2(m_core->init(options, &error), qPrintable(error));
    std::optional<QString> opened;
    m_core->open([&opened](const QString &why) { opened = why; });
    QVERIFY(TestSupport::waitFor([&opened] { return opened.has_value(); }, 10000));
    QVERIFY2(opened->isEmpty(), qPrintable(*opened));
    m_core->start();
    QVERIFY(TestSupport::waitFor([this] { return m_core->registry()->isSettled(); }));
    // Tools that depend on the declared capabilities (sampling) arrive with list_changed.
    QVERIFY(TestSupport::waitFor(
            [this] { return m_core->registry()->findTool("trigger-sampling-request").has_value(); },
            10000));
}

QList<StreamEvent> tst_ReactAgentEverything::turn(const QString &message)
{
    const auto created = StoreTestUtil::wait<SessionRecord>(
            [this](auto done) { m_core->sessionService()->create({}, done); });
    if (!created || !created->ok())
        return {};
    const QString id = created->value().id;
    QList<StreamEvent> events;
    const auto appended = connect(m_core->sessionService(), &SessionService::eventAppended, this,
                                  [&events, id](const QString &sid, const StreamEvent &e) {
                                      if (sid == id)
                                          events.append(e);
                                  });
    bool done = false;
    bool refused = false;
    const auto c = connect(m_core->chat(), &ChatService::turnFinished, this,
                           [&done, id](const QString &sid) { done = done || sid == id; });
    m_core->chat()->send(id, message, {}, [&refused](const ChatService::StartResult &r) {
        refused = !std::holds_alternative<ChatService::Started>(r);
    });
    TestSupport::waitFor([&done, &refused] { return done || refused; }, 60000);
    disconnect(c);
    disconnect(appended);
    return refused ? QList<StreamEvent>() : events;
}

QStringList tst_ReactAgentEverything::types(const QList<StreamEvent> &events) const
{
    QStringList out;
    for (const StreamEvent &e : events) {
        // Consecutive text deltas of one iteration count once; progress is checked apart.
        if (e.type == StreamEventType::PartialResponse && !out.isEmpty()
            && out.last() == e.typeName())
            continue;
        if (e.type == StreamEventType::Acting && e.data.contains("progress"))
            continue;
        out << e.typeName();
    }
    return out;
}

void tst_ReactAgentEverything::oneTool()
{
    const QList<StreamEvent> events = turn("call echo with message=\"hello everything\"");
    QCOMPARE(types(events),
             (QStringList {"thinking", "partial_response", "tool_call", "acting", "observing",
                           "thinking", "partial_response", "final_response"}));
    auto first = [&events](StreamEventType type) {
        for (const StreamEvent &e : events) {
            if (e.type == type)
                return e;
        }
        return StreamEvent();
    };
    const StreamEvent call = first(StreamEventType::ToolCall);
    QCOMPARE(call.data.value("server").toString(), QStringLiteral("everything"));
    QCOMPARE(call.data.value("tool").toString(), QStringLiteral("echo"));
    QCOMPARE(call.data.value("arguments").toObject().value("message").toString(),
             QStringLiteral("hello everything"));
    const StreamEvent observed = first(StreamEventType::Observing);
    QCOMPARE(observed.data.value("call_id"), call.data.value("call_id"));
    QCOMPARE(observed.data.value("is_error").toBool(), false);
    QVERIFY(QJsonDocument(observed.data.value("content").toArray())
                    .toJson()
                    .contains("Echo: hello everything"));
    const StreamEvent final = events.last();
    QCOMPARE(final.data.value("stop_reason").toString(), QStringLiteral("answer"));
    QCOMPARE(final.data.value("iterations").toInt(), 2);
    QVERIFY(final.data.value("content").toString().contains("Echo: hello everything"));
}

void tst_ReactAgentEverything::progressBecomesActing()
{
    const QList<StreamEvent> events
            = turn("call trigger-long-running-operation with duration=1 steps=3");
    QCOMPARE(types(events),
             (QStringList {"thinking", "partial_response", "tool_call", "acting", "observing",
                           "thinking", "partial_response", "final_response"}));
    QList<double> progress;
    for (const StreamEvent &e : events) {
        if (e.type == StreamEventType::Acting && e.data.contains("progress")) {
            progress << e.data.value("progress").toDouble();
            QCOMPARE(e.data.value("total").toDouble(), 3.0);
            QCOMPARE(e.data.value("tool").toString(),
                     QStringLiteral("trigger-long-running-operation"));
        }
    }
    QCOMPARE(progress, (QList<double> {1, 2, 3}));
}

void tst_ReactAgentEverything::samplingAnsweredByTheSessionModel()
{
    const QList<StreamEvent> events
            = turn("call trigger-sampling-request with prompt=\"What is MCP?\"");
    QStringList t = types(events);
    QVERIFY2(t.contains("sampling"), qPrintable(t.join(',')));
    QCOMPARE(t.last(), QStringLiteral("final_response"));
    StreamEvent observed;
    for (const StreamEvent &e : events) {
        if (e.type == StreamEventType::Observing)
            observed = e;
        if (e.type == StreamEventType::Sampling)
            QCOMPARE(e.data.value("server").toString(), QStringLiteral("everything"));
    }
    QCOMPARE(observed.data.value("is_error").toBool(), false);
    // server-everything returns the model's reply: the offline model answered it.
    QVERIFY2(QJsonDocument(observed.data.value("content").toArray()).toJson().contains("offline"),
             QJsonDocument(observed.data).toJson().constData());
}

void tst_ReactAgentEverything::plainRequestsWithTheOfflineModel()
{
    // "add 2 and 3" finds the server's get-sum by what it does, with its numbers.
    QList<StreamEvent> events = turn("add 2 and 3");
    StreamEvent call;
    StreamEvent observed;
    for (const StreamEvent &e : events) {
        if (e.type == StreamEventType::ToolCall)
            call = e;
        if (e.type == StreamEventType::Observing)
            observed = e;
    }
    QCOMPARE(call.data.value("server").toString(), QStringLiteral("everything"));
    QCOMPARE(call.data.value("tool").toString(), QStringLiteral("get-sum"));
    QCOMPARE(call.data.value("arguments").toObject(), (QJsonObject {{"a", 2}, {"b", 3}}));
    QCOMPARE(observed.data.value("is_error").toBool(), false);
    QVERIFY2(events.last().data.value("content").toString().contains("5"),
             qPrintable(events.last().data.value("content").toString()));

    // "what tools do you have?" is answered with the list.
    events = turn("what tools do you have?");
    QCOMPARE(types(events), (QStringList {"thinking", "partial_response", "final_response"}));
    const QString answer = events.last().data.value("content").toString();
    for (const char *tool : {"echo", "get-sum", "trigger-sampling-request"})
        QVERIFY2(answer.contains(QLatin1String("- ") + QLatin1String(tool) + QLatin1Char(':')),
                 qPrintable(answer));
}

void tst_ReactAgentEverything::cleanupTestCase()
{
    bool stopped = false;
    m_core->shutdown([&stopped] { stopped = true; });
    QVERIFY(TestSupport::waitFor([&stopped] { return stopped; }, 15000));
}

QTEST_GUILESS_MAIN(tst_ReactAgentEverything)
#include "tst_reactagent_everything.moc"
