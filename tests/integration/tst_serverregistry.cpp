// Integration tests of ServerRegistry and ServerConnection with real processes: several
// copies of our scripted server (mcp-fixture-server over stdio), a command that does not
// exist and a disabled entry; crashes, backoff, restart and shutdown.

#include "serverregistry.h"
#include "stdiotransport.h"
#include "testsupport.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <csignal>

using namespace TestSupport;

namespace {

ServerConfig fixtureConfig(const QString &name)
{
    ServerConfig config;
    config.name = name;
    config.command = fixtureServer();
    return config;
}

bool processExists(qint64 pid)
{
    return pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno != ESRCH);
}

qint64 pidOf(const ServerConnection *connection)
{
    if (!connection->client())
        return 0;
    const auto *transport = qobject_cast<StdioTransport *>(connection->client()->transport());
    return transport ? transport->processId() : 0;
}

QStringList catalogNames(const ServerRegistry &registry)
{
    QStringList names;
    for (const ServerRegistry::CatalogEntry &e : registry.catalog())
        names << e.name;
    return names;
}

} // namespace

class tst_ServerRegistry : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    ServerRegistry *m_registry = nullptr;
    QSignalSpy *m_settled = nullptr;

    ServerConnection *connection(const QString &name) const { return m_registry->connection(name); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFileInfo(fixtureServer()).isExecutable(),
                 "mcp-fixture-server is missing: build the mcp-fixture-server target");
        ServerConfig missing;
        missing.name = QStringLiteral("missing");
        missing.command = QStringLiteral("no-such-mcp-server-xyz");
        // Would leave a file behind if it were ever started.
        ServerConfig disabled;
        disabled.name = QStringLiteral("off");
        disabled.command = QStringLiteral("/bin/sh");
        disabled.args = {QStringLiteral("-c"),
                         QStringLiteral("touch '%1'").arg(m_dir.filePath(QStringLiteral("ran")))};
        disabled.disabled = true;

        ServerConnection::Options options;
        options.initialBackoffMs = 20000; // the missing server must not retry during the tests
        m_registry = new ServerRegistry({fixtureConfig(QStringLiteral("fix1")),
                                         fixtureConfig(QStringLiteral("fix2")), missing, disabled},
                                        options, this);
        m_settled = new QSignalSpy(m_registry, &ServerRegistry::settled);
        m_registry->startAll();
    }

    void cleanupTestCase() { delete m_settled; }

    void startsAllAndSettles()
    {
        QVERIFY(waitFor([this] { return !m_settled->isEmpty(); }, 15000));
        QCOMPARE(connection(QStringLiteral("fix1"))->state(), ServerConnection::State::Ready);
        QCOMPARE(connection(QStringLiteral("fix2"))->state(), ServerConnection::State::Ready);
        ServerConnection *missing = connection(QStringLiteral("missing"));
        QCOMPARE(missing->state(), ServerConnection::State::Failed);
        QCOMPARE(missing->reason(), QStringLiteral("command not found: no-such-mcp-server-xyz"));
        QVERIFY(missing->client() == nullptr);
        QTest::qWait(300);
        QCOMPARE(m_settled->size(), 1);
        QVERIFY(m_registry->isSettled());
    }

    void disabledServerIsNotStarted()
    {
        ServerConnection *off = connection(QStringLiteral("off"));
        QCOMPARE(off->state(), ServerConnection::State::Disabled);
        QVERIFY(off->client() == nullptr);
        off->start();
        off->restart();
        QTest::qWait(300);
        QCOMPARE(off->state(), ServerConnection::State::Disabled);
        QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("ran"))));
    }

    void sharedToolNamesAreQualified()
    {
        const QStringList names = catalogNames(*m_registry);
        QVERIFY2(names.contains(QStringLiteral("fix1__echo")), qPrintable(names.join(u',')));
        QVERIFY2(names.contains(QStringLiteral("fix2__echo")), qPrintable(names.join(u',')));
        QVERIFY(!names.contains(QStringLiteral("echo")));
        QCOMPARE(names.size(), QSet<QString>(names.cbegin(), names.cend()).size());
        QCOMPARE(names.size(), 2 * connection(QStringLiteral("fix1"))->tools().size());

        // A tool only one server has keeps its plain name.
        QSignalSpy changed(m_registry, &ServerRegistry::catalogChanged);
        const auto added
                = callTool(connection(QStringLiteral("fix1"))->client(), QStringLiteral("add_tool"),
                           {{QStringLiteral("name"), QStringLiteral("only_on_fix1")}});
        QVERIFY(added && !added->isError);
        QVERIFY(waitFor([&] { return !changed.isEmpty(); }, 5000));
        QVERIFY(catalogNames(*m_registry).contains(QStringLiteral("only_on_fix1")));
    }

    void findToolResolves_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("server");
        QTest::addColumn<QString>("tool");
        QTest::newRow("fix1__echo")
                << QStringLiteral("fix1__echo") << QStringLiteral("fix1") << QStringLiteral("echo");
        QTest::newRow("fix2__echo")
                << QStringLiteral("fix2__echo") << QStringLiteral("fix2") << QStringLiteral("echo");
        QTest::newRow("unique") << QStringLiteral("only_on_fix1") << QStringLiteral("fix1")
                                << QStringLiteral("only_on_fix1");
        QTest::newRow("ambiguous plain name") << QStringLiteral("echo") << QString() << QString();
        QTest::newRow("unknown") << QStringLiteral("fix3__echo") << QString() << QString();
    }
    void findToolResolves()
    {
        QFETCH(QString, name);
        QFETCH(QString, server);
        QFETCH(QString, tool);
        const auto entry = m_registry->findTool(name);
        if (server.isEmpty()) {
            QVERIFY(!entry);
            return;
        }
        QVERIFY(entry);
        QCOMPARE(entry->name, name);
        QCOMPARE(entry->server, server);
        QCOMPARE(entry->tool.name, tool);
        // The entry leads to a server that really runs the tool.
        const auto r = callTool(connection(entry->server)->client(), entry->tool.name,
                                {{QStringLiteral("message"), server}});
        QVERIFY(r);
        QVERIFY2(!r->isError, qPrintable(r->text()));
        QVERIFY2(r->text().endsWith(server), qPrintable(r->text()));
    }

    void restartRestartsAReadyServer()
    {
        ServerConnection *fix2 = connection(QStringLiteral("fix2"));
        QCOMPARE(fix2->state(), ServerConnection::State::Ready);
        const qint64 oldPid = pidOf(fix2);
        QVERIFY(processExists(oldPid));
        const int restarts = fix2->restartCount();
        QSignalSpy states(fix2, &ServerConnection::stateChanged);

        fix2->restart();
        QVERIFY(waitFor(
                [&] {
                    return fix2->state() == ServerConnection::State::Ready && pidOf(fix2) != oldPid;
                },
                10000));
        QVERIFY(!processExists(oldPid));
        QVERIFY(processExists(pidOf(fix2)));
        QCOMPARE(fix2->restartCount(), restarts + 1);
        // From the request on it reads "restarting" (never "ready" from the old process),
        // and it never looks stopped.
        QCOMPARE(states.first().first().value<ServerConnection::State>(),
                 ServerConnection::State::Restarting);
        const bool wentThroughStopped
                = std::any_of(states.cbegin(), states.cend(), [](const QList<QVariant> &args) {
                      return args.first().value<ServerConnection::State>()
                              == ServerConnection::State::Stopped;
                  });
        QVERIFY(!wentThroughStopped);
        QVERIFY(m_registry->findTool(QStringLiteral("fix2__echo")));
    }

    void crashRestartsWithBackoff()
    {
        ServerConnection::Options options;
        options.initialBackoffMs = 200;
        options.maxBackoffMs = 800;
        ServerRegistry registry({fixtureConfig(QStringLiteral("crashy"))}, options);
        ServerConnection *crashy = registry.connection(QStringLiteral("crashy"));
        registry.startAll();
        QVERIFY(waitFor([&] { return crashy->state() == ServerConnection::State::Ready; }, 10000));
        QVERIFY(registry.findTool(QStringLiteral("echo")));

        // Consecutive crashes double the wait, up to the maximum.
        const QList<int> backoffs {200, 400, 800, 800};
        for (int i = 0; i < backoffs.size(); ++i) {
            QSignalSpy catalogChanged(&registry, &ServerRegistry::catalogChanged);
            const auto r = callTool(crashy->client(), QStringLiteral("crash"), {});
            QVERIFY(r && r->isError);
            QCOMPARE(crashy->state(), ServerConnection::State::Restarting);
            QVERIFY2(crashy->reason().contains(QLatin1String("exited with code 3")),
                     qPrintable(crashy->reason()));
            QCOMPARE(crashy->nextRetryMs(), backoffs[i]);
            QCOMPARE(crashy->restartCount(), i);
            // Its tools are gone from the catalog while it is down...
            QVERIFY(!catalogChanged.isEmpty());
            QVERIFY(!registry.findTool(QStringLiteral("echo")));
            QVERIFY(crashy->stderrTail().contains(QStringLiteral("fixture: crashing on purpose")));

            QVERIFY(waitFor([&] { return crashy->state() == ServerConnection::State::Ready; },
                            backoffs[i] + 10000));
            // ... and come back with it.
            QCOMPARE(crashy->restartCount(), i + 1);
            QVERIFY(registry.findTool(QStringLiteral("echo")));
            QVERIFY(catalogChanged.size() >= 2);
        }

        QSignalSpy stopped(&registry, &ServerRegistry::allStopped);
        registry.stopAll();
        QVERIFY(waitFor([&] { return !stopped.isEmpty(); }, 10000));
    }

    void stdioServerGetsAMinimalEnvironment()
    {
        // The host's secrets stay in the host; the config's env and the named passthrough
        // variables reach the server, and what a process needs to run (PATH, HOME, locale).
        qputenv("OPENAI_API_KEY", "sk-host-secret");
        qputenv("ANTHROPIC_API_KEY", "sk-ant-host-secret");
        qputenv("MCPHOST_TOKEN", "host-token");
        qputenv("MCPHOST_TEST_PASSED", "passed-through");
        qputenv("MCPHOST_TEST_NOT_PASSED", "stays-home");
        qputenv("LC_TIME", "C.UTF-8");
        qputenv("BASH_FUNC_f%%", "() { echo hi; }");
        ServerConfig config = fixtureConfig(QStringLiteral("envy"));
        config.env.insert(QStringLiteral("FIXTURE_SETTING"), QStringLiteral("from-config"));
        config.envPassthrough
                = {QStringLiteral("MCPHOST_TEST_PASSED"), QStringLiteral("BASH_FUNC_f%%")};
        ServerConnection::Options options;
        options.autoRestart = false;
        ServerConnection connection(config, options);
        connection.start();
        QVERIFY(waitFor([&] { return connection.state() == ServerConnection::State::Ready; },
                        10000));
        const auto r = callTool(connection.client(), QStringLiteral("env"), {});
        QVERIFY(r);
        QVERIFY2(!r->isError, qPrintable(r->text()));
        const QJsonObject env = QJsonDocument::fromJson(r->text().toUtf8()).object();
        QVERIFY2(!env.isEmpty(), qPrintable(r->text()));
        for (const char *secret : {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MCPHOST_TOKEN",
                                   "MCPHOST_TEST_NOT_PASSED", "BASH_FUNC_f%%"})
            QVERIFY2(!env.contains(QLatin1String(secret)), secret);
        QVERIFY2(!r->text().contains(QLatin1String("host-secret")), qPrintable(r->text()));
        QCOMPARE(env.value(QStringLiteral("FIXTURE_SETTING")).toString(),
                 QStringLiteral("from-config"));
        QCOMPARE(env.value(QStringLiteral("MCPHOST_TEST_PASSED")).toString(),
                 QStringLiteral("passed-through"));
        QCOMPARE(env.value(QStringLiteral("LC_TIME")).toString(), QStringLiteral("C.UTF-8"));
        QCOMPARE(env.value(QStringLiteral("PATH")).toString(), qEnvironmentVariable("PATH"));
        if (qEnvironmentVariableIsSet("HOME"))
            QCOMPARE(env.value(QStringLiteral("HOME")).toString(), qEnvironmentVariable("HOME"));
        QSignalSpy stopped(&connection, &ServerConnection::stopped);
        connection.stop();
        QVERIFY(waitFor([&] { return !stopped.isEmpty(); }, 10000));
    }

    void emptyHostEnvironmentIsNotInherited()
    {
        // Nothing to pass on is an empty environment, never "inherit everything".
        const QProcessEnvironment none
                = StdioTransport::childEnvironment(QProcessEnvironment(), {}, {});
        QVERIFY(!none.inheritsFromParent());
        QVERIFY(none.isEmpty());
    }

    void floodWithoutNewlineFailsAndRestarts()
    {
        // A server that writes without ever ending its message is failed with that reason
        // (memory stays bounded) and comes back through the usual backoff.
        ServerConfig config = fixtureConfig(QStringLiteral("flood"));
        config.maxMessageBytes = 1024 * 1024;
        ServerConnection::Options options;
        options.initialBackoffMs = 300;
        ServerConnection connection(config, options);
        connection.start();
        QVERIFY(waitFor([&] { return connection.state() == ServerConnection::State::Ready; },
                        10000));
        const qint64 pid = pidOf(&connection);
        QSignalSpy states(&connection, &ServerConnection::stateChanged);
        std::optional<Mcp::ToolResult> result;
        connection.client()->callTool(
                QStringLiteral("flood"),
                {{QStringLiteral("bytes"), 64 * 1024 * 1024}, {QStringLiteral("chunk"), 4096}},
                [&result](const Mcp::ToolResult &r) { result = r; });
        QVERIFY(waitFor([&] { return result.has_value(); }, 20000));
        QVERIFY2(result->isError, qPrintable(result->text().left(200)));
        QVERIFY(!states.isEmpty());
        QCOMPARE(states.first().first().value<ServerConnection::State>(),
                 ServerConnection::State::Restarting);
        QVERIFY2(connection.reason().contains(QLatin1String("max_message_bytes")),
                 qPrintable(connection.reason()));
        QVERIFY(!processExists(pid));
        QVERIFY(waitFor([&] { return connection.state() == ServerConnection::State::Ready; },
                        10000));
        QVERIFY(pidOf(&connection) != pid);
        const auto r = callTool(connection.client(), QStringLiteral("echo"),
                                {{QStringLiteral("message"), QStringLiteral("back")}});
        QVERIFY(r && !r->isError);
        QSignalSpy stopped(&connection, &ServerConnection::stopped);
        connection.stop();
        QVERIFY(waitFor([&] { return !stopped.isEmpty(); }, 10000));
    }

    void stopAllStopsEveryServer()
    {
        const qint64 pid1 = pidOf(connection(QStringLiteral("fix1")));
        const qint64 pid2 = pidOf(connection(QStringLiteral("fix2")));
        QVERIFY(processExists(pid1));
        QVERIFY(processExists(pid2));
        QSignalSpy stopped(m_registry, &ServerRegistry::allStopped);

        m_registry->stopAll();
        QVERIFY(waitFor([&] { return !stopped.isEmpty(); }, 10000));
        QCOMPARE(stopped.size(), 1);
        QVERIFY(!processExists(pid1));
        QVERIFY(!processExists(pid2));
        for (const QString &name :
             {QStringLiteral("fix1"), QStringLiteral("fix2"), QStringLiteral("missing")})
            QCOMPARE(connection(name)->state(), ServerConnection::State::Stopped);
        QCOMPARE(connection(QStringLiteral("off"))->state(), ServerConnection::State::Disabled);
        // Nothing offers tools any more.
        QVERIFY2(m_registry->catalog().isEmpty(), qPrintable(catalogNames(*m_registry).join(u',')));
    }
};

QTEST_GUILESS_MAIN(tst_ServerRegistry)
#include "tst_serverregistry.moc"
