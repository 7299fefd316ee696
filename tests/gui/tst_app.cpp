// The app at launch and across restarts (App in this process, and the real `mcp-host` binary as
// a child process, offscreen, driven through its test probe): the saved Settings (provider,
// model, base URL, API key, max iterations) hold from the start, not only after Apply; the
// sessions in the default SQLite store are in the sidebar after a clean restart, with their
// title, turn count and timeline; and after the app was killed (SIGKILL) mid-turn, the restarted
// app lists the session and its turn reads interrupted.
#include "../e2e/e2esupport.h"
#include "../llm/llmtestutil.h"
#include "guitestsupport.h"

#include <app.h>
#include <localserver.h>

#include <QJsonArray>
#include <QSettings>
#include <QSignalSpy>
#include <QTest>

class tst_App : public QObject
{
    Q_OBJECT

private:
    /// A data folder of its own for the store (the default SQLite file lives under it).
    void useDataFolder(const QString &name)
    {
        const QString path = m_dir.filePath(name);
        QVERIFY(QDir().mkpath(path));
        qputenv("XDG_DATA_HOME", QFile::encodeName(path));
    }
    std::unique_ptr<App> newApp()
    {
        return std::make_unique<App>(nullptr, m_dir.filePath(QStringLiteral("tokens")));
    }
    /// startLocal() as main.cpp calls it, and wait for the connection.
    bool launch(App &app, const LocalServer::Options &commandLine)
    {
        app.startLocal(commandLine);
        return QTest::qWaitFor(
                [&app] { return app.connection()->state() == QLatin1String("connected"); }, 20000);
    }
    bool quit(App &app)
    {
        bool done = false;
        app.connection()->shutdown([&done] { done = true; });
        return QTest::qWaitFor([&done] { return done; }, 15000);
    }
    LocalServer::Options offline() const
    {
        LocalServer::Options options;
        options.configPath = m_config;
        options.provider = QStringLiteral("offline");
        return options;
    }
    static bool refreshed(SessionsModel *sessions)
    {
        QSignalSpy loading(sessions, &SessionsModel::loadingChanged);
        sessions->refresh();
        return QTest::qWaitFor([&] { return loading.count() >= 2 && !sessions->loading(); }, 10000);
    }
    static QStringList kindsAndTexts(TimelineModel *timeline)
    {
        QStringList out;
        for (int row = 0; row < timeline->rowCount(); ++row) {
            const QModelIndex i = timeline->index(row);
            out << timeline->data(i, TimelineModel::KindRole).toString() + QLatin1Char(':')
                            + timeline->data(i, TimelineModel::TextRole).toString();
        }
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        GuiTest::clearHostEnvironment();
        QVERIFY(m_dir.isValid());
        // No session bus: the saved API key goes to the 0600 file in this test's folder, never
        // into the keychain of the person running the tests.
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
        // The app's QSettings in this test's own folder (read once per process, so set first).
        qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_dir.filePath(QStringLiteral("config"))));
        QCoreApplication::setOrganizationName(QStringLiteral("mcp-host"));
        QCoreApplication::setApplicationName(QStringLiteral("mcp-host"));
        m_config = GuiTest::writeConfig(m_dir, QJsonObject {{"mcpServers", QJsonObject {}}});
    }

    // Settings saved in one run (provider, model, base URL, key, max iterations) are what the
    // next run's local server uses from its start: the model is called at the saved URL with
    // the saved model and key, and the turn stops at the saved cap.
    void savedSettingsApplyAtLaunch()
    {
        useDataFolder(QStringLiteral("settings"));
        ScriptedLlm llm;
        QVERIFY2(llm.start(), "the scripted-llm fixture did not start");
        {
            auto first = newApp();
            SettingsController *settings = first->settings();
            settings->setProvider(QStringLiteral("openai"));
            settings->setModel(QStringLiteral("saved-model-7"));
            settings->setBaseUrl(llm.url(QStringLiteral("/v1")).toString());
            settings->setMaxIterations(2);
            settings->setApiKey(QStringLiteral("sk-saved-in-settings"));
            // Stored (the keychain's answer, or the fallback file's) before this run ends.
            QString stored;
            QTRY_VERIFY_WITH_TIMEOUT(
                    [&] {
                        settings->loadApiKey(first.get(),
                                             [&stored](const QString &key) { stored = key; });
                        return stored == QLatin1String("sk-saved-in-settings");
                    }(),
                    10000);
        }
        QJsonArray script;
        for (int i = 1; i <= 4; ++i)
            script.append(QJsonObject {
                    {"tool_calls",
                     QJsonArray {QJsonObject {{"id", QStringLiteral("c%1").arg(i)},
                                              {"name", "lookup"},
                                              {"arguments", QJsonObject {{"n", i}}}}}}});
        QVERIFY(llm.setScript(script));

        auto app = newApp();
        LocalServer::Options commandLine; // no --provider, --model: what was saved holds
        commandLine.configPath = m_config;
        QVERIFY(launch(*app, commandLine));
        QNetworkAccessManager nam;
        const QUrl base = app->localServer()->url();
        const QString token = app->localServer()->token();
        const auto health = GuiTest::get(nam, base.resolved(QUrl("/health")), token);
        QVERIFY2(health.json.value("model").toString().contains("saved-model-7"),
                 qPrintable(QJsonDocument(health.json).toJson()));
        const auto turn = GuiTest::request(nam, "POST", base.resolved(QUrl("/chat")), token,
                                           R"({"message": "look it up"})");
        QCOMPARE(turn.status, 200);
        QCOMPARE(turn.json.value("stop_reason").toString(), QStringLiteral("max_iterations"));
        QCOMPARE(turn.json.value("iterations").toInt(), 2);
        const QJsonArray requests = llm.requests();
        QCOMPARE(requests.size(), 2);
        const QJsonObject first = requests.at(0).toObject();
        QCOMPARE(first.value("path").toString(), QStringLiteral("/v1/chat/completions"));
        QCOMPARE(first.value("body").toObject().value("model").toString(),
                 QStringLiteral("saved-model-7"));
        QCOMPARE(first.value("headers").toObject().value("authorization").toString(),
                 QStringLiteral("Bearer sk-saved-in-settings"));
        QVERIFY(quit(*app));
        app.reset();

        // A provider named on the command line keeps its own model and key: the saved ones
        // belong to the saved provider.
        app = newApp();
        QVERIFY(launch(*app, offline()));
        const auto offlineHealth
                = GuiTest::get(nam, app->localServer()->url().resolved(QUrl("/health")),
                               app->localServer()->token());
        QCOMPARE(offlineHealth.json.value("model").toString(),
                 QStringLiteral("built-in offline model"));
        QVERIFY(quit(*app));
        app.reset();
        {
            // Back to automatic for the other tests.
            auto reset = newApp();
            reset->settings()->clearApiKey();
            reset->settings()->setProvider(QString());
            reset->settings()->setModel(QString());
            reset->settings()->setBaseUrl(QString());
            reset->settings()->setMaxIterations(0);
        }
    }

    // A session with a turn, a clean quit, a new start on the same data folder: the sidebar
    // lists it with its title and turn count, and opening it shows its timeline.
    void sessionsSurviveARestart()
    {
        useDataFolder(QStringLiteral("restart"));
        const QString message = QStringLiteral("Remember me after a restart");
        QString id;
        QStringList timeline;
        {
            auto app = newApp();
            QVERIFY(launch(*app, offline()));
            ConversationController *conversation = app->conversation();
            conversation->newSession();
            QTRY_VERIFY_WITH_TIMEOUT(!conversation->sessionId().isEmpty()
                                             && conversation->streamState()
                                                     == QLatin1String("open"),
                                     10000);
            id = conversation->sessionId();
            conversation->send(message);
            QTRY_VERIFY_WITH_TIMEOUT(conversation->busy(), 10000);
            QTRY_VERIFY_WITH_TIMEOUT(!conversation->busy(), 30000);
            QTRY_VERIFY_WITH_TIMEOUT(kindsAndTexts(app->timeline()).join('\n').contains("answer:"),
                                     10000);
            timeline = kindsAndTexts(app->timeline());
            QVERIFY(refreshed(app->sessions()));
            QCOMPARE(app->sessions()->rowOf(id), 0);
            QVERIFY(quit(*app));
        }

        auto app = newApp();
        QVERIFY(launch(*app, offline()));
        SessionsModel *sessions = app->sessions();
        // The app lists the sessions once connected, without being asked.
        QTRY_VERIFY_WITH_TIMEOUT(sessions->rowOf(id) >= 0, 10000);
        QCOMPARE(sessions->count(), 1);
        const QModelIndex row = sessions->index(sessions->rowOf(id));
        QCOMPARE(sessions->data(row, SessionsModel::TitleRole).toString(), message);
        QCOMPARE(sessions->data(row, SessionsModel::TurnCountRole).toInt(), 1);
        QCOMPARE(sessions->data(row, SessionsModel::BusyRole).toBool(), false);
        app->conversation()->open(id);
        QTRY_COMPARE_WITH_TIMEOUT(kindsAndTexts(app->timeline()), timeline, 10000);
        QCOMPARE(kindsAndTexts(app->timeline()).constFirst(), QStringLiteral("user:") + message);
        QVERIFY(quit(*app));
    }

    // The real app, killed with SIGKILL while its turn waits for the model: started again on
    // the same data folder it lists the session, and the turn reads interrupted.
    void sessionsSurviveAKilledApp()
    {
        ScriptedLlm llm;
        QVERIFY2(llm.start(), "the scripted-llm fixture did not start");
        // The model answers nothing for a minute: the turn is running when the app dies.
        QVERIFY(llm.setScript(QJsonArray {QJsonObject {
                {"text", "too late"}, {"fault", "slow_first_token"}, {"first_delay_ms", 60000}}}));
        const QString home = m_dir.filePath(QStringLiteral("killed-home"));
        QVERIFY(QDir().mkpath(home));
        QProcessEnvironment env = E2e::appEnvironment(QString(), home);
        env.remove(QStringLiteral("DISPLAY"));
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("OPENAI_BASE_URL"), llm.url(QStringLiteral("/v1")).toString());
        env.insert(QStringLiteral("OPENAI_API_KEY"), QStringLiteral("sk-test"));
        const QStringList args {QStringLiteral("--config"), m_config, QStringLiteral("--provider"),
                                QStringLiteral("openai")};
        const QString message = QStringLiteral("Survive the kill");
        {
            E2e::App app;
            const QString error = app.start(env, home + QStringLiteral("/probe-1"), args);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QVERIFY2(TestSupport::waitFor(
                             [&] {
                                 return app.get("connection", "state").toString()
                                         == QLatin1String("connected");
                             },
                             30000),
                     qPrintable(app.log()));
            QVERIFY(app.call("conversation", "send", {message}).value("ok").toBool());
            // The turn is running: the model was asked and has not answered.
            QVERIFY2(TestSupport::waitFor([&] { return llm.requests().size() == 1; }, 20000),
                     qPrintable(app.log()));
            QVERIFY(TestSupport::waitFor([&] { return app.get("conversation", "busy").toBool(); },
                                         10000));
            ::kill(pid_t(app.process().processId()), SIGKILL);
            QVERIFY(app.process().waitForFinished(10000));
            QCOMPARE(app.process().exitStatus(), QProcess::CrashExit);
        }

        E2e::App app;
        const QString error = app.start(env, home + QStringLiteral("/probe-2"), args);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QJsonArray rows;
        QVERIFY2(TestSupport::waitFor(
                         [&] {
                             rows = app.rows(QStringLiteral("sessions"));
                             return rows.size() == 1;
                         },
                         30000),
                 qPrintable(app.log()));
        const QJsonObject session = rows.at(0).toObject();
        QCOMPARE(session.value("title").toString(), message);
        QCOMPARE(session.value("turnCount").toInt(), 1);
        QCOMPARE(session.value("busy").toBool(), false);
        QVERIFY(app.call("conversation", "open", {session.value("sessionId").toString()})
                        .value("ok")
                        .toBool());
        QJsonArray timeline;
        const auto interrupted = [&timeline] {
            for (const QJsonValue &r : std::as_const(timeline)) {
                const QJsonObject step = r.toObject();
                if (step.value("kind").toString() == QLatin1String("error")
                    && step.value("text").toString().contains("interrupted"))
                    return true;
            }
            return false;
        };
        QVERIFY2(TestSupport::waitFor(
                         [&] {
                             timeline = app.rows();
                             return interrupted();
                         },
                         20000),
                 qPrintable(QJsonDocument(timeline).toJson()));
        QCOMPARE(timeline.at(0).toObject().value("kind").toString(), QStringLiteral("user"));
        QCOMPARE(timeline.at(0).toObject().value("text").toString(), message);
        QCOMPARE(app.get("conversation", "busy").toBool(), false);
        // Nothing of the turn still reads as running, and the turn reads interrupted.
        for (const QJsonValue &r : std::as_const(timeline))
            QVERIFY2(r.toObject().value("status").toString() != QLatin1String("running"),
                     qPrintable(QJsonDocument(timeline).toJson()));
        const QJsonObject summary = timeline.at(timeline.size() - 1).toObject();
        QCOMPARE(summary.value("kind").toString(), QStringLiteral("turnSummary"));
        QCOMPARE(summary.value("status").toString(), QStringLiteral("interrupted"));
        app.stop();
    }

private:
    QTemporaryDir m_dir;
    QString m_config;
};

QTEST_MAIN(tst_App)
#include "tst_app.moc"
