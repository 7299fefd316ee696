// Unit tests for McpClient over an in-memory transport pair, against a fake server scripted in
// the test: it answers initialize and tools/list by default, and each test adds or overrides
// handlers for what it exercises.

#include "mcpclient.h"
#include "memorytransport.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <optional>

using JsonRpc::Message;

namespace {

QJsonObject tool(const QString &name)
{
    return {{QStringLiteral("name"), name},
            {QStringLiteral("inputSchema"),
             QJsonObject {{QStringLiteral("type"), QStringLiteral("object")}}}};
}

QStringList toolNames(const QList<Mcp::Tool> &tools)
{
    QStringList names;
    for (const Mcp::Tool &t : tools)
        names << t.name;
    return names;
}

// The server end of the pair: records every message and answers requests through handlers.
class FakeServer : public QObject
{
public:
    using Handler = std::function<void(const Message &)>;

    explicit FakeServer(MemoryTransport *transport)
        : m_transport(transport)
    {
        m_transport->setParent(this);
        connect(m_transport, &Transport::messageReceived, this, &FakeServer::onMessage);
        handlers.insert(QStringLiteral("initialize"), [this](const Message &m) {
            reply(m,
                  {{QStringLiteral("protocolVersion"), protocolVersion},
                   {QStringLiteral("capabilities"), capabilities},
                   {QStringLiteral("serverInfo"),
                    QJsonObject {{QStringLiteral("name"), QStringLiteral("fake")},
                                 {QStringLiteral("version"), QStringLiteral("1.0")}}}});
        });
        handlers.insert(QStringLiteral("tools/list"), [this](const Message &m) {
            // Cursors are page indexes; the last page has no nextCursor.
            const int page = m.params().value(QStringLiteral("cursor")).toString().toInt();
            QJsonObject result {{QStringLiteral("tools"), toolPages.value(page)}};
            if (page + 1 < toolPages.size())
                result.insert(QStringLiteral("nextCursor"), QString::number(page + 1));
            reply(m, result);
        });
        m_transport->open();
    }

    void reply(const Message &request, const QJsonObject &result)
    {
        m_transport->send(Message::response(request.id(), result));
    }
    void fail(const Message &request, int code, const QString &message, const QJsonValue &data = {})
    {
        m_transport->send(Message::errorResponse(request.id(), {code, message, data}));
    }
    void notify(const QString &method, const QJsonObject &params = {})
    {
        m_transport->send(Message::notification(method, params));
    }
    QJsonValue request(const QString &method, const QJsonObject &params = {})
    {
        QJsonValue id = QStringLiteral("srv-%1").arg(++m_nextId);
        m_transport->send(Message::request(id, method, params));
        return id;
    }

    /// Requests and notifications received, in order.
    [[nodiscard]] QList<Message> received(const QString &method = {}) const
    {
        QList<Message> out;
        for (const Message &m : received_) {
            if (!m.isResponse() && (method.isEmpty() || m.method() == method))
                out.append(m);
        }
        return out;
    }
    [[nodiscard]] QStringList methods() const
    {
        QStringList out;
        for (const Message &m : received())
            out << m.method();
        return out;
    }
    [[nodiscard]] std::optional<Message> responseTo(const QJsonValue &id) const
    {
        for (const Message &m : received_) {
            if (m.isResponse() && m.idKey() == Message::idKey(id))
                return m;
        }
        return std::nullopt;
    }

    QString protocolVersion = Mcp::kLatestProtocolVersion;
    QJsonObject capabilities {
            {QStringLiteral("tools"), QJsonObject {{QStringLiteral("listChanged"), true}}}};
    QList<QJsonArray> toolPages {QJsonArray {tool(QStringLiteral("echo"))}};
    QHash<QString, Handler> handlers;
    bool autoAnswer = true;

private:
    void onMessage(const Message &message)
    {
        received_.append(message);
        if (!message.isRequest() || !autoAnswer)
            return;
        const auto it = handlers.constFind(message.method());
        if (it != handlers.constEnd())
            it.value()(message);
    }

    MemoryTransport *m_transport;
    QList<Message> received_;
    int m_nextId = 0;
};

class RecordingSampling : public Mcp::SamplingHandler
{
public:
    void createMessage(const QString &server, const QJsonObject &params,
                       RpcResponder responder) override
    {
        calls.append({server, params});
        responder.reply({{QStringLiteral("role"), QStringLiteral("assistant")},
                         {QStringLiteral("model"), QStringLiteral("test-model")},
                         {QStringLiteral("content"),
                          QJsonObject {{QStringLiteral("type"), QStringLiteral("text")},
                                       {QStringLiteral("text"), QStringLiteral("sampled")}}}});
    }
    QList<std::pair<QString, QJsonObject>> calls;
};

class RecordingElicitation : public Mcp::ElicitationHandler
{
public:
    void elicit(const QString &server, const QJsonObject &params, RpcResponder responder) override
    {
        calls.append({server, params});
        responder.reply({{QStringLiteral("action"), QStringLiteral("accept")},
                         {QStringLiteral("content"),
                          QJsonObject {{QStringLiteral("answer"), QStringLiteral("yes")}}}});
    }
    QList<std::pair<QString, QJsonObject>> calls;
};

} // namespace

class tst_McpClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();

    void initializeDeclaresOnlyImplementedCapabilities_data();
    void initializeDeclaresOnlyImplementedCapabilities();
    void protocolVersionNegotiation_data();
    void protocolVersionNegotiation();
    void initializedIsSentAfterResultAndBeforeToolsList();
    void toolsListFollowsEveryPage();
    void toolsListChangedRefreshesTools();
    void callToolReturnsResultAndProgress_data();
    void callToolReturnsResultAndProgress();
    void callToolRpcErrorBecomesErrorResult();
    void rootsListAnsweredAndChangesAnnounced();
    void serverRequestWithoutHandlerGetsError_data();
    void serverRequestWithoutHandlerGetsError();
    void serverRequestReachesHandler_data();
    void serverRequestReachesHandler();
    void logMessageSignal();
    void resourceUpdatedSignal();
    void expiredSessionReinitializesAndRetriesOnce_data();
    void expiredSessionReinitializesAndRetriesOnce();

private:
    void create(McpClient::Options options = {});
    bool startAndWaitReady();

    std::unique_ptr<FakeServer> m_server;
    std::unique_ptr<McpClient> m_client;
    RecordingSampling m_sampling;
    RecordingElicitation m_elicitation;
};

void tst_McpClient::create(McpClient::Options options)
{
    auto [clientSide, serverSide] = MemoryTransport::createPair();
    if (options.serverName.isEmpty())
        options.serverName = QStringLiteral("fake-server");
    m_server = std::make_unique<FakeServer>(serverSide);
    m_client = std::make_unique<McpClient>(clientSide, std::move(options));
    m_sampling.calls.clear();
    m_elicitation.calls.clear();
}

bool tst_McpClient::startAndWaitReady()
{
    QSignalSpy ready(m_client.get(), &McpClient::ready);
    QSignalSpy failed(m_client.get(), &McpClient::failed);
    m_client->start();
    if (!QTest::qWaitFor([&] { return !ready.isEmpty() || !failed.isEmpty(); }, 5000))
        qWarning("the client neither became ready nor failed");
    if (!failed.isEmpty())
        qWarning("start failed: %s", qPrintable(failed.first().first().toString()));
    return ready.count() == 1 && m_client->state() == McpClient::State::Ready;
}

void tst_McpClient::cleanup()
{
    m_client.reset();
    m_server.reset();
}

void tst_McpClient::initializeDeclaresOnlyImplementedCapabilities_data()
{
    QTest::addColumn<bool>("withSampling");
    QTest::addColumn<bool>("withElicitation");

    QTest::newRow("no handlers") << false << false;
    QTest::newRow("sampling handler") << true << false;
    QTest::newRow("elicitation handler") << false << true;
    QTest::newRow("both handlers") << true << true;
}

void tst_McpClient::initializeDeclaresOnlyImplementedCapabilities()
{
    QFETCH(bool, withSampling);
    QFETCH(bool, withElicitation);
    McpClient::Options options;
    options.clientName = QStringLiteral("test-host");
    options.clientVersion = QStringLiteral("9.8.7");
    create(options);
    if (withSampling)
        m_client->setSamplingHandler(&m_sampling);
    if (withElicitation)
        m_client->setElicitationHandler(&m_elicitation);
    QVERIFY(startAndWaitReady());

    QCOMPARE(m_server->received(QStringLiteral("initialize")).size(), 1);
    const QJsonObject params = m_server->received(QStringLiteral("initialize")).first().params();
    QCOMPARE(params.value(QStringLiteral("protocolVersion")).toString(),
             QStringLiteral("2025-11-25"));
    const QJsonObject clientInfo = params.value(QStringLiteral("clientInfo")).toObject();
    QCOMPARE(clientInfo.value(QStringLiteral("name")).toString(), QStringLiteral("test-host"));
    QCOMPARE(clientInfo.value(QStringLiteral("version")).toString(), QStringLiteral("9.8.7"));

    const QJsonObject caps = params.value(QStringLiteral("capabilities")).toObject();
    QCOMPARE(caps.value(QStringLiteral("roots")).toObject(),
             QJsonObject({{QStringLiteral("listChanged"), true}}));
    QCOMPARE(caps.contains(QStringLiteral("sampling")), withSampling);
    QCOMPARE(caps.contains(QStringLiteral("elicitation")), withElicitation);
    QCOMPARE(caps.size(), 1 + int(withSampling) + int(withElicitation));
}

void tst_McpClient::protocolVersionNegotiation_data()
{
    QTest::addColumn<QString>("serverVersion");
    QTest::addColumn<bool>("accepted");

    QTest::newRow("latest") << QStringLiteral("2025-11-25") << true;
    QTest::newRow("2025-06-18") << QStringLiteral("2025-06-18") << true;
    QTest::newRow("2024-11-05") << QStringLiteral("2024-11-05") << true;
    QTest::newRow("unknown old") << QStringLiteral("1999-01-01") << false;
    QTest::newRow("unknown future") << QStringLiteral("2099-12-31") << false;
}

void tst_McpClient::protocolVersionNegotiation()
{
    QFETCH(QString, serverVersion);
    QFETCH(bool, accepted);
    create();
    m_server->protocolVersion = serverVersion;
    QSignalSpy ready(m_client.get(), &McpClient::ready);
    QSignalSpy failed(m_client.get(), &McpClient::failed);
    QSignalSpy closed(m_client.get(), &McpClient::closed);
    m_client->start();
    QTRY_COMPARE(ready.count() + failed.count(), 1);

    if (accepted) {
        QCOMPARE(ready.count(), 1);
        QCOMPARE(m_client->state(), McpClient::State::Ready);
        QCOMPARE(m_client->serverInfo().protocolVersion, serverVersion);
        QCOMPARE(m_client->serverInfo().name, QStringLiteral("fake"));
    } else {
        QCOMPARE(failed.count(), 1);
        const QString reason = failed.first().first().toString();
        QVERIFY2(reason.contains(serverVersion), qPrintable(reason));
        // The connection is closed, and the user sees the failure once, not twice.
        QTRY_COMPARE(closed.count(), 1);
        QCOMPARE(failed.count(), 1);
        QCOMPARE(m_client->state(), McpClient::State::Closed);
        // The handshake stopped: the host never declared itself initialized.
        QVERIFY(m_server->received(QStringLiteral("notifications/initialized")).isEmpty());
        QVERIFY(m_server->received(QStringLiteral("tools/list")).isEmpty());
    }
}

void tst_McpClient::initializedIsSentAfterResultAndBeforeToolsList()
{
    create();
    m_server->autoAnswer = false;
    QSignalSpy ready(m_client.get(), &McpClient::ready);
    m_client->start();
    QTRY_COMPARE(m_server->received(QStringLiteral("initialize")).size(), 1);
    QTest::qWait(50);
    // Nothing else before the server has answered initialize.
    QCOMPARE(m_server->methods(), QStringList {QStringLiteral("initialize")});

    m_server->autoAnswer = true;
    m_server->handlers.value(QStringLiteral("initialize"))(
            m_server->received(QStringLiteral("initialize")).first());
    QTRY_COMPARE(ready.count(), 1);
    QCOMPARE(m_server->methods(),
             QStringList({QStringLiteral("initialize"), QStringLiteral("notifications/initialized"),
                          QStringLiteral("tools/list")}));
}

void tst_McpClient::toolsListFollowsEveryPage()
{
    create();
    m_server->toolPages = {
            QJsonArray {tool(QStringLiteral("a")), tool(QStringLiteral("b"))},
            QJsonArray {tool(QStringLiteral("c"))},
            QJsonArray {tool(QStringLiteral("d")), tool(QStringLiteral("e"))},
    };
    QVERIFY(startAndWaitReady());

    QCOMPARE(toolNames(m_client->tools()),
             QStringList({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"),
                          QStringLiteral("d"), QStringLiteral("e")}));
    const QList<Message> lists = m_server->received(QStringLiteral("tools/list"));
    QCOMPARE(lists.size(), 3);
    QVERIFY(!lists.at(0).params().contains(QStringLiteral("cursor")));
    QCOMPARE(lists.at(1).params().value(QStringLiteral("cursor")).toString(), QStringLiteral("1"));
    QCOMPARE(lists.at(2).params().value(QStringLiteral("cursor")).toString(), QStringLiteral("2"));
}

void tst_McpClient::toolsListChangedRefreshesTools()
{
    create();
    QVERIFY(startAndWaitReady());
    QCOMPARE(toolNames(m_client->tools()), QStringList {QStringLiteral("echo")});
    QSignalSpy changed(m_client.get(), &McpClient::toolsChanged);

    m_server->toolPages = {QJsonArray {tool(QStringLiteral("echo")), tool(QStringLiteral("add"))}};
    m_server->notify(QStringLiteral("notifications/tools/list_changed"));
    QTRY_COMPARE(changed.count(), 1);
    QCOMPARE(m_server->received(QStringLiteral("tools/list")).size(), 2);
    QCOMPARE(toolNames(m_client->tools()),
             QStringList({QStringLiteral("echo"), QStringLiteral("add")}));
}

void tst_McpClient::callToolReturnsResultAndProgress_data()
{
    QTest::addColumn<bool>("isError");
    QTest::newRow("success") << false;
    QTest::newRow("tool reports an error") << true;
}

void tst_McpClient::callToolReturnsResultAndProgress()
{
    QFETCH(bool, isError);
    create();
    const QJsonArray content {QJsonObject {{QStringLiteral("type"), QStringLiteral("text")},
                                           {QStringLiteral("text"), QStringLiteral("hello")}}};
    const QJsonObject structured {{QStringLiteral("count"), 3}};
    m_server->handlers.insert(QStringLiteral("tools/call"), [&](const Message &m) {
        const QJsonValue token = m.params()
                                         .value(QStringLiteral("_meta"))
                                         .toObject()
                                         .value(QStringLiteral("progressToken"));
        for (int i = 1; i <= 2; ++i) {
            m_server->notify(QStringLiteral("notifications/progress"),
                             {{QStringLiteral("progressToken"), token},
                              {QStringLiteral("progress"), i},
                              {QStringLiteral("total"), 2},
                              {QStringLiteral("message"), QStringLiteral("half %1").arg(i)}});
        }
        m_server->reply(m,
                        {{QStringLiteral("content"), content},
                         {QStringLiteral("structuredContent"), structured},
                         {QStringLiteral("isError"), isError}});
    });
    QVERIFY(startAndWaitReady());

    std::optional<Mcp::ToolResult> result;
    QList<RpcProgress> progress;
    const QJsonObject arguments {{QStringLiteral("text"), QStringLiteral("hi")}};
    m_client->callTool(
            QStringLiteral("echo"), arguments, [&](const Mcp::ToolResult &r) { result = r; },
            [&](const RpcProgress &p) { progress.append(p); });
    QTRY_VERIFY(result.has_value());

    const Message call = m_server->received(QStringLiteral("tools/call")).first();
    QCOMPARE(call.params().value(QStringLiteral("name")).toString(), QStringLiteral("echo"));
    QCOMPARE(call.params().value(QStringLiteral("arguments")).toObject(), arguments);
    QCOMPARE(result->content, content);
    QCOMPARE(result->structuredContent, std::optional<QJsonObject>(structured));
    QCOMPARE(result->isError, isError);
    QVERIFY(!result->rpcErrorCode.has_value());
    QCOMPARE(result->text(), QStringLiteral("hello"));
    QCOMPARE(progress.size(), 2);
    QCOMPARE(progress.at(0).progress, 1.0);
    QCOMPARE(progress.at(1).progress, 2.0);
    QCOMPARE(progress.at(1).message, QStringLiteral("half 2"));
}

void tst_McpClient::callToolRpcErrorBecomesErrorResult()
{
    create();
    m_server->handlers.insert(QStringLiteral("tools/call"), [&](const Message &m) {
        m_server->fail(m, JsonRpc::InvalidParams, QStringLiteral("unknown tool: nope"));
    });
    QVERIFY(startAndWaitReady());

    std::optional<Mcp::ToolResult> result;
    m_client->callTool(QStringLiteral("nope"), {}, [&](const Mcp::ToolResult &r) { result = r; });
    QTRY_VERIFY(result.has_value());
    QVERIFY(result->isError);
    QCOMPARE(result->rpcErrorCode, std::optional<int>(JsonRpc::InvalidParams));
    QVERIFY2(result->text().contains(QStringLiteral("unknown tool: nope")),
             qPrintable(result->text()));
}

void tst_McpClient::rootsListAnsweredAndChangesAnnounced()
{
    McpClient::Options options;
    options.roots
            = {{QUrl(QStringLiteral("file:///home/user/project")), QStringLiteral("project")}};
    create(options);
    QVERIFY(startAndWaitReady());

    const QJsonValue first = m_server->request(QStringLiteral("roots/list"));
    QTRY_VERIFY(m_server->responseTo(first).has_value());
    QCOMPARE(m_server->responseTo(first)->kind(), Message::Kind::Response);
    QCOMPARE(m_server->responseTo(first)->result().value(QStringLiteral("roots")).toArray(),
             QJsonArray({QJsonObject {
                     {QStringLiteral("uri"), QStringLiteral("file:///home/user/project")},
                     {QStringLiteral("name"), QStringLiteral("project")}}}));

    QVERIFY(m_server->received(QStringLiteral("notifications/roots/list_changed")).isEmpty());
    m_client->setRoots({{QUrl(QStringLiteral("file:///srv/other")), QString()}});
    QTRY_COMPARE(m_server->received(QStringLiteral("notifications/roots/list_changed")).size(), 1);

    const QJsonValue second = m_server->request(QStringLiteral("roots/list"));
    QTRY_VERIFY(m_server->responseTo(second).has_value());
    QCOMPARE(m_server->responseTo(second)->result().value(QStringLiteral("roots")).toArray(),
             QJsonArray(
                     {QJsonObject {{QStringLiteral("uri"), QStringLiteral("file:///srv/other")}}}));
}

void tst_McpClient::serverRequestWithoutHandlerGetsError_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("why");

    QTest::newRow("sampling") << QStringLiteral("sampling/createMessage")
                              << QStringLiteral("sampling is not available");
    QTest::newRow("elicitation") << QStringLiteral("elicitation/create")
                                 << QStringLiteral("elicitation is not available");
}

void tst_McpClient::serverRequestWithoutHandlerGetsError()
{
    QFETCH(QString, method);
    QFETCH(QString, why);
    create();
    QVERIFY(startAndWaitReady());

    const QJsonValue id = m_server->request(method, {{QStringLiteral("x"), 1}});
    QTRY_VERIFY(m_server->responseTo(id).has_value());
    const Message response = *m_server->responseTo(id);
    QCOMPARE(response.kind(), Message::Kind::ErrorResponse);
    QVERIFY2(response.error().message.contains(why), qPrintable(response.error().message));
}

void tst_McpClient::serverRequestReachesHandler_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("resultKey");

    QTest::newRow("sampling") << QStringLiteral("sampling/createMessage")
                              << QStringLiteral("model");
    QTest::newRow("elicitation") << QStringLiteral("elicitation/create")
                                 << QStringLiteral("action");
}

void tst_McpClient::serverRequestReachesHandler()
{
    QFETCH(QString, method);
    QFETCH(QString, resultKey);
    create();
    m_client->setSamplingHandler(&m_sampling);
    m_client->setElicitationHandler(&m_elicitation);
    QVERIFY(startAndWaitReady());

    const QJsonObject params {{QStringLiteral("message"), QStringLiteral("please")}};
    const QJsonValue id = m_server->request(method, params);
    QTRY_VERIFY(m_server->responseTo(id).has_value());
    const Message response = *m_server->responseTo(id);
    QCOMPARE(response.kind(), Message::Kind::Response);
    QVERIFY(response.result().contains(resultKey));

    const auto &calls
            = method.startsWith(QLatin1String("sampling")) ? m_sampling.calls : m_elicitation.calls;
    QCOMPARE(calls.size(), 1);
    QCOMPARE(calls.first().first, QStringLiteral("fake-server"));
    QCOMPARE(calls.first().second, params);
    QCOMPARE(m_sampling.calls.size() + m_elicitation.calls.size(), 1);
}

void tst_McpClient::logMessageSignal()
{
    create();
    QVERIFY(startAndWaitReady());
    QSignalSpy log(m_client.get(), &McpClient::logMessage);
    m_server->notify(QStringLiteral("notifications/message"),
                     {{QStringLiteral("level"), QStringLiteral("warning")},
                      {QStringLiteral("logger"), QStringLiteral("db")},
                      {QStringLiteral("data"), QStringLiteral("disk almost full")}});
    QTRY_COMPARE(log.count(), 1);
    QCOMPARE(log.first().at(0).toString(), QStringLiteral("warning"));
    QCOMPARE(log.first().at(1).toString(), QStringLiteral("db"));
    QCOMPARE(log.first().at(2).value<QJsonValue>().toString(), QStringLiteral("disk almost full"));
}

void tst_McpClient::resourceUpdatedSignal()
{
    create();
    QVERIFY(startAndWaitReady());
    QSignalSpy updated(m_client.get(), &McpClient::resourceUpdated);
    m_server->notify(QStringLiteral("notifications/resources/updated"),
                     {{QStringLiteral("uri"), QStringLiteral("file:///notes.md")}});
    QTRY_COMPARE(updated.count(), 1);
    QCOMPARE(updated.first().first().toString(), QStringLiteral("file:///notes.md"));
}

void tst_McpClient::expiredSessionReinitializesAndRetriesOnce_data()
{
    QTest::addColumn<int>("expiredAnswers"); // how many times resources/read says "expired"
    QTest::addColumn<bool>("succeeds");

    QTest::newRow("retry succeeds") << 1 << true;
    QTest::newRow("still expired: no second retry") << 5 << false;
}

void tst_McpClient::expiredSessionReinitializesAndRetriesOnce()
{
    QFETCH(int, expiredAnswers);
    QFETCH(bool, succeeds);
    create();
    int reads = 0;
    m_server->handlers.insert(QStringLiteral("resources/read"), [&](const Message &m) {
        if (++reads <= expiredAnswers) {
            m_server->fail(m, JsonRpc::InvalidRequest, QStringLiteral("session not found"),
                           QJsonObject {{QStringLiteral("sessionExpired"), true}});
            return;
        }
        m_server->reply(m, {{QStringLiteral("contents"), QJsonArray {}}});
    });
    QVERIFY(startAndWaitReady());

    QList<RpcReply> replies;
    m_client->readResource(QStringLiteral("file:///a.txt"),
                           [&](const RpcReply &reply) { replies.append(reply); });
    QTRY_COMPARE(replies.size(), 1);
    QTest::qWait(50); // no second answer, no further retry
    QCOMPARE(replies.size(), 1);
    QCOMPARE(replies.first().ok(), succeeds);
    if (!succeeds)
        QCOMPARE(replies.first().errorMessage(), QStringLiteral("session not found"));

    QCOMPARE(reads, 2);
    QCOMPARE(m_server->received(QStringLiteral("initialize")).size(), 2);
    // The new session's tools are listed again: it may offer others than the expired one.
    QTRY_COMPARE(m_server->received(QStringLiteral("tools/list")).size(), 2);
    const QStringList methods = m_server->methods();
    const qsizetype firstRead = methods.indexOf(QStringLiteral("resources/read"));
    QCOMPARE(methods.mid(firstRead),
             QStringList({QStringLiteral("resources/read"), QStringLiteral("initialize"),
                          QStringLiteral("notifications/initialized"),
                          QStringLiteral("resources/read"), QStringLiteral("tools/list")}));
    QCOMPARE(m_server->received(QStringLiteral("resources/read")).last().params(),
             QJsonObject({{QStringLiteral("uri"), QStringLiteral("file:///a.txt")}}));
}

QTEST_GUILESS_MAIN(tst_McpClient)
#include "tst_mcpclient.moc"
