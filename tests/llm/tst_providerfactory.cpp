// ProviderConfig and createChatModel: config file sections, the environment, CLI precedence,
// the automatic choice of provider, and that keys go only to their own provider.

#include <chatmodel.h>
#include <configreader.h>
#include <providerfactory.h>

#include <QJsonDocument>
#include <QTest>

#include <memory>

namespace {

QProcessEnvironment env(const QStringList &pairs)
{
    QProcessEnvironment e;
    for (const QString &pair : pairs)
        e.insert(pair.section(QLatin1Char('='), 0, 0), pair.section(QLatin1Char('='), 1));
    return e;
}

QJsonObject obj(const char *json)
{
    return QJsonDocument::fromJson(json).object();
}

} // namespace

class tst_ProviderFactory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fromJson();
    void resolution_data();
    void resolution();
    void cliOverridesEverything();
    void createChatModel_data();
    void createChatModel();
    void readReportsMistakes_data();
    void readReportsMistakes();
    void flatFormAtTheTop();
    void sseLineBound();
    void displayJsonHidesKey();
};

void tst_ProviderFactory::fromJson()
{
    const ProviderConfig c
            = ProviderConfig::fromJson(obj(R"({"provider":"openai","model":"llama3.1",
        "base_url":"http://localhost:11434/v1","api_key":"k","max_retries":5,
        "retry_base_delay_ms":10,"idle_timeout_ms":2000,"request_timeout_ms":9000})"));
    QCOMPARE(c.provider, QStringLiteral("openai"));
    QCOMPARE(c.model, QStringLiteral("llama3.1"));
    QCOMPARE(c.baseUrl, QStringLiteral("http://localhost:11434/v1"));
    QCOMPARE(c.apiKey, QStringLiteral("k"));
    QCOMPARE(c.maxRetries, 5);
    QCOMPARE(c.retryBaseDelayMs, 10);
    QCOMPARE(c.idleTimeoutMs, 2000);
    QCOMPARE(c.requestTimeoutMs, 9000);

    // A config file whose "provider" is the section.
    const ProviderConfig nested = ProviderConfig::fromJson(
            obj(R"({"provider":{"name":"anthropic","model":"claude-x"}})"));
    QCOMPARE(nested.provider, QStringLiteral("anthropic"));
    QCOMPARE(nested.model, QStringLiteral("claude-x"));

    const ProviderConfig r = ProviderConfig::fromJson({}).resolved();
    QCOMPARE(r.maxRetries, ProviderConfig::kDefaultMaxRetries);
    QCOMPARE(r.idleTimeoutMs, 60000);
}

void tst_ProviderFactory::resolution_data()
{
    QTest::addColumn<QJsonObject>("file");
    QTest::addColumn<QStringList>("environment");
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("apiKey");
    QTest::addColumn<QString>("baseUrl");

    QTest::newRow("nothing: offline") << QJsonObject() << QStringList() << "offline"
                                      << ""
                                      << ""
                                      << "";
    QTest::newRow("Anthropic key")
            << QJsonObject() << QStringList {"ANTHROPIC_API_KEY=ak"} << "anthropic"
            << "claude-sonnet-4-5"
            << "ak"
            << "https://api.anthropic.com";
    QTest::newRow("OpenAI key") << QJsonObject() << QStringList {"OPENAI_API_KEY=ok"} << "openai"
                                << "gpt-4o-mini"
                                << "ok"
                                << "https://api.openai.com/v1";
    QTest::newRow("OpenAI base URL only (Ollama)")
            << QJsonObject() << QStringList {"OPENAI_BASE_URL=http://localhost:11434/v1"}
            << "openai"
            << "gpt-4o-mini"
            << ""
            << "http://localhost:11434/v1";
    QTest::newRow("both keys: Anthropic")
            << QJsonObject() << QStringList {"OPENAI_API_KEY=ok", "ANTHROPIC_API_KEY=ak"}
            << "anthropic"
            << "claude-sonnet-4-5"
            << "ak"
            << "https://api.anthropic.com";
    QTest::newRow("file names openai: the Anthropic key stays out")
            << obj(R"({"provider":"openai","base_url":"http://h/v1"})")
            << QStringList {"ANTHROPIC_API_KEY=ak"} << "openai"
            << "gpt-4o-mini"
            << ""
            << "http://h/v1";
    QTest::newRow("environment beats the file's key")
            << obj(R"({"provider":"openai","api_key":"file-key","model":"m1"})")
            << QStringList {"OPENAI_API_KEY=env-key"} << "openai"
            << "m1"
            << "env-key"
            << "https://api.openai.com/v1";
    QTest::newRow("MCPHOST_PROVIDER and MCPHOST_MODEL beat the file")
            << obj(R"({"provider":"anthropic","model":"claude-x","api_key":"file-key"})")
            << QStringList {"MCPHOST_PROVIDER=openai", "MCPHOST_MODEL=qwen3", "OPENAI_API_KEY=ok"}
            << "openai"
            << "qwen3"
            << "ok"
            << "https://api.openai.com/v1";
    QTest::newRow("MCPHOST_PROVIDER=offline")
            << QJsonObject() << QStringList {"MCPHOST_PROVIDER=offline", "OPENAI_API_KEY=ok"}
            << "offline"
            << ""
            << ""
            << "";
    QTest::newRow("file without a provider, with a base URL")
            << obj(R"({"base_url":"http://127.0.0.1:8080/v1","model":"local"})") << QStringList()
            << "openai"
            << "local"
            << ""
            << "http://127.0.0.1:8080/v1";
    QTest::newRow("alias ollama") << obj(R"({"provider":"ollama","model":"llama3.2"})")
                                  << QStringList() << "openai"
                                  << "llama3.2"
                                  << ""
                                  << "http://localhost:11434/v1";
}

void tst_ProviderFactory::resolution()
{
    QFETCH(QJsonObject, file);
    QFETCH(QStringList, environment);
    QFETCH(QString, provider);
    QFETCH(QString, model);
    QFETCH(QString, apiKey);
    QFETCH(QString, baseUrl);

    ProviderConfig config = ProviderConfig::fromJson(file);
    config.applyEnvironment(env(environment));
    const ProviderConfig r = config.resolved();
    QCOMPARE(r.provider, provider);
    QCOMPARE(r.model, model);
    QCOMPARE(r.apiKey, apiKey);
    QCOMPARE(r.baseUrl, baseUrl);
}

void tst_ProviderFactory::cliOverridesEverything()
{
    ProviderConfig config = ProviderConfig::fromJson(
            obj(R"({"provider":"anthropic","model":"claude-x","api_key":"file-anthropic-key"})"));
    config.applyEnvironment(env({"OPENAI_API_KEY=env-openai-key", "MCPHOST_MODEL=env-model"}));
    ProviderConfig cli;
    cli.provider = QStringLiteral("openai");
    ProviderConfig r = ProviderConfig::merge(config, cli).resolved();
    QCOMPARE(r.provider, QStringLiteral("openai"));
    QCOMPARE(r.apiKey, QStringLiteral("env-openai-key")); // never the Anthropic key
    QCOMPARE(r.model, QStringLiteral("gpt-4o-mini")); // the env model was for the file's provider

    cli.model = QStringLiteral("cli-model");
    r = ProviderConfig::merge(config, cli).resolved();
    QCOMPARE(r.model, QStringLiteral("cli-model"));

    // Only a model on the command line: the provider stays, the model changes.
    ProviderConfig cliModel;
    cliModel.model = QStringLiteral("claude-cli");
    r = ProviderConfig::merge(config, cliModel).resolved();
    QCOMPARE(r.provider, QStringLiteral("anthropic"));
    QCOMPARE(r.model, QStringLiteral("claude-cli"));
    QCOMPARE(r.apiKey, QStringLiteral("file-anthropic-key"));

    // Numbers: a higher layer's values win, unset ones fall through.
    ProviderConfig low;
    low.maxRetries = 7;
    low.idleTimeoutMs = 100;
    ProviderConfig high;
    high.idleTimeoutMs = 200;
    const ProviderConfig merged = ProviderConfig::merge(low, high);
    QCOMPARE(merged.maxRetries, 7);
    QCOMPARE(merged.idleTimeoutMs, 200);
}

void tst_ProviderFactory::createChatModel_data()
{
    QTest::addColumn<QJsonObject>("section");
    QTest::addColumn<QString>("displayName");
    QTest::addColumn<QString>("providerName");
    QTest::addColumn<QString>("error"); // expected in the error when no model is made
    QTest::newRow("offline") << QJsonObject() << "built-in offline model"
                             << "offline"
                             << "";
    QTest::newRow("openai") << obj(R"({"provider":"openai","api_key":"x"})") << "openai:gpt-4o-mini"
                            << "openai"
                            << "";
    QTest::newRow("anthropic") << obj(
            R"({"provider":"anthropic","model":"claude-haiku-4-5","api_key":"k"})")
                               << "anthropic:claude-haiku-4-5"
                               << "anthropic"
                               << "";
    QTest::newRow("openai-compatible local server needs no key")
            << obj(R"({"provider":"openai","base_url":"http://127.0.0.1:11434/v1"})")
            << "openai:gpt-4o-mini"
            << "openai"
            << "";
    QTest::newRow("unknown") << obj(R"({"provider":"gemini"})") << ""
                             << ""
                             << "gemini";
    // Before any network use: a hosted provider chosen without its key.
    QTest::newRow("openai without a key") << obj(R"({"provider":"openai"})") << ""
                                          << ""
                                          << "no API key for openai: set";
    QTest::newRow("anthropic without a key") << obj(R"({"provider":"anthropic"})") << ""
                                             << ""
                                             << "no API key for anthropic: set";
}

void tst_ProviderFactory::createChatModel()
{
    QFETCH(QJsonObject, section);
    QFETCH(QString, displayName);
    QFETCH(QString, providerName);
    QFETCH(QString, error);
    QString why;
    std::unique_ptr<ChatModel> model(
            ::createChatModel(ProviderConfig::fromJson(section), nullptr, &why));
    if (displayName.isEmpty()) {
        QVERIFY(!model);
        QVERIFY2(why.contains(error), qPrintable(why));
        return;
    }
    QVERIFY2(model, qPrintable(why));
    QCOMPARE(model->displayName(), displayName);
    QCOMPARE(model->providerName(), providerName);
}

void tst_ProviderFactory::readReportsMistakes_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("message"); // "line:column: text"
    QTest::newRow("unknown provider")
            << QByteArray(R"({"provider": {"name": "opanai"}})")
            << "1:23: provider.name must be one of openai, anthropic, offline or auto";
    QTest::newRow("unknown provider as a string")
            << QByteArray(R"({"provider": "opanai"})") << "1:14: provider must be one of";
    QTest::newRow("retries as a string")
            << QByteArray(R"({"provider": {"max_retries": "3"}})")
            << "1:30: provider.max_retries must be a whole number between 0 and 10, not a string";
    QTest::newRow("retries out of range") << QByteArray(R"({"provider": {"max_retries": 1e10}})")
                                          << "1:30: provider.max_retries must be a whole number "
                                             "between 0 and 10, got 10000000000";
    QTest::newRow("idle timeout negative")
            << QByteArray(R"({"provider": {"idle_timeout_ms": -1}})")
            << "1:34: provider.idle_timeout_ms must be a whole number between 0 and 3600000";
    QTest::newRow("SSE line bound too small")
            << QByteArray(R"({"provider": {"max_sse_line_bytes": 10}})")
            << "1:37: provider.max_sse_line_bytes must be a whole number between 1024";
    QTest::newRow("base URL not http")
            << QByteArray(R"({"provider": {"base_url": "localhost:8080"}})")
            << "1:27: provider.base_url must be an http:// or https:// URL";
    QTest::newRow("model as a number") << QByteArray(R"({"provider": {"model": 4}})")
                                       << "1:24: provider.model must be a string";
    QTest::newRow("provider as a number")
            << QByteArray(R"({"provider": 4})") << "1:14: provider must be an object";
}

void tst_ProviderFactory::readReportsMistakes()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, message);
    ConfigReader reader(QStringLiteral("c.json"), JsonPositions::scan(json));
    const ProviderConfig c = ProviderConfig::read(reader, QJsonDocument::fromJson(json).object());
    QCOMPARE(reader.errors().size(), 1);
    QVERIFY2(reader.errors().first().toString().startsWith(QStringLiteral("c.json:") + message),
             qPrintable(reader.errors().first().toString()));
}

// The older flat form keeps its meaning: the provider's name at the top, its values beside it.
void tst_ProviderFactory::flatFormAtTheTop()
{
    ConfigReader reader;
    const ProviderConfig c = ProviderConfig::read(
            reader, obj(R"({"provider": "ollama", "model": "llama3.2", "max_retries": 1})"));
    QVERIFY(reader.errors().isEmpty());
    QCOMPARE(c.provider, QStringLiteral("ollama"));
    QCOMPARE(c.model, QStringLiteral("llama3.2"));
    QCOMPARE(c.maxRetries, 1);
}

void tst_ProviderFactory::sseLineBound()
{
    ConfigReader reader;
    QCOMPARE(ProviderConfig::read(reader, {}).resolved().maxSseLineBytes,
             ProviderConfig::kDefaultMaxSseLineBytes);
    const ProviderConfig c
            = ProviderConfig::read(reader, obj(R"({"provider": {"max_sse_line_bytes": 65536}})"));
    QVERIFY(reader.errors().isEmpty());
    QCOMPARE(c.resolved().maxSseLineBytes, qint64(65536));
}

void tst_ProviderFactory::displayJsonHidesKey()
{
    ProviderConfig config;
    config.provider = QStringLiteral("openai");
    config.apiKey = QStringLiteral("sk-secret-value");
    const QJsonObject shown = config.toDisplayJson();
    QVERIFY(!QJsonDocument(shown).toJson().contains("sk-secret-value"));
    QCOMPARE(shown.value("api_key_set").toBool(), true);
    QCOMPARE(shown.value("provider").toString(), QStringLiteral("openai"));
}

QTEST_GUILESS_MAIN(tst_ProviderFactory)
#include "tst_providerfactory.moc"
