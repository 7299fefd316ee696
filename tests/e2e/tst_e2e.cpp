// The desktop app end to end: the real `mcp-host` in a real X window (Xvfb, software
// renderer), the scripted LLM over real HTTP and the fixture MCP server. localTurn runs a turn
// with two tool calls and an approval in local mode (the host in the app's process) and checks
// what the timeline shows at each state; streamResume runs the app against a real `mcp-hostd`
// behind a proxy that drops the event stream mid-turn, and checks that the app resumes with no
// step lost or doubled. Each state's window is saved as a PNG under MCPHOST_TEST_ARTIFACTS/e2e
// (tests/e2e/make-screenshots.sh copies them to docs/screenshots/).

#include "cuttingproxy.h"
#include "e2esupport.h"

#include "../http/httptestsupport.h"

#include <QImage>
#include <QSet>
#include <QStandardPaths>
#include <QTest>

using HttpTest::HostProcess;

// A picture that fails ends the test function (shoot() reports why).
#define SHOOT(app, name)                                                                           \
    do {                                                                                           \
        shoot(app, name);                                                                          \
        if (QTest::currentTestFailed())                                                            \
            return;                                                                                \
    } while (false)

namespace {

QJsonObject rowOf(const QJsonArray &rows, const QString &kind, const QString &tool = {})
{
    for (const QJsonValue &v : rows) {
        const QJsonObject row = v.toObject();
        if (row.value("kind").toString() == kind
            && (tool.isEmpty() || row.value("tool").toString() == tool))
            return row;
    }
    return {};
}

QStringList kindsOf(const QJsonArray &rows)
{
    QStringList kinds;
    for (const QJsonValue &v : rows)
        kinds << v.toObject().value("kind").toString();
    return kinds;
}

QString describe(const QJsonArray &rows)
{
    QStringList out;
    for (const QJsonValue &v : rows) {
        const QJsonObject r = v.toObject();
        out << QStringLiteral("%1/%2/%3/%4")
                        .arg(r.value("kind").toString(), r.value("status").toString(),
                             r.value("tool").toString(), r.value("callId").toString());
    }
    return out.join(QStringLiteral(", "));
}

/// The ReAct steps of the timeline (think, tool call, acting, observation, answer) in order.
QStringList stepKinds(const QJsonArray &rows)
{
    static const QSet<QString> steps {"thinking", "toolCall", "acting", "observation", "answer"};
    QStringList out;
    for (const QString &kind : kindsOf(rows)) {
        if (steps.contains(kind))
            out << kind;
    }
    return out;
}

} // namespace

class tst_E2e : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void localTurn();
    void streamResume();
    void cleanupTestCase();

private:
    /// Saves the window as <artifacts>/e2e/<name>.png and checks it is a real picture.
    void shoot(E2e::App &app, const QString &name);
    void waitConnected(E2e::App &app);
    QString writeConfig(const QString &name, const QJsonObject &config);

    E2e::Xvfb m_xvfb;
    QTemporaryDir m_dir;
    QString m_artifacts;
};

void tst_E2e::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString error = m_xvfb.start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString root = qEnvironmentVariable("MCPHOST_TEST_ARTIFACTS",
                                              QStringLiteral(MCPHOST_BINARY_DIR "/test-artifacts"));
    m_artifacts = root + QStringLiteral("/e2e");
    QVERIFY(QDir().mkpath(m_artifacts));
}

void tst_E2e::cleanupTestCase()
{
    m_xvfb.stop();
}

QString tst_E2e::writeConfig(const QString &name, const QJsonObject &config)
{
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write(QJsonDocument(config).toJson());
    return path;
}

void tst_E2e::shoot(E2e::App &app, const QString &name)
{
    // Let pending layout and the next frame happen before the picture is taken.
    QTest::qWait(300);
    const QString path = m_artifacts + QLatin1Char('/') + name + QStringLiteral(".png");
    const QJsonObject answer = app.grab(path);
    QVERIFY2(answer.value("ok").toBool(), qPrintable(answer.value("error").toString()));
    const QImage image(path);
    QVERIFY2(!image.isNull(), qPrintable(path));
    QVERIFY(image.width() >= 600 && image.height() >= 400);
    // A real picture has more than one colour (an unrendered window is one flat fill).
    QSet<QRgb> colours;
    for (int y = 0; y < image.height() && colours.size() < 8; y += 7) {
        for (int x = 0; x < image.width() && colours.size() < 8; x += 7)
            colours.insert(image.pixel(x, y));
    }
    QVERIFY2(colours.size() >= 3, qPrintable(name + QStringLiteral(": a flat picture")));
}

void tst_E2e::waitConnected(E2e::App &app)
{
    QVERIFY2(app.get("", "connection").isString(),
             qPrintable(QStringLiteral("the app has no App.connection")));
    QVERIFY2(TestSupport::waitFor(
                     [&] { return app.get("connection", "state").toString() == "connected"; },
                     30000),
             qPrintable(app.get("connection", "state").toString() + QStringLiteral(" / ")
                        + app.get("connection", "statusText").toString() + QStringLiteral("\n")
                        + app.log()));
    if (app.get("conversation", "sessionId").toString().isEmpty())
        app.call("conversation", "newSession");
    QVERIFY2(TestSupport::waitFor(
                     [&] { return !app.get("conversation", "sessionId").toString().isEmpty(); },
                     20000),
             qPrintable(app.log()));
}

// One turn in local mode: think -> echo (needs approval) -> observe -> think -> slow (progress)
// -> observe -> answer, with a picture of each state a person would see.
void tst_E2e::localTurn()
{
    ScriptedLlm llm;
    QVERIFY(llm.start());
    const QString echoText = QStringLiteral("hello from the desktop");
    QVERIFY(llm.setScript(QJsonArray {
            QJsonObject {{"reasoning", "The user wants an echo first, then the slow job."},
                         {"tool_calls",
                          QJsonArray {QJsonObject {
                                  {"name", "echo"},
                                  {"arguments", QJsonObject {{"message", echoText}}}}}}},
            QJsonObject {{"reasoning", "The echo worked; now the slow job with progress."},
                         {"tool_calls",
                          QJsonArray {QJsonObject {
                                  {"name", "slow"},
                                  {"arguments", QJsonObject {{"steps", 8}, {"delay_ms", 400}}}}}}},
            QJsonObject {{"text",
                          "Both tools ran: the echo said **hello from the desktop**, "
                          "and the slow job finished all 8 steps."}}}));

    QJsonObject config = HttpTest::baseConfig();
    QJsonObject servers = HttpTest::fixtureServers();
    // A server that cannot start: the servers panel shows it failed, the turn does not care.
    servers.insert("broken",
                   QJsonObject {{"command", m_dir.filePath(QStringLiteral("no-such-server"))}});
    config.insert("mcpServers", servers);
    config.insert("approval", QJsonObject {{"tools", QJsonObject {{"fixture/echo", "ask"}}}});
    const QString configPath = writeConfig(QStringLiteral("local.json"), config);
    QVERIFY(!configPath.isEmpty());

    QProcessEnvironment env
            = E2e::appEnvironment(m_xvfb.display(), m_dir.filePath(QStringLiteral("home-local")));
    env.insert("MCPHOST_CONFIG", configPath);
    env.insert("OPENAI_BASE_URL", llm.url(QStringLiteral("/v1")).toString());
    env.insert("OPENAI_API_KEY", "test-key");
    E2e::App app;
    const QString error = app.start(env, m_dir.filePath(QStringLiteral("probe-local.sock")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    waitConnected(app);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(app.get("connection", "mode").toString(), QStringLiteral("local"));
    QCOMPARE(app.get("timeline", "count").toInt(), 0);
    SHOOT(app, QStringLiteral("empty-session"));

    const QJsonObject sent = app.call("conversation", "send",
                                      {QStringLiteral("Echo a greeting, then run the slow job.")});
    QVERIFY2(sent.value("ok").toBool(), qPrintable(sent.value("error").toString()));

    // The echo waits for the person's approval.
    QString echoCall;
    QVERIFY2(TestSupport::waitFor(
                     [&] {
                         const QJsonObject call = rowOf(app.rows(), "toolCall", "echo");
                         echoCall = call.value("callId").toString();
                         return call.value("status") == "waiting";
                     },
                     30000),
             qPrintable(describe(app.rows()) + app.log()));
    {
        const QJsonArray rows = app.rows();
        const QJsonObject call = rowOf(rows, "toolCall", "echo");
        QCOMPARE(call.value("approval").toString(), QStringLiteral("required"));
        QCOMPARE(call.value("server").toString(), QStringLiteral("fixture"));
        QVERIFY2(call.value("argsSummary").toString().contains(echoText),
                 qPrintable(call.value("argsSummary").toString()));
        QVERIFY(rowOf(rows, "observation").isEmpty());
        QVERIFY(app.get("conversation", "busy").toBool());
    }
    SHOOT(app, QStringLiteral("approval-waiting"));

    QVERIFY(app.call("conversation", "approve", {echoCall, true, QStringLiteral("once")})
                    .value("ok")
                    .toBool());

    // The slow tool runs with progress.
    QVERIFY2(TestSupport::waitFor(
                     [&] {
                         const QJsonObject acting = rowOf(app.rows(), "acting", "slow");
                         return acting.value("status") == "running"
                                 && acting.value("progress").toDouble(-1) >= 2;
                     },
                     30000),
             qPrintable(describe(app.rows())));
    SHOOT(app, QStringLiteral("acting-progress"));

    QVERIFY2(TestSupport::waitFor(
                     [&] {
                         return !app.get("conversation", "busy").toBool()
                                 && !rowOf(app.rows(), "answer").isEmpty();
                     },
                     40000),
             qPrintable(describe(app.rows())));
    const QJsonArray rows = app.rows();
    QCOMPARE(kindsOf(rows).value(0), QStringLiteral("user"));
    QCOMPARE(stepKinds(rows),
             (QStringList {"thinking", "toolCall", "acting", "observation", "thinking", "toolCall",
                           "acting", "observation", "answer"}));
    const QJsonObject echoObservation = rowOf(rows, "observation", "echo");
    QCOMPARE(echoObservation.value("callId").toString(), echoCall);
    QCOMPARE(rowOf(rows, "toolCall", "echo").value("approval").toString(),
             QStringLiteral("approved"));
    QVERIFY2(QJsonDocument(echoObservation).toJson().contains(echoText.toUtf8()),
             qPrintable(QString::fromUtf8(QJsonDocument(echoObservation).toJson())));
    QCOMPARE(rowOf(rows, "observation", "slow").value("isError").toBool(true), false);
    QVERIFY2(rowOf(rows, "answer").value("html").toString().contains("hello from the desktop"),
             qPrintable(rowOf(rows, "answer").value("html").toString()));
    for (const QJsonValue &v : rows) {
        const QString status = v.toObject().value("status").toString();
        QVERIFY2(status.isEmpty() || status == "done", qPrintable(describe(rows)));
    }
    SHOOT(app, QStringLiteral("turn-finished"));

    // The servers panel: the fixture runs, "broken" failed with a reason.
    QVERIFY2(app.get("", "servers").isString(), "the app has no App.servers");
    app.call("servers", "refresh");
    const auto serversShown = [&] {
        bool fixture = false;
        bool broken = false;
        const QJsonArray servers = app.rows("servers");
        for (const QJsonValue &v : servers) {
            const QJsonObject r = v.toObject();
            fixture |= r.value("name") == "fixture" && r.value("state") == "ready";
            broken |= r.value("name") == "broken" && r.value("state") == "failed"
                    && !r.value("reason").toString().isEmpty();
        }
        return fixture && broken;
    };
    QVERIFY2(TestSupport::waitFor(serversShown, 20000),
             qPrintable(QString::fromUtf8(QJsonDocument(app.rows("servers")).toJson())));
    // The servers panel as a person opens it: the toolbar's Servers button.
    QJsonObject clicked = app.send({{"cmd", "click"}, {"target", "@Servers"}});
    QVERIFY2(clicked.value("ok").toBool(), qPrintable(clicked.value("error").toString()));
    SHOOT(app, QStringLiteral("servers-failed"));
    clicked = app.send({{"cmd", "click"}, {"target", "@Close"}});
    QVERIFY2(clicked.value("ok").toBool(), qPrintable(clicked.value("error").toString()));

    // The same window in a dark palette: the theme follows it.
    QVERIFY(app.send({{"cmd", "palette"}, {"dark", true}}).value("ok").toBool());
    QVERIFY(TestSupport::waitFor([&] { return app.get("theme", "dark").toBool(); }, 5000));
    SHOOT(app, QStringLiteral("dark"));
    app.send({{"cmd", "palette"}, {"dark", false}});

    app.stop();
    QVERIFY2(!app.running(), "the app does not quit");
}

// Remote mode through a proxy that drops the event stream while the slow tool reports
// progress: the app reconnects with Last-Event-ID and shows every step exactly once.
void tst_E2e::streamResume()
{
    ScriptedLlm llm;
    QVERIFY(llm.start());
    QVERIFY(llm.setScript(QJsonArray {
            QJsonObject {{"tool_calls",
                          QJsonArray {QJsonObject {
                                  {"name", "slow"},
                                  {"arguments", QJsonObject {{"steps", 10}, {"delay_ms", 300}}}}}}},
            QJsonObject {{"text", "The slow job finished all 10 steps."}}}));

    const QByteArray token = "e2e-token-0123456789abcdef";
    HostProcess host;
    host.useLlm(llm);
    host.env.insert("MCPHOST_TOKEN", QString::fromLatin1(token));
    const QString hostError = host.start();
    QVERIFY2(hostError.isEmpty(), qPrintable(hostError));

    CuttingProxy proxy(host.port);
    QVERIFY(proxy.listen());
    const QString url = QStringLiteral("http://127.0.0.1:%1").arg(proxy.port());

    // Remote mode from the command line, the token in a file only its owner reads.
    const QString tokenFile = m_dir.filePath(QStringLiteral("token"));
    {
        QFile file(tokenFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner));
        file.write(token + '\n');
    }
    const QProcessEnvironment env
            = E2e::appEnvironment(m_xvfb.display(), m_dir.filePath(QStringLiteral("home-remote")));
    E2e::App app;
    const QString error = app.start(
            env, m_dir.filePath(QStringLiteral("probe-remote.sock")),
            {QStringLiteral("--connect"), url, QStringLiteral("--token-file"), tokenFile});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    waitConnected(app);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(app.get("connection", "mode").toString(), QStringLiteral("remote"));
    QVERIFY2(TestSupport::waitFor([&] { return proxy.openStreams() >= 1; }, 20000),
             "the app opened no event stream through the proxy");
    const QString sessionId = app.get("conversation", "sessionId").toString();

    const QJsonObject sent
            = app.call("conversation", "send", {QStringLiteral("Run the slow job.")});
    QVERIFY2(sent.value("ok").toBool(), qPrintable(sent.value("error").toString()));
    QVERIFY2(TestSupport::waitFor(
                     [&] {
                         return rowOf(app.rows(), "acting", "slow").value("progress").toDouble(-1)
                                 >= 3;
                     },
                     30000),
             qPrintable(describe(app.rows())));
    const int before = int(proxy.streamRequests().size());
    QVERIFY(proxy.cutStreams() >= 1);
    SHOOT(app, QStringLiteral("stream-dropped"));

    // A new stream request that resumes after the last event the app had.
    QVERIFY2(TestSupport::waitFor([&] { return proxy.streamRequests().size() > before; }, 40000),
             qPrintable(app.log()));
    const QByteArray resumedAfter = proxy.streamRequests().constLast();
    QVERIFY2(resumedAfter.toLongLong() > 0, resumedAfter.constData());

    QVERIFY2(TestSupport::waitFor(
                     [&] {
                         return !app.get("conversation", "busy").toBool()
                                 && !rowOf(app.rows(), "answer").isEmpty();
                     },
                     40000),
             qPrintable(describe(app.rows())));
    const QJsonArray rows = app.rows();
    QCOMPARE(stepKinds(rows),
             (QStringList {"thinking", "toolCall", "acting", "observation", "answer"}));
    const QJsonObject acting = rowOf(rows, "acting", "slow");
    QCOMPARE(rowOf(rows, "observation", "slow").value("callId"), acting.value("callId"));
    QCOMPARE(acting.value("status").toString(), QStringLiteral("done"));

    // Nothing lost: the app has seen every event the server logged for the session.
    HttpTest::RestClient rest(host.port);
    rest.token = token;
    const HttpTest::Reply session = rest.get(QStringLiteral("/api/v3/sessions/") + sessionId);
    QCOMPARE(session.status, 200);
    const qint64 serverSeq = qint64(session.json().value("last_seq").toDouble());
    QVERIFY(serverSeq > resumedAfter.toLongLong());
    QVERIFY2(TestSupport::waitFor(
                     [&] { return qint64(app.get("timeline", "lastSeq").toDouble()) == serverSeq; },
                     10000),
             qPrintable(QStringLiteral("timeline at %1, server at %2")
                                .arg(app.get("timeline", "lastSeq").toDouble())
                                .arg(serverSeq)));
    SHOOT(app, QStringLiteral("stream-resumed"));
    app.stop();
}

QTEST_GUILESS_MAIN(tst_E2e)
#include "tst_e2e.moc"
