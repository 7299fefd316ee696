// Integration tests against the official reference MCP servers installed from npm by
// scripts/bootstrap: server-everything (stdio, Streamable HTTP, legacy SSE),
// server-filesystem (asks for roots) and server-memory.

#include "mcpclient.h"
#include "serverconnection.h"
#include "stdiotransport.h"
#include "streamablehttptransport.h"
#include "testsupport.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace TestSupport;

namespace {

class DecliningElicitor : public Mcp::ElicitationHandler
{
public:
    void elicit(const QString &, const QJsonObject &params, RpcResponder responder) override
    {
        requests << params;
        responder.reply({{QStringLiteral("action"), QStringLiteral("decline")}});
    }
    QList<QJsonObject> requests;
};

QJsonObject blockOfType(const Mcp::ToolResult &r, const QString &type)
{
    for (const QJsonValue &v : r.content) {
        if (v.toObject().value(QStringLiteral("type")).toString() == type)
            return v.toObject();
    }
    return {};
}

} // namespace

class tst_ReferenceServers : public QObject
{
    Q_OBJECT

private:
    McpClient *stdioEverything(McpClient::Options options = {})
    {
        StdioTransport::Options o;
        o.command = QStringLiteral("node");
        o.args = {everythingScript(), QStringLiteral("stdio")};
        if (options.serverName.isEmpty())
            options.serverName = QStringLiteral("everything");
        return new McpClient(new StdioTransport(o), options, this);
    }
    bool hasTool(McpClient *client, const QString &name)
    {
        for (const Mcp::Tool &t : client->tools()) {
            if (t.name == name)
                return true;
        }
        return false;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFileInfo::exists(everythingScript()),
                 "the reference servers are missing: run scripts/bootstrap");
        m_everything = stdioEverything();
        m_everything->setSamplingHandler(&m_sampler);
        m_everything->setElicitationHandler(&m_elicitor);
        const QString failure = startClient(m_everything);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
    }

    void negotiatesTheLatestVersion()
    {
        QCOMPARE(m_everything->serverInfo().protocolVersion, Mcp::kLatestProtocolVersion);
        QCOMPARE(m_everything->serverInfo().name, QStringLiteral("mcp-servers/everything"));
        QVERIFY(m_everything->hasCapability(QStringLiteral("tools")));
    }

    void acceptsAnOlderVersion_data()
    {
        QTest::addColumn<QString>("version");
        QTest::newRow("2025-06-18") << QStringLiteral("2025-06-18");
        QTest::newRow("2025-03-26") << QStringLiteral("2025-03-26");
        QTest::newRow("2024-11-05") << QStringLiteral("2024-11-05");
    }
    void acceptsAnOlderVersion()
    {
        QFETCH(QString, version);
        McpClient::Options options;
        options.protocolVersion = version;
        McpClient *client = stdioEverything(options);
        const QString failure = startClient(client);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QCOMPARE(client->serverInfo().protocolVersion, version);
        const auto r
                = callTool(client, QStringLiteral("echo"), {{QStringLiteral("message"), version}});
        QVERIFY(r);
        QVERIFY(r->text().contains(version));
        client->close();
        QVERIFY(waitFor([client] { return client->state() == McpClient::State::Closed; }));
    }

    void listsEveryTool()
    {
        // Tools that depend on client capabilities are registered after initialize and
        // announced with list_changed; the client must pick them up.
        QVERIFY(waitFor(
                [this] {
                    return hasTool(m_everything, QStringLiteral("trigger-sampling-request"));
                },
                10000));
        const QStringList expected {QStringLiteral("echo"),
                                    QStringLiteral("get-annotated-message"),
                                    QStringLiteral("get-env"),
                                    QStringLiteral("get-resource-links"),
                                    QStringLiteral("get-resource-reference"),
                                    QStringLiteral("get-structured-content"),
                                    QStringLiteral("get-sum"),
                                    QStringLiteral("get-tiny-image"),
                                    QStringLiteral("gzip-file-as-resource"),
                                    QStringLiteral("toggle-simulated-logging"),
                                    QStringLiteral("toggle-subscriber-updates"),
                                    QStringLiteral("trigger-long-running-operation"),
                                    QStringLiteral("get-roots-list"),
                                    QStringLiteral("trigger-elicitation-request"),
                                    QStringLiteral("trigger-sampling-request")};
        for (const QString &name : expected)
            QVERIFY2(hasTool(m_everything, name), qPrintable(name));
        for (const Mcp::Tool &t : m_everything->tools()) {
            QCOMPARE(t.inputSchema.value(QStringLiteral("type")).toString(),
                     QStringLiteral("object"));
            QVERIFY2(!t.description.isEmpty(), qPrintable(t.name));
        }
    }

    void textContent()
    {
        const auto r = callTool(m_everything, QStringLiteral("echo"),
                                {{QStringLiteral("message"), QStringLiteral("héllo wörld")}});
        QVERIFY(r);
        QVERIFY(!r->isError);
        QCOMPARE(r->text(), QStringLiteral("Echo: héllo wörld"));
    }

    void imageContent()
    {
        const auto r = callTool(m_everything, QStringLiteral("get-tiny-image"), {});
        QVERIFY(r);
        const QJsonObject image = blockOfType(*r, QStringLiteral("image"));
        QCOMPARE(image.value(QStringLiteral("mimeType")).toString(), QStringLiteral("image/png"));
        const QByteArray png
                = QByteArray::fromBase64(image.value(QStringLiteral("data")).toString().toLatin1());
        QVERIFY(png.startsWith("\x89PNG"));
    }

    void resourceLinkContent()
    {
        const auto r = callTool(m_everything, QStringLiteral("get-resource-links"),
                                {{QStringLiteral("count"), 4}});
        QVERIFY(r);
        int links = 0;
        for (const QJsonValue &v : r->content) {
            const QJsonObject b = v.toObject();
            if (b.value(QStringLiteral("type")).toString() == QLatin1String("resource_link")) {
                ++links;
                QVERIFY(!b.value(QStringLiteral("uri")).toString().isEmpty());
            }
        }
        QCOMPARE(links, 4);
    }

    void embeddedResourceContent()
    {
        const auto r = callTool(m_everything, QStringLiteral("get-resource-reference"),
                                {{QStringLiteral("resourceType"), QStringLiteral("Text")},
                                 {QStringLiteral("resourceId"), 2}});
        QVERIFY(r);
        QVERIFY2(!r->isError, qPrintable(r->text()));
        const QJsonObject res = blockOfType(*r, QStringLiteral("resource"));
        QVERIFY2(!res.isEmpty(), qPrintable(QJsonDocument(r->raw).toJson()));
        QVERIFY(res.value(QStringLiteral("resource"))
                        .toObject()
                        .value(QStringLiteral("uri"))
                        .toString()
                        .contains(QLatin1String("2")));
    }

    void structuredContent()
    {
        const auto r = callTool(m_everything, QStringLiteral("get-structured-content"),
                                {{QStringLiteral("location"), QStringLiteral("New York")}});
        QVERIFY(r);
        QVERIFY2(r->structuredContent.has_value(), qPrintable(QJsonDocument(r->raw).toJson()));
        QVERIFY(r->structuredContent->contains(QStringLiteral("temperature")));
    }

    void invalidArgumentsAreAnError()
    {
        const auto r = callTool(m_everything, QStringLiteral("get-sum"),
                                {{QStringLiteral("a"), QStringLiteral("not a number")}});
        QVERIFY(r);
        QVERIFY(r->isError);
        QVERIFY(!r->text().isEmpty());
    }

    void progressFromALongRunningTool()
    {
        QList<RpcProgress> progress;
        const auto r = callTool(m_everything, QStringLiteral("trigger-long-running-operation"),
                                {{QStringLiteral("duration"), 1}, {QStringLiteral("steps"), 4}},
                                &progress);
        QVERIFY(r);
        QVERIFY2(!r->isError, qPrintable(r->text()));
        QCOMPARE(progress.size(), 4);
        for (int i = 0; i < progress.size(); ++i) {
            QCOMPARE(progress[i].progress, double(i + 1));
            QCOMPARE(progress[i].total.value_or(-1), 4.0);
        }
    }

    void cancellation()
    {
        std::optional<Mcp::ToolResult> result;
        int progressCount = 0;
        const qint64 id = m_everything->callTool(
                QStringLiteral("trigger-long-running-operation"),
                {{QStringLiteral("duration"), 20}, {QStringLiteral("steps"), 20}},
                [&result](const Mcp::ToolResult &r) { result = r; },
                [&progressCount](const RpcProgress &) { ++progressCount; });
        QVERIFY(waitFor([&] { return progressCount > 0; }, 10000));
        QElapsedTimer timer;
        timer.start();
        m_everything->cancelRequest(id, QStringLiteral("the user pressed stop"));
        QVERIFY(result.has_value());
        QVERIFY(result->isError);
        QCOMPARE(result->rpcErrorCode.value_or(0), int(JsonRpc::RequestCancelled));
        QVERIFY(result->text().contains(QLatin1String("the user pressed stop")));
        // The server keeps serving: the next call works at once.
        const auto after = callTool(m_everything, QStringLiteral("echo"),
                                    {{QStringLiteral("message"), QStringLiteral("still here")}});
        QVERIFY(after);
        QCOMPARE(after->text(), QStringLiteral("Echo: still here"));
        QVERIFY(timer.elapsed() < 5000);
    }

    void resources()
    {
        std::optional<QJsonArray> list;
        m_everything->listResources(
                [&list](const QJsonArray &items, const RpcReply &) { list = items; });
        QVERIFY(waitFor([&] { return list.has_value(); }));
        QVERIFY(!list->isEmpty());
        const QString uri = list->first().toObject().value(QStringLiteral("uri")).toString();
        QVERIFY(!uri.isEmpty());

        std::optional<RpcReply> read;
        m_everything->readResource(uri, [&read](const RpcReply &r) { read = r; });
        QVERIFY(waitFor([&] { return read.has_value(); }));
        QVERIFY2(read->ok(), qPrintable(read->errorMessage()));
        const QJsonArray contents = read->result.value(QStringLiteral("contents")).toArray();
        QVERIFY(!contents.isEmpty());
        QCOMPARE(contents.first().toObject().value(QStringLiteral("uri")).toString(), uri);

        std::optional<QJsonArray> templates;
        m_everything->listResourceTemplates(
                [&templates](const QJsonArray &items, const RpcReply &) { templates = items; });
        QVERIFY(waitFor([&] { return templates.has_value(); }));
        QVERIFY(!templates->isEmpty());
        const QString uriTemplate
                = templates->first().toObject().value(QStringLiteral("uriTemplate")).toString();
        QVERIFY(uriTemplate.contains(QLatin1Char('{')));

        // A templated resource: fill the template's variable and read it.
        const QString concrete = QString(uriTemplate)
                                         .replace(QRegularExpression(QStringLiteral("\\{[^}]+\\}")),
                                                  QStringLiteral("1"));
        std::optional<RpcReply> readTemplated;
        m_everything->readResource(concrete,
                                   [&readTemplated](const RpcReply &r) { readTemplated = r; });
        QVERIFY(waitFor([&] { return readTemplated.has_value(); }));
        QVERIFY2(readTemplated->ok(), qPrintable(readTemplated->errorMessage()));
    }

    void subscribe()
    {
        QSignalSpy updated(m_everything, &McpClient::resourceUpdated);
        std::optional<RpcReply> sub;
        const QString uri = QStringLiteral("demo://resource/dynamic/text/1");
        m_everything->subscribeResource(uri, [&sub](const RpcReply &r) { sub = r; });
        QVERIFY(waitFor([&] { return sub.has_value(); }));
        QVERIFY2(sub->ok(), qPrintable(sub->errorMessage()));
        const auto toggled
                = callTool(m_everything, QStringLiteral("toggle-subscriber-updates"), {});
        QVERIFY(toggled && !toggled->isError);
        QVERIFY(waitFor([&] { return !updated.isEmpty(); }, 12000));
        QCOMPARE(updated.first().first().toString(), uri);
        callTool(m_everything, QStringLiteral("toggle-subscriber-updates"), {});
    }

    void prompts()
    {
        std::optional<QJsonArray> list;
        m_everything->listPrompts(
                [&list](const QJsonArray &items, const RpcReply &) { list = items; });
        QVERIFY(waitFor([&] { return list.has_value(); }));
        QStringList names;
        for (const QJsonValue &v : *list)
            names << v.toObject().value(QStringLiteral("name")).toString();
        QVERIFY2(names.contains(QStringLiteral("args-prompt")), qPrintable(names.join(u',')));

        std::optional<RpcReply> got;
        m_everything->getPrompt(QStringLiteral("args-prompt"),
                                {{QStringLiteral("city"), QStringLiteral("Lisbon")}},
                                [&got](const RpcReply &r) { got = r; });
        QVERIFY(waitFor([&] { return got.has_value(); }));
        QVERIFY2(got->ok(), qPrintable(got->errorMessage()));
        const QJsonArray messages = got->result.value(QStringLiteral("messages")).toArray();
        QVERIFY(!messages.isEmpty());
        QVERIFY(QJsonDocument(messages).toJson().contains("Lisbon"));
    }

    void completion()
    {
        std::optional<RpcReply> got;
        m_everything->complete({{QStringLiteral("type"), QStringLiteral("ref/prompt")},
                                {QStringLiteral("name"), QStringLiteral("completable-prompt")}},
                               QStringLiteral("department"), QStringLiteral("E"),
                               [&got](const RpcReply &r) { got = r; });
        QVERIFY(waitFor([&] { return got.has_value(); }));
        QVERIFY2(got->ok(), qPrintable(got->errorMessage()));
        const QJsonArray values = got->result.value(QStringLiteral("completion"))
                                          .toObject()
                                          .value(QStringLiteral("values"))
                                          .toArray();
        QVERIFY(!values.isEmpty());
        for (const QJsonValue &v : values)
            QVERIFY(v.toString().startsWith(QLatin1Char('E')));
    }

    void logging()
    {
        QSignalSpy logs(m_everything, &McpClient::logMessage);
        std::optional<RpcReply> level;
        m_everything->setLoggingLevel(QStringLiteral("debug"),
                                      [&level](const RpcReply &r) { level = r; });
        QVERIFY(waitFor([&] { return level.has_value(); }));
        QVERIFY2(level->ok(), qPrintable(level->errorMessage()));
        const auto toggled = callTool(m_everything, QStringLiteral("toggle-simulated-logging"), {});
        QVERIFY(toggled && !toggled->isError);
        QVERIFY(waitFor([&] { return !logs.isEmpty(); }, 12000));
        QVERIFY(!logs.first().at(0).toString().isEmpty()); // level
        callTool(m_everything, QStringLiteral("toggle-simulated-logging"), {});
    }

    void samplingReachesTheHandler()
    {
        const auto r = callTool(m_everything, QStringLiteral("trigger-sampling-request"),
                                {{QStringLiteral("prompt"), QStringLiteral("What is 2+2?")}});
        QVERIFY(r);
        QVERIFY2(!r->isError, qPrintable(r->text()));
        QVERIFY(r->text().contains(QLatin1String("sampled by the host")));
        QCOMPARE(m_sampler.servers.value(0), QStringLiteral("everything"));
        QVERIFY(QJsonDocument(m_sampler.requests.value(0)).toJson().contains("What is 2+2?"));
    }

    void elicitationReachesTheHandler()
    {
        const auto r = callTool(m_everything, QStringLiteral("trigger-elicitation-request"), {});
        QVERIFY(r);
        QCOMPARE(m_elicitor.requests.size(), 1);
        QVERIFY(m_elicitor.requests.first().contains(QStringLiteral("requestedSchema")));
        QVERIFY2(r->text().contains(QLatin1String("decline"), Qt::CaseInsensitive),
                 qPrintable(r->text()));
    }

    void rootsAnswered()
    {
        QTemporaryDir dir;
        McpClient::Options options;
        options.roots = {{QUrl::fromLocalFile(dir.path()), QStringLiteral("workspace")}};
        McpClient *client = stdioEverything(options);
        QVERIFY(startClient(client).isEmpty());
        QVERIFY(waitFor([&] { return hasTool(client, QStringLiteral("get-roots-list")); }, 10000));
        const auto r = callTool(client, QStringLiteral("get-roots-list"), {});
        QVERIFY(r);
        QVERIFY2(r->text().contains(QUrl::fromLocalFile(dir.path()).toString()),
                 qPrintable(r->text()));

        // A change of roots is announced and the server sees the new list.
        QTemporaryDir other;
        client->setRoots({{QUrl::fromLocalFile(other.path()), QStringLiteral("other")}});
        QVERIFY(waitFor(
                [&] {
                    const auto again = callTool(client, QStringLiteral("get-roots-list"), {});
                    return again
                            && again->text().contains(QUrl::fromLocalFile(other.path()).toString());
                },
                10000));
        client->close();
    }

    void streamableHttp()
    {
        const quint16 port = freePort();
        ServerProcess server;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("PORT"), QString::number(port));
        QVERIFY(server.start(QStringLiteral("node"),
                             {everythingScript(), QStringLiteral("streamableHttp")}, env,
                             "listening on port"));

        StreamableHttpTransport::Options o;
        o.url = QUrl(QStringLiteral("http://127.0.0.1:%1/mcp").arg(port));
        auto *transport = new StreamableHttpTransport(o);
        McpClient::Options co;
        co.serverName = QStringLiteral("everything-http");
        auto *client = new McpClient(transport, co, this);
        QVERIFY(startClient(client).isEmpty());
        QVERIFY(!transport->sessionId().isEmpty());
        QCOMPARE(client->serverInfo().protocolVersion, Mcp::kLatestProtocolVersion);
        QVERIFY(hasTool(client, QStringLiteral("echo")));

        const auto echo = callTool(client, QStringLiteral("echo"),
                                   {{QStringLiteral("message"), QStringLiteral("over http")}});
        QVERIFY(echo);
        QCOMPARE(echo->text(), QStringLiteral("Echo: over http"));

        QList<RpcProgress> progress;
        const auto longOp = callTool(
                client, QStringLiteral("trigger-long-running-operation"),
                {{QStringLiteral("duration"), 1}, {QStringLiteral("steps"), 3}}, &progress);
        QVERIFY(longOp && !longOp->isError);
        QCOMPARE(progress.size(), 3);

        // Server-initiated messages arrive on the GET stream: logging notifications.
        QSignalSpy logs(client, &McpClient::logMessage);
        callTool(client, QStringLiteral("toggle-simulated-logging"), {});
        QVERIFY(waitFor([&] { return !logs.isEmpty(); }, 12000));

        client->close();
        QVERIFY(waitFor([client] { return client->state() == McpClient::State::Closed; }, 5000));
    }

    void legacySseFallback()
    {
        const quint16 port = freePort();
        ServerProcess server;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("PORT"), QString::number(port));
        QVERIFY(server.start(QStringLiteral("node"), {everythingScript(), QStringLiteral("sse")},
                             env, "running on port"));

        // Configured as plain HTTP (the default): initialize by POST fails, the host falls
        // back to the 2024-11-05 HTTP+SSE transport by itself.
        ServerConfig config;
        config.name = QStringLiteral("legacy");
        config.kind = ServerConfig::Kind::StreamableHttp;
        config.url = QUrl(QStringLiteral("http://127.0.0.1:%1/sse").arg(port));
        ServerConnection connection(config, {});
        connection.start();
        QVERIFY2(waitFor([&] {
                     return connection.state() == ServerConnection::State::Ready
                             || connection.state() == ServerConnection::State::Failed;
                 }),
                 qPrintable(connection.reason()));
        QVERIFY2(connection.state() == ServerConnection::State::Ready,
                 qPrintable(connection.reason()));
        QCOMPARE(connection.transportName(), QStringLiteral("sse"));
        const auto echo = callTool(connection.client(), QStringLiteral("echo"),
                                   {{QStringLiteral("message"), QStringLiteral("legacy")}});
        QVERIFY(echo);
        QCOMPARE(echo->text(), QStringLiteral("Echo: legacy"));
        connection.stop();
        QVERIFY(waitFor([&] { return connection.state() == ServerConnection::State::Stopped; },
                        5000));
    }

    void filesystemUsesRoots()
    {
        QTemporaryDir workspace;
        QFile file(workspace.filePath(QStringLiteral("notes.txt")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("a note from the test\n");
        file.close();

        StdioTransport::Options o;
        o.command = QStringLiteral("node");
        o.args = {nodeModules()
                  + QStringLiteral("/@modelcontextprotocol/server-filesystem/dist/index.js")};
        McpClient::Options co;
        co.serverName = QStringLiteral("filesystem");
        co.roots = {{QUrl::fromLocalFile(workspace.path()), QStringLiteral("workspace")}};
        auto *client = new McpClient(new StdioTransport(o), co, this);
        QSignalSpy rootsRequests(client->session()->transport(), &Transport::messageReceived);
        QVERIFY(startClient(client).isEmpty());
        // The server asks for roots after initialized and then allows exactly those folders.
        QVERIFY(waitFor(
                [&] {
                    const auto r = callTool(client, QStringLiteral("list_allowed_directories"), {});
                    return r && r->text().contains(QFileInfo(workspace.path()).canonicalFilePath());
                },
                10000));
        const auto read = callTool(
                client, QStringLiteral("read_text_file"),
                {{QStringLiteral("path"), workspace.filePath(QStringLiteral("notes.txt"))}});
        QVERIFY(read);
        QVERIFY2(!read->isError, qPrintable(read->text()));
        QVERIFY(read->text().contains(QLatin1String("a note from the test")));
        const auto outside = callTool(client, QStringLiteral("read_text_file"),
                                      {{QStringLiteral("path"), QStringLiteral("/etc/hostname")}});
        QVERIFY(outside && outside->isError);
        client->close();
    }

    void filesystemWithoutRootsKeepsItsArguments()
    {
        // No workspace folders configured: the folders on the server's command line stay in
        // force (an empty roots answer must not lock the user out of them).
        QTemporaryDir workspace;
        StdioTransport::Options o;
        o.command = QStringLiteral("node");
        o.args = {
                nodeModules()
                        + QStringLiteral("/@modelcontextprotocol/server-filesystem/dist/index.js"),
                workspace.path()};
        McpClient::Options co;
        co.serverName = QStringLiteral("filesystem");
        auto *client = new McpClient(new StdioTransport(o), co, this);
        QVERIFY(startClient(client).isEmpty());
        QTest::qWait(500); // give the server time to ask for roots if it is going to
        const auto r = callTool(client, QStringLiteral("list_allowed_directories"), {});
        QVERIFY(r);
        QVERIFY2(r->text().contains(QFileInfo(workspace.path()).canonicalFilePath()),
                 qPrintable(r->text()));
        client->close();
    }

    void memoryServer()
    {
        QTemporaryDir dir;
        StdioTransport::Options o;
        o.command = QStringLiteral("node");
        o.args = {nodeModules()
                  + QStringLiteral("/@modelcontextprotocol/server-memory/dist/index.js")};
        o.env.insert(QStringLiteral("MEMORY_FILE_PATH"),
                     dir.filePath(QStringLiteral("memory.jsonl")));
        McpClient::Options co;
        co.serverName = QStringLiteral("memory");
        auto *client = new McpClient(new StdioTransport(o), co, this);
        QVERIFY(startClient(client).isEmpty());
        QCOMPARE(client->tools().size(), 9);
        const QJsonArray entities {
                QJsonObject {{QStringLiteral("name"), QStringLiteral("Ada")},
                             {QStringLiteral("entityType"), QStringLiteral("person")},
                             {QStringLiteral("observations"),
                              QJsonArray {QStringLiteral("wrote the first program")}}}};
        const auto created = callTool(client, QStringLiteral("create_entities"),
                                      {{QStringLiteral("entities"), entities}});
        QVERIFY(created && !created->isError);
        const auto graph = callTool(client, QStringLiteral("read_graph"), {});
        QVERIFY(graph);
        QVERIFY(graph->text().contains(QLatin1String("wrote the first program")));
        client->close();
    }

    void killedMidCall()
    {
        ServerConfig config;
        config.name = QStringLiteral("everything");
        config.command = QStringLiteral("node");
        config.args = {everythingScript(), QStringLiteral("stdio")};
        ServerConnection::Options options;
        options.initialBackoffMs = 300;
        ServerConnection connection(config, options);
        connection.start();
        QVERIFY(waitFor([&] { return connection.state() == ServerConnection::State::Ready; }));
        auto *transport = qobject_cast<StdioTransport *>(connection.client()->transport());
        QVERIFY(transport);
        const qint64 pid = transport->processId();

        std::optional<Mcp::ToolResult> result;
        int progress = 0;
        connection.client()->callTool(
                QStringLiteral("trigger-long-running-operation"),
                {{QStringLiteral("duration"), 20}, {QStringLiteral("steps"), 20}},
                [&result](const Mcp::ToolResult &r) { result = r; },
                [&progress](const RpcProgress &) { ++progress; });
        QVERIFY(waitFor([&] { return progress > 0; }, 10000));
        ::kill(pid_t(pid), SIGKILL);

        // The call fails cleanly with a reason, and the server comes back by itself.
        QVERIFY(waitFor([&] { return result.has_value(); }, 5000));
        QVERIFY(result->isError);
        QCOMPARE(result->rpcErrorCode.value_or(0), int(JsonRpc::ConnectionClosed));
        QVERIFY2(result->text().contains(QLatin1String("closed")), qPrintable(result->text()));
        QVERIFY(waitFor([&] { return connection.state() == ServerConnection::State::Restarting; },
                        5000));
        QVERIFY(waitFor([&] { return connection.state() == ServerConnection::State::Ready; },
                        20000));
        QCOMPARE(connection.restartCount(), 1);
        const auto echo = callTool(connection.client(), QStringLiteral("echo"),
                                   {{QStringLiteral("message"), QStringLiteral("back")}});
        QVERIFY(echo);
        QCOMPARE(echo->text(), QStringLiteral("Echo: back"));
        connection.stop();
        QVERIFY(waitFor([&] { return connection.state() == ServerConnection::State::Stopped; },
                        5000));
    }

    void cleanupTestCase()
    {
        if (m_everything)
            m_everything->close();
        waitFor([this] { return m_everything->state() == McpClient::State::Closed; }, 5000);
    }

private:
    McpClient *m_everything = nullptr;
    RecordingSampler m_sampler {QStringLiteral("sampled by the host")};
    DecliningElicitor m_elicitor;
};

QTEST_GUILESS_MAIN(tst_ReferenceServers)
#include "tst_referenceservers.moc"
