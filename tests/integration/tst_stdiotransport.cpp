// Integration tests of the stdio transport and the client on top of it, against our own
// scripted server (tests/fixtures, mcp-fixture-server) and a few shell stand-ins for servers
// that misbehave in ways the fixture cannot (stderr floods, banners, ignoring EOF).

#include "mcpclient.h"
#include "stdiotransport.h"
#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <cerrno>
#include <csignal>
#include <memory>
#include <unistd.h>

using namespace TestSupport;

namespace {

/// The fixture over stdio; its log (stderr) forced on and to the pipe, so tests can read what
/// it saw through diagnostics().
StdioTransport::Options fixtureOptions()
{
    StdioTransport::Options o;
    o.command = fixtureServer();
    o.env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("mcphost.fixture*=true"));
    o.env.insert(QStringLiteral("QT_FORCE_STDERR_LOGGING"), QStringLiteral("1"));
    return o;
}

/// A shell command as a server: `sh -c script`.
StdioTransport::Options shellOptions(const QString &script)
{
    StdioTransport::Options o = fixtureOptions();
    o.command = QStringLiteral("/bin/sh");
    o.args = {QStringLiteral("-c"), script};
    return o;
}

bool processExists(qint64 pid)
{
    return pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno != ESRCH);
}

/// The processes of process group `pgid`, from /proc (field 5 of /proc/<pid>/stat).
QList<qint64> processesInGroup(qint64 pgid)
{
    QList<qint64> out;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool isPid = false;
        const qint64 pid = entry.toLongLong(&isPid);
        if (!isPid)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(entry));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        // "pid (comm) state ppid pgrp ...": comm may hold spaces, so split after the last ')'.
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 2 && fields.at(0) != "Z" && fields.at(2).toLongLong() == pgid)
            out << pid;
    }
    return out;
}

/// server-everything started the way the example config starts it: through npx.
StdioTransport::Options npxOptions()
{
    StdioTransport::Options o;
    o.command = QStringLiteral("npx");
    o.args = {QStringLiteral("-y"), QStringLiteral("@modelcontextprotocol/server-everything"),
              QStringLiteral("stdio")};
    o.workingDirectory = QStringLiteral(MCPHOST_SOURCE_DIR "/tests");
    return o;
}

bool hasTool(const McpClient *client, const QString &name)
{
    for (const Mcp::Tool &t : client->tools()) {
        if (t.name == name)
            return true;
    }
    return false;
}

std::optional<Mcp::ToolResult> callWithTimeout(McpClient *client, const QString &name,
                                               const QJsonObject &args, int requestTimeoutMs,
                                               QList<RpcProgress> *progress = nullptr)
{
    std::optional<Mcp::ToolResult> result;
    JsonRpcSession::ProgressHandler onProgress;
    if (progress)
        onProgress = [progress](const RpcProgress &p) { progress->append(p); };
    client->callTool(
            name, args, [&result](const Mcp::ToolResult &r) { result = r; }, onProgress,
            requestTimeoutMs);
    waitFor([&] { return result.has_value(); }, requestTimeoutMs + 10000);
    return result;
}

std::optional<RpcReply> waitReply(const std::function<void(JsonRpcSession::ReplyHandler)> &call)
{
    std::optional<RpcReply> reply;
    call([&reply](const RpcReply &r) { reply = r; });
    waitFor([&] { return reply.has_value(); }, 10000);
    return reply;
}

/// Answers an elicitation after `delayMs`, as a user who takes a while.
class SlowElicitor : public Mcp::ElicitationHandler
{
public:
    explicit SlowElicitor(int delayMs)
        : m_delayMs(delayMs)
    { }
    void elicit(const QString &, const QJsonObject &, RpcResponder responder) override
    {
        auto held = std::make_shared<RpcResponder>(std::move(responder));
        QTimer::singleShot(m_delayMs, [held] {
            held->reply({{QStringLiteral("action"), QStringLiteral("accept")},
                         {QStringLiteral("content"),
                          QJsonObject {{QStringLiteral("name"), QStringLiteral("Slow")}}}});
        });
    }

private:
    int m_delayMs;
};

class Elicitor : public Mcp::ElicitationHandler
{
public:
    void elicit(const QString &, const QJsonObject &params, RpcResponder responder) override
    {
        requests << params;
        responder.reply({{QStringLiteral("action"), QStringLiteral("accept")},
                         {QStringLiteral("content"),
                          QJsonObject {{QStringLiteral("name"), QStringLiteral("Ada")}}}});
    }
    QList<QJsonObject> requests;
};

} // namespace

class tst_StdioTransport : public QObject
{
    Q_OBJECT

private:
    McpClient *newClient(McpClient::Options co = {}, StdioTransport::Options o = fixtureOptions())
    {
        if (co.serverName.isEmpty())
            co.serverName = QStringLiteral("fixture");
        return new McpClient(new StdioTransport(std::move(o)), co, this);
    }

    McpClient *m_client = nullptr; // shared by the tests that leave the server healthy
    const Mcp::Root m_root {QUrl(QStringLiteral("file:///home/user/project")),
                            QStringLiteral("project")};

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFileInfo(fixtureServer()).isExecutable(),
                 "mcp-fixture-server is missing: build the mcp-fixture-server target");
        McpClient::Options co;
        co.roots = {m_root};
        m_client = newClient(co);
        const QString failure = startClient(m_client);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
    }

    void cleanupTestCase()
    {
        if (m_client)
            m_client->close();
        waitFor([this] { return m_client->state() == McpClient::State::Closed; }, 5000);
    }

    void startsAndEchoes()
    {
        QCOMPARE(m_client->state(), McpClient::State::Ready);
        QCOMPARE(m_client->serverInfo().name, QStringLiteral("mcp-fixture-server"));
        QCOMPARE(m_client->serverInfo().protocolVersion, Mcp::kLatestProtocolVersion);
        const auto r = callTool(m_client, QStringLiteral("echo"),
                                {{QStringLiteral("message"), QStringLiteral("hi over stdio")}});
        QVERIFY(r);
        QVERIFY(!r->isError);
        QCOMPARE(r->text(), QStringLiteral("Echo: hi over stdio"));
        QCOMPARE(r->structuredContent.value_or(QJsonObject()),
                 QJsonObject({{QStringLiteral("message"), QStringLiteral("hi over stdio")}}));
    }

    void collectsEveryPageOfTools()
    {
        // The fixture pages tools/list 3 at a time: without following nextCursor the client
        // would know only the first three.
        const QStringList expected {
                QStringLiteral("echo"),         QStringLiteral("fail"),
                QStringLiteral("slow"),         QStringLiteral("crash"),
                QStringLiteral("hang"),         QStringLiteral("add_tool"),
                QStringLiteral("log"),          QStringLiteral("ask_roots"),
                QStringLiteral("ask_sampling"), QStringLiteral("ask_elicitation"),
                QStringLiteral("big"),          QStringLiteral("image"),
                QStringLiteral("audio")};
        QStringList names;
        for (const Mcp::Tool &t : m_client->tools())
            names << t.name;
        for (const QString &name : expected)
            QVERIFY2(names.contains(name),
                     qPrintable(name + QStringLiteral(" missing from ")
                                + names.join(QLatin1Char(','))));
        QCOMPARE(names.removeDuplicates(), 0);
    }

    void audioContentIsPassedThroughUnchanged()
    {
        const auto r = callTool(m_client, QStringLiteral("audio"), {});
        QVERIFY(r);
        QVERIFY(!r->isError);
        QCOMPARE(r->content.size(), 1);
        const QJsonObject block = r->content.first().toObject();
        QCOMPARE(block,
                 QJsonObject({{QStringLiteral("type"), QStringLiteral("audio")},
                              {QStringLiteral("mimeType"), QStringLiteral("audio/wav")},
                              {QStringLiteral("data"),
                               QStringLiteral("UklGRigAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZ"
                                              "GF0YQQAAACAoIBg")}}));
        const QByteArray wav
                = QByteArray::fromBase64(block.value(QStringLiteral("data")).toString().toLatin1());
        QVERIFY(wav.startsWith("RIFF"));
        QCOMPARE(wav.mid(8, 4), QByteArray("WAVE"));
        QCOMPARE(r->text(), QStringLiteral("[audio: audio/wav]"));
    }

    void progressExtendsTheTimeout_data()
    {
        QTest::addColumn<int>("steps");
        QTest::addColumn<int>("delayMs");
        QTest::addColumn<int>("timeoutMs");
        QTest::addColumn<bool>("succeeds");
        // 8 x 150 ms = 1.2 s in all, twice the timeout; each step is well inside it.
        QTest::newRow("progress keeps a long call alive") << 8 << 150 << 600 << true;
        QTest::newRow("a step longer than the timeout") << 2 << 1500 << 400 << false;
    }
    void progressExtendsTheTimeout()
    {
        QFETCH(int, steps);
        QFETCH(int, delayMs);
        QFETCH(int, timeoutMs);
        QFETCH(bool, succeeds);
        QList<RpcProgress> progress;
        const auto r = callWithTimeout(
                m_client, QStringLiteral("slow"),
                {{QStringLiteral("steps"), steps}, {QStringLiteral("delay_ms"), delayMs}},
                timeoutMs, &progress);
        QVERIFY(r);
        if (succeeds) {
            QVERIFY2(!r->isError, qPrintable(r->text()));
            QCOMPARE(r->text(), QStringLiteral("done after %1 steps").arg(steps));
            QCOMPARE(progress.size(), steps);
            for (int i = 0; i < steps; ++i) {
                QCOMPARE(progress[i].progress, double(i + 1));
                QCOMPARE(progress[i].total.value_or(-1), double(steps));
                QCOMPARE(progress[i].message,
                         QStringLiteral("step %1 of %2").arg(i + 1).arg(steps));
            }
        } else {
            QVERIFY(r->isError);
            QCOMPARE(r->rpcErrorCode.value_or(0), int(JsonRpc::RequestTimeout));
            QVERIFY(progress.isEmpty());
        }
    }

    void hangTimesOutAndCancels()
    {
        QElapsedTimer timer;
        timer.start();
        std::optional<Mcp::ToolResult> r;
        const qint64 id = m_client->callTool(
                QStringLiteral("hang"), {}, [&r](const Mcp::ToolResult &result) { r = result; }, {},
                300);
        QVERIFY(waitFor([&] { return r.has_value(); }, 5000));
        QVERIFY(timer.elapsed() < 3000);
        QVERIFY(r->isError);
        QCOMPARE(r->rpcErrorCode.value_or(0), int(JsonRpc::RequestTimeout));
        QVERIFY2(r->text().contains(QLatin1String("tools/call timed out")), qPrintable(r->text()));

        // The server heard about it: it logs every cancellation it receives, with the id.
        const Transport *transport = m_client->transport();
        const QString logged = QStringLiteral("cancelled request \"%1\"").arg(id);
        QVERIFY2(waitFor([&] { return !transport->diagnostics().filter(logged).isEmpty(); }, 5000),
                 qPrintable(transport->diagnostics().join(QLatin1Char('\n'))));

        const auto after = callTool(m_client, QStringLiteral("echo"),
                                    {{QStringLiteral("message"), QStringLiteral("still here")}});
        QVERIFY(after);
        QCOMPARE(after->text(), QStringLiteral("Echo: still here"));
    }

    void crashFailsTheCallWithTheExitCode()
    {
        McpClient *client = newClient();
        QVERIFY(startClient(client).isEmpty());
        QSignalSpy closed(client->transport(), &Transport::closed);

        const auto r = callTool(client, QStringLiteral("crash"), {});
        QVERIFY(r);
        QVERIFY(r->isError);
        QCOMPARE(r->rpcErrorCode.value_or(0), int(JsonRpc::ConnectionClosed));
        QVERIFY2(r->text().contains(QLatin1String("exited with code 3")), qPrintable(r->text()));

        QVERIFY(waitFor([&] { return !closed.isEmpty(); }, 5000));
        QCOMPARE(closed.size(), 1);
        QCOMPARE(closed.first().first().toString(),
                 QStringLiteral("the server process exited with code 3"));
        QVERIFY2(client->transport()->diagnostics().contains(
                         QStringLiteral("fixture: crashing on purpose")),
                 qPrintable(client->transport()->diagnostics().join(QLatin1Char('\n'))));
        QCOMPARE(client->state(), McpClient::State::Closed);

        // Nothing is left to talk to: later calls fail at once instead of waiting.
        const auto later = callTool(client, QStringLiteral("echo"),
                                    {{QStringLiteral("message"), QStringLiteral("anyone?")}});
        QVERIFY(later);
        QVERIFY(later->isError);
        QCOMPARE(later->rpcErrorCode.value_or(0), int(JsonRpc::ConnectionClosed));
    }

    void stderrTailKeepsTheLastLines_data()
    {
        QTest::addColumn<int>("written");
        QTest::addColumn<int>("kept");
        QTest::newRow("fewer than the limit") << 50 << 50;
        QTest::newRow("more than the limit") << 300 << StdioTransport::kStderrLines;
    }
    void stderrTailKeepsTheLastLines()
    {
        QFETCH(int, written);
        QFETCH(int, kept);
        StdioTransport transport(shellOptions(
                QStringLiteral("i=1; while [ $i -le %1 ]; do echo \"line $i\" >&2; i=$((i+1)); "
                               "done; exit 0")
                        .arg(written)));
        QSignalSpy closed(&transport, &Transport::closed);
        QSignalSpy logs(&transport, &Transport::serverLog);
        transport.open();
        QVERIFY(waitFor([&] { return !closed.isEmpty(); }, 10000));

        const QStringList tail = transport.diagnostics();
        QCOMPARE(tail.size(), kept);
        QCOMPARE(tail.first(), QStringLiteral("line %1").arg(written - kept + 1));
        QCOMPARE(tail.last(), QStringLiteral("line %1").arg(written));
        QCOMPARE(logs.size(), written); // every line is still reported as it arrives
    }

    void stdoutLineThatIsNotJsonIsSkipped()
    {
        // Some servers print a banner to stdout before speaking JSON-RPC.
        McpClient *client
                = newClient({},
                            shellOptions(QStringLiteral("echo 'Server v1.2 starting...'; exec '%1'")
                                                 .arg(fixtureServer())));
        QSignalSpy errors(client->transport(), &Transport::errorOccurred);
        const QString failure = startClient(client);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QCOMPARE(errors.size(), 1);
        QVERIFY(errors.first().first().toString().startsWith(QLatin1String("invalid message")));
        QVERIFY(client->transport()->diagnostics().contains(
                QStringLiteral("[stdout] Server v1.2 starting...")));

        const auto r = callTool(client, QStringLiteral("echo"),
                                {{QStringLiteral("message"), QStringLiteral("after the banner")}});
        QVERIFY(r);
        QCOMPARE(r->text(), QStringLiteral("Echo: after the banner"));
        client->close();
        QVERIFY(waitFor([client] { return client->state() == McpClient::State::Closed; }, 5000));
    }

    void startFailuresSayWhy_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("cwd");
        QTest::addColumn<QString>("reason");
        QTest::newRow("not on PATH") << QStringLiteral("no-such-mcp-server-xyz") << QString()
                                     << QStringLiteral("command not found: no-such-mcp-server-xyz");
        QTest::newRow("missing path")
                << QStringLiteral("/nonexistent/bin/server") << QString()
                << QStringLiteral("command not found: /nonexistent/bin/server");
        QTest::newRow("not executable") << QStringLiteral("/etc/passwd") << QString()
                                        << QStringLiteral("not executable: /etc/passwd");
        QTest::newRow("bad working directory")
                << fixtureServer() << QStringLiteral("/nonexistent/workspace")
                << QStringLiteral("working directory not found: /nonexistent/workspace");
    }
    void startFailuresSayWhy()
    {
        QFETCH(QString, command);
        QFETCH(QString, cwd);
        QFETCH(QString, reason);
        StdioTransport::Options o = fixtureOptions();
        o.command = command;
        o.workingDirectory = cwd;
        StdioTransport transport(o);
        QSignalSpy opened(&transport, &Transport::opened);
        QSignalSpy closed(&transport, &Transport::closed);
        transport.open();
        QVERIFY(waitFor([&] { return !closed.isEmpty(); }, 5000));
        QCOMPARE(closed.first().first().toString(), reason);
        QCOMPARE(opened.size(), 0);
        QCOMPARE(transport.processId(), 0); // nothing was started

        // Through the client the user sees the same reason as the failure.
        McpClient client(new StdioTransport(o), {});
        QCOMPARE(startClient(&client, 5000), reason);
    }

    void closeStopsTheServer_data()
    {
        QTest::addColumn<QString>("script"); // empty: the fixture itself
        QTest::addColumn<int>("minGraces"); // how many grace periods closing must take
        // The fixture exits when its stdin closes; `sleep` only when terminated; with TERM
        // ignored (inherited through exec) only SIGKILL ends it.
        QTest::newRow("exits on stdin EOF") << QString() << 0;
        QTest::newRow("exits on SIGTERM") << QStringLiteral("exec sleep 30") << 1;
        QTest::newRow("needs SIGKILL") << QStringLiteral("trap '' TERM; exec sleep 30") << 2;
    }
    void closeStopsTheServer()
    {
        QFETCH(QString, script);
        QFETCH(int, minGraces);
        constexpr int graceMs = 1000;
        StdioTransport::Options o = script.isEmpty() ? fixtureOptions() : shellOptions(script);
        o.shutdownGraceMs = graceMs;
        StdioTransport transport(o);
        QSignalSpy opened(&transport, &Transport::opened);
        QSignalSpy closed(&transport, &Transport::closed);
        transport.open();
        QVERIFY(waitFor([&] { return !opened.isEmpty(); }, 5000));
        const qint64 pid = transport.processId();
        QVERIFY(processExists(pid));
        QTest::qWait(200); // let the shell install its trap

        QElapsedTimer timer;
        timer.start();
        transport.close();
        QVERIFY(waitFor([&] { return !closed.isEmpty(); }, 3 * graceMs + 5000));
        const qint64 elapsed = timer.elapsed();
        QCOMPARE(closed.first().first().toString(), QStringLiteral("closed"));
        QVERIFY(!processExists(pid));
        // The grace timer is coarse: it may fire up to 5 % early.
        QVERIFY2(elapsed >= minGraces * graceMs * 9 / 10, qPrintable(QString::number(elapsed)));
        QVERIFY2(elapsed < (minGraces + 1) * graceMs, qPrintable(QString::number(elapsed)));
    }

    void stopEndsTheWholeProcessGroup_data()
    {
        QTest::addColumn<bool>("graceful"); // close() (clean stop) or destroyed (host exits)
        QTest::newRow("close") << true;
        QTest::newRow("destroyed while running") << false;
    }
    void stopEndsTheWholeProcessGroup()
    {
        // npx runs npm, which runs node: signalling only the direct child left the server
        // running after the host had gone.
        QFETCH(bool, graceful);
        if (QStandardPaths::findExecutable(QStringLiteral("npx")).isEmpty())
            QSKIP("npx is not installed");
        auto *client = new McpClient(new StdioTransport(npxOptions()), {}, this);
        const QString failure = startClient(client, 60000);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        const auto *transport = qobject_cast<StdioTransport *>(client->transport());
        const qint64 group = transport->processGroupId();
        QCOMPARE(group, transport->processId()); // the server leads its own group
        QVERIFY(group != ::getpgrp()); // ... not the host's
        QVERIFY(waitFor([&] { return processesInGroup(group).size() >= 2; }, 5000));

        if (graceful) {
            client->close();
            QVERIFY(waitFor([&] { return client->state() == McpClient::State::Closed; }, 15000));
            // closed() means gone: nothing of the group is left at that moment.
            QCOMPARE(processesInGroup(group), QList<qint64>());
            delete client;
        } else {
            delete client;
            QVERIFY2(waitFor([&] { return processesInGroup(group).isEmpty(); }, 3000),
                     qPrintable(QString::number(processesInGroup(group).size())));
        }
    }

    void hostExitEndsEveryServerGroup()
    {
        // mcp-hostd with a server started through npx; the host is told to stop (SIGTERM, as
        // a service manager does): no process of the server's group may outlive it.
        if (QStandardPaths::findExecutable(QStringLiteral("npx")).isEmpty())
            QSKIP("npx is not installed");
        QTemporaryDir dir;
        const StdioTransport::Options npx = npxOptions();
        const QString config = dir.filePath(QStringLiteral("config.json"));
        QFile file(config);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QJsonDocument(
                           QJsonObject {
                                   {QStringLiteral("mcpServers"),
                                    QJsonObject {
                                            {QStringLiteral("everything"),
                                             QJsonObject {{QStringLiteral("command"), npx.command},
                                                          {QStringLiteral("args"),
                                                           QJsonArray::fromStringList(npx.args)},
                                                          {QStringLiteral("cwd"),
                                                           npx.workingDirectory}}}}}})
                           .toJson());
        file.close();
        QProcess host;
        host.setProcessChannelMode(QProcess::MergedChannels);
        host.start(QStringLiteral(MCPHOST_BINARY_DIR "/bin/mcp-hostd"),
                   {QStringLiteral("serve"), QStringLiteral("--config"), config,
                    QStringLiteral("--port"), QString::number(freePort())});
        QVERIFY(host.waitForStarted(5000));
        QByteArray log;
        QVERIFY(waitFor(
                [&] {
                    log += host.readAll();
                    return log.contains("everything initialized");
                },
                60000));
        // The server's group: led by the host's child.
        qint64 group = 0;
        const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
        for (const QString &entry : entries) {
            QFile stat(QStringLiteral("/proc/%1/stat").arg(entry));
            if (!stat.open(QIODevice::ReadOnly))
                continue;
            const QByteArray line = stat.readAll();
            const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
            if (fields.size() > 2 && fields.at(1).toLongLong() == host.processId())
                group = fields.at(2).toLongLong();
        }
        QVERIFY(group > 0);
        QVERIFY(processesInGroup(group).size() >= 2);
        host.terminate();
        QVERIFY(host.waitForFinished(15000));
        QVERIFY2(waitFor([&] { return processesInGroup(group).isEmpty(); }, 3000),
                 qPrintable(QString::number(processesInGroup(group).size())));
    }

    void waitingForTheUserDoesNotCountAgainstTheCall()
    {
        // The call's timeout is 400 ms; the user takes 1.5 s to answer the elicitation the
        // call caused. Before, the call died of its timeout while the form was open.
        SlowElicitor user(1500);
        McpClient *client = newClient();
        client->setElicitationHandler(&user);
        const QString failure = startClient(client);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        const auto r = callWithTimeout(client, QStringLiteral("ask_elicitation"),
                                       {{QStringLiteral("message"), QStringLiteral("Name?")}}, 400);
        QVERIFY(r);
        QVERIFY2(!r->isError, qPrintable(r->text()));
        QVERIFY2(r->text().contains(QLatin1String("Slow")), qPrintable(r->text()));
        // Without a pending question the timeout still applies.
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("timed out")));
        const auto hung = callWithTimeout(client, QStringLiteral("hang"), {}, 400);
        QVERIFY(hung && hung->isError);
        client->close();
        QVERIFY(waitFor([client] { return client->state() == McpClient::State::Closed; }, 5000));
    }

    void rootsAreAnswered()
    {
        const auto r = callTool(m_client, QStringLiteral("ask_roots"), {});
        QVERIFY(r);
        QVERIFY2(!r->isError, qPrintable(r->text()));
        QCOMPARE(QJsonDocument::fromJson(r->text().toUtf8()).array(),
                 QJsonArray({QJsonObject {
                         {QStringLiteral("uri"), QStringLiteral("file:///home/user/project")},
                         {QStringLiteral("name"), QStringLiteral("project")}}}));
    }

    void serverRequestsWithoutHandlers_data()
    {
        QTest::addColumn<QString>("tool");
        QTest::addColumn<QJsonObject>("args");
        QTest::addColumn<QString>("why");
        QTest::newRow("sampling") << QStringLiteral(
                "ask_sampling") << QJsonObject {{QStringLiteral("prompt"), QStringLiteral("2+2?")}}
                                  << QStringLiteral("sampling is not available");
        QTest::newRow("elicitation")
                << QStringLiteral("ask_elicitation")
                << QJsonObject {{QStringLiteral("message"), QStringLiteral("Who are you?")}}
                << QStringLiteral("elicitation is not available");
    }
    void serverRequestsWithoutHandlers()
    {
        QFETCH(QString, tool);
        QFETCH(QJsonObject, args);
        QFETCH(QString, why);
        // The shared client has neither handler, and did not claim the capabilities.
        const auto r = callTool(m_client, tool, args);
        QVERIFY(r);
        QVERIFY(r->isError);
        QVERIFY(!r->rpcErrorCode); // the server answered; its request to us is what failed
        QVERIFY2(r->text().contains(why), qPrintable(r->text()));
    }

    void serverRequestsWithHandlers()
    {
        RecordingSampler sampler(QStringLiteral("a sampled answer"));
        Elicitor elicitor;
        McpClient::Options co;
        co.serverName = QStringLiteral("with-handlers");
        McpClient *client = newClient(co);
        client->setSamplingHandler(&sampler);
        client->setElicitationHandler(&elicitor);
        QVERIFY(startClient(client).isEmpty());

        const auto sampled = callTool(client, QStringLiteral("ask_sampling"),
                                      {{QStringLiteral("prompt"), QStringLiteral("2+2?")}});
        QVERIFY(sampled);
        QVERIFY2(!sampled->isError, qPrintable(sampled->text()));
        QCOMPARE(sampled->text(), QStringLiteral("a sampled answer"));
        QCOMPARE(sampler.servers, QStringList {QStringLiteral("with-handlers")});
        QVERIFY(QJsonDocument(sampler.requests.value(0)).toJson().contains("2+2?"));

        const auto elicited = callTool(client, QStringLiteral("ask_elicitation"),
                                       {{QStringLiteral("message"), QStringLiteral("Name?")}});
        QVERIFY(elicited);
        QVERIFY2(!elicited->isError, qPrintable(elicited->text()));
        QCOMPARE(QJsonDocument::fromJson(elicited->text().toUtf8()).object(),
                 QJsonObject({{QStringLiteral("action"), QStringLiteral("accept")},
                              {QStringLiteral("content"),
                               QJsonObject {{QStringLiteral("name"), QStringLiteral("Ada")}}}}));
        QCOMPARE(elicitor.requests.value(0).value(QStringLiteral("message")).toString(),
                 QStringLiteral("Name?"));
        client->close();
        QVERIFY(waitFor([client] { return client->state() == McpClient::State::Closed; }, 5000));
    }

    void toolsListChanged()
    {
        QVERIFY(!hasTool(m_client, QStringLiteral("added_at_runtime")));
        QSignalSpy changed(m_client, &McpClient::toolsChanged);
        const auto r = callTool(m_client, QStringLiteral("add_tool"),
                                {{QStringLiteral("name"), QStringLiteral("added_at_runtime")}});
        QVERIFY(r && !r->isError);
        QVERIFY(waitFor([&] { return !changed.isEmpty(); }, 5000));
        QVERIFY(hasTool(m_client, QStringLiteral("added_at_runtime")));
        const auto added = callTool(m_client, QStringLiteral("added_at_runtime"),
                                    {{QStringLiteral("message"), QStringLiteral("new")}});
        QVERIFY(added);
        QCOMPARE(added->text(), QStringLiteral("added_at_runtime: new"));
    }

    void loggingRespectsTheLevel_data()
    {
        QTest::addColumn<QString>("minimum");
        QTest::addColumn<QString>("level");
        QTest::addColumn<bool>("delivered");
        QTest::newRow("error passes warning")
                << QStringLiteral("warning") << QStringLiteral("error") << true;
        QTest::newRow("info is below warning")
                << QStringLiteral("warning") << QStringLiteral("info") << false;
        QTest::newRow("debug passes debug")
                << QStringLiteral("debug") << QStringLiteral("debug") << true;
    }
    void loggingRespectsTheLevel()
    {
        QFETCH(QString, minimum);
        QFETCH(QString, level);
        QFETCH(bool, delivered);
        const auto set = waitReply([&](JsonRpcSession::ReplyHandler h) {
            m_client->setLoggingLevel(minimum, std::move(h));
        });
        QVERIFY(set);
        QVERIFY2(set->ok(), qPrintable(set->errorMessage()));

        QSignalSpy logs(m_client, &McpClient::logMessage);
        const auto r = callTool(m_client, QStringLiteral("log"),
                                {{QStringLiteral("level"), level},
                                 {QStringLiteral("message"), QStringLiteral("disk almost full")}});
        QVERIFY(r && !r->isError);
        // The notification travels before the result on the same pipe: no waiting needed.
        QCOMPARE(logs.size(), delivered ? 1 : 0);
        if (delivered) {
            QCOMPARE(logs.first().at(0).toString(), level);
            QCOMPARE(logs.first().at(1).toString(), QStringLiteral("fixture"));
            QCOMPARE(logs.first().at(2).value<QJsonValue>().toString(),
                     QStringLiteral("disk almost full"));
        }
    }

    void resources()
    {
        std::optional<QJsonArray> list;
        m_client->listResources([&](const QJsonArray &items, const RpcReply &) { list = items; });
        QVERIFY(waitFor([&] { return list.has_value(); }, 5000));
        QCOMPARE(list->size(), 1);
        QCOMPARE(list->first().toObject().value(QStringLiteral("uri")).toString(),
                 QStringLiteral("fixture://hello"));

        const auto hello = waitReply([&](JsonRpcSession::ReplyHandler h) {
            m_client->readResource(QStringLiteral("fixture://hello"), std::move(h));
        });
        QVERIFY(hello && hello->ok());
        const QJsonObject contents
                = hello->result.value(QStringLiteral("contents")).toArray().first().toObject();
        QCOMPARE(contents.value(QStringLiteral("text")).toString(),
                 QStringLiteral("hello from fixture"));

        std::optional<QJsonArray> templates;
        m_client->listResourceTemplates(
                [&](const QJsonArray &items, const RpcReply &) { templates = items; });
        QVERIFY(waitFor([&] { return templates.has_value(); }, 5000));
        QCOMPARE(templates->size(), 1);
        QCOMPARE(templates->first().toObject().value(QStringLiteral("uriTemplate")).toString(),
                 QStringLiteral("fixture://items/{id}"));

        const auto item = waitReply([&](JsonRpcSession::ReplyHandler h) {
            m_client->readResource(QStringLiteral("fixture://items/42"), std::move(h));
        });
        QVERIFY(item && item->ok());
        QCOMPARE(item->result.value(QStringLiteral("contents"))
                         .toArray()
                         .first()
                         .toObject()
                         .value(QStringLiteral("text"))
                         .toString(),
                 QStringLiteral("item 42"));

        const auto missing = waitReply([&](JsonRpcSession::ReplyHandler h) {
            m_client->readResource(QStringLiteral("fixture://nothing"), std::move(h));
        });
        QVERIFY(missing);
        QVERIFY(!missing->ok());
        QVERIFY2(missing->errorMessage().contains(QLatin1String("fixture://nothing")),
                 qPrintable(missing->errorMessage()));
    }

    void subscribeDeliversUpdates()
    {
        QSignalSpy updated(m_client, &McpClient::resourceUpdated);
        const auto sub = waitReply([&](JsonRpcSession::ReplyHandler h) {
            m_client->subscribeResource(QStringLiteral("fixture://items/7"), std::move(h));
        });
        QVERIFY(sub);
        QVERIFY2(sub->ok(), qPrintable(sub->errorMessage()));
        QVERIFY(waitFor([&] { return !updated.isEmpty(); }, 5000));
        QCOMPARE(updated.first().first().toString(), QStringLiteral("fixture://items/7"));
    }

    void prompts()
    {
        std::optional<QJsonArray> list;
        m_client->listPrompts([&](const QJsonArray &items, const RpcReply &) { list = items; });
        QVERIFY(waitFor([&] { return list.has_value(); }, 5000));
        QCOMPARE(list->size(), 1);
        QCOMPARE(list->first().toObject().value(QStringLiteral("name")).toString(),
                 QStringLiteral("greet"));

        const auto greet = waitReply([&](JsonRpcSession::ReplyHandler h) {
            m_client->getPrompt(QStringLiteral("greet"),
                                {{QStringLiteral("name"), QStringLiteral("Ada")}}, std::move(h));
        });
        QVERIFY(greet);
        QVERIFY2(greet->ok(), qPrintable(greet->errorMessage()));
        const QJsonObject message
                = greet->result.value(QStringLiteral("messages")).toArray().first().toObject();
        QCOMPARE(message.value(QStringLiteral("content"))
                         .toObject()
                         .value(QStringLiteral("text"))
                         .toString(),
                 QStringLiteral("Hello, Ada!"));

        const auto noName = waitReply([&](JsonRpcSession::ReplyHandler h) {
            m_client->getPrompt(QStringLiteral("greet"), {}, std::move(h));
        });
        QVERIFY(noName && !noName->ok());
        QCOMPARE(noName->error->code, int(JsonRpc::InvalidParams));
        QVERIFY(noName->errorMessage().contains(QLatin1String("name")));
    }
};

QTEST_GUILESS_MAIN(tst_StdioTransport)
#include "tst_stdiotransport.moc"
