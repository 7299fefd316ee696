// ApprovalRulesModel against the real mcp-hostd: the config's approval rules and the rules
// clients remembered, each with its source; revoking a remembered rule removes it on the server
// (for every client); a config rule cannot be revoked and the user is told where to change it.

#include "../http/httptestsupport.h"

#include "apiclient.h"
#include "approvalrulesmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace HttpTest;

class tst_ApprovalRulesModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void listsConfigAndRememberedRules();
    void revokeRemembered();
    void configRuleIsNotRevoked();

private:
    bool refreshed(ApprovalRulesModel &model)
    {
        QSignalSpy done(&model, &ApprovalRulesModel::refreshed);
        model.refresh();
        return done.wait(10000);
    }
    int rowOf(const ApprovalRulesModel &model, const QString &label, const QString &source) const
    {
        for (int i = 0; i < model.rowCount(); ++i) {
            const QModelIndex at = model.index(i);
            if (at.data(ApprovalRulesModel::LabelRole).toString() == label
                && at.data(ApprovalRulesModel::SourceRole).toString() == source)
                return i;
        }
        return -1;
    }

    QTemporaryDir m_stateDir;
    std::unique_ptr<HostProcess> m_host;
    std::unique_ptr<RestClient> m_rest;
    std::unique_ptr<ApiClient> m_client;
};

void tst_ApprovalRulesModel::initTestCase()
{
    m_host = std::make_unique<HostProcess>();
    QVERIFY(m_stateDir.isValid());
    m_host->config.insert(QStringLiteral("state_file"), m_stateDir.filePath("state.json"));
    m_host->config.insert(QStringLiteral("provider"), QStringLiteral("offline"));
    m_host->config.insert(
            QStringLiteral("approval"),
            QJsonObject {{QStringLiteral("default"), QStringLiteral("allow")},
                         {QStringLiteral("sampling"), QStringLiteral("ask")},
                         {QStringLiteral("tools"),
                          QJsonObject {{QStringLiteral("fixture/fail"), QStringLiteral("deny")}}}});
    const QString error = m_host->start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    m_rest = std::make_unique<RestClient>(m_host->port);
    QVERIFY(waitForServersReady(*m_rest));
    // Rules another client remembered.
    QCOMPARE(m_rest->post(QStringLiteral("/api/v3/approvals/rules"),
                          {{"scope", "tool"},
                           {"server", "fixture"},
                           {"tool", "echo"},
                           {"decision", "allow"}})
                     .status,
             201);
    QCOMPARE(m_rest->post(QStringLiteral("/api/v3/approvals/rules"),
                          {{"scope", "server"}, {"server", "fixture"}, {"decision", "ask"}})
                     .status,
             201);
    m_client = std::make_unique<ApiClient>();
    m_client->setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_host->port)));
}

void tst_ApprovalRulesModel::cleanupTestCase()
{
    m_client.reset();
    m_host.reset();
}

void tst_ApprovalRulesModel::listsConfigAndRememberedRules()
{
    ApprovalRulesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setApiClient(m_client.get());
    QVERIFY(refreshed(model));
    QCOMPARE(model.defaultDecision(), QStringLiteral("allow"));
    QCOMPARE(model.sampling(), QStringLiteral("ask"));
    QCOMPARE(model.count(), 3);

    const int config
            = rowOf(model, QStringLiteral("fixture \u203a fail"), QStringLiteral("config"));
    QVERIFY(config >= 0);
    QCOMPARE(model.index(config).data(ApprovalRulesModel::DecisionRole).toString(),
             QStringLiteral("deny"));
    QCOMPARE(model.index(config).data(ApprovalRulesModel::RevocableRole).toBool(), false);
    const int tool
            = rowOf(model, QStringLiteral("fixture \u203a echo"), QStringLiteral("remembered"));
    QVERIFY(tool >= 0);
    QCOMPARE(model.index(tool).data(ApprovalRulesModel::ScopeRole).toString(),
             QStringLiteral("tool"));
    QCOMPARE(model.index(tool).data(ApprovalRulesModel::ServerRole).toString(),
             QStringLiteral("fixture"));
    QCOMPARE(model.index(tool).data(ApprovalRulesModel::ToolRole).toString(),
             QStringLiteral("echo"));
    QCOMPARE(model.index(tool).data(ApprovalRulesModel::DecisionRole).toString(),
             QStringLiteral("allow"));
    QCOMPARE(model.index(tool).data(ApprovalRulesModel::RevocableRole).toBool(), true);
    const int server
            = rowOf(model, QStringLiteral("fixture (every tool)"), QStringLiteral("remembered"));
    QVERIFY(server >= 0);
    QCOMPARE(model.index(server).data(ApprovalRulesModel::ToolRole).toString(), QString());

    // Another refresh with nothing new changes nothing.
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QVERIFY(refreshed(model));
    QCOMPARE(changes.size(), 0);
    QCOMPARE(reset.size(), 0);
}

void tst_ApprovalRulesModel::revokeRemembered()
{
    ApprovalRulesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setApiClient(m_client.get());
    QVERIFY(refreshed(model));
    const int tool
            = rowOf(model, QStringLiteral("fixture \u203a echo"), QStringLiteral("remembered"));
    QVERIFY(tool >= 0);
    QSignalSpy revoked(&model, &ApprovalRulesModel::revoked);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy done(&model, &ApprovalRulesModel::refreshed);
    QVERIFY(model.revoke(tool));
    QVERIFY(revoked.wait(10000));
    QVERIFY(done.wait(10000));
    QCOMPARE(removed.size(), 1);
    QCOMPARE(model.count(), 2);
    QCOMPARE(rowOf(model, QStringLiteral("fixture \u203a echo"), QStringLiteral("remembered")), -1);
    // Gone on the server, for every client.
    const QJsonArray rules
            = m_rest->get(QStringLiteral("/api/v3/approvals")).json().value("rules").toArray();
    for (const QJsonValue &r : rules)
        QVERIFY(r.toObject().value("tool").toString() != QLatin1String("echo"));
    QCOMPARE(rules.size(), 2);
}

void tst_ApprovalRulesModel::configRuleIsNotRevoked()
{
    ApprovalRulesModel model;
    model.setApiClient(m_client.get());
    QVERIFY(refreshed(model));
    const int config
            = rowOf(model, QStringLiteral("fixture \u203a fail"), QStringLiteral("config"));
    QVERIFY(config >= 0);
    QSignalSpy errors(&model, &ApprovalRulesModel::errorOccurred);
    QVERIFY(!model.revoke(config));
    QCOMPARE(errors.size(), 1);
    QVERIFY(errors.first().first().toString().contains(QStringLiteral("config file")));
    QVERIFY(!model.revoke(-1));
    QVERIFY(!model.revoke(model.rowCount()));
    QVERIFY(refreshed(model));
    QVERIFY(rowOf(model, QStringLiteral("fixture \u203a fail"), QStringLiteral("config")) >= 0);
}

QTEST_GUILESS_MAIN(tst_ApprovalRulesModel)
#include "tst_approvalrulesmodel.moc"
