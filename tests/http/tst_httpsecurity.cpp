// The server's guards and limits, each against a real `mcp-hostd`: the bearer token (header,
// and access_token for GET streams), the /health summary without a token, refusing a
// non-loopback address without a token, Origin and Host checks (CORS, DNS rebinding), browser
// requests from other sites refused on every route that changes state (Fetch Metadata, Referer),
// the stream connection cap, heartbeats, and a graceful shutdown on SIGTERM.
//
// Streams are read with the project's EventStreamClient (ApiTest::Stream), as the desktop app
// reads them, except where a test needs the exact bytes: a forged Host or Origin, the
// access_token query form, the head and body of a refused stream (raw SseClient).

#include "apitestsupport.h"
#include "httptestsupport.h"

#include <QTest>

using namespace HttpTest;

namespace {
const QByteArray kToken = "s3cret-token";
const QByteArray kAllowed = "http://app.example";
} // namespace

class tst_HttpSecurity : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void token_data();
    void token();
    void healthWithoutToken();
    void streamAccessToken_data();
    void streamAccessToken();
    void origin_data();
    void origin();
    void preflight();
    void crossSite_data();
    void crossSite();
    void heartbeat();
    void nonLoopbackNeedsToken();
    void tokenFromEnvironment();
    void connectionCap();
    void sigtermEndsStreamsAndStopsServers();

private:
    /// One request over a raw socket (full control of Host and Origin); waits for the answer.
    std::unique_ptr<SseClient> raw(quint16 port, const QByteArray &method, const QString &path,
                                   const Headers &headers, const QByteArray &host = {});

    ScriptedLlm m_llm;
    std::unique_ptr<HostProcess> m_secured; // --token, --allow-origin, --heartbeat 0.3
};

void tst_HttpSecurity::initTestCase()
{
    QVERIFY2(m_llm.start(), "the scripted LLM did not start");
    m_secured = std::make_unique<HostProcess>();
    m_secured->useLlm(m_llm);
    const QString failure
            = m_secured->start({"--token", QString::fromLatin1(kToken), "--allow-origin",
                                QString::fromLatin1(kAllowed), "--heartbeat", "0.3"});
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    // The printed URL carries the token so that the page can use it.
    QVERIFY2(m_secured->pageUrl.contains("token=" + kToken), qPrintable(m_secured->pageUrl));
    QVERIFY(!m_secured->err.contains(kToken)); // never logged
}

std::unique_ptr<SseClient> tst_HttpSecurity::raw(quint16 port, const QByteArray &method,
                                                 const QString &path, const Headers &headers,
                                                 const QByteArray &host)
{
    auto client = std::make_unique<SseClient>();
    client->open(port, path, headers, host, method);
    client->waitForResponse();
    return client;
}

void tst_HttpSecurity::token_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("authorization"); // "" : none
    QTest::addColumn<int>("status");

    const QByteArray right = "Bearer " + kToken;
    const QByteArray wrong = "Bearer " + kToken + "x";
    const QByteArray prefix = "Bearer " + kToken.left(kToken.size() - 1);
    struct Route
    {
        const char *name;
        QByteArray method;
        QString path;
        int okStatus;
    };
    const QList<Route> routes {
            {"sessions", "GET", "/api/v3/sessions", 200},
            {"create session", "POST", "/api/v3/sessions", 201},
            {"tools", "GET", "/api/v3/tools", 200},
            {"servers", "GET", "/api/v3/servers", 200},
            {"metrics", "GET", "/metrics", 200},
            {"send", "POST", "/api/v3/chat/send", 400}, // empty body: past the check
            {"chat", "POST", "/chat", 400},
            {"restart", "POST", "/api/v3/servers/nosuch/restart", 404}};
    for (const Route &r : routes) {
        QTest::addRow("%s: no token", r.name) << r.method << r.path << QByteArray() << 401;
        QTest::addRow("%s: wrong token", r.name) << r.method << r.path << wrong << 401;
        QTest::addRow("%s: token prefix", r.name) << r.method << r.path << prefix << 401;
        QTest::addRow("%s: not bearer", r.name) << r.method << r.path << QByteArray(kToken) << 401;
        QTest::addRow("%s: right token", r.name) << r.method << r.path << right << r.okStatus;
    }
    // Public: the page, its API description and the health summary.
    QTest::newRow("page: no token") << QByteArray("GET") << "/" << QByteArray() << 200;
    QTest::newRow("openapi: no token")
            << QByteArray("GET") << "/api/v3/openapi.json" << QByteArray() << 200;
    QTest::newRow("health: no token") << QByteArray("GET") << "/health" << QByteArray() << 200;
    // The query form is for GET streams (EventSource cannot set headers), never for POSTs.
    QTest::newRow("send: access_token query")
            << QByteArray("POST") << "/api/v3/chat/send?access_token=" + QString::fromLatin1(kToken)
            << QByteArray() << 401;
}

void tst_HttpSecurity::token()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, authorization);
    QFETCH(int, status);
    RestClient rest(m_secured->port);
    Headers headers;
    if (!authorization.isEmpty())
        headers << qMakePair(QByteArray("Authorization"), authorization);
    const Reply r = rest.request(method, path, {}, headers);
    QVERIFY2(r.status == status, r.describe().constData());
    if (status == 401) {
        QCOMPARE(r.errorCode(), QStringLiteral("unauthorized"));
        QVERIFY(r.errorMessage().contains("Authorization: Bearer"));
        QCOMPARE(r.header("WWW-Authenticate"), QByteArray("Bearer"));
    }
}

void tst_HttpSecurity::healthWithoutToken()
{
    RestClient rest(m_secured->port);
    const QJsonObject summary = rest.get(QStringLiteral("/health")).json();
    QCOMPARE(summary.value("status").toString(), QStringLiteral("ok"));
    QCOMPARE(summary.value("version").toString(), QStringLiteral(MCPHOST_VERSION));
    // Without the token: only that it is up; nothing about sessions or servers.
    QVERIFY(!summary.contains("mcp_servers") && !summary.contains("sessions"));

    rest.token = kToken;
    QVERIFY(waitForServersReady(rest));
    const QJsonObject full = rest.get(QStringLiteral("/health")).json();
    QCOMPARE(full.value("mcp_servers").toArray().at(0).toObject().value("state").toString(),
             QStringLiteral("ready"));
    QVERIFY(full.contains("sessions") && full.contains("connections") && full.contains("uptime_s"));
}

void tst_HttpSecurity::streamAccessToken_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<int>("status");
    QTest::newRow("access_token") << "?access_token=" + QString::fromLatin1(kToken) << QByteArray()
                                  << 200;
    QTest::newRow("header") << QString() << "Bearer " + kToken << 200;
    QTest::newRow("wrong access_token")
            << QStringLiteral("?access_token=nope") << QByteArray() << 401;
    QTest::newRow("none") << QString() << QByteArray() << 401;
}

void tst_HttpSecurity::streamAccessToken()
{
    QFETCH(QString, query);
    QFETCH(QByteArray, authorization);
    QFETCH(int, status);
    Headers headers;
    if (!authorization.isEmpty())
        headers << qMakePair(QByteArray("Authorization"), authorization);
    // Raw: the access_token query form, and the refused stream's status and body.
    SseClient stream;
    stream.open(m_secured->port, QStringLiteral("/api/v3/chat/stream") + query, headers);
    QVERIFY(stream.waitForResponse());
    QCOMPARE(stream.status, status);
    if (status == 200) {
        QVERIFY(stream.isStream());
        QCOMPARE(stream.waitForType(QStringLiteral("session_start")), 0);
    } else {
        QCOMPARE(stream.json().value("error").toObject().value("code").toString(),
                 QStringLiteral("unauthorized"));
        QVERIFY(stream.json().value("error").toObject().value("message").toString().contains(
                "access_token"));
    }
}

void tst_HttpSecurity::origin_data()
{
    QTest::addColumn<QByteArray>("origin"); // "" : none; PORT is replaced
    QTest::addColumn<QByteArray>("host"); // "" : 127.0.0.1:PORT
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QByteArray>("allowOrigin"); // expected Access-Control-Allow-Origin

    QTest::newRow("no Origin (curl, scripts)")
            << QByteArray() << QByteArray() << 200 << QString() << QByteArray();
    QTest::newRow("same origin") << QByteArray("http://127.0.0.1:PORT") << QByteArray() << 200
                                 << QString() << QByteArray();
    QTest::newRow("same origin as localhost")
            << QByteArray("http://localhost:PORT") << QByteArray("localhost:PORT") << 200
            << QString() << QByteArray();
    QTest::newRow("allowed origin") << kAllowed << QByteArray() << 200 << QString() << kAllowed;
    QTest::newRow("foreign origin") << QByteArray("http://evil.example") << QByteArray() << 403
                                    << "forbidden_origin" << QByteArray();
    QTest::newRow("other port") << QByteArray("http://127.0.0.1:1") << QByteArray() << 403
                                << "forbidden_origin" << QByteArray();
    QTest::newRow("null origin") << QByteArray("null") << QByteArray() << 403 << "forbidden_origin"
                                 << QByteArray();
    QTest::newRow("allowed origin with a path trick") << kAllowed + ".evil.example" << QByteArray()
                                                      << 403 << "forbidden_origin" << QByteArray();
    QTest::newRow("DNS rebinding: foreign Host") << QByteArray() << QByteArray("evil.example:PORT")
                                                 << 403 << "forbidden_host" << QByteArray();
    QTest::newRow("DNS rebinding: page of the rebound name")
            << QByteArray("http://evil.example:PORT") << QByteArray("evil.example:PORT") << 403
            << "forbidden_host" << QByteArray();
}

void tst_HttpSecurity::origin()
{
    QFETCH(QByteArray, origin);
    QFETCH(QByteArray, host);
    QFETCH(int, status);
    QFETCH(QString, code);
    QFETCH(QByteArray, allowOrigin);
    const QByteArray port = QByteArray::number(m_secured->port);
    origin.replace("PORT", port);
    host.replace("PORT", port);
    Headers headers {{"Authorization", "Bearer " + kToken}};
    if (!origin.isEmpty())
        headers << qMakePair(QByteArray("Origin"), origin);

    const auto r = raw(m_secured->port, "GET", QStringLiteral("/api/v3/sessions"), headers, host);
    QVERIFY2(r->status == status, r->body.constData());
    QCOMPARE(r->headers.value("access-control-allow-origin"), allowOrigin);
    if (status != 200) {
        QCOMPARE(r->json().value("error").toObject().value("code").toString(), code);
        const QString message = r->json().value("error").toObject().value("message").toString();
        QVERIFY2(message.contains(QString::fromUtf8(host.isEmpty() ? origin : host)),
                 qPrintable(message));
    }

    // The stream obeys the same rules (raw: the forged Host and Origin).
    SseClient stream;
    stream.open(m_secured->port, QStringLiteral("/api/v3/chat/stream"), headers, host);
    QVERIFY(stream.waitForResponse());
    QCOMPARE(stream.status, status);
    QCOMPARE(stream.headers.value("access-control-allow-origin"), allowOrigin);
}

void tst_HttpSecurity::preflight()
{
    const auto allowed = raw(m_secured->port, "OPTIONS", QStringLiteral("/api/v3/chat/send"),
                             {{"Origin", kAllowed},
                              {"Access-Control-Request-Method", "POST"},
                              {"Access-Control-Request-Headers", "authorization, content-type"}});
    QCOMPARE(allowed->status, 204);
    QCOMPARE(allowed->headers.value("access-control-allow-origin"), kAllowed);
    QVERIFY(allowed->headers.value("access-control-allow-methods").contains("POST"));
    QVERIFY(allowed->headers.value("access-control-allow-headers").contains("Authorization"));

    const auto foreign
            = raw(m_secured->port, "OPTIONS", QStringLiteral("/api/v3/chat/send"),
                  {{"Origin", "http://evil.example"}, {"Access-Control-Request-Method", "POST"}});
    QCOMPARE(foreign->status, 403);
    QVERIFY(!foreign->headers.contains("access-control-allow-origin"));
}

void tst_HttpSecurity::crossSite_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<Headers>("headers"); // PORT is replaced
    QTest::addColumn<bool>("refused");

    struct Route
    {
        const char *name;
        QByteArray method;
        QString path;
        QByteArray body;
    };
    // Every route that changes state; bodies that fail past the check (400/404), except the
    // two that create a session when they are let through.
    const QList<Route> routes {
            {"stream (creates a session)", "GET", "/api/v3/chat/stream", {}},
            {"create session", "POST", "/api/v3/sessions", {}},
            {"send", "POST", "/api/v3/chat/send", "{}"},
            {"chat", "POST", "/chat", "{}"},
            {"cancel", "POST", "/api/v3/chat/cancel", R"({"session_id":"nosuch"})"},
            {"approve", "POST", "/api/v3/chat/approve", "{}"},
            {"elicit", "POST", "/api/v3/chat/elicit", "{}"},
            {"delete", "DELETE", "/api/v3/sessions/nosuch", {}},
            {"restart", "POST", "/api/v3/servers/nosuch/restart", {}}};
    struct Case
    {
        const char *name;
        Headers headers;
        bool refused;
    };
    const QByteArray own = "http://127.0.0.1:PORT";
    const QList<Case> cases {
            {"curl (no browser headers)", {}, false},
            {"<img> of another site",
             {{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Mode", "no-cors"}},
             true},
            {"same-site page without Origin", {{"Sec-Fetch-Site", "same-site"}}, true},
            {"unknown Sec-Fetch-Site", {{"Sec-Fetch-Site", "sideways"}}, true},
            {"cross-site with allowed Origin",
             {{"Sec-Fetch-Site", "cross-site"}, {"Origin", kAllowed}},
             false},
            {"same-site with allowed Origin",
             {{"Sec-Fetch-Site", "same-site"}, {"Origin", kAllowed}},
             false},
            {"the page itself", {{"Sec-Fetch-Site", "same-origin"}, {"Origin", own}}, false},
            {"same-origin GET", {{"Sec-Fetch-Site", "same-origin"}}, false},
            {"typed into the address bar", {{"Sec-Fetch-Site", "none"}}, false},
            {"old browser: foreign Referer", {{"Referer", "http://evil.example/page.html"}}, true},
            {"old browser: Referer of another port", {{"Referer", "http://127.0.0.1:1/"}}, true},
            {"old browser: unparsable Referer", {{"Referer", "::not a url::"}}, true},
            {"old browser: own Referer", {{"Referer", own + "/"}}, false},
            {"old browser: allowed Referer", {{"Referer", kAllowed + "/app"}}, false}};
    for (const Route &r : routes) {
        for (const Case &c : cases)
            QTest::addRow("%s: %s", r.name, c.name)
                    << r.method << r.path << r.body << c.headers << c.refused;
    }
    // Routes that only read are not affected (and the page opens from a link of another site).
    QTest::newRow("read sessions from another site")
            << QByteArray("GET") << "/api/v3/sessions" << QByteArray()
            << Headers {{"Sec-Fetch-Site", "cross-site"}} << false;
    QTest::newRow("open the page from a link of another site")
            << QByteArray("GET") << "/" << QByteArray()
            << Headers {{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Mode", "navigate"}} << false;
}

void tst_HttpSecurity::crossSite()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(Headers, headers);
    QFETCH(bool, refused);
    for (auto &h : headers)
        h.second.replace("PORT", QByteArray::number(m_secured->port));
    RestClient rest(m_secured->port);
    rest.token = kToken;
    auto sessionCount = [&rest] {
        return rest.get(QStringLiteral("/api/v3/sessions"))
                .json()
                .value("sessions")
                .toArray()
                .size();
    };
    const qsizetype before = sessionCount();

    int status = 0;
    QJsonObject error;
    if (path == QLatin1String("/api/v3/chat/stream")) {
        SseClient stream; // raw: the forged browser headers
        stream.open(m_secured->port, path,
                    headers + Headers {{"Authorization", "Bearer " + kToken}});
        QVERIFY(stream.waitForResponse());
        status = stream.status;
        error = stream.json().value("error").toObject();
    } else {
        const Reply r = rest.request(method, path, body, headers);
        QVERIFY2(r.status != 0, qPrintable(r.transportError));
        status = r.status;
        error = r.json().value("error").toObject();
    }
    if (refused) {
        QVERIFY2(status == 403, qPrintable(QString::number(status)));
        QCOMPARE(error.value("code").toString(), QStringLiteral("forbidden_cross_site"));
        QVERIFY2(error.value("message").toString().contains("--allow-origin"),
                 qPrintable(error.value("message").toString()));
        QCOMPARE(sessionCount(), before); // nothing was created
    } else {
        QVERIFY2(status != 403 && status != 401,
                 qPrintable(QString::number(status) + QLatin1Char(' ')
                            + error.value("message").toString()));
    }
}

void tst_HttpSecurity::heartbeat()
{
    ApiTest::Stream stream(m_secured->port, QString::fromLatin1(kToken));
    QVERIFY(stream.open());
    QElapsedTimer clock;
    clock.start();
    // --heartbeat 0.3: comments keep an idle stream alive (two within a few seconds).
    QVERIFY2(TestSupport::waitFor([&] { return stream.client.commentCount() >= 2; }, 10000),
             qPrintable(QString::number(stream.client.commentCount())));
    QVERIFY(clock.elapsed() >= 300);
    QCOMPARE(stream.events.size(), 1); // comments are not events
    QVERIFY(stream.reasons.isEmpty()); // and the stream was never taken for dead
}

void tst_HttpSecurity::nonLoopbackNeedsToken()
{
    HostProcess host;
    host.useLlm(m_llm);
    const QString failure = host.start({"--listen", "0.0.0.0"}, 20000);
    QVERIFY(!failure.isEmpty());
    QVERIFY(host.waitForExit(20000));
    QVERIFY(host.process.exitCode() != 0);
    QVERIFY2(host.err.contains("without a token") && host.err.contains("--token"),
             host.err.constData());
    QVERIFY(!host.out.contains("serving"));
}

void tst_HttpSecurity::tokenFromEnvironment()
{
    HostProcess host;
    host.useLlm(m_llm);
    host.env.insert(QStringLiteral("MCPHOST_TOKEN"), QStringLiteral("from-env"));
    const QString failure = host.start({"--listen", "0.0.0.0"});
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    RestClient rest(host.port);
    QCOMPARE(rest.get(QStringLiteral("/api/v3/sessions")).status, 401);
    rest.token = "from-env";
    QCOMPARE(rest.get(QStringLiteral("/api/v3/sessions")).status, 200);
}

void tst_HttpSecurity::connectionCap()
{
    HostProcess host;
    host.useLlm(m_llm);
    const QString failure = host.start({"--max-connections", "2"});
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    RestClient rest(host.port);
    auto a = std::make_unique<ApiTest::Stream>(host.port);
    ApiTest::Stream b(host.port);
    for (ApiTest::Stream *s : {a.get(), &b})
        QVERIFY(s->open());
    SseClient third; // raw: the refusal's status, headers and body as sent
    third.open(host.port, QStringLiteral("/api/v3/chat/stream"));
    QVERIFY(third.waitForResponse());
    QCOMPARE(third.status, 503);
    bool seconds = false;
    QVERIFY(third.headers.value("retry-after").toInt(&seconds) > 0 && seconds);
    QVERIFY(third.headers.value("content-type").startsWith("application/json"));
    const QJsonObject error = third.json().value("error").toObject();
    QCOMPARE(error.value("code").toString(), QStringLiteral("too_many_connections"));
    QVERIFY(error.value("message").toString().contains("2"));
    QCOMPARE(rest.get(QStringLiteral("/health")).json().value("connections").toInt(), 2);

    // A client that goes away frees its place at once.
    a->client.close();
    QVERIFY(TestSupport::waitFor([&] {
        return rest.get(QStringLiteral("/health")).json().value("connections").toInt() == 1;
    }));
    ApiTest::Stream fourth(host.port);
    QVERIFY(fourth.open());
}

void tst_HttpSecurity::sigtermEndsStreamsAndStopsServers()
{
    HostProcess host;
    host.useLlm(m_llm);
    const QString failure = host.start();
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    RestClient rest(host.port);
    QVERIFY(waitForServersReady(rest));
    const QList<qint64> children = host.children();
    QVERIFY2(!children.isEmpty(), "the fixture MCP server is not a child of mcp-hostd");

    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c1", "slow", {{"steps", 200}, {"delay_ms", 100}})}),
             textReply(QStringLiteral("never"))}));
    ApiTest::Stream stream(host.port);
    QVERIFY(stream.open());
    const QString sessionId = stream.client.sessionId();
    QCOMPARE(rest.post(QStringLiteral("/api/v3/chat/send"),
                       {{"session_id", sessionId}, {"message", "slow"}})
                     .status,
             202);
    QVERIFY(stream.waitForType(QStringLiteral("acting")) > 0);

    host.terminate();
    const int end = stream.waitForType(QStringLiteral("session_end"), 20000);
    QVERIFY2(end > 0, qPrintable(stream.types().join(',')));
    QCOMPARE(stream.events.at(end).data.value("reason").toString(), QStringLiteral("shutdown"));
    // The running turn was cancelled before the session ended.
    const int final = stream.waitForType(QStringLiteral("final_response"), 1000);
    QVERIFY(final > 0 && final < end);
    QCOMPARE(stream.events.at(final).data.value("stop_reason").toString(),
             QStringLiteral("cancelled"));
    // The server closes the stream; after a shutdown the client tries again later (a host that
    // restarts is taken up again), so it is no longer open.
    QVERIFY(TestSupport::waitFor(
            [&] { return stream.client.state() != EventStreamClient::State::Open; }, 10000));
    QCOMPARE(stream.reasons.value(0), QStringLiteral("the server closed the stream"));

    QVERIFY(host.waitForExit(20000));
    QCOMPARE(host.process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(host.process.exitCode(), 0);
    for (qint64 pid : children)
        QVERIFY2(TestSupport::waitFor([pid] { return processGone(pid); }, 10000),
                 qPrintable(QString::number(pid)));
}

QTEST_GUILESS_MAIN(tst_HttpSecurity)
#include "tst_httpsecurity.moc"
