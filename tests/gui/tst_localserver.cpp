// LocalServer: the desktop app's in-process host answers on 127.0.0.1 with its own token, and
// only with it; every start has a fresh port and token; the Settings it is given (max
// iterations) hold for its turns.
#include "../llm/llmtestutil.h"
#include "guitestsupport.h"

#include <localserver.h>

#include <QJsonArray>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

class tst_LocalServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        GuiTest::clearHostEnvironment();
        QVERIFY(m_dir.isValid());
        m_config = GuiTest::writeConfig(m_dir, QJsonObject {{"mcpServers", QJsonObject {}}});
        QVERIFY(!m_config.isEmpty());
    }

    void answersWithItsTokenOnly()
    {
        LocalServer server;
        QString error;
        QVERIFY2(server.start({m_config, {}, {}, {}, {}}, &error), qPrintable(error));
        QVERIFY(server.isRunning());
        QCOMPARE(server.url().host(), QStringLiteral("127.0.0.1"));
        QVERIFY(server.port() != 0);
        QCOMPARE(server.configPath(), m_config);

        QNetworkAccessManager nam;
        const QUrl base = server.url();
        const auto authorized = GuiTest::get(nam, base.resolved(QUrl("/health")), server.token());
        QCOMPARE(authorized.status, 200);
        // Nothing configured: the built-in offline model answers.
        QCOMPARE(authorized.json.value("model").toString(),
                 QStringLiteral("built-in offline model"));
        QVERIFY(authorized.json.contains("sessions"));

        // Without the token /health says only that it is up; the API refuses.
        const auto anonymous = GuiTest::get(nam, base.resolved(QUrl("/health")));
        QCOMPARE(anonymous.status, 200);
        QVERIFY(!anonymous.json.contains("model"));
        QCOMPARE(GuiTest::get(nam, base.resolved(QUrl("/api/v3/sessions"))).status, 401);
        QCOMPARE(GuiTest::get(nam, base.resolved(QUrl("/api/v3/sessions")),
                              QStringLiteral("not-the-token"))
                         .status,
                 401);
        QCOMPARE(GuiTest::get(nam, base.resolved(QUrl("/api/v3/sessions")), server.token()).status,
                 200);

        QSignalSpy stopped(&server, &LocalServer::stopped);
        bool done = false;
        server.stop([&done] { done = true; });
        QTRY_VERIFY(done);
        QCOMPARE(stopped.count(), 1);
        QVERIFY(!server.isRunning());
        QVERIFY(server.token().isEmpty());
        // The port is closed: nothing answers any more.
        QCOMPARE(GuiTest::get(nam, base.resolved(QUrl("/health"))).status, 0);
    }

    void everyStartHasItsOwnPortAndToken()
    {
        LocalServer first;
        LocalServer second;
        QString error;
        QVERIFY2(first.start({m_config, {}, {}, {}, {}}, &error), qPrintable(error));
        QVERIFY2(second.start({m_config, {}, {}, {}, {}}, &error), qPrintable(error));
        QVERIFY(first.port() != second.port());
        QVERIFY(first.token() != second.token());
        // 32 random bytes, base64url without padding.
        const QRegularExpression shape(QStringLiteral("^[A-Za-z0-9_-]{43}$"));
        QVERIFY(shape.match(first.token()).hasMatch());
        QVERIFY(shape.match(second.token()).hasMatch());
        // One server's token does not open the other.
        QNetworkAccessManager nam;
        QCOMPARE(GuiTest::get(nam, second.url().resolved(QUrl("/api/v3/sessions")), first.token())
                         .status,
                 401);
    }

    void maxIterationsCapsTheTurn_data()
    {
        QTest::addColumn<int>("setting"); // Settings' max iterations (0: the config's)
        QTest::addColumn<int>("iterations"); // where the turn stops
        QTest::newRow("Settings: 2 over the config's 4") << 2 << 2;
        QTest::newRow("Settings unset: the config's 4") << 0 << 4;
    }

    // A model that asks for a tool every time: the turn stops at the cap the app was given,
    // with stop_reason max_iterations, and the model was called exactly that often.
    void maxIterationsCapsTheTurn()
    {
        QFETCH(int, setting);
        QFETCH(int, iterations);
        ScriptedLlm llm;
        QVERIFY2(llm.start(), "the scripted-llm fixture did not start");
        QJsonArray script;
        for (int i = 1; i <= 6; ++i)
            script.append(QJsonObject {
                    {"tool_calls",
                     QJsonArray {QJsonObject {{"id", QStringLiteral("c%1").arg(i)},
                                              {"name", "lookup"},
                                              {"arguments", QJsonObject {{"n", i}}}}}}});
        QVERIFY(llm.setScript(script));
        const QString config
                = GuiTest::writeConfig(m_dir,
                                       QJsonObject {{"mcpServers", QJsonObject {}},
                                                    {"agent", QJsonObject {{"max_iterations", 4}}}},
                                       QStringLiteral("capped.json"));
        LocalServer server;
        LocalServer::Options options;
        options.configPath = config;
        options.provider = QStringLiteral("openai");
        options.baseUrl = llm.url(QStringLiteral("/v1")).toString();
        options.apiKey = QStringLiteral("sk-test");
        options.maxIterations = setting;
        QString error;
        QVERIFY2(server.start(options, &error), qPrintable(error));

        QNetworkAccessManager nam;
        QNetworkRequest request(server.url().resolved(QUrl("/chat")));
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        request.setRawHeader("Authorization", "Bearer " + server.token().toUtf8());
        QNetworkReply *reply = nam.post(request, R"({"message": "look it up"})");
        QVERIFY(QTest::qWaitFor([reply] { return reply->isFinished(); }, 30000));
        const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
        reply->deleteLater();
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QCOMPARE(body.value("iterations").toInt(), iterations);
        QCOMPARE(body.value("stop_reason").toString(), QStringLiteral("max_iterations"));
        QCOMPARE(llm.requests().size(), iterations);

        bool done = false;
        server.stop([&done] { done = true; });
        QTRY_VERIFY(done);
    }

    void maxIterationsOutOfRangeRefused()
    {
        LocalServer server;
        LocalServer::Options options;
        options.configPath = m_config;
        options.maxIterations = 101;
        QString error;
        QVERIFY(!server.start(options, &error));
        QVERIFY2(error.contains(QStringLiteral("max iterations")), qPrintable(error));
        QVERIFY(!server.isRunning());
    }

    void brokenConfigIsSaidPlainly()
    {
        const QString path = m_dir.filePath(QStringLiteral("broken.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"mcpServers\": [1, 2");
        file.close();
        LocalServer server;
        QString error;
        QVERIFY(!server.start({path, {}, {}, {}, {}}, &error));
        QVERIFY2(error.contains(QStringLiteral("broken.json")), qPrintable(error));
        QVERIFY(!server.isRunning());
    }

private:
    QTemporaryDir m_dir;
    QString m_config;
};

QTEST_GUILESS_MAIN(tst_LocalServer)
#include "tst_localserver.moc"
