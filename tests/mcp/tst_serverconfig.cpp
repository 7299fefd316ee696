// Unit tests for ServerConfigParser: the mcpServers config, what it accepts and how it reports
// mistakes (file:line:column and a message that says what is wrong).

#include "serverconfig.h"

#include <QTest>

namespace {

// "K=V" pairs, sorted by key, so maps fit in a data table.
QStringList pairs(const QMap<QString, QString> &map)
{
    QStringList out;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        out << it.key() + QLatin1Char('=') + it.value();
    return out;
}

QString errorList(const ServerConfigParser::Result &result)
{
    QStringList lines;
    for (const ConfigError &e : result.errors)
        lines << e.toString();
    return lines.join(QLatin1Char('\n'));
}

// One server named "s" with the given entry body.
QByteArray one(const char *entry)
{
    return QByteArray("{\"mcpServers\": {\"s\": ") + entry + "}}";
}

} // namespace

class tst_ServerConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseServer_data();
    void parseServer();
    void serversKeepTheirLines();
    void noServersIsFine_data();
    void noServersIsFine();
    void errors_data();
    void errors();
    void errorsNameTheRightLine();
    void newServerKeys();
};

void tst_ServerConfig::parseServer_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<int>("kind"); // ServerConfig::Kind
    QTest::addColumn<QString>("command");
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<QString>("cwd");
    QTest::addColumn<QString>("url");
    QTest::addColumn<QStringList>("headers");
    QTest::addColumn<bool>("disabled");
    QTest::addColumn<int>("timeoutMs");

    const int stdio = int(ServerConfig::Kind::Stdio);
    const int http = int(ServerConfig::Kind::StreamableHttp);
    const int sse = int(ServerConfig::Kind::Sse);
    const QString url = QStringLiteral("https://example.com/mcp");

    QTest::newRow("stdio, minimal")
            << one(R"({"command": "npx"})") << stdio << QStringLiteral("npx") << QStringList()
            << QStringList() << QString() << QString() << QStringList() << false << 60000;
    QTest::newRow("stdio with args, env and relative cwd")
            << one(R"({"command": "node", "args": ["server.js", "--port", "3"],
                       "env": {"API_KEY": "k", "DEBUG": "1"}, "cwd": "sub/../work"})")
            << stdio << QStringLiteral("node")
            << QStringList {QStringLiteral("server.js"), QStringLiteral("--port"),
                            QStringLiteral("3")}
            << QStringList {QStringLiteral("API_KEY=k"), QStringLiteral("DEBUG=1")}
            << QStringLiteral("/etc/mcp/work") << QString() << QStringList() << false << 60000;
    QTest::newRow("stdio with absolute cwd")
            << one(R"({"command": "node", "cwd": "/srv/tools"})") << stdio << QStringLiteral("node")
            << QStringList() << QStringList() << QStringLiteral("/srv/tools") << QString()
            << QStringList() << false << 60000;
    QTest::newRow("explicit stdio type")
            << one(R"({"type": "stdio", "command": "uvx", "args": ["mcp-server-git"]})") << stdio
            << QStringLiteral("uvx") << QStringList {QStringLiteral("mcp-server-git")}
            << QStringList() << QString() << QString() << QStringList() << false << 60000;

    for (const char *type : {"http", "streamable-http", "streamableHttp", "streamable_http"}) {
        QTest::addRow("type %s", type) << one(QByteArray(R"({"type": ")") + type
                                              + R"(", "url": "https://example.com/mcp"})")
                                       << http << QString() << QStringList() << QStringList()
                                       << QString() << url << QStringList() << false << 60000;
    }
    QTest::newRow("type sse") << one(R"({"type": "sse", "url": "http://localhost:8080/sse"})")
                              << sse << QString() << QStringList() << QStringList() << QString()
                              << QStringLiteral("http://localhost:8080/sse") << QStringList()
                              << false << 60000;
    QTest::newRow("url without type")
            << one(R"({"url": "https://example.com/mcp"})") << http << QString() << QStringList()
            << QStringList() << QString() << url << QStringList() << false << 60000;
    QTest::newRow("headers") << one(R"({"url": "https://example.com/mcp",
                       "headers": {"Authorization": "Bearer t", "X-Team": "core"}})")
                             << http << QString() << QStringList() << QStringList() << QString()
                             << url
                             << QStringList {QStringLiteral("Authorization=Bearer t"),
                                             QStringLiteral("X-Team=core")}
                             << false << 60000;
    QTest::newRow("disabled") << one(R"({"command": "npx", "disabled": true})") << stdio
                              << QStringLiteral("npx") << QStringList() << QStringList()
                              << QString() << QString() << QStringList() << true << 60000;
    QTest::newRow("timeout in seconds")
            << one(R"({"command": "npx", "timeout": 30})") << stdio << QStringLiteral("npx")
            << QStringList() << QStringList() << QString() << QString() << QStringList() << false
            << 30000;
    QTest::newRow("fractional timeout in seconds")
            << one(R"({"url": "https://example.com/mcp", "timeout": 2.5})") << http << QString()
            << QStringList() << QStringList() << QString() << url << QStringList() << false << 2500;
    QTest::newRow("timeout over 1000 is milliseconds")
            << one(R"({"command": "npx", "timeout": 45000})") << stdio << QStringLiteral("npx")
            << QStringList() << QStringList() << QString() << QString() << QStringList() << false
            << 45000;
    QTest::newRow("unknown fields are ignored")
            << one(R"({"command": "npx", "autoApprove": ["read"], "description": "x",
                       "alwaysAllow": {"a": 1}, "transportOptions": null})")
            << stdio << QStringLiteral("npx") << QStringList() << QStringList() << QString()
            << QString() << QStringList() << false << 60000;
}

void tst_ServerConfig::parseServer()
{
    QFETCH(QByteArray, json);
    QFETCH(int, kind);
    QFETCH(QString, command);
    QFETCH(QStringList, args);
    QFETCH(QStringList, env);
    QFETCH(QString, cwd);
    QFETCH(QString, url);
    QFETCH(QStringList, headers);
    QFETCH(bool, disabled);
    QFETCH(int, timeoutMs);

    const auto result = ServerConfigParser::parse(json, QStringLiteral("mcp.json"),
                                                  QStringLiteral("/etc/mcp"));
    QVERIFY2(result.ok(), qPrintable(errorList(result)));
    QCOMPARE(result.servers.size(), 1);
    const ServerConfig &c = result.servers.first();
    QCOMPARE(c.name, QStringLiteral("s"));
    QCOMPARE(int(c.kind), kind);
    QCOMPARE(c.command, command);
    QCOMPARE(c.args, args);
    QCOMPARE(pairs(c.env), env);
    QCOMPARE(c.cwd, cwd);
    QCOMPARE(c.url.toString(), url);
    QCOMPARE(pairs(c.headers), headers);
    QCOMPARE(c.disabled, disabled);
    QCOMPARE(c.timeoutMs, timeoutMs);
}

void tst_ServerConfig::serversKeepTheirLines()
{
    const QByteArray json = "{\n"
                            "  \"mcpServers\": {\n"
                            "    \"files\": {\"command\": \"npx\"},\n"
                            "\n"
                            "    \"remote\": {\n"
                            "      \"url\": \"https://example.com/mcp\"\n"
                            "    }\n"
                            "  }\n"
                            "}\n";
    const auto result = ServerConfigParser::parse(json, QStringLiteral("mcp.json"));
    QVERIFY2(result.ok(), qPrintable(errorList(result)));
    QCOMPARE(result.servers.size(), 2);
    QHash<QString, int> lines;
    for (const ServerConfig &c : result.servers)
        lines.insert(c.name, c.line);
    QCOMPARE(lines.value(QStringLiteral("files")), 3);
    QCOMPARE(lines.value(QStringLiteral("remote")), 5);
}

void tst_ServerConfig::noServersIsFine_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("empty object") << QByteArray("{}");
    QTest::newRow("other sections only") << QByteArray(R"({"agent": {"maxSteps": 8}})");
    QTest::newRow("empty mcpServers") << QByteArray(R"({"mcpServers": {}})");
}

void tst_ServerConfig::noServersIsFine()
{
    QFETCH(QByteArray, json);
    const auto result = ServerConfigParser::parse(json, QStringLiteral("mcp.json"));
    QVERIFY2(result.ok(), qPrintable(errorList(result)));
    QCOMPARE(result.servers.size(), 0);
}

void tst_ServerConfig::errors_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column"); // 0: not checked
    // Qt's QJsonParseError::offset usually points just past the offending character (it has
    // consumed it), sometimes at it; the column may be one to the right for invalid JSON.
    QTest::addColumn<int>("columnSlack");
    QTest::addColumn<QString>("message");

    // Each bad entry is the second server, on line 4, after a good one on line 3; the entry
    // starts at column 12. `at` is the text the error points at (its first occurrence in the
    // entry); without it, the error points at the server's name (column 5).
    const auto config = [](const char *badEntry) {
        return QByteArray("{\n"
                          "  \"mcpServers\": {\n"
                          "    \"good\": {\"command\": \"npx\"},\n"
                          "    \"bad\": ")
                + badEntry
                + "\n"
                  "  }\n"
                  "}\n";
    };
    const auto at = [](const char *badEntry, const char *marker) {
        return 12 + int(QByteArray(badEntry).indexOf(marker));
    };
    const auto row
            = [&](const char *name, const char *entry, const char *marker, const QString &message) {
                  QTest::newRow(name)
                          << config(entry) << 4 << (marker ? at(entry, marker) : 5) << 0 << message;
              };

    QTest::newRow("bad JSON: missing comma")
            << QByteArray("{\n"
                          "  \"mcpServers\": {\n"
                          "    \"a\": {\"command\": \"npx\" \"args\": []}\n"
                          "  }\n"
                          "}\n")
            << 3 << 28 << 1 << QStringLiteral("invalid JSON");
    QTest::newRow("bad JSON: missing comma between servers")
            << QByteArray("{\n"
                          "  \"mcpServers\": {\n"
                          "    \"a\": {\"command\": \"npx\"}\n"
                          "    \"b\": {\"command\": \"uvx\"}\n"
                          "  }\n"
                          "}\n")
            << 4 << 5 << 1 << QStringLiteral("invalid JSON");
    QTest::newRow("bad JSON: unterminated") << QByteArray("{\n  \"mcpServers\": {\n") << 3 << 0 << 0
                                            << QStringLiteral("invalid JSON");
    QTest::newRow("mcpServers is an array")
            << QByteArray("{\n"
                          "  \"agent\": {},\n"
                          "  \"mcpServers\": [\"npx\"]\n"
                          "}\n")
            << 3 << 3 << 0 << QStringLiteral("\"mcpServers\" must be an object, not an array");
    row("server is a string", "\"npx server\"", nullptr,
        QStringLiteral("server \"bad\" must be an object, not a string"));
    row("command is a number", R"({"command": 42})", "42",
        QStringLiteral("\"command\" must be a non-empty string"));
    row("args is a string", R"({"command": "npx", "args": "-y server"})", "\"-y",
        QStringLiteral("\"args\" must be an array of strings"));
    row("args holds an object", R"({"command": "npx", "args": ["-y", {"x": 1}]})", "{\"x",
        QStringLiteral("\"args\" must be an array of strings"));
    row("env is a string", R"({"command": "npx", "env": "KEY=V"})", "\"KEY",
        QStringLiteral("\"env\" must be an object of strings"));
    row("env value is an array", R"({"command": "npx", "env": {"KEY": ["V"]}})", "{\"KEY",
        QStringLiteral("\"env\" must be an object of strings"));
    row("url is ftp", R"({"url": "ftp://example.com/mcp"})", "\"ftp",
        QStringLiteral("\"url\" must be an http:// or https:// URL"));
    row("url is not a URL", R"({"type": "http", "url": "example.com/mcp"})", "\"example",
        QStringLiteral("\"url\" must be an http:// or https:// URL"));
    row("unknown type", R"({"type": "websocket", "url": "https://example.com"})", "\"websocket",
        QStringLiteral("unknown \"type\" \"websocket\""));
    row("neither command nor url", R"({"args": ["x"]})", nullptr,
        QStringLiteral("needs a \"command\" (stdio) or a \"url\" (HTTP)"));
    row("negative timeout", R"({"command": "npx", "timeout": -5})", "-5",
        QStringLiteral("\"timeout\" must be a number of seconds between 0.1 and 86400000"));
    row("zero timeout", R"({"command": "npx", "timeout": 0})", "0}",
        QStringLiteral("\"timeout\" must be a number of seconds between 0.1 and 86400000"));
    row("timeout 1e10 overflows", R"({"command": "npx", "timeout": 1e10})", "1e10",
        QStringLiteral("got 10000000000"));
    row("timeout is a string", R"({"command": "npx", "timeout": "30s"})", "\"30s",
        QStringLiteral("not a string"));
    row("env_passthrough is a string", R"({"command": "npx", "env_passthrough": "HOME"})", "\"HOME",
        QStringLiteral("\"env_passthrough\" must be an array of variable names"));
    row("env_passthrough holds a bad name", R"({"command": "npx", "env_passthrough": ["A=1"]})",
        "\"A=1", QStringLiteral("\"env_passthrough\" item 0 is not a variable name"));
    row("env_passthrough holds a number", R"({"command": "npx", "env_passthrough": [7]})", "7]",
        QStringLiteral("\"env_passthrough\" item 0 is not a variable name"));
    row("max_message_bytes too small", R"({"command": "npx", "max_message_bytes": 10})", "10}",
        QStringLiteral("\"max_message_bytes\" must be a whole number between 1024"));
    row("max_message_bytes is a string", R"({"command": "npx", "max_message_bytes": "1M"})", "\"1M",
        QStringLiteral("\"max_message_bytes\" must be a number"));
}

void tst_ServerConfig::errors()
{
    QFETCH(QByteArray, json);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(int, columnSlack);
    QFETCH(QString, message);

    const auto result = ServerConfigParser::parse(json, QStringLiteral("mcp.json"));
    QVERIFY(!result.ok());
    QCOMPARE(result.errors.size(), 1);
    const ConfigError &error = result.errors.first();
    QVERIFY2(error.message.contains(message), qPrintable(error.message));
    QCOMPARE(error.file, QStringLiteral("mcp.json"));
    QCOMPARE(error.line, line);
    if (column > 0) {
        QVERIFY2(
                error.column >= column && error.column <= column + columnSlack,
                qPrintable(QStringLiteral("column %1, expected %2").arg(error.column).arg(column)));
    }
    const QString where = QStringLiteral("mcp.json:%1:").arg(line);
    QVERIFY2(error.toString().startsWith(where), qPrintable(error.toString()));

    // A bad entry does not take the good ones down with it.
    for (const ServerConfig &c : result.servers)
        QCOMPARE(c.name, QStringLiteral("good"));
    if (json.contains("\"good\""))
        QCOMPARE(result.servers.size(), 1);
}

// The old line finder searched for the text `"name":` after "mcpServers" and found a key of
// the same name inside an earlier server's env: the error named the wrong line.
void tst_ServerConfig::errorsNameTheRightLine()
{
    const QByteArray json = "{\n"
                            "  \"mcpServers\": {\n"
                            "    \"a\": {\"command\": \"npx\", \"env\": {\"b\": \"1\"}},\n"
                            "    \"b\": {\"args\": []}\n"
                            "  }\n"
                            "}\n";
    const auto result = ServerConfigParser::parse(json, QStringLiteral("mcp.json"));
    QCOMPARE(result.errors.size(), 1);
    QCOMPARE(result.errors.first().line, 4);
    QCOMPARE(result.errors.first().column, 5);
    QCOMPARE(result.servers.size(), 1);
    QCOMPARE(result.servers.first().line, 3);
}

void tst_ServerConfig::newServerKeys()
{
    const auto result = ServerConfigParser::parse(
            one(R"({"command": "npx", "env_passthrough": ["GIT_SSH", "http_proxy"],
                    "max_message_bytes": 1048576})"),
            QStringLiteral("mcp.json"));
    QVERIFY2(result.ok(), qPrintable(errorList(result)));
    const ServerConfig &c = result.servers.first();
    QCOMPARE(c.envPassthrough, (QStringList {"GIT_SSH", "http_proxy"}));
    QCOMPARE(c.maxMessageBytes, qint64(1048576));
    const auto defaults = ServerConfigParser::parse(one(R"({"command": "npx"})"), {});
    QCOMPARE(defaults.servers.first().envPassthrough, QStringList());
    QCOMPARE(defaults.servers.first().maxMessageBytes, qint64(16 * 1024 * 1024));
}

QTEST_GUILESS_MAIN(tst_ServerConfig)
#include "tst_serverconfig.moc"
