// ConversationController against the real in-process server (LocalServer, the built-in offline
// model, server-everything and the fixture MCP server): a sent message becomes the timeline's
// thinking -> toolCall -> acting -> observation -> answer rows, reopening replays the whole
// log, stop cancels a running turn, and a dropped stream shows the banner until it is back.
#include "../integration/testsupport.h"
#include "guitestsupport.h"

#include <app.h>
#include <localserver.h>

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

class tst_ConversationController : public QObject
{
    Q_OBJECT

private:
    QStringList kinds() const
    {
        QStringList out;
        TimelineModel *timeline = m_app->timeline();
        for (int row = 0; row < timeline->rowCount(); ++row)
            out << timeline->data(timeline->index(row), TimelineModel::KindRole).toString();
        return out;
    }
    QString answerText() const
    {
        TimelineModel *timeline = m_app->timeline();
        for (int row = timeline->rowCount() - 1; row >= 0; --row) {
            const QModelIndex i = timeline->index(row);
            if (timeline->data(i, TimelineModel::KindRole).toString() == QLatin1String("answer"))
                return timeline->data(i, TimelineModel::TextRole).toString()
                        + timeline->data(i, TimelineModel::HtmlRole).toString();
        }
        return {};
    }

    // The MCP servers start concurrently; wait until every one serves its tools.
    bool waitForReadyServers()
    {
        QNetworkAccessManager nam;
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 30000) {
            const auto health
                    = GuiTest::get(nam, m_app->localServer()->url().resolved(QUrl("/health")),
                                   m_app->localServer()->token());
            const QJsonArray servers = health.json.value("mcp_servers").toArray();
            int ready = 0;
            for (const auto &s : servers)
                ready += s.toObject().value("state").toString() == QLatin1String("ready");
            if (!servers.isEmpty() && ready == servers.size())
                return true;
            QTest::qWait(100);
        }
        return false;
    }

private Q_SLOTS:
    void initTestCase()
    {
        GuiTest::clearHostEnvironment();
        QVERIFY(m_dir.isValid());
        // server-everything for get-sum; the fixture (whose add_tool would also match "add")
        // for the slow tool, in a second start of the local server.
        const QJsonObject everything {
                {"everything",
                 QJsonObject {{"command", "node"},
                              {"args", QJsonArray {TestSupport::everythingScript(), "stdio"}}}}};
        m_config = GuiTest::writeConfig(m_dir, QJsonObject {{"mcpServers", everything}});
        const QJsonObject fixture {
                {"fixture", QJsonObject {{"command", TestSupport::fixtureServer()}}}};
        m_fixtureConfig = GuiTest::writeConfig(m_dir, QJsonObject {{"mcpServers", fixture}},
                                               QStringLiteral("fixture.json"));
        m_app = std::make_unique<App>(nullptr, m_dir.filePath(QStringLiteral("tokens")));
        new QAbstractItemModelTester(m_app->timeline(),
                                     QAbstractItemModelTester::FailureReportingMode::QtTest,
                                     m_app.get());
        LocalServer::Options options;
        options.configPath = m_config;
        m_app->connection()->setLocalOptions(options);
        m_app->connection()->useLocal();
        QTRY_COMPARE_WITH_TIMEOUT(m_app->connection()->state(), QStringLiteral("connected"), 20000);
        QVERIFY2(m_app->connection()->statusText().contains("offline"),
                 qPrintable(m_app->connection()->statusText()));
        QCOMPARE(m_app->connection()->mode(), QStringLiteral("local"));
        QVERIFY(waitForReadyServers());
    }

    void addTwoAndThree()
    {
        ConversationController *conversation = m_app->conversation();
        conversation->newSession();
        QTRY_VERIFY_WITH_TIMEOUT(!conversation->sessionId().isEmpty(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(conversation->streamState(), QStringLiteral("open"), 10000);
        QVERIFY(conversation->bannerText().isEmpty());
        QSignalSpy busy(conversation, &ConversationController::busyChanged);

        conversation->send(QStringLiteral("add 2 and 3"));
        QVERIFY(conversation->busy());
        QTRY_VERIFY_WITH_TIMEOUT(kinds().contains(QStringLiteral("answer")), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(!conversation->busy(), 10000);
        QVERIFY(conversation->errorText().isEmpty());
        QVERIFY2(answerText().contains(QLatin1Char('5')), qPrintable(answerText()));

        // The steps, in order (a user row first; a summary may close the turn).
        const QStringList seen = kinds();
        QStringList steps;
        for (const QString &kind : seen) {
            if (kind != QLatin1String("turnSummary") && kind != QLatin1String("fold"))
                steps << kind;
        }
        QVERIFY2(steps.join(',').contains("thinking,toolCall,acting,observation"),
                 qPrintable(seen.join(',')));
        QVERIFY2(steps.indexOf("answer") > steps.indexOf("observation"),
                 qPrintable(seen.join(',')));
        const int call = int(seen.indexOf("toolCall"));
        TimelineModel *timeline = m_app->timeline();
        QCOMPARE(timeline->data(timeline->index(call), TimelineModel::ToolRole).toString(),
                 QStringLiteral("get-sum"));

        // Opening it again (another window, a restart of the view) replays the whole log.
        const QString id = conversation->sessionId();
        QSignalSpy cleared(conversation, &ConversationController::timelineCleared);
        conversation->open(id);
        QCOMPARE(cleared.count(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(kinds(), seen, 10000);
        QVERIFY(!conversation->busy());
    }

    void stopCancelsARunningTurn()
    {
        // A second start of the local server, with the fixture: a new port, a new token, and
        // the open conversation of the old one is closed.
        const QUrl oldUrl = m_app->connection()->serverUrl();
        bool down = false;
        m_app->connection()->shutdown([&down] { down = true; });
        QTRY_VERIFY_WITH_TIMEOUT(down, 10000);
        QCOMPARE(m_app->connection()->state(), QStringLiteral("disconnected"));
        LocalServer::Options options;
        options.configPath = m_fixtureConfig;
        m_app->connection()->setLocalOptions(options);
        m_app->connection()->useLocal();
        QTRY_COMPARE_WITH_TIMEOUT(m_app->connection()->state(), QStringLiteral("connected"), 20000);
        QVERIFY(m_app->connection()->serverUrl() != oldUrl);
        ConversationController *conversation = m_app->conversation();
        QVERIFY(conversation->sessionId().isEmpty());
        QVERIFY(waitForReadyServers());
        conversation->newSession();
        QTRY_VERIFY_WITH_TIMEOUT(!conversation->sessionId().isEmpty()
                                         && conversation->streamState() == QLatin1String("open"),
                                 10000);
        QTRY_COMPARE(m_app->timeline()->rowCount(), 0);
        // 100 steps of 100 ms: ten seconds unless it is stopped.
        conversation->send(QStringLiteral("call slow with steps=100 delay_ms=100"));
        QTRY_VERIFY_WITH_TIMEOUT(kinds().contains(QStringLiteral("acting")), 20000);
        QVERIFY(conversation->busy());
        QElapsedTimer timer;
        timer.start();
        conversation->stop();
        QTRY_VERIFY_WITH_TIMEOUT(!conversation->busy(), 5000);
        QVERIFY2(timer.elapsed() < 5000, "the turn ran on after stop");
        QVERIFY(conversation->errorText().isEmpty());
        // The tool's step shows it did not finish normally.
        TimelineModel *timeline = m_app->timeline();
        QTRY_VERIFY_WITH_TIMEOUT(
                [&] {
                    for (int row = 0; row < timeline->rowCount(); ++row) {
                        const QString status
                                = timeline->data(timeline->index(row), TimelineModel::StatusRole)
                                          .toString();
                        if (status == QLatin1String("cancelled"))
                            return true;
                    }
                    return false;
                }(),
                5000);
        QVERIFY(!timeline->running());
    }

    void cleanupTestCase()
    {
        if (!m_app)
            return;
        bool done = false;
        m_app->connection()->shutdown([&done] { done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
        m_app.reset();
    }

private:
    QTemporaryDir m_dir;
    QString m_config;
    QString m_fixtureConfig;
    std::unique_ptr<App> m_app;
};

QTEST_MAIN(tst_ConversationController)
#include "tst_conversationcontroller.moc"
