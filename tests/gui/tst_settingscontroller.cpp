// SettingsController: the provider settings kept across runs and refused when invalid; the API key
// write-only (stored, never readable from QML, never in the settings file); the config editor's
// validation saying exactly what the real mcp-hostd says (file, line, column, message); saving
// refusing an invalid text and writing a valid one atomically and owner-only; importing Claude
// Desktop's and VS Code's server lists with collisions and unsupported parts named.

#include "keystore.h"
#include "memorykeystore.h"
#include "settingscontroller.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaProperty>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

class tst_SettingsController : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void settingsPersist();
    void invalidSettingsRefused();
    void apiKeyIsWriteOnly();
    void keychainAskedOnlyWhenTheHintIsRead();
    void validationMatchesTheServer();
    void invalidJsonNamesItsPlace();
    void saveRefusesInvalid();
    void saveWritesOwnerOnly();
    void importClaudeDesktop();
    void importVsCode();
    void importRefusesBadFiles_data();
    void importRefusesBadFiles();
    void importRefusesWhenTheEditedTextIsBroken();

private:
    [[nodiscard]] QString path(const QString &name) const { return m_dir->filePath(name); }
    void write(const QString &file, const QByteArray &bytes);
    [[nodiscard]] static QByteArray read(const QString &file);
    [[nodiscard]] static QString data(const QString &name)
    {
        return QStringLiteral(MCPHOST_SOURCE_DIR "/tests/data/import/") + name;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
};

namespace {
/// A key store that counts how often it is asked (a keychain read may prompt the user).
class CountingKeyStore : public KeyStore
{
public:
    void store(const QString &key, const QString &value) override { m_inner.store(key, value); }
    void load(const QString &key, std::function<void(const QString &value)> callback) override
    {
        ++loads;
        m_inner.load(key, std::move(callback));
    }
    int loads = 0;

private:
    MemoryKeyStore m_inner;
};

/// A valid config with one server, as the user has it before an import.
const QByteArray kCurrent = R"({
    "mcpServers": {
        "fixture": {"command": "node", "args": ["fixture.js"]}
    }
}
)";

/// Three mistakes mcp-hostd names with their places.
const QByteArray kBroken = R"({
    "mcpServers": {
        "fs": {"command": 5},
        "web": {"url": "http://localhost:1", "timeout": -3}
    },
    "agent": {"max_iterations": 0}
}
)";

QStringList texts(const QVariantList &errors)
{
    QStringList out;
    for (const QVariant &e : errors)
        out << e.toMap().value(QStringLiteral("text")).toString();
    return out;
}
} // namespace

void tst_SettingsController::initTestCase()
{
    // Never the user's own config or settings.
    QStandardPaths::setTestModeEnabled(true);
    qunsetenv("MCPHOST_CONFIG");
}

void tst_SettingsController::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_SettingsController::write(const QString &file, const QByteArray &bytes)
{
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

QByteArray tst_SettingsController::read(const QString &file)
{
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void tst_SettingsController::settingsPersist()
{
    const QString ini = path("settings.ini");
    {
        SettingsController s(ini);
        QCOMPARE(s.provider(), QString());
        QCOMPARE(s.maxIterations(), 0);
        QSignalSpy providerChanged(&s, &SettingsController::providerChanged);
        s.setProvider(QStringLiteral("Anthropic"));
        QCOMPARE(s.provider(), QStringLiteral("anthropic"));
        QCOMPARE(providerChanged.size(), 1);
        s.setModel(QStringLiteral("  claude-sonnet-4-5 "));
        s.setBaseUrl(QStringLiteral("http://127.0.0.1:11434/v1"));
        s.setMaxIterations(25);
    }
    SettingsController again(ini);
    QCOMPARE(again.provider(), QStringLiteral("anthropic"));
    QCOMPARE(again.model(), QStringLiteral("claude-sonnet-4-5"));
    QCOMPARE(again.baseUrl(), QStringLiteral("http://127.0.0.1:11434/v1"));
    QCOMPARE(again.maxIterations(), 25);
    QVERIFY(again.providers().contains(QStringLiteral("offline")));

    QSignalSpy applied(&again, &SettingsController::applyRequested);
    again.apply();
    QCOMPARE(applied.size(), 1);
}

void tst_SettingsController::invalidSettingsRefused()
{
    const QString ini = path("settings.ini");
    SettingsController s(ini);
    s.setProvider(QStringLiteral("openai"));
    s.setMaxIterations(10);
    QSignalSpy errors(&s, &SettingsController::errorOccurred);

    s.setProvider(QStringLiteral("gpt"));
    QCOMPARE(s.provider(), QStringLiteral("openai"));
    s.setBaseUrl(QStringLiteral("ftp://example.org"));
    QCOMPARE(s.baseUrl(), QString());
    s.setBaseUrl(QStringLiteral("not a url"));
    s.setMaxIterations(500);
    QCOMPARE(s.maxIterations(), 10);
    s.setModel(QString(500, 'm'));
    QCOMPARE(s.model(), QString());

    QCOMPARE(errors.size(), 5);
    QVERIFY2(errors.at(0).at(0).toString().startsWith(QStringLiteral("Provider: ")),
             qPrintable(errors.at(0).at(0).toString()));
    QVERIFY(errors.at(0).at(0).toString().contains(QStringLiteral("gpt")));
    QCOMPARE(errors.at(1).at(0).toString(),
             QStringLiteral("Base URL: \"ftp://example.org\" is not an http:// or https:// URL"));
    QVERIFY2(errors.at(3).at(0).toString().contains(QStringLiteral("between 1 and 100")),
             qPrintable(errors.at(3).at(0).toString()));
    QCOMPARE(s.statusText(), errors.last().at(0).toString());

    // A hand-edited settings file with nonsense is read as "not set".
    {
        QSettings raw(ini, QSettings::IniFormat);
        raw.setValue(QStringLiteral("provider/name"), QStringLiteral("skynet"));
        raw.setValue(QStringLiteral("agent/maxIterations"), 100000);
        raw.setValue(QStringLiteral("provider/baseUrl"), QStringLiteral("file:///etc/passwd"));
    }
    SettingsController fresh(ini);
    QCOMPARE(fresh.provider(), QString());
    QCOMPARE(fresh.maxIterations(), 0);
    QCOMPARE(fresh.baseUrl(), QString());
}

void tst_SettingsController::apiKeyIsWriteOnly()
{
    const QString ini = path("settings.ini");
    const QString secret = QStringLiteral("sk-test-0123456789abcdef");
    MemoryKeyStore store;
    {
        SettingsController s(ini);
        s.setKeyStore(&store);
        s.setProvider(QStringLiteral("openai"));
        QVERIFY(!s.apiKeySet());
        QSignalSpy keySet(&s, &SettingsController::apiKeySetChanged);
        s.setApiKey(secret);
        QVERIFY(s.apiKeySet());
        QCOMPARE(keySet.size(), 1);

        // The key is in the store, under the provider's name.
        QString stored;
        store.load(QStringLiteral("api-key/openai"), [&stored](const QString &v) { stored = v; });
        QCOMPARE(stored, secret);
        QString loaded;
        s.loadApiKey(this, [&loaded](const QString &v) { loaded = v; });
        QCOMPARE(loaded, secret);

        // No property QML can read holds it.
        const QMetaObject *mo = s.metaObject();
        for (int i = 0; i < mo->propertyCount(); ++i) {
            const QMetaProperty p = mo->property(i);
            QVERIFY2(!p.read(&s).toString().contains(secret), p.name());
            QVERIFY2(QByteArray(p.name()) != "apiKey", "apiKey must not be readable");
        }

        // Another provider has its own key.
        s.setProvider(QStringLiteral("anthropic"));
        QVERIFY(!s.apiKeySet());
        s.setProvider(QStringLiteral("openai"));
        QVERIFY(s.apiKeySet());
    }
    QVERIFY2(!read(ini).contains(secret.toUtf8()), read(ini).constData());

    // Without a store the key stays in memory for the life of the controller.
    SettingsController memoryOnly(path("other.ini"));
    memoryOnly.setApiKey(secret);
    QVERIFY(memoryOnly.apiKeySet());
    QVERIFY(!read(path("other.ini")).contains(secret.toUtf8()));
    memoryOnly.clearApiKey();
    QVERIFY(!memoryOnly.apiKeySet());
}

void tst_SettingsController::keychainAskedOnlyWhenTheHintIsRead()
{
    CountingKeyStore keychain;
    keychain.store(QStringLiteral("api-key/default"), QStringLiteral("sk-saved-key"));
    SettingsController s(path("lazy.ini"));
    s.setKeyStore(&keychain);
    QCoreApplication::processEvents();
    QCOMPARE(keychain.loads, 0); // the app's start: nothing asked yet

    // The settings panel reads the hint: the store is asked once, the answer follows.
    QSignalSpy changed(&s, &SettingsController::apiKeySetChanged);
    QVERIFY(!s.apiKeySet());
    QTRY_VERIFY(s.apiKeySet());
    QCOMPARE(changed.size(), 1);
    QVERIFY(s.apiKeySet());
    QCOMPARE(keychain.loads, 1);

    // Another store: the hint is not known for it until it is read again.
    CountingKeyStore empty;
    s.setKeyStore(&empty);
    QCOMPARE(changed.size(), 2);
    QCOMPARE(empty.loads, 0);
    QVERIFY(!s.apiKeySet());
    QTRY_COMPARE(empty.loads, 1);
    QVERIFY(!s.apiKeySet());
}

void tst_SettingsController::validationMatchesTheServer()
{
    const QString config = path("config.json");
    write(config, kBroken);
    SettingsController s(path("settings.ini"));
    s.setConfigPath(config);
    QCOMPARE(s.configText().toUtf8(), kBroken);

    const QVariantList errors = s.validateConfig(QString::fromUtf8(kBroken));
    QCOMPARE(s.configErrors(), errors);
    QCOMPARE(errors.size(), 3);
    const QVariantMap first = errors.at(0).toMap();
    QCOMPARE(first.value("line").toInt(), 3);
    QCOMPARE(first.value("column").toInt(), 27);
    QVERIFY2(first.value("message").toString().contains(QStringLiteral("server \"fs\"")),
             qPrintable(first.value("message").toString()));
    QCOMPARE(errors.at(1).toMap().value("line").toInt(), 4);
    QCOMPARE(errors.at(2).toMap().value("line").toInt(), 6);

    // The real server, started on the same file, says the same lines.
    QProcess host;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("MCPHOST_CONFIG"));
    host.setProcessEnvironment(env);
    host.start(QStringLiteral(MCPHOST_BINARY_DIR "/bin/mcp-hostd"),
               {QStringLiteral("--config"), config, QStringLiteral("--port"), QStringLiteral("0")});
    QVERIFY(host.waitForFinished(30000));
    QVERIFY(host.exitCode() != 0);
    const QString said = QString::fromUtf8(host.readAllStandardError());
    for (const QString &line : texts(errors))
        QVERIFY2(said.contains(line), qPrintable(QStringLiteral("%1\nnot in\n%2").arg(line, said)));

    // A valid text has no errors, and the list clears.
    QVERIFY(s.validateConfig(QString::fromUtf8(kCurrent)).isEmpty());
    QVERIFY(s.configErrors().isEmpty());
}

void tst_SettingsController::invalidJsonNamesItsPlace()
{
    SettingsController s(path("settings.ini"));
    s.setConfigPath(path("config.json"));
    const QVariantList errors
            = s.validateConfig(QStringLiteral("{\n  \"mcpServers\": {\n    \"a\": }\n}"));
    QCOMPARE(errors.size(), 1);
    const QVariantMap e = errors.first().toMap();
    QCOMPARE(e.value("line").toInt(), 3);
    QVERIFY2(e.value("message").toString().startsWith(QStringLiteral("invalid JSON: ")),
             qPrintable(e.value("message").toString()));
    QVERIFY(e.value("text").toString().startsWith(path("config.json") + QStringLiteral(":3:")));
}

void tst_SettingsController::saveRefusesInvalid()
{
    const QString config = path("config.json");
    write(config, kCurrent);
    SettingsController s(path("settings.ini"));
    s.setConfigPath(config);
    QVERIFY(!s.configModified());
    s.setConfigText(QString::fromUtf8(kBroken));
    QVERIFY(s.configModified());
    QSignalSpy errors(&s, &SettingsController::errorOccurred);
    QSignalSpy saved(&s, &SettingsController::configSaved);

    QVERIFY(!s.saveConfig(s.configText()));
    QCOMPARE(read(config), kCurrent); // untouched
    QCOMPARE(s.configErrors().size(), 3);
    QCOMPARE(errors.size(), 1);
    QVERIFY2(s.statusText().startsWith(QStringLiteral("Not saved: 3 problems, the first: ")),
             qPrintable(s.statusText()));
    QCOMPARE(saved.size(), 0);
    QVERIFY(s.configModified()); // the edit is kept for fixing

    QVERIFY(!s.saveConfig(QStringLiteral("not json")));
    QCOMPARE(read(config), kCurrent);
    // No temporary file left behind.
    for (const QString &name : QDir(m_dir->path()).entryList(QDir::Files | QDir::Hidden))
        QVERIFY2(name == QLatin1String("config.json") || name == QLatin1String("settings.ini"),
                 qPrintable(name));
}

void tst_SettingsController::saveWritesOwnerOnly()
{
    const QString config = path("new/folder/config.json");
    SettingsController s(path("settings.ini"));
    s.setConfigPath(config);
    QSignalSpy saved(&s, &SettingsController::configSaved);
    QVERIFY(s.saveConfig(QString::fromUtf8(kCurrent)));
    QCOMPARE(read(config), kCurrent);
    QCOMPARE(saved.size(), 1);
    QCOMPARE(saved.first().first().toString(), config);
    QCOMPARE(QFile::permissions(config),
             QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadUser
                     | QFileDevice::WriteUser);
    QVERIFY(!s.configModified());
    QCOMPARE(s.statusText(), QStringLiteral("Saved to %1").arg(config));

    // Saving again replaces it whole, and keeps it owner-only.
    const QByteArray next = R"({"mcpServers": {}})";
    QVERIFY(s.saveConfig(QString::fromUtf8(next)));
    QCOMPARE(read(config), next);
    QVERIFY(!(QFile::permissions(config) & (QFileDevice::ReadOther | QFileDevice::ReadGroup)));

    // A fresh controller reads what was saved.
    SettingsController again(path("settings.ini"));
    again.setConfigPath(config);
    QCOMPARE(again.configText().toUtf8(), next);
}

void tst_SettingsController::importClaudeDesktop()
{
    const QString config = path("config.json");
    write(config, kCurrent);
    SettingsController s(path("settings.ini"));
    s.setConfigPath(config);

    const QVariantMap r = s.importConfig(QUrl::fromLocalFile(data("claude_desktop_config.json")));
    QVERIFY2(r.value("ok").toBool(), qPrintable(r.value("error").toString()));
    QCOMPARE(r.value("added").toStringList(), QStringList({"filesystem", "memory"}));
    const QStringList notes = r.value("notes").toStringList();
    QCOMPARE(notes.size(), 2);
    QVERIFY2(notes.at(0).startsWith(QStringLiteral("\"broken\" was not added: server \"broken\"")),
             qPrintable(notes.at(0)));
    QCOMPARE(notes.at(1),
             QStringLiteral("\"fixture\" is already configured; the imported \"fixture\" was not "
                            "added (nothing was overwritten; rename one of them to keep both)."));
    QCOMPARE(r.value("message").toString(),
             QStringLiteral("Added 2 servers from claude_desktop_config.json (filesystem, "
                            "memory); review and save"));

    // The editor holds the merge; the user's own "fixture" is unchanged; nothing is saved yet.
    const QJsonObject merged = QJsonDocument::fromJson(s.configText().toUtf8()).object();
    const QJsonObject servers = merged.value("mcpServers").toObject();
    QCOMPARE(servers.keys(), QStringList({"filesystem", "fixture", "memory"}));
    QCOMPARE(servers.value("fixture").toObject().value("args").toArray().first().toString(),
             QStringLiteral("fixture.js"));
    QCOMPARE(servers.value("memory")
                     .toObject()
                     .value("env")
                     .toObject()
                     .value("MEMORY_FILE_PATH")
                     .toString(),
             QStringLiteral("/home/ada/memory.json"));
    QVERIFY(s.configModified());
    QCOMPARE(read(config), kCurrent);
    QVERIFY(s.configErrors().isEmpty());
    QVERIFY(s.saveConfig(s.configText()));

    // Importing the same file again adds nothing and says why.
    const QVariantMap again
            = s.importConfig(QUrl::fromLocalFile(data("claude_desktop_config.json")));
    QVERIFY(again.value("ok").toBool());
    QCOMPARE(again.value("added").toStringList(), QStringList());
    QVERIFY(again.value("notes").toStringList().contains(
            QStringLiteral("\"memory\" is already configured the same way; skipped.")));
    QCOMPARE(again.value("message").toString(),
             QStringLiteral("No server added from claude_desktop_config.json"));
}

void tst_SettingsController::importVsCode()
{
    const QString config = path("config.json");
    write(config, kCurrent);
    SettingsController s(path("settings.ini"));
    s.setConfigPath(config);

    const QVariantMap r = s.importConfig(QUrl::fromLocalFile(data("mcp.json")));
    QVERIFY2(r.value("ok").toBool(), qPrintable(r.value("error").toString()));
    QCOMPARE(r.value("added").toStringList(),
             QStringList({"fetch", "github", "legacy", "workspace"}));
    const QStringList notes = r.value("notes").toStringList();
    const QStringList expected {
            QStringLiteral("\"github\" uses ${input:github-token}, which VS Code fills in and "
                           "mcp-host does not; replace it with the value."),
            QStringLiteral("\"websocket\" was not added: server \"websocket\": unknown \"type\" "
                           "\"ws\" (use stdio, http, streamable-http or sse)"),
            QStringLiteral("\"workspace\": \"envFile\" is not read by mcp-host; put the variables "
                           "into \"env\"."),
            QStringLiteral("\"workspace\" uses ${workspaceFolder}, which VS Code fills in and "
                           "mcp-host does not; replace it with the value."),
            QStringLiteral("The file's \"inputs\" (1) were ignored: mcp-host does not prompt for "
                           "VS Code inputs."),
    };
    QCOMPARE(notes, expected);

    const QJsonObject servers = QJsonDocument::fromJson(s.configText().toUtf8())
                                        .object()
                                        .value("mcpServers")
                                        .toObject();
    QCOMPARE(servers.value("github").toObject().value("type").toString(), QStringLiteral("http"));
    QCOMPARE(servers.value("legacy").toObject().value("type").toString(), QStringLiteral("sse"));
    QCOMPARE(servers.value("fetch").toObject().value("command").toString(), QStringLiteral("uvx"));
    QVERIFY(servers.contains("fixture"));
    QVERIFY(!servers.contains("websocket"));
    // What mcp-hostd would read: valid.
    QVERIFY2(s.configErrors().isEmpty(), qPrintable(texts(s.configErrors()).join('\n')));
}

void tst_SettingsController::importRefusesBadFiles_data()
{
    QTest::addColumn<QString>("file"); // in the temporary folder unless it starts with '/'
    QTest::addColumn<QByteArray>("bytes"); // written there first (unless empty)
    QTest::addColumn<QString>("error");

    QTest::newRow("malformed") << data("malformed.json") << QByteArray()
                               << "malformed.json:3:30: invalid JSON: ";
    QTest::newRow("too large") << "large.json"
                               << QByteArray("{\"mcpServers\": {}, \"pad\": \"")
                    + QByteArray(1024 * 1024, 'x') + "\"}"
                               << "large.json is larger than 1024 KiB";
    QTest::newRow("neither section")
            << "other.json" << QByteArray(R"({"preferences": {}})")
            << "other.json has neither \"mcpServers\" (Claude Desktop) nor \"servers\" (VS Code "
               "mcp.json)";
    QTest::newRow("servers not an object")
            << "mcp.json" << QByteArray(R"({"servers": ["a", "b"]})")
            << "mcp.json: \"servers\" is an array, not an object of servers";
    QTest::newRow("not an object")
            << "list.json" << QByteArray("[1, 2]") << "list.json is not a JSON object";
    QTest::newRow("missing") << "nowhere.json" << QByteArray() << "nowhere.json: no such file";
}

void tst_SettingsController::importRefusesBadFiles()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, bytes);
    QFETCH(QString, error);

    const QString config = path("config.json");
    write(config, kCurrent);
    SettingsController s(path("settings.ini"));
    s.setConfigPath(config);
    const QString target = file.startsWith('/') ? file : path(file);
    if (!bytes.isEmpty())
        write(target, bytes);
    QSignalSpy errors(&s, &SettingsController::errorOccurred);

    const QVariantMap r = s.importConfig(QUrl::fromLocalFile(target));
    QVERIFY(!r.value("ok").toBool());
    QVERIFY2(r.value("error").toString().contains(error), qPrintable(r.value("error").toString()));
    QCOMPARE(r.value("added").toStringList(), QStringList());
    QCOMPARE(errors.size(), 1);
    QCOMPARE(s.configText().toUtf8(), kCurrent); // the editor is untouched
}

void tst_SettingsController::importRefusesWhenTheEditedTextIsBroken()
{
    SettingsController s(path("settings.ini"));
    s.setConfigPath(path("config.json"));
    s.setConfigText(QStringLiteral("{\"mcpServers\": {"));
    const QVariantMap r = s.importConfig(QUrl::fromLocalFile(data("mcp.json")));
    QVERIFY(!r.value("ok").toBool());
    QVERIFY2(r.value("error").toString().startsWith(
                     QStringLiteral("the config being edited is not valid JSON (line 1")),
             qPrintable(r.value("error").toString()));
    QCOMPARE(s.configText(), QStringLiteral("{\"mcpServers\": {"));

    const QVariantMap remote = s.importConfig(QUrl(QStringLiteral("https://example.org/mcp.json")));
    QCOMPARE(remote.value("error").toString(), QStringLiteral("only local files can be imported"));
}

QTEST_GUILESS_MAIN(tst_SettingsController)
#include "tst_settingscontroller.moc"
