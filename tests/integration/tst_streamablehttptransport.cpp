// Integration tests of the Streamable HTTP transport against our own scripted server
// (mcp-fixture-server --http), once with JSON answers and once with SSE answers, plus a small
// recording HTTP peer for what the fixture cannot show (the headers the client sends).

#include "legacyssetransport.h"
#include "mcpclient.h"
#include "serverconnection.h"
#include "streamablehttptransport.h"
#include "testsupport.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using namespace TestSupport;

namespace {

/// One HTTP request as the recording server saw it.
struct RecordedRequest
{
    QByteArray method;
    QMap<QByteArray, QByteArray> headers; ///< names in lower case
    QJsonObject body;
    [[nodiscard]] QString rpcMethod() const
    {
        return body.value(QStringLiteral("method")).toString();
    }
};

/**
 * A minimal MCP server over HTTP that records every request: initialize (hands out a session),
 * tools/list (one `echo` tool), tools/call, notifications (202), GET (405: no server stream),
 * DELETE (200). Answers with JSON or SSE like the fixture's two modes. One request per
 * connection (Connection: close) keeps the parsing trivial.
 */
class RecordingServer : public QObject
{
public:
    explicit RecordingServer(bool sse)
        : m_sse(sse)
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onRead(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
        m_server.listen(QHostAddress::LocalHost, 0);
    }

    [[nodiscard]] QUrl url() const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1/mcp").arg(m_server.serverPort()));
    }

    QList<RecordedRequest> requests;
    QString refuse; ///< a method answered with 401 Unauthorized
    static constexpr auto kSession = "recorded-session-1";

private:
    void onRead(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        RecordedRequest request;
        request.method = lines.first().split(' ').first();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                request.headers.insert(lines[i].left(colon).trimmed().toLower(),
                                       lines[i].mid(colon + 1).trimmed());
        }
        const qsizetype length = request.headers.value("content-length").toLongLong();
        if (buffer.size() < end + 4 + length)
            return;
        request.body = QJsonDocument::fromJson(buffer.mid(end + 4, length)).object();
        m_buffers.remove(socket);
        requests.append(request);
        respond(socket, request);
    }

    void respond(QTcpSocket *socket, const RecordedRequest &request)
    {
        if (request.method == "GET") {
            write(socket, "405 Method Not Allowed", {}, {});
            return;
        }
        if (request.method == "DELETE" || !request.body.contains(QStringLiteral("id"))) {
            write(socket, request.method == "DELETE" ? "200 OK" : "202 Accepted", {}, {});
            return;
        }
        const QString method = request.rpcMethod();
        if (method == refuse) {
            write(socket, "401 Unauthorized", "application/json",
                  R"({"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Unauthorized"}})");
            return;
        }
        QJsonObject result;
        if (method == QLatin1String("initialize")) {
            result = {{QStringLiteral("protocolVersion"),
                       request.body.value(QStringLiteral("params"))
                               .toObject()
                               .value(QStringLiteral("protocolVersion"))},
                      {QStringLiteral("capabilities"),
                       QJsonObject {{QStringLiteral("tools"), QJsonObject {}}}},
                      {QStringLiteral("serverInfo"),
                       QJsonObject {{QStringLiteral("name"), QStringLiteral("recorder")},
                                    {QStringLiteral("version"), QStringLiteral("1")}}}};
        } else if (method == QLatin1String("tools/list")) {
            const QJsonObject echo {
                    {QStringLiteral("name"), QStringLiteral("echo")},
                    {QStringLiteral("inputSchema"),
                     QJsonObject {{QStringLiteral("type"), QStringLiteral("object")}}}};
            result = {{QStringLiteral("tools"), QJsonArray {echo}}};
        } else if (method == QLatin1String("tools/call")) {
            result = {{QStringLiteral("content"),
                       QJsonArray {QJsonObject {{QStringLiteral("type"), QStringLiteral("text")},
                                                {QStringLiteral("text"), QStringLiteral("ok")}}}}};
        }
        const QJsonObject response {
                {QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                {QStringLiteral("id"), request.body.value(QStringLiteral("id"))},
                {QStringLiteral("result"), result}};
        const QByteArray json = QJsonDocument(response).toJson(QJsonDocument::Compact);
        if (m_sse)
            write(socket, "200 OK", "text/event-stream", "event: message\ndata: " + json + "\n\n");
        else
            write(socket, "200 OK", "application/json", json);
    }

    void write(QTcpSocket *socket, const QByteArray &status, const QByteArray &type,
               const QByteArray &body)
    {
        QByteArray head = "HTTP/1.1 " + status + "\r\nConnection: close\r\n";
        head += "Mcp-Session-Id: " + QByteArray(kSession) + "\r\n";
        if (!type.isEmpty())
            head += "Content-Type: " + type + "\r\n";
        head += "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n";
        socket->write(head + body);
        socket->disconnectFromHost();
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    bool m_sse;
};

/// A legacy HTTP+SSE server that only names its message endpoint (and keeps the stream open).
class EndpointServer : public QObject
{
public:
    EndpointServer()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                ++connections;
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                    m_buffer += socket->readAll();
                    if (!m_buffer.contains("\r\n\r\n"))
                        return;
                    socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                  "Cache-Control: no-cache\r\n\r\nevent: endpoint\ndata: "
                                  + endpoint + "\n\n");
                });
            }
        });
        m_server.listen(QHostAddress::LocalHost, 0);
    }
    [[nodiscard]] quint16 port() const { return m_server.serverPort(); }
    int connections = 0;
    QByteArray endpoint;

private:
    QTcpServer m_server;
    QByteArray m_buffer;
};

bool hasTool(const McpClient *client, const QString &name)
{
    for (const Mcp::Tool &t : client->tools()) {
        if (t.name == name)
            return true;
    }
    return false;
}

} // namespace

class tst_StreamableHttpTransport : public QObject
{
    Q_OBJECT

private:
    /// Starts the fixture on `port` (0: any) in the current mode; returns its port or 0.
    quint16 startFixture(quint16 port = 0)
    {
        QFETCH_GLOBAL(bool, sse);
        m_server = std::make_unique<ServerProcess>();
        QStringList args {QStringLiteral("--http"), QString::number(port)};
        if (sse)
            args << QStringLiteral("--sse-responses");
        if (!m_server->start(fixtureServer(), args, QProcessEnvironment::systemEnvironment(),
                             "LISTENING "))
            return 0;
        static const QRegularExpression listening(QStringLiteral("LISTENING (\\d+)\\n"));
        QRegularExpressionMatch match;
        waitFor([&] {
            m_server->output += m_server->process.readAll();
            match = listening.match(QString::fromUtf8(m_server->output));
            return match.hasMatch();
        });
        return match.hasMatch() ? quint16(match.captured(1).toUInt()) : 0;
    }

    void stopFixture()
    {
        m_server->process.kill();
        m_server->process.waitForFinished(3000);
    }

    /// A client for the fixture at m_port, started; nullptr (after a failed check) otherwise.
    McpClient *newClient(McpClient::Options co = {})
    {
        StreamableHttpTransport::Options o;
        o.url = QUrl(QStringLiteral("http://127.0.0.1:%1/mcp").arg(m_port));
        o.defaultRetryMs = 200;
        m_transport = new StreamableHttpTransport(o);
        co.serverName = QStringLiteral("fixture-http");
        auto *client = new McpClient(m_transport, co, this);
        const QString failure = startClient(client);
        if (!failure.isEmpty()) {
            qWarning().noquote() << "the client did not start:" << failure;
            return nullptr;
        }
        // The GET stream carries what belongs to no request (list_changed, roots requests).
        if (!waitFor([&] { return m_transport->hasServerStream(); }, 5000)) {
            qWarning() << "the GET stream did not open";
            return nullptr;
        }
        return client;
    }

    /// POSTs a tools/list request naming `sessionId` without the client; returns the status.
    int rawPost(const QString &sessionId)
    {
        QNetworkAccessManager nam;
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/mcp").arg(m_port)));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        request.setRawHeader("Accept", "application/json, text/event-stream");
        request.setRawHeader("Mcp-Session-Id", sessionId.toUtf8());
        std::unique_ptr<QNetworkReply> reply(nam.post(
                request, QByteArray(R"({"jsonrpc":"2.0","id":99,"method":"tools/list"})")));
        waitFor([&] { return reply->isFinished(); }, 5000);
        return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    }

    std::unique_ptr<ServerProcess> m_server;
    quint16 m_port = 0;
    StreamableHttpTransport *m_transport = nullptr;
    McpClient *m_client = nullptr;

private Q_SLOTS:
    void initTestCase_data()
    {
        QTest::addColumn<bool>("sse");
        QTest::newRow("json responses") << false;
        QTest::newRow("sse responses") << true;
    }

    void initTestCase()
    {
        QVERIFY2(QFileInfo(fixtureServer()).isExecutable(),
                 "mcp-fixture-server is missing: build the mcp-fixture-server target");
    }

    void init()
    {
        m_port = startFixture();
        QVERIFY(m_port != 0);
        m_client = newClient();
        QVERIFY(m_client);
    }

    void cleanup()
    {
        if (m_client) {
            m_client->close();
            waitFor([this] { return m_client->state() == McpClient::State::Closed; }, 5000);
            delete m_client;
            m_client = nullptr;
        }
        m_server.reset();
    }

    void initializeStartsASession()
    {
        // Every request after initialize names the session (the fixture answers 400 without
        // it and 404 for one it does not know): tools/list across pages and a call succeed.
        QVERIFY(!m_transport->sessionId().isEmpty());
        QCOMPARE(m_client->serverInfo().name, QStringLiteral("mcp-fixture-server"));
        QVERIFY(hasTool(m_client, QStringLiteral("audio"))); // the last page
        const auto r = callTool(m_client, QStringLiteral("echo"),
                                {{QStringLiteral("message"), QStringLiteral("over http")}});
        QVERIFY(r);
        QVERIFY2(!r->isError, qPrintable(r->text()));
        QCOMPARE(r->text(), QStringLiteral("Echo: over http"));
    }

    void sessionAndVersionHeadersOnEveryRequest()
    {
        QFETCH_GLOBAL(bool, sse);
        RecordingServer recorder(sse);
        StreamableHttpTransport::Options o;
        o.url = recorder.url();
        McpClient client(new StreamableHttpTransport(o), {});
        QVERIFY(startClient(&client, 10000).isEmpty());
        const auto r = callTool(&client, QStringLiteral("echo"), {});
        QVERIFY(r && !r->isError);
        client.close();
        QVERIFY(waitFor([&] { return client.state() == McpClient::State::Closed; }, 5000));

        QStringList seen;
        for (const RecordedRequest &request : std::as_const(recorder.requests))
            seen << QString::fromLatin1(request.method) + QLatin1Char(' ') + request.rpcMethod();
        QCOMPARE(seen.first(), QStringLiteral("POST initialize"));
        for (const QString &expected :
             {QStringLiteral("POST notifications/initialized"), QStringLiteral("POST tools/list"),
              QStringLiteral("POST tools/call"), QStringLiteral("DELETE ")})
            QVERIFY2(seen.contains(expected), qPrintable(seen.join(QLatin1String(", "))));

        const RecordedRequest &init = recorder.requests.first();
        QVERIFY(!init.headers.contains("mcp-session-id"));
        QVERIFY(init.headers.value("accept").contains("text/event-stream"));
        QVERIFY(init.headers.value("accept").contains("application/json"));
        for (const RecordedRequest &request : recorder.requests.mid(1)) {
            const QString what
                    = QString::fromLatin1(request.method) + QLatin1Char(' ') + request.rpcMethod();
            QVERIFY2(request.headers.value("mcp-session-id") == RecordingServer::kSession,
                     qPrintable(what));
            QVERIFY2(request.headers.value("mcp-protocol-version")
                             == Mcp::kLatestProtocolVersion.toLatin1(),
                     qPrintable(what));
        }
    }

    void configHeadersReachTheServer()
    {
        QFETCH_GLOBAL(bool, sse);
        RecordingServer recorder(sse);
        ServerConfig config;
        config.name = QStringLiteral("recorded");
        config.kind = ServerConfig::Kind::StreamableHttp;
        config.url = recorder.url();
        config.headers = {{QStringLiteral("Authorization"), QStringLiteral("Bearer s3cret")},
                          {QStringLiteral("X-Tenant"), QStringLiteral("acme")}};
        ServerConnection connection(config, {});
        connection.start();
        QVERIFY(waitFor([&] { return connection.state() == ServerConnection::State::Ready; },
                        10000));
        connection.stop();
        QVERIFY(waitFor([&] { return connection.state() == ServerConnection::State::Stopped; },
                        5000));

        QVERIFY(recorder.requests.size() >= 3);
        for (const RecordedRequest &request : std::as_const(recorder.requests)) {
            const QString what
                    = QString::fromLatin1(request.method) + QLatin1Char(' ') + request.rpcMethod();
            QVERIFY2(request.headers.value("authorization") == "Bearer s3cret", qPrintable(what));
            QVERIFY2(request.headers.value("x-tenant") == "acme", qPrintable(what));
        }
    }

    void progressReachesTheCallback()
    {
        QList<RpcProgress> progress;
        const auto r = callTool(m_client, QStringLiteral("slow"),
                                {{QStringLiteral("steps"), 3}, {QStringLiteral("delay_ms"), 50}},
                                &progress);
        QVERIFY(r);
        QVERIFY2(!r->isError, qPrintable(r->text()));
        QCOMPARE(r->text(), QStringLiteral("done after 3 steps"));
        QCOMPARE(progress.size(), 3);
        QCOMPARE(progress.last().progress, 3.0);
        QCOMPARE(progress.last().total.value_or(-1), 3.0);
    }

    void toolsListChangedArrivesOnTheGetStream()
    {
        QSignalSpy changed(m_client, &McpClient::toolsChanged);
        const auto r = callTool(m_client, QStringLiteral("add_tool"),
                                {{QStringLiteral("name"), QStringLiteral("late_tool")}});
        QVERIFY(r && !r->isError);
        QVERIFY(waitFor([&] { return !changed.isEmpty(); }, 5000));
        QVERIFY(hasTool(m_client, QStringLiteral("late_tool")));
    }

    void serverRequestOverHttp()
    {
        const Mcp::Root root {QUrl(QStringLiteral("file:///srv/work")), QStringLiteral("work")};
        m_client->setRoots({root});
        const auto r = callTool(m_client, QStringLiteral("ask_roots"), {});
        QVERIFY(r);
        QVERIFY2(!r->isError, qPrintable(r->text()));
        QCOMPARE(QJsonDocument::fromJson(r->text().toUtf8()).array(), QJsonArray {root.toJson()});
    }

    void expiredSessionIsRenewedTransparently_data()
    {
        QTest::addColumn<int>("idleMs");
        QTest::newRow("call at once") << 0;
        // Long enough for the broken GET stream to try to resume against the new server.
        QTest::newRow("call after a while") << 1500;
    }
    void expiredSessionIsRenewedTransparently()
    {
        QFETCH(int, idleMs);
        QSignalSpy added(m_client, &McpClient::toolsChanged);
        QVERIFY(callTool(m_client, QStringLiteral("add_tool"),
                         {{QStringLiteral("name"), QStringLiteral("before_renewal")}}));
        QVERIFY(waitFor([&] { return hasTool(m_client, QStringLiteral("before_renewal")); }, 5000));
        const QString oldSession = m_transport->sessionId();
        QSignalSpy expired(m_transport, &Transport::sessionExpired);
        QSignalSpy ready(m_client, &McpClient::ready);

        // A new process on the same port knows no sessions.
        stopFixture();
        QCOMPARE(startFixture(m_port), m_port);
        QTest::qWait(idleMs);

        const auto r = callTool(m_client, QStringLiteral("echo"),
                                {{QStringLiteral("message"), QStringLiteral("again")}});
        QVERIFY(r);
        QVERIFY2(!r->isError, qPrintable(r->text()));
        QCOMPARE(r->text(), QStringLiteral("Echo: again"));
        QCOMPARE(expired.size(), 1);
        QVERIFY(!m_transport->sessionId().isEmpty());
        QVERIFY(m_transport->sessionId() != oldSession);
        QCOMPARE(m_client->state(), McpClient::State::Ready);
        QCOMPARE(ready.size(), 0); // a renewal, not a reconnect the user would notice

        // The tools are those of the new session: the one added before is gone.
        QVERIFY(waitFor([&] { return !hasTool(m_client, QStringLiteral("before_renewal")); },
                        5000));
        QVERIFY(hasTool(m_client, QStringLiteral("echo")));

        // The new session is complete: the server can reach the client again.
        QSignalSpy changed(m_client, &McpClient::toolsChanged);
        QVERIFY(callTool(m_client, QStringLiteral("add_tool"),
                         {{QStringLiteral("name"), QStringLiteral("after_renewal")}}));
        QVERIFY(waitFor([&] { return !changed.isEmpty(); }, 5000));
        QVERIFY(hasTool(m_client, QStringLiteral("after_renewal")));
    }

    void closeEndsTheSession()
    {
        const QString session = m_transport->sessionId();
        QVERIFY(!session.isEmpty());
        QCOMPARE(rawPost(session), 200); // the session is live, so the probe can tell

        m_client->close();
        QVERIFY(waitFor([this] { return m_client->state() == McpClient::State::Closed; }, 5000));
        QCOMPARE(rawPost(session), 404);
    }

    void unauthorizedIsAFailureThatSaysSo_data()
    {
        QTest::addColumn<QString>("method");
        QTest::newRow("tools/list") << QStringLiteral("tools/list");
        QTest::newRow("initialize") << QStringLiteral("initialize");
    }
    void unauthorizedIsAFailureThatSaysSo()
    {
        // 401 on tools/list used to leave the server "ready" with no tools. The URL carries
        // credentials: the reason shows it redacted.
        QFETCH_GLOBAL(bool, sse);
        QFETCH(QString, method);
        RecordingServer recorder(sse);
        recorder.refuse = method;
        ServerConfig config;
        config.name = QStringLiteral("locked");
        config.kind = ServerConfig::Kind::StreamableHttp;
        config.url = recorder.url();
        config.url.setUserInfo(QStringLiteral("user:pw"));
        config.url.setQuery(QStringLiteral("api_key=SECRET&team=blue"));
        ServerConnection::Options options;
        options.autoRestart = false;
        ServerConnection connection(config, options);
        connection.start();
        QVERIFY(waitFor([&] { return connection.state() == ServerConnection::State::Failed; },
                        10000));
        QVERIFY2(connection.reason().startsWith(QLatin1String("needs authorization")),
                 qPrintable(connection.reason()));
        QVERIFY2(connection.reason().contains(QLatin1String("401")),
                 qPrintable(connection.reason()));
        QVERIFY2(!connection.reason().contains(QLatin1String("SECRET"))
                         && !connection.reason().contains(QLatin1String("pw@")),
                 qPrintable(connection.reason()));
        QVERIFY(connection.reason().contains(QLatin1String("team=blue")));
        QVERIFY(connection.tools().isEmpty());
    }

    void legacyEndpointOnAnotherOriginIsRefused_data()
    {
        QTest::addColumn<QString>("endpoint"); // %1: the port of a listener that must stay unused
        QTest::addColumn<bool>("accepted");
        QTest::newRow("other port") << QStringLiteral("http://127.0.0.1:%1/messages") << false;
        QTest::newRow("other host") << QStringLiteral("http://localhost:%1/messages") << false;
        QTest::newRow("other scheme") << QStringLiteral("https://127.0.0.1:%2/messages") << false;
        QTest::newRow("relative path") << QStringLiteral("/messages?sessionId=1") << true;
    }
    void legacyEndpointOnAnotherOriginIsRefused()
    {
        // The legacy transport POSTs with the configured headers (a bearer token): only to the
        // origin the user configured, whatever the server names.
        QFETCH(QString, endpoint);
        QFETCH(bool, accepted);
        QTcpServer elsewhere;
        QVERIFY(elsewhere.listen(QHostAddress::Any, 0));
        int stolen = 0;
        connect(&elsewhere, &QTcpServer::newConnection, this, [&] { ++stolen; });
        EndpointServer server;
        server.endpoint
                = QString(endpoint)
                          .replace(QLatin1String("%1"), QString::number(elsewhere.serverPort()))
                          .replace(QLatin1String("%2"), QString::number(server.port()))
                          .toUtf8();
        LegacySseTransport::Options o;
        o.url = QUrl(QStringLiteral("http://127.0.0.1:%1/sse").arg(server.port()));
        o.headers.insert(QStringLiteral("Authorization"), QStringLiteral("Bearer secret"));
        LegacySseTransport transport(o);
        QSignalSpy opened(&transport, &Transport::opened);
        QSignalSpy closed(&transport, &Transport::closed);
        transport.open();
        QVERIFY(waitFor([&] { return !opened.isEmpty() || !closed.isEmpty(); }, 5000));
        if (accepted) {
            QCOMPARE(opened.size(), 1);
            return;
        }
        QCOMPARE(opened.size(), 0);
        const QString reason = closed.first().first().toString();
        QVERIFY2(reason.contains(QLatin1String("another origin")), qPrintable(reason));
        transport.send(JsonRpc::Message::request(1, QStringLiteral("initialize"), {}));
        QTest::qWait(200);
        QCOMPARE(stolen, 0);
    }

    void unreachableServer()
    {
        // Down after the session started: the call fails at once with a clear reason.
        stopFixture();
        const auto r = callTool(m_client, QStringLiteral("echo"),
                                {{QStringLiteral("message"), QStringLiteral("anyone?")}}, nullptr,
                                10000);
        QVERIFY(r);
        QVERIFY(r->isError);
        QVERIFY2(r->text().startsWith(
                         QStringLiteral("could not reach http://127.0.0.1:%1/mcp").arg(m_port)),
                 qPrintable(r->text()));

        // Down from the start: initialize fails the same way.
        StreamableHttpTransport::Options o;
        o.url = QUrl(QStringLiteral("http://127.0.0.1:%1/mcp").arg(freePort()));
        McpClient client(new StreamableHttpTransport(o), {});
        const QString failure = startClient(&client, 10000);
        QVERIFY2(failure.contains(QLatin1String("could not reach")), qPrintable(failure));
    }
};

QTEST_GUILESS_MAIN(tst_StreamableHttpTransport)
#include "tst_streamablehttptransport.moc"
