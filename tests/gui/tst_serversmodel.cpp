// ServersModel against the real mcp-hostd with three MCP servers: the fixture server, the
// reference "everything" server (tools with annotations) and one that fails at start (writes to
// stderr, exits 3). Every server is a row with its state as it really is; the failed one shows its
// reason and stderr tail and hides nothing; tools carry their annotations; restart and
// enable/disable act on the server; the list is polled only while the panel is active; rows
// change in place.

#include "../http/httptestsupport.h"

#include "apiclient.h"
#include "serversmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace HttpTest;

class tst_ServersModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();
    void everyServerAsItIs();
    void toolsWithAnnotations();
    void pollsOnlyWhileActive();
    void restart();
    void disableAndEnable();
    void failuresAreSaid();

private:
    [[nodiscard]] QVariant role(const QString &server, int role) const
    {
        return m_model->index(m_model->rowOf(server)).data(role);
    }
    [[nodiscard]] QString state(const QString &server) const
    {
        return role(server, ServersModel::StateRole).toString();
    }
    bool waitForState(const QString &server, const QStringList &states, int timeoutMs = 30000)
    {
        return TestSupport::waitFor([&] { return states.contains(state(server)); }, timeoutMs);
    }

    QTemporaryDir m_stateDir;
    std::unique_ptr<HostProcess> m_host;
    std::unique_ptr<ApiClient> m_client;
    std::unique_ptr<ServersModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
    std::unique_ptr<QSignalSpy> m_reset;
};

void tst_ServersModel::initTestCase()
{
    QVERIFY(QFileInfo::exists(TestSupport::everythingScript()));
    m_host = std::make_unique<HostProcess>();
    QJsonObject servers = fixtureServers();
    servers.insert(
            QStringLiteral("everything"),
            QJsonObject {{QStringLiteral("command"), QStringLiteral("node")},
                         {QStringLiteral("args"),
                          QJsonArray {TestSupport::everythingScript(), QStringLiteral("stdio")}}});
    servers.insert(QStringLiteral("broken"),
                   QJsonObject {{QStringLiteral("command"), QStringLiteral("sh")},
                                {QStringLiteral("args"),
                                 QJsonArray {QStringLiteral("-c"),
                                             QStringLiteral("echo 'starting up' >&2; echo "
                                                            "'cannot open the database "
                                                            "/nowhere/db.sqlite' >&2; exit 3")}}});
    m_host->config.insert(QStringLiteral("mcpServers"), servers);
    QVERIFY(m_stateDir.isValid());
    m_host->config.insert(QStringLiteral("state_file"), m_stateDir.filePath("state.json"));
    m_host->config.insert(QStringLiteral("provider"), QStringLiteral("offline"));
    const QString error = m_host->start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void tst_ServersModel::cleanupTestCase()
{
    m_host.reset();
}

void tst_ServersModel::init()
{
    m_client = std::make_unique<ApiClient>();
    m_client->setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_host->port)));
    m_model = std::make_unique<ServersModel>();
    m_tester = std::make_unique<QAbstractItemModelTester>(
            m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_reset = std::make_unique<QSignalSpy>(m_model.get(), &QAbstractItemModel::modelReset);
    m_model->setApiClient(m_client.get());
    m_model->setPollInterval(250);
}

void tst_ServersModel::cleanup()
{
    // However the servers changed, the model followed without a reset.
    QCOMPARE(m_reset->size(), 0);
    m_reset.reset();
    m_tester.reset();
    m_model.reset();
    m_client.reset();
}

void tst_ServersModel::everyServerAsItIs()
{
    m_model->setActive(true);
    QVERIFY(waitForState(QStringLiteral("fixture"), {"ready"}));
    QVERIFY(waitForState(QStringLiteral("everything"), {"ready"}));
    // The failing one: failed (or between its restarts), with why and what it said.
    QVERIFY(TestSupport::waitFor(
            [&] {
                return role(QStringLiteral("broken"), ServersModel::StderrTailRole)
                        .toString()
                        .contains(QStringLiteral("cannot open the database"));
            },
            30000));
    QVERIFY(waitForState(QStringLiteral("broken"), {"failed"}));
    QCOMPARE(m_model->count(), 3);
    QVERIFY(m_model->failedCount() >= 1);

    const QString reason = role(QStringLiteral("broken"), ServersModel::ReasonRole).toString();
    QVERIFY2(!reason.isEmpty(), "a failed server says why");
    QCOMPARE(role(QStringLiteral("broken"), ServersModel::StderrLinesRole).toStringList().mid(0, 2),
             QStringList({"starting up", "cannot open the database /nowhere/db.sqlite"}));
    QCOMPARE(role(QStringLiteral("broken"), ServersModel::ToolsRole).toList().size(), 0);

    // The others are untouched by it.
    QCOMPARE(role(QStringLiteral("fixture"), ServersModel::ReasonRole).toString(), QString());
    QCOMPARE(role(QStringLiteral("fixture"), ServersModel::TransportRole).toString(),
             QStringLiteral("stdio"));
    QCOMPARE(role(QStringLiteral("fixture"), ServersModel::ProtocolVersionRole).toString(),
             QStringLiteral("2025-11-25"));
    QVERIFY(role(QStringLiteral("fixture"), ServersModel::ServerNameRole)
                    .toString()
                    .startsWith(QStringLiteral("mcp-fixture-server")));
    QVERIFY(role(QStringLiteral("fixture"), ServersModel::ToolCountRole).toInt() > 5);
    QCOMPARE(role(QStringLiteral("fixture"), ServersModel::EnabledRole).toBool(), true);
    QVERIFY(!role(QStringLiteral("everything"), ServersModel::ProtocolVersionRole)
                     .toString()
                     .isEmpty());

    const QHash<int, QByteArray> roles = m_model->roleNames();
    for (const char *name : {"name", "state", "reason", "transport", "protocolVersion", "toolCount",
                             "restarts", "enabled", "stderrTail", "tools"})
        QVERIFY2(roles.values().contains(name), name);
}

void tst_ServersModel::toolsWithAnnotations()
{
    m_model->setActive(true);
    QVERIFY(TestSupport::waitFor(
            [&] {
                return !role(QStringLiteral("everything"), ServersModel::ToolsRole)
                                .toList()
                                .isEmpty();
            },
            30000));
    QVariantMap echo;
    for (const QVariant &t : role(QStringLiteral("everything"), ServersModel::ToolsRole).toList()) {
        if (t.toMap().value("tool").toString() == QLatin1String("echo"))
            echo = t.toMap();
    }
    QVERIFY2(!echo.isEmpty(), "the everything server's echo tool is listed");
    QCOMPARE(echo.value("readOnly").toBool(), true);
    QCOMPARE(echo.value("destructive").toBool(), false);
    QCOMPARE(echo.value("idempotent").toBool(), true);
    QCOMPARE(echo.value("openWorld").toBool(), false);
    QCOMPARE(echo.value("annotations").toMap().value("readOnlyHint").toBool(), true);
    QVERIFY(!echo.value("description").toString().isEmpty());

    // A tool without annotations reads as MCP's defaults: may change things, open world.
    QVERIFY(TestSupport::waitFor(
            [&] {
                return !role(QStringLiteral("fixture"), ServersModel::ToolsRole).toList().isEmpty();
            },
            30000));
    const QVariantList fixtureTools
            = role(QStringLiteral("fixture"), ServersModel::ToolsRole).toList();
    QCOMPARE(fixtureTools.size(),
             role(QStringLiteral("fixture"), ServersModel::ToolCountRole).toInt());
    const QVariantMap first = fixtureTools.first().toMap();
    QCOMPARE(first.value("readOnly").toBool(), false);
    QCOMPARE(first.value("destructive").toBool(), true);
}

void tst_ServersModel::pollsOnlyWhileActive()
{
    QSignalSpy refreshed(m_model.get(), &ServersModel::refreshed);
    QTest::qWait(800);
    QCOMPARE(refreshed.size(), 0); // not active: no request at all
    QCOMPARE(m_model->count(), 0);

    m_model->setActive(true);
    QVERIFY(TestSupport::waitFor([&] { return refreshed.size() >= 3; }, 10000));
    QCOMPARE(m_model->count(), 3);

    m_model->setActive(false);
    QTest::qWait(300); // an answer already on its way may still arrive
    const qsizetype after = refreshed.size();
    QTest::qWait(1000);
    QCOMPARE(refreshed.size(), after);
    // The rows stay as last seen.
    QCOMPARE(m_model->count(), 3);
}

void tst_ServersModel::restart()
{
    m_model->setActive(true);
    QVERIFY(waitForState(QStringLiteral("fixture"), {"ready"}));
    const int restarts = role(QStringLiteral("fixture"), ServersModel::RestartsRole).toInt();
    QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);

    m_model->restart(QStringLiteral("fixture"));
    QCOMPARE(role(QStringLiteral("fixture"), ServersModel::BusyRole).toBool(), true);
    QVERIFY(TestSupport::waitFor(
            [&] {
                return role(QStringLiteral("fixture"), ServersModel::RestartsRole).toInt()
                        > restarts
                        && state(QStringLiteral("fixture")) == QLatin1String("ready")
                        && !role(QStringLiteral("fixture"), ServersModel::BusyRole).toBool();
            },
            30000));
    // The tools come back after the restart.
    QVERIFY(TestSupport::waitFor(
            [&] {
                return !role(QStringLiteral("fixture"), ServersModel::ToolsRole).toList().isEmpty();
            },
            30000));
    QVERIFY(!changed.isEmpty());
    QCOMPARE(state(QStringLiteral("everything")), QStringLiteral("ready"));
}

void tst_ServersModel::disableAndEnable()
{
    m_model->setActive(true);
    QVERIFY(waitForState(QStringLiteral("fixture"), {"ready"}));
    m_model->setEnabled(QStringLiteral("fixture"), false);
    QVERIFY(waitForState(QStringLiteral("fixture"), {"disabled"}));
    QCOMPARE(role(QStringLiteral("fixture"), ServersModel::EnabledRole).toBool(), false);
    QCOMPARE(state(QStringLiteral("everything")), QStringLiteral("ready"));
    QCOMPARE(m_model->count(), 3);
    // The server agrees: another client sees it disabled.
    RestClient rest(m_host->port);
    QCOMPARE(rest.get(QStringLiteral("/api/v3/servers/fixture")).json().value("state").toString(),
             QStringLiteral("disabled"));

    // A disabled server cannot restart: the server's answer is said.
    QSignalSpy errors(m_model.get(), &ServersModel::errorOccurred);
    m_model->restart(QStringLiteral("fixture"));
    QVERIFY(errors.wait(10000));
    QVERIFY2(errors.first().first().toString().startsWith(
                     QStringLiteral("Could not restart fixture: ")),
             qPrintable(errors.first().first().toString()));

    m_model->setEnabled(QStringLiteral("fixture"), true);
    QVERIFY(waitForState(QStringLiteral("fixture"), {"ready"}));
    QCOMPARE(role(QStringLiteral("fixture"), ServersModel::EnabledRole).toBool(), true);
}

void tst_ServersModel::failuresAreSaid()
{
    m_model->setActive(true);
    QVERIFY(TestSupport::waitFor([&] { return m_model->count() == 3; }, 10000));
    QVERIFY(m_model->error().isEmpty());

    // The server goes away: the rows stay as last seen and the panel says the list is old.
    ApiClient gone;
    gone.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(TestSupport::freePort())));
    m_model->setApiClient(&gone);
    QVERIFY(TestSupport::waitFor([&] { return !m_model->error().isEmpty(); }, 10000));
    QVERIFY2(m_model->error().startsWith(QStringLiteral("Could not list the servers: ")),
             qPrintable(m_model->error()));
    QCOMPARE(m_model->count(), 3);

    // Back: the error clears.
    m_model->setApiClient(m_client.get());
    QVERIFY(TestSupport::waitFor([&] { return m_model->error().isEmpty(); }, 10000));
    m_model->setActive(false);
}

QTEST_GUILESS_MAIN(tst_ServersModel)
#include "tst_serversmodel.moc"
