// HostConfig: the whole config read once into typed sections. Every wrong type, out-of-range
// value and unknown choice is an error with file:line:column and what would be valid; what is
// not in the file is not set; the command line's layer wins where it is set.

#include "hostconfig.h"
#include "servecommand.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

class tst_HostConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mistakes_data();
    void mistakes();
    void everyKeyOfTheReadme();
    void unsetIsNotSet();
    void unknownFieldsAreIgnored();
    void commandLineOverConfig();
    void errorsInFileOrder();
    void hugeFileRefused();
};

// Each row: a document, where its one error is ("line:column") and the start of the message.
void tst_HostConfig::mistakes_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("where");
    QTest::addColumn<QString>("message");

    // The value under test sits on line 3, after `    "key": ` (its value starts at column
    // 12 + the key's length).
    const auto in = [](const char *section, const char *member) {
        return QByteArray("{\n  \"") + section + "\": {\n    " + member + "\n  }\n}\n";
    };

    // server
    QTest::newRow("port as a string (was: a random port)")
            << in("server", R"("port": "8080")") << "3:13"
            << "server.port must be a whole number between 0 and 65535, not a string";
    QTest::newRow("port out of range") << in("server", R"("port": 70000)") << "3:13"
                                       << "server.port must be a whole number between 0 and "
                                          "65535, got 70000";
    QTest::newRow("port fractional") << in("server", R"("port": 80.5)") << "3:13"
                                     << "server.port must be a whole number";
    QTest::newRow("heartbeat 0 (was: 100% CPU)")
            << in("server", R"("heartbeat_seconds": 0)") << "3:26"
            << "server.heartbeat_seconds must be between 0.1 and 3600 seconds, got 0";
    QTest::newRow("heartbeat 1e10 (was: overflow)")
            << in("server", R"("heartbeat_seconds": 1e10)") << "3:26"
            << "server.heartbeat_seconds must be between 0.1 and 3600 seconds, got 10000000000";
    QTest::newRow("heartbeat as a string") << in("server", R"("heartbeat_seconds": "15")") << "3:26"
                                           << "server.heartbeat_seconds must be a number";
    QTest::newRow("listen not an address") << in("server", R"("listen": "my-host")") << "3:15"
                                           << "server.listen must be an IP address";
    QTest::newRow("max_connections 0") << in("server", R"("max_connections": 0)") << "3:24"
                                       << "server.max_connections must be a whole number "
                                          "between 1 and 100000, got 0";
    QTest::newRow("allowed_origins a string")
            << in("server", R"("allowed_origins": "http://a")") << "3:24"
            << "server.allowed_origins must be an array, not a string";
    QTest::newRow("allowed_origins holds a number")
            << in("server", R"("allowed_origins": ["http://a", 5])") << "3:37"
            << "server.allowed_origins must be an array of strings; item 1 is a number";
    QTest::newRow("max_body_bytes 1e10") << in("server", R"("max_body_bytes": 1e10)") << "3:23"
                                         << "server.max_body_bytes must be a whole number between "
                                            "1024 and 1073741824 bytes, got 10000000000";
    QTest::newRow("max_stream_backlog_bytes negative")
            << in("server", R"("max_stream_backlog_bytes": -1)") << "3:33"
            << "server.max_stream_backlog_bytes must be a whole number between 4096";
    QTest::newRow("max_open_connections 0")
            << in("server", R"("max_open_connections": 0)") << "3:29"
            << "server.max_open_connections must be";
    QTest::newRow("request_timeout_seconds 0")
            << in("server", R"("request_timeout_seconds": 0)") << "3:32"
            << "server.request_timeout_seconds must be between 1 and 3600 seconds, got 0";
    QTest::newRow("idle_timeout_seconds 1e10")
            << in("server", R"("idle_timeout_seconds": 1e10)") << "3:29"
            << "server.idle_timeout_seconds must be between 1 and 86400 seconds";
    QTest::newRow("max_header_bytes 10") << in("server", R"("max_header_bytes": 10)") << "3:25"
                                         << "server.max_header_bytes must be a whole number "
                                            "between 1024 and 1048576 bytes, got 10";
    QTest::newRow("max_header_count 0") << in("server", R"("max_header_count": 0)") << "3:25"
                                        << "server.max_header_count must be a whole number "
                                           "between 8 and 1000, got 0";
    QTest::newRow("token a number") << in("server", R"("token": 1234)") << "3:14"
                                    << "server.token must be a string, not a number";
    QTest::newRow("server section a string") << QByteArray(R"({"server": "127.0.0.1"})") << "1:12"
                                             << "server must be an object, not a string";

    // sessions
    QTest::newRow("idle_ttl_seconds 0") << in("sessions", R"("idle_ttl_seconds": 0)") << "3:25"
                                        << "sessions.idle_ttl_seconds must be between 1 and "
                                           "315360000 seconds, got 0";
    QTest::newRow("max_sessions 0") << in("sessions", R"("max_sessions": 0)") << "3:21"
                                    << "sessions.max_sessions must be a whole number between 1 "
                                       "and 10000000, got 0";
    QTest::newRow("durability fast") << in("sessions", R"("durability": "fast")") << "3:19"
                                     << "sessions.durability must be one of normal, full, got "
                                        "\"fast\"";
    QTest::newRow("durability a boolean") << in("sessions", R"("durability": true)") << "3:19"
                                          << "sessions.durability must be one of normal, full, "
                                             "not a boolean";
    QTest::newRow("import_max_bytes 10") << in("sessions", R"("import_max_bytes": 10)") << "3:25"
                                         << "sessions.import_max_bytes must be a whole number "
                                            "between 1024 and 1073741824 bytes, got 10";

    // approval
    QTest::newRow("tool rule nope (was: ignored, the tool ran unasked)")
            << in("approval", R"("tools": {"fs/write_file": "nope"})") << "3:32"
            << "approval.tools.fs/write_file must be one of allow, ask, deny, got \"nope\"";
    QTest::newRow("server rule nope") << in("approval", R"("servers": {"fs": "always"})") << "3:23"
                                      << "approval.servers.fs must be one of allow, ask, deny, "
                                         "got \"always\"";
    QTest::newRow("default nope") << in("approval", R"("default": "yes")") << "3:16"
                                  << "approval.default must be one of allow, ask, deny, got "
                                     "\"yes\"";
    QTest::newRow("sampling a boolean") << in("approval", R"("sampling": true)") << "3:17"
                                        << "approval.sampling must be one of allow, ask, deny, "
                                           "not a boolean";
    QTest::newRow("tools a list") << in("approval", R"("tools": ["fs/write_file"])") << "3:14"
                                  << "approval.tools must be an object, not an array";

    // agent
    QTest::newRow("max_iterations 0 (was: ignored)")
            << in("agent", R"("max_iterations": 0)") << "3:23"
            << "agent.max_iterations must be a whole number between 1 and 100, got 0";
    QTest::newRow("max_iterations a string") << in("agent", R"("max_iterations": "5")") << "3:23"
                                             << "agent.max_iterations must be a whole number "
                                                "between 1 and 100, not a string";
    QTest::newRow("tool_result_limit_bytes negative")
            << in("agent", R"("tool_result_limit_bytes": -1)") << "3:32"
            << "agent.tool_result_limit_bytes must be a whole number between 64";
    QTest::newRow("context_budget_tokens 1e10")
            << in("agent", R"("context_budget_tokens": 1e10)") << "3:30"
            << "agent.context_budget_tokens must be a whole number between 0 and 100000000";
    QTest::newRow("approval_timeout_ms 0") << in("agent", R"("approval_timeout_ms": 0)") << "3:28"
                                           << "agent.approval_timeout_ms must be";
    QTest::newRow("elicitation_timeout_seconds 0")
            << in("agent", R"("elicitation_timeout_seconds": 0)") << "3:36"
            << "agent.elicitation_timeout_seconds must be between 1 and 86400 seconds, got 0";
    QTest::newRow("both elicitation timeouts")
            << in("agent", R"("elicitation_timeout_ms": 1000, "elicitation_timeout_seconds": 1)")
            << "3:31"
            << "set agent.elicitation_timeout_seconds or agent.elicitation_timeout_ms";
    QTest::newRow("tool_timeout_ms 0") << in("agent", R"("tool_timeout_ms": 0)") << "3:24"
                                       << "agent.tool_timeout_ms must be";
    QTest::newRow("max_turn_text_bytes 1") << in("agent", R"("max_turn_text_bytes": 1)") << "3:28"
                                           << "agent.max_turn_text_bytes must be a whole number "
                                              "between 1024";
    QTest::newRow("max_tool_argument_bytes 1e10")
            << in("agent", R"("max_tool_argument_bytes": 1e10)") << "3:32"
            << "agent.max_tool_argument_bytes must be a whole number between 1024";
    QTest::newRow("system_prompt a number") << in("agent", R"("system_prompt": 1)") << "3:22"
                                            << "agent.system_prompt must be a string";
    QTest::newRow("agent section an array") << QByteArray(R"({"agent": []})") << "1:11"
                                            << "agent must be an object, not an array";

    // provider
    QTest::newRow("provider opanai") << in("provider", R"("name": "opanai")") << "3:13"
                                     << "provider.name must be one of openai, anthropic, offline";
    QTest::newRow("provider retries a string") << in("provider", R"("max_retries": "3")") << "3:20"
                                               << "provider.max_retries must be a whole number";

    // roots
    QTest::newRow("roots a string") << QByteArray("{\"roots\": \"/tmp\"}") << "1:11"
                                    << "roots must be an array of folder paths, not a string";
    QTest::newRow("roots item a number") << QByteArray("{\"roots\": [\"/tmp\",\n 7]}") << "2:2"
                                         << "roots item 1 must be a folder path";

    // state_file
    QTest::newRow("state_file empty") << QByteArray("{\"state_file\": \" \"}") << "1:16"
                                      << "state_file must be a file path of 1 to 4096 characters";
    QTest::newRow("state_file too long")
            << QByteArray("{\"state_file\": \"" + QByteArray(4097, 'a') + "\"}") << "1:16"
            << "state_file must be a file path of 1 to 4096 characters";
    QTest::newRow("state_file a number") << QByteArray("{\"state_file\": 7}") << "1:16"
                                         << "state_file must be a string";

    // mcpServers, through the same model
    QTest::newRow("server timeout 0")
            << in("mcpServers", R"("fs": {"command": "npx", "timeout": 0})") << "3:41"
            << "server \"fs\": \"timeout\" must be a number";
}

void tst_HostConfig::mistakes()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, where);
    QFETCH(QString, message);
    const HostConfig config = HostConfig::parse(json, QStringLiteral("host.json"), QString());
    QVERIFY(!config.ok());
    QCOMPARE(config.errors.size(), 1);
    const QString text = config.errors.first().toString();
    const QString expected = QStringLiteral("host.json:%1: %2").arg(where, message);
    QVERIFY2(text.startsWith(expected),
             qPrintable(QStringLiteral("\n got:      %1\n expected: %2…").arg(text, expected)));
}

void tst_HostConfig::everyKeyOfTheReadme()
{
    const QByteArray json = R"({
  "mcpServers": {
    "fs":     { "command": "npx", "args": ["-y", "server-filesystem", "/tmp"], "env": {},
                "env_passthrough": ["SSH_AUTH_SOCK"], "max_message_bytes": 65536, "timeout": 30 },
    "remote": { "url": "http://127.0.0.1:3001/mcp", "headers": { "Authorization": "Bearer x" } }
  },
  "roots": ["~/projects/demo", {"path": "rel", "name": "Rel"}],
  "provider": { "name": "openai", "model": "gpt-4o-mini", "base_url": "https://api.openai.com/v1",
                "api_key": "k", "max_sse_line_bytes": 1048576 },
  "agent": { "max_iterations": 7, "tool_result_limit_bytes": 4096, "context_budget_tokens": 8000,
             "max_turn_text_bytes": 100000, "max_tool_argument_bytes": 50000,
             "elicitation_timeout_seconds": 120, "approval_timeout_ms": 60000 },
  "approval": { "default": "allow", "sampling": "ask", "servers": { "fs": "ask" },
                "tools": { "fs/write_file": "deny" } },
  "sessions": { "idle_ttl_seconds": 600, "max_sessions": 50, "durability": "Full",
                "import_max_bytes": 2097152 },
  "server": { "listen": "127.0.0.1", "port": 8765, "max_connections": 50, "heartbeat_seconds": 15,
              "allowed_origins": ["http://localhost:3000"], "max_body_bytes": 1048576,
              "max_stream_backlog_bytes": 4194304, "max_open_connections": 300,
              "request_timeout_seconds": 20, "idle_timeout_seconds": 90,
              "max_header_bytes": 16384, "max_header_count": 50 }
})";
    const HostConfig c = HostConfig::parse(json, QStringLiteral("host.json"), "/etc/mcp-host");
    QVERIFY2(c.ok(), qPrintable(c.errorText()));
    QCOMPARE(c.servers.size(), 2);
    QCOMPARE(c.servers.first().envPassthrough, QStringList {"SSH_AUTH_SOCK"});
    QCOMPARE(c.servers.first().maxMessageBytes, qint64(65536));
    QCOMPARE(c.servers.first().timeoutMs, 30000);
    QCOMPARE(c.roots.size(), 2);
    QCOMPARE(c.roots.first().uri.toLocalFile(), QDir::homePath() + "/projects/demo");
    QCOMPARE(c.roots.last().uri.toLocalFile(), QStringLiteral("/etc/mcp-host/rel"));
    QCOMPARE(c.roots.last().name, QStringLiteral("Rel"));
    QCOMPARE(c.provider.provider, QStringLiteral("openai"));
    QCOMPARE(c.provider.maxSseLineBytes, qint64(1048576));
    QCOMPARE(c.agent.maxIterations, 7);
    QCOMPARE(c.agent.toolResultLimitBytes, qint64(4096));
    QCOMPARE(c.agent.contextBudgetTokens, qint64(8000));
    QCOMPARE(c.agent.effectiveMaxTurnTextBytes(), qint64(100000));
    QCOMPARE(c.agent.effectiveMaxToolArgumentBytes(), qint64(50000));
    QCOMPARE(c.agent.effectiveElicitationTimeoutMs(), 120000);
    QCOMPARE(c.agent.approvalTimeoutMs, 60000);
    QCOMPARE(c.agent.approval.servers.value("fs"), ApprovalPolicy::Decision::Ask);
    QCOMPARE(c.agent.approval.tools.value("fs/write_file"), ApprovalPolicy::Decision::Deny);
    QCOMPARE(c.sessions.idleTtlSeconds, 600.0);
    QCOMPARE(c.sessions.effectiveMaxSessions(), 50);
    QCOMPARE(c.sessions.fullDurability, true);
    QCOMPARE(c.sessions.effectiveImportMaxBytes(), qint64(2097152));
    QCOMPARE(c.server.listen, QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(c.server.port, quint16(8765));
    QCOMPARE(c.server.allowedOrigins, QStringList {"http://localhost:3000"});
    QCOMPARE(c.server.effectiveMaxOpenConnections(), 300);
    QCOMPARE(c.server.effectiveRequestTimeoutMs(), 20000);
    QCOMPARE(c.server.effectiveIdleTimeoutMs(), 90000);
    QCOMPARE(c.server.effectiveMaxHeaderBytes(), qint64(16384));
    QCOMPARE(c.server.effectiveMaxHeaderCount(), 50);

    AgentOptions agent;
    c.agent.applyTo(&agent);
    QCOMPARE(agent.maxIterations, 7);
    QCOMPARE(agent.elicitationTimeoutMs, 120000);
    const HttpApiServer::Options http = ServeCommand::httpOptions(c.server, c.sessions);
    QCOMPARE(http.port, quint16(8765));
    QCOMPARE(http.maxImportBytes, qint64(2097152));
    QCOMPARE(http.sse.heartbeatMs, 15000);
    QCOMPARE(http.sse.maxConnections, 50);
    QCOMPARE(http.maxBodyBytes, qint64(1048576));
}

void tst_HostConfig::unsetIsNotSet()
{
    const HostConfig c = HostConfig::parse("{}", QStringLiteral("host.json"), QString());
    QVERIFY(c.ok());
    QVERIFY(!c.server.port);
    QVERIFY(!c.server.heartbeatSeconds);
    QVERIFY(!c.sessions.idleTtlSeconds);
    QVERIFY(!c.agent.maxIterations);
    QCOMPARE(c.server.effectiveMaxOpenConnections(), 256);
    QCOMPARE(c.server.effectiveRequestTimeoutMs(), 30000);
    QCOMPARE(c.server.effectiveIdleTimeoutMs(), 60000);
    QCOMPARE(c.server.effectiveMaxHeaderBytes(), qint64(32768));
    QCOMPARE(c.server.effectiveMaxHeaderCount(), 100);
    QCOMPARE(c.sessions.effectiveMaxSessions(), 1000);
    QVERIFY(!c.sessions.fullDurability);
    QCOMPARE(c.sessions.effectiveImportMaxBytes(), qint64(64) * 1024 * 1024);
    QVERIFY(!c.stateFile);
    // A relative state_file is relative to the config's folder.
    const HostConfig rel
            = HostConfig::parse(R"({"state_file": "st/state.json"})", QStringLiteral("host.json"),
                                QStringLiteral("/etc/mh"));
    QVERIFY(rel.ok());
    QCOMPARE(rel.stateFile.value_or(QString()), QStringLiteral("/etc/mh/st/state.json"));
}

void tst_HostConfig::unknownFieldsAreIgnored()
{
    const HostConfig c = HostConfig::parse(
            R"({"server": {"port": 1, "colour": "blue"}, "agent": {"maxSteps": 8},
                "approval": {"mode": 3}, "sessions": {"store": "redis"}, "ui": {"theme": 1},
                "provider": {"temperature": "hot"}})",
            QStringLiteral("host.json"), QString());
    QVERIFY2(c.ok(), qPrintable(c.errorText()));
    QCOMPARE(c.server.port, quint16(1));
}

// The old code guessed "not set on the command line" by comparing with the default: a
// --heartbeat 15 lost to the config's heartbeat_seconds.
void tst_HostConfig::commandLineOverConfig()
{
    const HostConfig c = HostConfig::parse(
            R"({"server": {"port": 9000, "heartbeat_seconds": 30, "max_connections": 5,
                            "allowed_origins": ["http://a"], "token": "file-token"}})",
            QStringLiteral("host.json"), QString());
    QVERIFY(c.ok());
    HostConfig::Server cli;
    cli.heartbeatSeconds = 15; // the default value, set on purpose
    cli.allowedOrigins = QStringList {"http://b"};
    const HttpApiServer::Options http
            = ServeCommand::httpOptions(HostConfig::Server::merged(c.server, cli));
    QCOMPARE(http.sse.heartbeatMs, 15000);
    QCOMPARE(http.port, quint16(9000)); // not on the command line: the config's
    QCOMPARE(http.sse.maxConnections, 5);
    QCOMPARE(http.allowedOrigins, (QStringList {"http://a", "http://b"}));
    QCOMPARE(http.token, QStringLiteral("file-token"));
    cli.port = 0;
    cli.token = QStringLiteral("cli-token");
    const HttpApiServer::Options over
            = ServeCommand::httpOptions(HostConfig::Server::merged(c.server, cli));
    QCOMPARE(over.port, quint16(0));
    QCOMPARE(over.token, QStringLiteral("cli-token"));
}

void tst_HostConfig::errorsInFileOrder()
{
    const HostConfig c = HostConfig::parse("{\n\"server\": {\"port\": \"x\"},\n"
                                           "\"mcpServers\": {\"a\": {}},\n"
                                           "\"agent\": {\"max_iterations\": 0}\n}",
                                           QStringLiteral("host.json"), QString());
    QCOMPARE(c.errors.size(), 3);
    QCOMPARE(c.errors.at(0).line, 2);
    QCOMPARE(c.errors.at(1).line, 3);
    QCOMPARE(c.errors.at(2).line, 4);
}

void tst_HostConfig::hugeFileRefused()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("big.json");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"x\": \"");
    f.write(QByteArray(HostConfig::kMaxFileBytes, 'a'));
    f.write("\"}");
    f.close();
    const HostConfig c = HostConfig::load(path);
    QCOMPARE(c.errors.size(), 1);
    QVERIFY2(c.errors.first().message.contains("larger than 16 MiB"),
             qPrintable(c.errors.first().message));
}

QTEST_GUILESS_MAIN(tst_HostConfig)
#include "tst_hostconfig.moc"
