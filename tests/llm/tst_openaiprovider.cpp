// OpenAiProvider against the scripted-llm fixture over real HTTP: streaming, tool calls, the
// compatible servers' quirks, every fault, cancellation, and the request body it sends.

#include "llmtestutil.h"

#include <openaiprovider.h>

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <memory>

class tst_OpenAiProvider : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void textStreaming();
    void toolCalls_data();
    void toolCalls();
    void reasoning_data();
    void reasoning();
    void usage_data();
    void usage();
    void retriedThenSucceeds_data();
    void retriedThenSucceeds();
    void retriesExhausted();
    void authErrorNotRetried();
    void cutStream();
    void malformedChunk();
    void streamErrorAfterOutput();
    void stalledStream();
    void connectionRefused();
    void cancelMidStream();
    void outputBounds_data();
    void outputBounds();
    void longEventUnderTheBound();
    void requestBody();
    void noApiKeyNoAuthorization();

private:
    std::unique_ptr<OpenAiProvider> provider(int idleTimeoutMs = 10000, int maxRetries = 3,
                                             const QString &key
                                             = QStringLiteral("sk-test-0123456789"));
    ScriptedLlm m_llm;
};

std::unique_ptr<OpenAiProvider> tst_OpenAiProvider::provider(int idleTimeoutMs, int maxRetries,
                                                             const QString &key)
{
    HttpProviderOptions options;
    options.baseUrl = m_llm.url(QStringLiteral("/v1"));
    options.apiKey = key;
    options.model = QStringLiteral("test-model");
    options.maxRetries = maxRetries;
    options.retryBaseDelayMs = 20;
    options.idleTimeoutMs = idleTimeoutMs;
    return std::make_unique<OpenAiProvider>(options);
}

void tst_OpenAiProvider::initTestCase()
{
    QVERIFY2(m_llm.start(), "the scripted-llm fixture did not start");
}

void tst_OpenAiProvider::textStreaming()
{
    const QString scripted = QStringLiteral("Hello from the scripted model, streamed in pieces.");
    QVERIFY(m_llm.setScript({QJsonObject {{"text", scripted}, {"chunk_size", 6}}}));
    auto model = provider();
    QCOMPARE(model->displayName(), QStringLiteral("openai:test-model"));
    ChatStream *stream = model->start(simpleRequest());
    StreamRecorder rec(stream);
    QCOMPARE(rec.events.size(), 0); // nothing is emitted from inside start()
    QVERIFY(rec.waitForEnd());
    QVERIFY2(!rec.error, qPrintable(rec.error ? rec.error->message : QString()));
    QCOMPARE(rec.text, scripted);
    QVERIFY2(rec.textDeltas >= 5, "the text should arrive in several deltas");
    QCOMPARE(rec.stopReason, StopReason::EndTurn);
    QCOMPARE(rec.terminals, 1);
    QCOMPARE(stream->message().text, scripted);
    QTest::qWait(50);
    QCOMPARE(rec.signalsAfterEnd, 0);
}

void tst_OpenAiProvider::toolCalls_data()
{
    QTest::addColumn<QJsonObject>("reply");
    QTest::addColumn<QStringList>("expectedIds");

    const QJsonObject echo {{"name", "echo"}, {"arguments", QJsonObject {{"message", "hi"}}}};
    const QJsonObject add {{"name", "add"}, {"arguments", QJsonObject {{"a", 2}, {"b", 3.5}}}};
    QTest::newRow("one call") << QJsonObject {{"tool_calls", QJsonArray {echo}}}
                              << QStringList {"call_scripted_0_0"};
    QTest::newRow("two parallel calls split in 3-char pieces")
            << QJsonObject {{"text", "Let me do both."},
                            {"tool_calls", QJsonArray {echo, add}},
                            {"chunk_size", 3}}
            << QStringList {"call_scripted_0_0", "call_scripted_0_1"};
    QTest::newRow("arguments in one chunk")
            << QJsonObject {{"tool_calls", QJsonArray {echo, add}}, {"chunk_size", 1000}}
            << QStringList {"call_scripted_0_0", "call_scripted_0_1"};
    QTest::newRow("late ids") << QJsonObject {{"tool_calls", QJsonArray {echo, add}},
                                              {"fault", "late_ids"},
                                              {"chunk_size", 4}}
                              << QStringList {"call_scripted_0_0", "call_scripted_0_1"};
    QTest::newRow("missing ids are synthesized")
            << QJsonObject {{"tool_calls", QJsonArray {echo, add}}, {"fault", "missing_ids"}}
            << QStringList {"call_0", "call_1"};
    QTest::newRow("finish_reason stop with tool calls")
            << QJsonObject {{"tool_calls", QJsonArray {echo}}, {"finish_reason", "stop"}}
            << QStringList {"call_scripted_0_0"};
}

void tst_OpenAiProvider::toolCalls()
{
    QFETCH(QJsonObject, reply);
    QFETCH(QStringList, expectedIds);
    QVERIFY(m_llm.setScript({reply}));
    auto model = provider();
    ChatStream *stream = model->start(simpleRequest(QStringLiteral("use the tools")));
    StreamRecorder rec(stream);
    QVERIFY(rec.waitForEnd());
    QVERIFY2(!rec.error, qPrintable(rec.error ? rec.error->message : QString()));
    QCOMPARE(rec.stopReason, StopReason::ToolUse);

    const QJsonArray calls = reply.value("tool_calls").toArray();
    QCOMPARE(rec.completed.size(), calls.size());
    for (int i = 0; i < calls.size(); ++i) {
        const QJsonObject expected = calls.at(i).toObject();
        QCOMPARE(rec.completedIndexes.at(i), i);
        QCOMPARE(rec.completed.at(i).name, expected.value("name").toString());
        QCOMPARE(rec.completed.at(i).arguments, expected.value("arguments").toObject());
        QCOMPARE(rec.completed.at(i).id, expectedIds.at(i));
        // The id announced first is the final id; the fragments add up to the arguments.
        QCOMPARE(rec.startedIds.value(i), expectedIds.at(i));
        QCOMPARE(rec.startedNames.value(i), expected.value("name").toString());
        QCOMPARE(QJsonDocument::fromJson(rec.arguments.value(i).toUtf8()).object(),
                 expected.value("arguments").toObject());
        QVERIFY(rec.events.indexOf(QStringLiteral("start:%1").arg(i))
                < rec.events.indexOf(QStringLiteral("done:%1").arg(i)));
    }
    if (reply.value("chunk_size").toInt(8) <= 4)
        QVERIFY2(rec.argumentDeltas.value(0) > 1, "arguments should stream in several fragments");
    QCOMPARE(stream->toolCalls(), rec.completed);
    QCOMPARE(rec.text, reply.value("text").toString());
}

void tst_OpenAiProvider::reasoning_data()
{
    QTest::addColumn<QString>("field");
    QTest::newRow("reasoning_content (vLLM, DeepSeek)") << QStringLiteral("reasoning_content");
    QTest::newRow("reasoning (Ollama, OpenRouter)") << QStringLiteral("reasoning");
}

void tst_OpenAiProvider::reasoning()
{
    QFETCH(QString, field);
    QVERIFY(m_llm.setScript({QJsonObject {{"reasoning", "First I think about it carefully."},
                                          {"reasoning_field", field},
                                          {"text", "Answer."}}}));
    auto model = provider();
    StreamRecorder rec(model->start(simpleRequest()));
    QVERIFY(rec.waitForEnd());
    QCOMPARE(rec.reasoning, QStringLiteral("First I think about it carefully."));
    QVERIFY(rec.reasoningDeltas > 1);
    QCOMPARE(rec.text, QStringLiteral("Answer."));
    QVERIFY(rec.events.indexOf(QStringLiteral("reasoning"))
            < rec.events.indexOf(QStringLiteral("text")));
}

void tst_OpenAiProvider::usage_data()
{
    QTest::addColumn<QString>("fault");
    QTest::addColumn<bool>("expectUsage");
    QTest::newRow("usage chunk") << QString() << true;
    QTest::newRow("no usage chunk (older servers)") << QStringLiteral("no_usage") << false;
}

void tst_OpenAiProvider::usage()
{
    QFETCH(QString, fault);
    QFETCH(bool, expectUsage);
    QVERIFY(m_llm.setScript(
            {QJsonObject {{"text", "Counted."},
                          {"fault", fault},
                          {"usage", QJsonObject {{"input_tokens", 42}, {"output_tokens", 7}}}}}));
    auto model = provider();
    StreamRecorder rec(model->start(simpleRequest()));
    QVERIFY(rec.waitForEnd());
    QCOMPARE(rec.stopReason, StopReason::EndTurn);
    QCOMPARE(bool(rec.usage), expectUsage);
    if (expectUsage) {
        QCOMPARE(rec.usage->inputTokens, 42);
        QCOMPARE(rec.usage->outputTokens, 7);
        QCOMPARE(rec.events.at(rec.events.size() - 2), QStringLiteral("usage"));
    }
}

void tst_OpenAiProvider::retriedThenSucceeds_data()
{
    QTest::addColumn<QJsonObject>("fault");
    QTest::addColumn<int>("minElapsedMs");
    QTest::newRow("429 with Retry-After: 1")
            << QJsonObject {{"fault", "429"}, {"retry_after", 1}} << 950;
    QTest::newRow("500") << QJsonObject {{"fault", "500"}} << 0;
    QTest::newRow("503") << QJsonObject {{"fault", "503"}} << 0;
    QTest::newRow("connection reset") << QJsonObject {{"fault", "reset"}} << 0;
    QTest::newRow("error event before any output") << QJsonObject {{"fault", "stream_error"}} << 0;
}

void tst_OpenAiProvider::retriedThenSucceeds()
{
    QFETCH(QJsonObject, fault);
    QFETCH(int, minElapsedMs);
    QVERIFY(m_llm.setScript({fault, QJsonObject {{"text", "Recovered."}}}));
    auto model = provider();
    QElapsedTimer timer;
    timer.start();
    StreamRecorder rec(model->start(simpleRequest()));
    QVERIFY(rec.waitForEnd());
    QVERIFY2(!rec.error, qPrintable(rec.error ? rec.error->message : QString()));
    QCOMPARE(rec.text, QStringLiteral("Recovered."));
    QVERIFY2(timer.elapsed() >= minElapsedMs, "Retry-After was not honoured");
    QCOMPARE(m_llm.requests().size(), 2);
}

void tst_OpenAiProvider::retriesExhausted()
{
    QVERIFY(m_llm.setScript({QJsonObject {{"fault", "500"}}, QJsonObject {{"fault", "502"}},
                             QJsonObject {{"fault", "500"}}, QJsonObject {{"text", "late"}}}));
    auto model = provider(10000, 2);
    StreamRecorder rec(model->start(simpleRequest()));
    QVERIFY(rec.waitForEnd());
    QVERIFY(rec.error);
    QCOMPARE(rec.error->kind, LlmError::Kind::Server);
    QCOMPARE(rec.error->httpStatus, 500);
    QVERIFY(rec.error->retryable);
    QVERIFY2(rec.error->message.contains(QStringLiteral("scripted HTTP 500")),
             qPrintable(rec.error->message));
    QCOMPARE(m_llm.requests().size(), 3); // one attempt + two retries
}

void tst_OpenAiProvider::authErrorNotRetried()
{
    QVERIFY(m_llm.setScript({QJsonObject {{"fault", "401"}}, QJsonObject {{"text", "no"}}}));
    auto model = provider();
    StreamRecorder rec(model->start(simpleRequest()));
    QVERIFY(rec.waitForEnd());
    QVERIFY(rec.error);
    QCOMPARE(rec.error->kind, LlmError::Kind::Auth);
    QCOMPARE(rec.error->httpStatus, 401);
    QCOMPARE(rec.error->provider, QStringLiteral("openai"));
    QVERIFY(!rec.error->retryable);
    QVERIFY2(rec.error->message.contains(QStringLiteral("OpenAI")), qPrintable(rec.error->message));
    QVERIFY2(rec.error->message.contains(QStringLiteral("Incorrect API key provided")),
             qPrintable(rec.error->message));
    QVERIFY(!rec.error->message.contains(QStringLiteral("sk-test-0123456789")));
    QCOMPARE(m_llm.requests().size(), 1);
}

void tst_OpenAiProvider::cutStream()
{
    QVERIFY(m_llm.setScript(
            {QJsonObject {{"text", "This answer will be cut off in the middle of the stream."},
                          {"chunk_size", 5},
                          {"fault", "cut"}}}));
    auto model = provider();
    StreamRecorder rec(model->start(simpleRequest()));
    QVERIFY(rec.waitForEnd());
    QVERIFY(rec.error);
    QCOMPARE(rec.error->kind, LlmError::Kind::Network);
    QVERIFY(!rec.stopReason);
    QVERIFY(!rec.text.isEmpty()); // what arrived was delivered…
    QVERIFY(rec.text.size() < 56); // …but not the whole answer
    QCOMPARE(m_llm.requests().size(), 1); // output was delivered: no retry
}

void tst_OpenAiProvider::malformedChunk()
{
    QVERIFY(m_llm.setScript(
            {QJsonObject {{"text", "Some text before the garbage."}, {"fault", "malformed"}}}));
    auto model = provider();
    StreamRecorder rec(model->start(simpleRequest()));
    QVERIFY(rec.waitForEnd());
    QVERIFY(rec.error);
    QCOMPARE(rec.error->kind, LlmError::Kind::Protocol);
    QVERIFY(rec.error->message.contains(QStringLiteral("malformed")));
    QTest::qWait(100);
    QCOMPARE(rec.signalsAfterEnd, 0);
}

void tst_OpenAiProvider::streamErrorAfterOutput()
{
    QVERIFY(m_llm.setScript(
            {QJsonObject {{"text", "Partial answer then an error."}, {"fault", "stream_error"}}}));
    auto model = provider();
    StreamRecorder rec(model->start(simpleRequest()));
    QVERIFY(rec.waitForEnd());
    QVERIFY(rec.error);
    QCOMPARE(rec.error->kind, LlmError::Kind::Server);
    QVERIFY2(rec.error->message.contains(QStringLiteral("overloaded (scripted)")),
             qPrintable(rec.error->message));
}

void tst_OpenAiProvider::stalledStream()
{
    QVERIFY(m_llm.setScript({QJsonObject {
            {"text", "too late"}, {"fault", "slow_first_token"}, {"first_delay_ms", 4000}}}));
    auto model = provider(300);
    QElapsedTimer timer;
    timer.start();
    StreamRecorder rec(model->start(simpleRequest()));
    QVERIFY(rec.waitForEnd(3000));
    QVERIFY(rec.error);
    QCOMPARE(rec.error->kind, LlmError::Kind::Timeout);
    QVERIFY(timer.elapsed() < 2500);
    QVERIFY(rec.text.isEmpty());
}

void tst_OpenAiProvider::connectionRefused()
{
    HttpProviderOptions options;
    options.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:1/v1")); // nothing listens on port 1
    options.maxRetries = 1;
    options.retryBaseDelayMs = 10;
    OpenAiProvider model(options);
    StreamRecorder rec(model.start(simpleRequest()));
    QVERIFY(rec.waitForEnd());
    QVERIFY(rec.error);
    QCOMPARE(rec.error->kind, LlmError::Kind::Network);
    QVERIFY(rec.error->retryable);
    QVERIFY(rec.error->message.contains(QStringLiteral("gave up after 1 retries")));
}

void tst_OpenAiProvider::cancelMidStream()
{
    QVERIFY(m_llm.setScript({QJsonObject {
            {"text", QString(400, QLatin1Char('x'))}, {"chunk_size", 4}, {"delay_ms", 20}}}));
    auto model = provider();
    ChatStream *stream = model->start(simpleRequest());
    StreamRecorder rec(stream);
    QVERIFY(QTest::qWaitFor([&] { return rec.textDeltas >= 3; }, 5000));
    stream->cancel();
    // The cancellation is reported before cancel() returns; nothing follows.
    QCOMPARE(rec.terminals, 1);
    QVERIFY(rec.error);
    QCOMPARE(rec.error->kind, LlmError::Kind::Cancelled);
    const int deltas = rec.textDeltas;
    QTest::qWait(300);
    QCOMPARE(rec.textDeltas, deltas);
    QCOMPARE(rec.signalsAfterEnd, 0);
    stream->cancel(); // harmless a second time
    QCOMPARE(rec.terminals, 1);
    // The fixture saw the client go away before the end of the answer.
    QTRY_COMPARE(m_llm.requests().at(0).toObject().value("outcome").toString(),
                 QStringLiteral("client_closed"));
}

void tst_OpenAiProvider::requestBody()
{
    QVERIFY(m_llm.setScript({QJsonObject {{"text", "ok"}}}));
    ChatRequest request = simpleRequest(QStringLiteral("echo hi and add 2 3"));
    request.maxTokens = 256;
    request.temperature = 0.25;
    request.messages.append(ChatMessage::assistant(
            QStringLiteral("Calling both."),
            {{QStringLiteral("call_a"), QStringLiteral("echo"), QJsonObject {{"message", "hi"}}},
             {QStringLiteral("call_b"), QStringLiteral("add"), QJsonObject {{"a", 2}, {"b", 3}}}}));
    request.messages.append(ChatMessage::toolResult(
            QStringLiteral("call_a"), QStringLiteral("echo"), QStringLiteral("Echo: hi")));
    request.messages.append(ChatMessage::toolResult(QStringLiteral("call_b"), QStringLiteral("add"),
                                                    QStringLiteral("bad input"), true));
    auto model = provider();
    StreamRecorder rec(model->start(request));
    QVERIFY(rec.waitForEnd());

    const QJsonArray requests = m_llm.requests();
    QCOMPARE(requests.size(), 1);
    const QJsonObject seen = requests.at(0).toObject();
    QCOMPARE(seen.value("path").toString(), QStringLiteral("/v1/chat/completions"));
    const QJsonObject headers = seen.value("headers").toObject();
    QCOMPARE(headers.value("authorization").toString(),
             QStringLiteral("Bearer sk-test-0123456789"));
    QVERIFY(headers.value("content-type")
                    .toString()
                    .startsWith(QStringLiteral("application/json")));

    const QJsonObject body = seen.value("body").toObject();
    QCOMPARE(body.value("model").toString(), QStringLiteral("test-model"));
    QCOMPARE(body.value("stream").toBool(), true);
    QCOMPARE(body.value("stream_options").toObject().value("include_usage").toBool(), true);
    QCOMPARE(body.value("max_tokens").toInt(), 256);
    QCOMPARE(body.value("temperature").toDouble(), 0.25);
    QCOMPARE(body.value("tool_choice").toString(), QStringLiteral("auto"));

    const QJsonArray tools = body.value("tools").toArray();
    QCOMPARE(tools.size(), 2);
    const QJsonObject fn = tools.at(0).toObject().value("function").toObject();
    QCOMPARE(tools.at(0).toObject().value("type").toString(), QStringLiteral("function"));
    QCOMPARE(fn.value("name").toString(), QStringLiteral("echo"));
    QCOMPARE(fn.value("description").toString(), QStringLiteral("Echoes back the input"));
    QCOMPARE(fn.value("parameters").toObject(), echoSchema());

    const QJsonArray messages = body.value("messages").toArray();
    QCOMPARE(messages.size(), 5);
    QCOMPARE(messages.at(0).toObject().value("role").toString(), QStringLiteral("system"));
    QCOMPARE(messages.at(0).toObject().value("content").toString(),
             QStringLiteral("You are a test assistant."));
    QCOMPARE(messages.at(1).toObject().value("role").toString(), QStringLiteral("user"));
    const QJsonObject assistant = messages.at(2).toObject();
    QCOMPARE(assistant.value("role").toString(), QStringLiteral("assistant"));
    const QJsonArray calls = assistant.value("tool_calls").toArray();
    QCOMPARE(calls.size(), 2);
    QCOMPARE(calls.at(0).toObject().value("id").toString(), QStringLiteral("call_a"));
    const QJsonObject callFn = calls.at(1).toObject().value("function").toObject();
    QCOMPARE(callFn.value("name").toString(), QStringLiteral("add"));
    QCOMPARE(QJsonDocument::fromJson(callFn.value("arguments").toString().toUtf8()).object(),
             (QJsonObject {{"a", 2}, {"b", 3}}));
    const QJsonObject result = messages.at(3).toObject();
    QCOMPARE(result.value("role").toString(), QStringLiteral("tool"));
    QCOMPARE(result.value("tool_call_id").toString(), QStringLiteral("call_a"));
    QCOMPARE(result.value("content").toString(), QStringLiteral("Echo: hi"));
    QCOMPARE(messages.at(4).toObject().value("tool_call_id").toString(), QStringLiteral("call_b"));
    QVERIFY(messages.at(4).toObject().value("content").toString().startsWith(
            QStringLiteral("Error")));
}

void tst_OpenAiProvider::noApiKeyNoAuthorization()
{
    QVERIFY(m_llm.setScript({QJsonObject {{"text", "local"}}}));
    auto model = provider(10000, 3, QString());
    ChatRequest request = simpleRequest();
    request.tools.clear();
    StreamRecorder rec(model->start(request));
    QVERIFY(rec.waitForEnd());
    QCOMPARE(rec.text, QStringLiteral("local"));
    const QJsonObject seen = m_llm.requests().at(0).toObject();
    QVERIFY(!seen.value("headers").toObject().contains("authorization"));
    QVERIFY(!seen.value("body").toObject().contains("tools")); // no tools: no tools key at all
    QVERIFY(!seen.value("body").toObject().contains("parallel_tool_calls"));
}

void tst_OpenAiProvider::outputBounds_data()
{
    addOutputBoundsRows();
}

void tst_OpenAiProvider::outputBounds()
{
    QFETCH(QString, flood);
    QFETCH(int, bound);
    auto model = provider();
    checkOutputBounds(m_llm, *model, flood, bound);
}

void tst_OpenAiProvider::longEventUnderTheBound()
{
    auto model = provider();
    checkLongEventUnderTheBound(m_llm, *model);
}

QTEST_GUILESS_MAIN(tst_OpenAiProvider)
#include "tst_openaiprovider.moc"
