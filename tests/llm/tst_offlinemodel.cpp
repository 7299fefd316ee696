// The built-in offline model: which tool it picks, how it fills arguments, what it says when it
// cannot, how it reports observations, and that it streams through the ChatStream contract.

#include "llmtestutil.h"

#include <offlinemodel.h>

#include <QFile>
#include <QTest>

namespace {

QJsonObject obj(const char *json)
{
    return QJsonDocument::fromJson(json).object();
}

QByteArray text(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QList<ToolDefinition> tools()
{
    return {
            {"echo", "Echoes back the input", echoSchema()},
            {"add", "Adds two numbers", addSchema()},
            {"get_weather", "Get the current weather forecast for a city",
             obj(R"({"type":"object","properties":{"city":{"type":"string"},
                  "units":{"type":"string","enum":["celsius","fahrenheit"],"default":"celsius"}},
                  "required":["city"]})")},
            {"read_file", "Read a file from disk",
             obj(R"({"type":"object","properties":{"path":{"type":"string","description":"Path of the file"},
                  "encoding":{"type":"string","default":"utf-8"}},"required":["path"]})")},
            {"set-volume", "Change the speaker volume level",
             obj(R"({"type":"object","properties":{"level":{"type":"integer"},"muted":{"type":"boolean"},
                  "balance":{"type":"number"}},"required":["level"]})")},
            {"list_directory", "List the entries in a directory",
             obj(R"({"type":"object","properties":{"path":{"type":"string","default":"."}}})")},
            {"search", "Full text search",
             obj(R"({"type":"object","properties":{"mode":{"type":"string","enum":["fast","exact"]},
                  "tags":{"type":"array","items":{"type":"string"}}},"required":["mode"]})")},
    };
}

/// The example servers' tools (resources/examples/mcp-servers.json), as they list them.
QList<ToolDefinition> exampleTools()
{
    QFile file(QStringLiteral(MCPHOST_SOURCE_DIR "/tests/data/example-tools.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QJsonObject servers = QJsonDocument::fromJson(file.readAll()).object();
    QList<ToolDefinition> out;
    for (const char *server : {"everything", "filesystem", "memory"}) {
        for (const QJsonValue &v : servers.value(QLatin1String(server)).toArray()) {
            const QJsonObject tool = v.toObject();
            out.append({tool.value("name").toString(), tool.value("description").toString(),
                        tool.value("inputSchema").toObject()});
        }
    }
    return out;
}

ChatRequest requestFor(const QString &message)
{
    ChatRequest request;
    request.messages = {ChatMessage::system("system prompt"), ChatMessage::user(message)};
    request.tools = tools();
    return request;
}

} // namespace

class tst_OfflineModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void toolChoice_data();
    void toolChoice();
    void exampleServers_data();
    void exampleServers();
    void listsTools_data();
    void listsTools();
    void catalogPreparedOncePerToolList();
    void tieMeansNoTool();
    void helpTextIsHonest();
    void noToolsOrToolChoiceNone();
    void summarisesObservation_data();
    void summarisesObservation();
    void echoCycleThroughStream();
    void cancel();
};

void tst_OfflineModel::toolChoice_data()
{
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("tool"); // empty: no tool call expected
    QTest::addColumn<QByteArray>("arguments"); // compact JSON
    QTest::addColumn<QString>("textContains");

    QTest::newRow("key=value") << "call echo with message=hi"
                               << "echo" << QByteArray(R"({"message":"hi"})") << "echo";
    QTest::newRow("quoted value") << R"(echo message="hello big world")"
                                  << "echo" << QByteArray(R"({"message":"hello big world"})") << "";
    QTest::newRow("JSON object") << R"(please run echo {"message": "from json"})"
                                 << "echo" << QByteArray(R"({"message":"from json"})") << "";
    QTest::newRow("required string from the rest")
            << "echo hello world"
            << "echo" << QByteArray(R"({"message":"hello world"})") << "";
    QTest::newRow("fillers stripped")
            << R"(please call echo with the message "good morning")"
            << "echo" << QByteArray(R"({"message":"good morning"})") << "";
    QTest::newRow("typed integer and boolean")
            << "set-volume level=7 muted=true"
            << "set-volume" << QByteArray(R"({"level":7,"muted":true})") << "";
    QTest::newRow("name with _ for -")
            << "set_volume level=3 balance=-0.5"
            << "set-volume" << QByteArray(R"({"balance":-0.5,"level":3})") << "";
    QTest::newRow("name with spaces for _")
            << "read file path=/etc/hosts"
            << "read_file" << QByteArray(R"({"encoding":"utf-8","path":"/etc/hosts"})") << "";
    QTest::newRow("numbers") << "add a=2 b=3.5"
                             << "add" << QByteArray(R"({"a":2,"b":3.5})") << "";
    QTest::newRow("numbers inferred in order") << "add 2 and 40"
                                               << "add" << QByteArray(R"({"a":2,"b":40})") << "";
    QTest::newRow("defaults") << "list_directory"
                              << "list_directory" << QByteArray(R"({"path":"."})") << "";
    QTest::newRow("default overridden")
            << "get_weather city=Oslo units=fahrenheit"
            << "get_weather" << QByteArray(R"({"city":"Oslo","units":"fahrenheit"})") << "";
    QTest::newRow("description match")
            << "What is the weather forecast in Paris?"
            << "get_weather" << QByteArray(R"({"city":"Paris","units":"celsius"})") << "";
    QTest::newRow("enum value inferred")
            << "search exact tags=a,b"
            << "search" << QByteArray(R"({"mode":"exact","tags":["a","b"]})") << "";
    QTest::newRow("missing required") << "read_file"
                                      << "" << QByteArray() << "`path`";
    QTest::newRow("missing required after unknown key") << "echo mesage=hi"
                                                        << "" << QByteArray() << "`message`";
    QTest::newRow("missing numbers") << "add 5"
                                     << "" << QByteArray() << "`a`";
    QTest::newRow("whole words only") << "show my address book"
                                      << "" << QByteArray() << "built-in offline model";
    QTest::newRow("nothing matches") << "hello there"
                                     << "" << QByteArray() << "OPENAI_API_KEY";
}

void tst_OfflineModel::toolChoice()
{
    QFETCH(QString, message);
    QFETCH(QString, tool);
    QFETCH(QByteArray, arguments);
    QFETCH(QString, textContains);

    const OfflineModel::Plan plan = OfflineModel::plan(requestFor(message));
    QVERIFY2(!plan.text.isEmpty(), "the model always says something");
    if (!textContains.isEmpty())
        QVERIFY2(plan.text.contains(textContains), qPrintable(plan.text));
    if (tool.isEmpty()) {
        QVERIFY2(!plan.toolCall, qPrintable(plan.toolCall ? plan.toolCall->name : QString()));
        QCOMPARE(plan.stopReason, StopReason::EndTurn);
        return;
    }
    QVERIFY2(plan.toolCall, qPrintable(plan.text));
    QCOMPARE(plan.toolCall->name, tool);
    QCOMPARE(text(plan.toolCall->arguments), arguments);
    QVERIFY(!plan.toolCall->id.isEmpty());
    QCOMPARE(plan.stopReason, StopReason::ToolUse);
}

void tst_OfflineModel::exampleServers_data()
{
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("tool");
    QTest::addColumn<QByteArray>("arguments"); // compact JSON

    QTest::newRow("add two numbers") << "add 2 and 3"
                                     << "get-sum" << QByteArray(R"({"a":2,"b":3})");
    QTest::newRow("plus") << "what is 7 plus 5?"
                          << "get-sum" << QByteArray(R"({"a":7,"b":5})");
    QTest::newRow("sum of") << "Please give me the sum of 10 and 32"
                            << "get-sum" << QByteArray(R"({"a":10,"b":32})");
    QTest::newRow("echo by name") << "echo hello world"
                                  << "echo" << QByteArray(R"({"message":"hello world"})");
    QTest::newRow("list a directory") << "list the directory /tmp"
                                      << "list_directory" << QByteArray(R"({"path":"/tmp"})");
    QTest::newRow("environment") << "show the environment variables"
                                 << "get-env" << QByteArray("{}");
    QTest::newRow("add observations keeps its own words")
            << "add observations {\"observations\": []}"
            << "add_observations" << QByteArray(R"({"observations":[]})");
}

void tst_OfflineModel::exampleServers()
{
    // Plain requests over the example servers' real tool names and schemas.
    QFETCH(QString, message);
    QFETCH(QString, tool);
    QFETCH(QByteArray, arguments);
    ChatRequest request;
    request.messages = {ChatMessage::system("system prompt"), ChatMessage::user(message)};
    request.tools = exampleTools();
    QCOMPARE(request.tools.size(), 39);
    const OfflineModel::Plan plan = OfflineModel::plan(request);
    QVERIFY2(plan.toolCall, qPrintable(plan.text));
    QCOMPARE(plan.toolCall->name, tool);
    QCOMPARE(text(plan.toolCall->arguments), arguments);
}

void tst_OfflineModel::listsTools_data()
{
    QTest::addColumn<QString>("message");
    QTest::newRow("what tools") << "what tools do you have?";
    QTest::newRow("list your tools") << "list your tools";
    QTest::newRow("which tools") << "Which tools are available";
    QTest::newRow("what can you do") << "What can you do?";
}

void tst_OfflineModel::listsTools()
{
    QFETCH(QString, message);
    ChatRequest request;
    request.messages = {ChatMessage::user(message)};
    request.tools = exampleTools();
    const OfflineModel::Plan plan = OfflineModel::plan(request);
    QVERIFY2(!plan.toolCall, qPrintable(plan.toolCall ? plan.toolCall->name : QString()));
    QCOMPARE(plan.stopReason, StopReason::EndTurn);
    QVERIFY2(plan.text.contains("39 tools"), qPrintable(plan.text));
    // One line per tool, with what it does.
    for (const ToolDefinition &t : request.tools)
        QVERIFY2(plan.text.contains("- " + t.name + ":"), qPrintable(t.name));
    QVERIFY(plan.text.contains("- get-sum: Returns the sum of two numbers"));
    QVERIFY(!plan.text.contains("OPENAI_API_KEY")); // an answer, not the help text
}

void tst_OfflineModel::catalogPreparedOncePerToolList()
{
    // The model answers from a catalog prepared for the tool list; a changed list (a server's
    // tools changed) is seen at once.
    OfflineModel model;
    ChatRequest request = requestFor("add 2 and 3");
    StreamRecorder first(model.start(request));
    QVERIFY(first.waitForEnd(2000));
    QCOMPARE(first.completed.value(0).name, QStringLiteral("add"));

    request.tools.removeAt(1); // "add" is gone
    request.tools.append({"get-sum", "Returns the sum of two numbers", addSchema()});
    StreamRecorder second(model.start(request));
    QVERIFY(second.waitForEnd(2000));
    QCOMPARE(second.completed.value(0).name, QStringLiteral("get-sum"));
    QCOMPARE(text(second.completed.value(0).arguments), QByteArray(R"({"a":2,"b":3})"));

    request.tools.last().description = "Returns the product of two numbers";
    request.tools.last().name = "multiply";
    StreamRecorder third(model.start(request));
    QVERIFY(third.waitForEnd(2000));
    QVERIFY2(third.completed.isEmpty(), qPrintable(third.text));
}

void tst_OfflineModel::tieMeansNoTool()
{
    ChatRequest request;
    request.messages = {ChatMessage::user("report temperature convert")};
    request.tools
            = {{"alpha", "Convert a temperature", {}}, {"beta", "Report the temperature", {}}};
    QVERIFY(!OfflineModel::plan(request).toolCall);

    // Without the tie, the better match wins.
    request.messages = {ChatMessage::user("report the temperature please")};
    const auto plan = OfflineModel::plan(request);
    QVERIFY(plan.toolCall);
    QCOMPARE(plan.toolCall->name, QStringLiteral("beta"));
}

void tst_OfflineModel::helpTextIsHonest()
{
    const QString help = OfflineModel::plan(requestFor("Tell me a joke")).text;
    QVERIFY(help.contains("built-in offline model"));
    for (const ToolDefinition &t : tools())
        QVERIFY2(help.contains(t.name), qPrintable(t.name));
    QVERIFY(help.contains("OPENAI_API_KEY"));
    QVERIFY(help.contains("OPENAI_BASE_URL"));
    QVERIFY(help.contains("ANTHROPIC_API_KEY"));
    QVERIFY(help.contains("--provider"));
    QVERIFY(help.contains("--model"));
    OfflineModel model;
    QCOMPARE(model.displayName(), QStringLiteral("built-in offline model"));
    QCOMPARE(model.providerName(), QStringLiteral("offline"));
}

void tst_OfflineModel::noToolsOrToolChoiceNone()
{
    ChatRequest request = requestFor("call echo with message=hi");
    request.toolChoice = ToolChoice::None;
    OfflineModel::Plan plan = OfflineModel::plan(request);
    QVERIFY(!plan.toolCall);
    QVERIFY(plan.text.contains("not available"));

    request.toolChoice = ToolChoice::Auto;
    request.tools.clear();
    plan = OfflineModel::plan(request);
    QVERIFY(!plan.toolCall);
    QVERIFY(plan.text.contains("No tools"));
}

void tst_OfflineModel::summarisesObservation_data()
{
    QTest::addColumn<QList<ChatMessage>>("results");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("result") << QList<ChatMessage> {ChatMessage::toolResult("c1", "echo",
                                                                           "Echo: hi")}
                            << QStringList {"echo returned: Echo: hi"};
    QTest::newRow("error") << QList<ChatMessage> {ChatMessage::toolResult("c1", "read_file",
                                                                          "ENOENT", true)}
                           << QStringList {"read_file reported an error: ENOENT"};
    QTest::newRow("two results") << QList<ChatMessage> {ChatMessage::toolResult("c1", "echo",
                                                                                "Echo: a"),
                                                        ChatMessage::toolResult("c2", "add", "5")}
                                 << QStringList {"echo returned: Echo: a", "add returned: 5"};
    QTest::newRow("long result shortened")
            << QList<ChatMessage> {ChatMessage::toolResult("c1", "echo", QString(5000, 'z'))}
            << QStringList {"echo returned: zzz", "…"};
}

void tst_OfflineModel::summarisesObservation()
{
    QFETCH(QList<ChatMessage>, results);
    QFETCH(QStringList, expected);
    ChatRequest request = requestFor("call echo with message=hi");
    request.messages.append(
            ChatMessage::assistant("", {{"c1", "echo", obj(R"({"message":"hi"})")}}));
    request.messages.append(results);
    const OfflineModel::Plan plan = OfflineModel::plan(request);
    QVERIFY(!plan.toolCall);
    QCOMPARE(plan.stopReason, StopReason::EndTurn);
    for (const QString &e : expected)
        QVERIFY2(plan.text.contains(e), qPrintable(plan.text));
    QVERIFY(plan.text.size() < 1000);
}

void tst_OfflineModel::echoCycleThroughStream()
{
    OfflineModel model;
    ChatRequest request = requestFor("call echo with message=hi");
    ChatStream *first = model.start(request);
    StreamRecorder rec(first);
    QCOMPARE(rec.events.size(), 0); // asynchronous: nothing from inside start()
    QVERIFY(rec.waitForEnd(2000));
    QCOMPARE(rec.stopReason, StopReason::ToolUse);
    QCOMPARE(rec.completed.size(), 1);
    QCOMPARE(rec.completed.at(0).name, QStringLiteral("echo"));
    QCOMPARE(rec.completed.at(0).arguments, obj(R"({"message":"hi"})"));
    QCOMPARE(rec.startedIds.value(0), rec.completed.at(0).id);
    QCOMPARE(QJsonDocument::fromJson(rec.arguments.value(0).toUtf8()).object(),
             obj(R"({"message":"hi"})"));
    QVERIFY(rec.usage);
    QCOMPARE(rec.events.last(), QStringLiteral("finished"));

    request.messages.append(first->message());
    request.messages.append(ChatMessage::toolResult(rec.completed.at(0).id, "echo", "Echo: hi"));
    first->deleteLater();
    StreamRecorder answer(model.start(request));
    QVERIFY(answer.waitForEnd(2000));
    QCOMPARE(answer.stopReason, StopReason::EndTurn);
    QVERIFY(answer.completed.isEmpty());
    QVERIFY2(answer.text.contains("Echo: hi"), qPrintable(answer.text));

    // A longer answer streams in a few deltas that add up to the plan's text.
    StreamRecorder help(model.start(requestFor("hello")));
    QVERIFY(help.waitForEnd(2000));
    QVERIFY(help.textDeltas >= 3);
    QCOMPARE(help.text, OfflineModel::plan(requestFor("hello")).text);
    QCOMPARE(help.signalsAfterEnd, 0);
}

void tst_OfflineModel::cancel()
{
    OfflineModel model;
    ChatStream *stream = model.start(requestFor("hello"));
    StreamRecorder rec(stream);
    QVERIFY(QTest::qWaitFor([&] { return rec.textDeltas >= 1; }, 2000));
    stream->cancel();
    QCOMPARE(rec.terminals, 1);
    QCOMPARE(rec.error->kind, LlmError::Kind::Cancelled);
    QCOMPARE(rec.error->provider, QStringLiteral("offline"));
    QTest::qWait(50);
    QCOMPARE(rec.signalsAfterEnd, 0);
    QVERIFY(!rec.stopReason);
}

QTEST_GUILESS_MAIN(tst_OfflineModel)
#include "tst_offlinemodel.moc"
