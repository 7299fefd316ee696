// ApprovalPolicy and AgentOptions from the config: rule precedence, the destructive default,
// and the tool result truncation marker.

#include <agentoptions.h>
#include <agentsettings.h>
#include <configreader.h>
#include <mcptypes.h>
#include <reactagent.h>
#include <resultmapper.h>

#include <QJsonDocument>
#include <QTest>

using D = ApprovalPolicy::Decision;
Q_DECLARE_METATYPE(ApprovalPolicy::Decision)

class tst_AgentOptions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decide_data();
    void decide();
    void fromJson();
    void unreadableRuleDenies();
    void settingsKnowWhatIsSet();
    void truncate();
};

void tst_AgentOptions::decide_data()
{
    QTest::addColumn<QByteArray>("config");
    QTest::addColumn<QString>("server");
    QTest::addColumn<QString>("tool");
    QTest::addColumn<bool>("destructive");
    QTest::addColumn<D>("expected");
    QTest::newRow("default allow") << QByteArray("{}") << "fs"
                                   << "read" << false << D::Allow;
    QTest::newRow("destructive asks") << QByteArray("{}") << "fs"
                                      << "rm" << true << D::Ask;
    QTest::newRow("destructive with deny default") << QByteArray(R"({"default":"deny"})") << "fs"
                                                   << "rm" << true << D::Deny;
    QTest::newRow("server rule") << QByteArray(R"({"servers":{"fs":"ask"}})") << "fs"
                                 << "read" << false << D::Ask;
    QTest::newRow("server rule beats destructive")
            << QByteArray(R"({"servers":{"fs":"allow"}})") << "fs"
            << "rm" << true << D::Allow;
    QTest::newRow("tool rule beats server rule")
            << QByteArray(R"({"servers":{"fs":"ask"},"tools":{"fs/write_file":"deny"}})") << "fs"
            << "write_file" << false << D::Deny;
    QTest::newRow("other server") << QByteArray(R"({"servers":{"fs":"deny"}})") << "git"
                                  << "log" << false << D::Allow;
}

void tst_AgentOptions::decide()
{
    QFETCH(QByteArray, config);
    QFETCH(QString, server);
    QFETCH(QString, tool);
    QFETCH(bool, destructive);
    QFETCH(D, expected);
    const ApprovalPolicy policy
            = ApprovalPolicy::fromJson(QJsonDocument::fromJson(config).object());
    Mcp::Tool t;
    t.name = tool;
    if (destructive)
        t.annotations.insert("destructiveHint", true);
    QCOMPARE(policy.decide(server, t), expected);
}

void tst_AgentOptions::fromJson()
{
    const AgentOptions defaults;
    QCOMPARE(defaults.maxIterations, 5);
    QCOMPARE(defaults.toolResultLimitBytes, qint64(16384));
    QCOMPARE(defaults.approval.sampling, D::Ask);
    const AgentOptions o = AgentOptions::fromJson(QJsonDocument::fromJson(R"({
        "agent": {"max_iterations": 3, "tool_result_limit_bytes": 100, "approval_timeout_ms": 5000,
                  "context_budget_tokens": 2000, "system_prompt": "Be brief."},
        "approval": {"default": "ask", "sampling": "allow"}})")
                                                          .object());
    QCOMPARE(o.maxIterations, 3);
    QCOMPARE(o.toolResultLimitBytes, qint64(100));
    QCOMPARE(o.approvalTimeoutMs, 5000);
    QCOMPARE(o.contextBudgetTokens, qint64(2000));
    QCOMPARE(o.systemPrompt, QStringLiteral("Be brief."));
    QCOMPARE(o.approval.defaultDecision, D::Ask);
    QCOMPARE(o.approval.sampling, D::Allow);
}

// An approval rule that cannot be read never lets a tool run without approval: through
// HostConfig it is an error naming the valid choices; fromJson (no place to report) denies.
void tst_AgentOptions::unreadableRuleDenies()
{
    const QByteArray config = R"({"tools": {"fs/write_file": "nope"}})";
    const ApprovalPolicy policy
            = ApprovalPolicy::fromJson(QJsonDocument::fromJson(config).object());
    Mcp::Tool t;
    t.name = QStringLiteral("write_file");
    QCOMPARE(policy.decide(QStringLiteral("fs"), t), D::Deny);
    QCOMPARE(policy.decide(QStringLiteral("other"), t), D::Deny);

    ConfigReader reader(QStringLiteral("c.json"),
                        JsonPositions::scan("{\"approval\": " + config + "}"));
    const QJsonObject root {{"approval", QJsonDocument::fromJson(config).object()}};
    (void)ApprovalPolicy::read(reader, root);
    QCOMPARE(reader.errors().size(), 1);
    QCOMPARE(reader.errors().first().toString(),
             QStringLiteral("c.json:1:42: approval.tools.fs/write_file must be one of allow, "
                            "ask, deny, got \"nope\""));
}

void tst_AgentOptions::settingsKnowWhatIsSet()
{
    ConfigReader reader;
    const AgentSettings unset = AgentSettings::read(reader, {});
    QVERIFY(!unset.maxIterations);
    QVERIFY(!unset.maxTurnTextBytes);
    QCOMPARE(unset.effectiveMaxTurnTextBytes(), qint64(2 * 1024 * 1024));
    QCOMPARE(unset.effectiveMaxToolArgumentBytes(), qint64(1024 * 1024));
    QCOMPARE(unset.effectiveElicitationTimeoutMs(), 600000);
    const AgentSettings set
            = AgentSettings::read(reader,
                                  QJsonDocument::fromJson(R"({"agent": {"max_iterations": 5,
                "max_turn_text_bytes": 4096, "max_tool_argument_bytes": 2048,
                "elicitation_timeout_seconds": 30, "tool_timeout_ms": -1}})")
                                          .object());
    QVERIFY(reader.errors().isEmpty());
    QCOMPARE(set.maxIterations, 5); // set, although it equals the default
    QCOMPARE(set.effectiveMaxTurnTextBytes(), qint64(4096));
    QCOMPARE(set.effectiveMaxToolArgumentBytes(), qint64(2048));
    QCOMPARE(set.effectiveElicitationTimeoutMs(), 30000);
    QCOMPARE(set.toolTimeoutMs, -1);
}

void tst_AgentOptions::truncate()
{
    bool truncated = true;
    QCOMPARE(ResultMapper::truncateForModel(QStringLiteral("short"), 100, &truncated),
             QStringLiteral("short"));
    QVERIFY(!truncated);
    const QString out = ResultMapper::truncateForModel(QString(20000, 'x'), 16384, &truncated);
    QVERIFY(truncated);
    QVERIFY(out.startsWith(QString(16384, 'x')));
    QVERIFY(out.endsWith(QStringLiteral("[truncated: 16384 of 20000 bytes shown]")));
    // Never splits a multi-byte character.
    const QString umlauts = ResultMapper::truncateForModel(QString(10, QChar(0xE4)), 5);
    QVERIFY(umlauts.startsWith(QString(2, QChar(0xE4)) + QLatin1Char('\n')));
}

QTEST_GUILESS_MAIN(tst_AgentOptions)
#include "tst_agentoptions.moc"
