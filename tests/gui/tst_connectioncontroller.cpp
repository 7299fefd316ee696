// ConnectionController in remote mode against a real `mcp-hostd` process: a wrong token is
// refused plainly, the right one connects and is remembered (here in the 0600 file, with the
// warning); a server that stops answering shows the conversation's banner and the status, and
// both clear once it answers again; a server that is gone is said plainly.
#include "../integration/testsupport.h"
#include "guitestsupport.h"

#include <app.h>
#include <tokenstore.h>

#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <csignal>

class tst_ConnectionController : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        GuiTest::clearHostEnvironment();
        QVERIFY(m_dir.isValid());
        const QString config = GuiTest::writeConfig(
                m_dir,
                QJsonObject {
                        {"mcpServers",
                         QJsonObject {{"fixture",
                                       QJsonObject {{"command", TestSupport::fixtureServer()}}}}}});
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("MCPHOST_TOKEN"), m_token);
        m_server.setProcessEnvironment(env);
        m_server.setProcessChannelMode(QProcess::MergedChannels);
        m_server.start(QStringLiteral(MCPHOST_BINARY_DIR "/bin/mcp-hostd"),
                       {"--config", config, "--port", "0", "--heartbeat", "0.3"});
        QVERIFY(m_server.waitForStarted(10000));
        static const QRegularExpression serving(
                QStringLiteral("serving; open (http://127\\.0\\.0\\.1:\\d+)/"));
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT(
                [&] {
                    out += m_server.readAll();
                    const auto m = serving.match(QString::fromUtf8(out));
                    if (m.hasMatch())
                        m_url = m.captured(1);
                    return m.hasMatch();
                }(),
                20000);
        m_app = std::make_unique<App>(nullptr, m_dir.filePath(QStringLiteral("tokens")));
    }

    void wrongTokenIsRefused()
    {
        ConnectionController *connection = m_app->connection();
        connection->connectRemote(m_url, QStringLiteral("wrong"), false);
        QCOMPARE(connection->mode(), QStringLiteral("remote"));
        QTRY_COMPARE_WITH_TIMEOUT(connection->state(), QStringLiteral("failed"), 10000);
        QVERIFY2(connection->statusText().contains("refused the token"),
                 qPrintable(connection->statusText()));
        QVERIFY(!connection->statusText().contains(QStringLiteral("wrong")));
    }

    void notAnAddress()
    {
        ConnectionController *connection = m_app->connection();
        connection->connectRemote(QStringLiteral("ftp://example.org"), m_token, false);
        QCOMPARE(connection->state(), QStringLiteral("failed"));
        QVERIFY2(connection->statusText().contains("not a server address"),
                 qPrintable(connection->statusText()));
    }

    void rightTokenConnectsAndIsRemembered()
    {
        ConnectionController *connection = m_app->connection();
        QSignalSpy connected(connection, &ConnectionController::connected);
        connection->connectRemote(m_url + QStringLiteral("/some/path"), m_token, true);
        QTRY_COMPARE_WITH_TIMEOUT(connection->state(), QStringLiteral("connected"), 10000);
        QCOMPARE(connected.count(), 1);
        QCOMPARE(connection->serverUrl(), QUrl(m_url));
        QVERIFY2(connection->statusText().contains(m_url), qPrintable(connection->statusText()));
        QVERIFY(!connection->statusText().contains(m_token));
        // No secret service here: the 0600 file, and the user is told.
        QTRY_COMPARE_WITH_TIMEOUT(connection->tokenStorage(), QStringLiteral("file"), 10000);
        QVERIFY(connection->tokenWarning().contains(QStringLiteral("keychain")));
        QVERIFY(!connection->tokenWarning().contains(m_token));

        // Later, with the address alone: the kept token is used.
        connection->connectRemote(QStringLiteral("http://127.0.0.1:1"), m_token, false);
        QTRY_VERIFY_WITH_TIMEOUT(connection->state() == QLatin1String("failed"), 10000);
        QVERIFY2(connection->statusText().contains("does not answer"),
                 qPrintable(connection->statusText()));
        connection->connectRemote(m_url, QString(), false);
        QTRY_COMPARE_WITH_TIMEOUT(connection->state(), QStringLiteral("connected"), 10000);
    }

    void stalledServerShowsTheBannerUntilBack()
    {
        ConversationController *conversation = m_app->conversation();
        ConnectionController *connection = m_app->connection();
        connection->setHealthInterval(300);
        conversation->stream()->setHeartbeatTimeout(1000);
        conversation->stream()->setReconnectDelays(200, 500);
        conversation->newSession();
        QTRY_VERIFY_WITH_TIMEOUT(conversation->streamState() == QLatin1String("open"), 10000);
        conversation->send(QStringLiteral("call echo with message=before"));
        QTRY_VERIFY_WITH_TIMEOUT(!conversation->busy() && m_app->timeline()->rowCount() > 0, 20000);
        const int rows = m_app->timeline()->rowCount();

        // The server stops answering (its process is stopped: connections stay, bytes stop).
        ::kill(pid_t(m_server.processId()), SIGSTOP);
        QTRY_VERIFY_WITH_TIMEOUT(conversation->bannerText().startsWith(QStringLiteral(
                                         "Connection lost — reconnecting (attempt ")),
                                 10000);
        QTRY_COMPARE_WITH_TIMEOUT(connection->state(), QStringLiteral("reconnecting"), 20000);
        QVERIFY2(connection->statusText().contains("does not answer"),
                 qPrintable(connection->statusText()));

        // It answers again: the banner goes, the status is back, nothing is doubled.
        ::kill(pid_t(m_server.processId()), SIGCONT);
        QTRY_VERIFY_WITH_TIMEOUT(conversation->bannerText().isEmpty(), 20000);
        QCOMPARE(conversation->streamState(), QStringLiteral("open"));
        QTRY_COMPARE_WITH_TIMEOUT(connection->state(), QStringLiteral("connected"), 10000);
        QCOMPARE(m_app->timeline()->rowCount(), rows);
    }

    void goneServerIsSaidPlainly()
    {
        ConnectionController *connection = m_app->connection();
        m_server.kill();
        m_server.waitForFinished(5000);
        QTRY_COMPARE_WITH_TIMEOUT(connection->state(), QStringLiteral("reconnecting"), 10000);
        QVERIFY2(connection->statusText().startsWith(QStringLiteral("The server at ") + m_url
                                                     + QStringLiteral(" does not answer")),
                 qPrintable(connection->statusText()));
        QTRY_VERIFY_WITH_TIMEOUT(!m_app->conversation()->bannerText().isEmpty(), 10000);
    }

    void cleanupTestCase()
    {
        if (m_server.state() != QProcess::NotRunning) {
            ::kill(pid_t(m_server.processId()), SIGCONT);
            m_server.kill();
            m_server.waitForFinished(5000);
        }
        m_app.reset();
    }

private:
    QTemporaryDir m_dir;
    QProcess m_server;
    QString m_url;
    const QString m_token = QStringLiteral("remote-test-token-1234567890");
    std::unique_ptr<App> m_app;
};

QTEST_MAIN(tst_ConnectionController)
#include "tst_connectioncontroller.moc"
