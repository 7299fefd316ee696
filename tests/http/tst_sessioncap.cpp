// The session cap through the HTTP API: a real HttpApiServer (in this process, over a HostCore
// with the offline model and no MCP servers, its session cap at 2) on a real socket.
// Past the cap every way of creating a session (POST /api/v3/sessions, the stream without
// session_id, send and /chat without session_id) answers 503 too_many_sessions with a message
// that names the cap and sessions.max_sessions; existing sessions keep working; a deleted
// session frees its place.

// The server's own ApiError is in scope here too; the client's is spelt with its namespace.
#define MCPHOST_NO_CLIENT_APIERROR_ALIAS
#include "hostcore.h"
#include "httpapiserver.h"
#include "httptestsupport.h"

#include <QTest>

using namespace HttpTest;

class tst_SessionCap : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void refusedPastTheCap_data();
    void refusedPastTheCap();
    void existingSessionsKeepWorking();
    void deletingFreesAPlace();

private:
    void verifyRefused(int status, const QJsonObject &body);

    QTemporaryDir m_dir;
    HostCore *m_core = nullptr;
    HttpApiServer *m_server = nullptr;
    QStringList m_sessions; // the two that fill the cap
};

void tst_SessionCap::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QFile file(m_dir.filePath(QStringLiteral("config.json")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"mcpServers": {}, "sessions": {"max_sessions": 2}})");
    file.close();
    m_core = new HostCore(this);
    HostCore::Options options;
    options.configPath = file.fileName();
    options.cli.provider = QStringLiteral("offline");
    QString error;
    options.store = QStringLiteral("memory");
    QVERIFY2(m_core->init(options, &error), qPrintable(error));
    std::optional<QString> opened;
    m_core->open([&opened](const QString &why) { opened = why; });
    QVERIFY(QTest::qWaitFor([&opened] { return opened.has_value(); }, 10000));
    HttpApiServer::Options http;
    http.port = 0;
    m_server = new HttpApiServer(m_core, http, this);
    QVERIFY2(m_server->listen(&error), qPrintable(error));

    RestClient rest(m_server->port());
    for (const char *id : {"first", "second"}) {
        const Reply r = rest.post(QStringLiteral("/api/v3/sessions"), {{"session_id", id}});
        QVERIFY2(r.status == 201, r.describe().constData());
        m_sessions << QLatin1String(id);
    }
}

void tst_SessionCap::cleanupTestCase()
{
    if (m_server)
        m_server->close();
}

void tst_SessionCap::verifyRefused(int status, const QJsonObject &body)
{
    QCOMPARE(status, 503);
    const QJsonObject error = body.value("error").toObject();
    QCOMPARE(error.value("code").toString(), QStringLiteral("too_many_sessions"));
    const QString message = error.value("message").toString();
    QVERIFY2(message.contains(QLatin1String("maximum of 2 sessions"))
                     && message.contains(QLatin1String("sessions.max_sessions")),
             qPrintable(message));
    RestClient rest(m_server->port());
    QCOMPARE(rest.get(QStringLiteral("/api/v3/sessions")).json().value("sessions").toArray().size(),
             2);
}

void tst_SessionCap::refusedPastTheCap_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("create") << QByteArray("POST") << "/api/v3/sessions" << QByteArray();
    QTest::newRow("create with an id")
            << QByteArray("POST") << "/api/v3/sessions" << QByteArray(R"({"session_id":"third"})");
    QTest::newRow("send without session")
            << QByteArray("POST") << "/api/v3/chat/send" << QByteArray(R"({"message":"hello"})");
    QTest::newRow("chat without session")
            << QByteArray("POST") << "/chat" << QByteArray(R"({"message":"hello"})");
    QTest::newRow("stream without session")
            << QByteArray("GET") << "/api/v3/chat/stream" << QByteArray();
}

void tst_SessionCap::refusedPastTheCap()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    if (method == "GET") {
        SseClient stream;
        stream.open(m_server->port(), path);
        QVERIFY(stream.waitForResponse());
        QVERIFY(!stream.isStream());
        verifyRefused(stream.status, stream.json());
        return;
    }
    RestClient rest(m_server->port());
    const Reply r = rest.request(method, path, body);
    verifyRefused(r.status, r.json());
}

void tst_SessionCap::existingSessionsKeepWorking()
{
    RestClient rest(m_server->port());
    const Reply r = rest.post(QStringLiteral("/chat"),
                              {{"session_id", m_sessions.at(0)}, {"message", "hello"}});
    QVERIFY2(r.status == 200, r.describe().constData());
    QCOMPARE(r.json().value("session_id").toString(), m_sessions.at(0));
    SseClient stream;
    stream.open(m_server->port(),
                QStringLiteral("/api/v3/chat/stream?session_id=") + m_sessions.at(1));
    QVERIFY(stream.waitForResponse());
    QVERIFY(stream.isStream());
}

void tst_SessionCap::deletingFreesAPlace()
{
    RestClient rest(m_server->port());
    QCOMPARE(rest.request("DELETE", QStringLiteral("/api/v3/sessions/") + m_sessions.at(1)).status,
             204);
    const Reply created = rest.post(QStringLiteral("/api/v3/sessions"), {});
    QVERIFY2(created.status == 201, created.describe().constData());
    const Reply refused = rest.post(QStringLiteral("/api/v3/sessions"), {});
    verifyRefused(refused.status, refused.json());
}

QTEST_GUILESS_MAIN(tst_SessionCap)
#include "tst_sessioncap.moc"
