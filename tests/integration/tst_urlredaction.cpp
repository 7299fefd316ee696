// Credentials in a remote MCP server's URL (user info, key-like query parameters) never show:
// Mcp::redactedUrl on its own, and end to end through mcp-hostd (the API's server list,
// /health, `doctor --json` and the log).

#include "testsupport.h"
#include "urlredaction.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace TestSupport;

class tst_UrlRedaction : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void redactedUrl_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("shown");
        QTest::newRow("plain") << "https://mcp.example.com/mcp"
                               << "https://mcp.example.com/mcp";
        QTest::newRow("user info") << "http://user:pw@host/mcp"
                                   << "http://***@host/mcp";
        QTest::newRow("user only") << "http://ghp_token@host/mcp"
                                   << "http://***@host/mcp";
        QTest::newRow("api_key") << "http://host/mcp?api_key=SECRET&team=blue"
                                 << "http://host/mcp?api_key=REDACTED&team=blue";
        QTest::newRow("names") << "http://h/?key=1&token=2&apikey=3&access_token=4&secret=5"
                                  "&password=6&sig=7&X-Api-Key=8&clientSecret=9&page=10"
                               << "http://h/?key=REDACTED&token=REDACTED&apikey=REDACTED"
                                  "&access_token=REDACTED&secret=REDACTED&password=REDACTED"
                                  "&sig=REDACTED&X-Api-Key=REDACTED&clientSecret=REDACTED"
                                  "&page=10";
        QTest::newRow("encoded name") << "http://h/?api%5Fkey=S"
                                      << "http://h/?api_key=REDACTED";
    }
    void redactedUrl()
    {
        QFETCH(QString, url);
        QFETCH(QString, shown);
        QCOMPARE(Mcp::redactedUrl(QUrl(url)), shown);
    }

    void redactUrlInText()
    {
        const QUrl url(QStringLiteral("http://user:pw@host/mcp?api_key=SECRET"));
        const QString text
                = QStringLiteral("Error transferring %1 - server replied: x").arg(url.toString());
        const QString redacted = Mcp::redactUrlIn(text, url);
        QVERIFY2(!redacted.contains(QLatin1String("SECRET")) && !redacted.contains(":pw@"),
                 qPrintable(redacted));
        QVERIFY(redacted.contains(QLatin1String("api_key=REDACTED")));
    }

    void neverShownByTheHost()
    {
        QTemporaryDir dir;
        const quint16 dead = freePort(); // nothing listens: the server fails with the URL
        const QString url
                = QStringLiteral("http://user:pw@127.0.0.1:%1/mcp?api_key=SECRET").arg(dead);
        const QString config = dir.filePath(QStringLiteral("config.json"));
        QFile file(config);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(
                QJsonDocument(QJsonObject {{"mcpServers",
                                            QJsonObject {{"remote", QJsonObject {{"url", url}}}}}})
                        .toJson());
        file.close();
        const QString hostd = QStringLiteral(MCPHOST_BINARY_DIR "/bin/mcp-hostd");
        const auto leaks = [](const QByteArray &text) {
            return text.contains("SECRET") || text.contains(":pw@") || text.contains("user:");
        };

        QProcess doctor;
        doctor.start(hostd,
                     {QStringLiteral("doctor"), QStringLiteral("--json"),
                      QStringLiteral("--config"), config, QStringLiteral("--log-level"),
                      QStringLiteral("debug")});
        QVERIFY(doctor.waitForFinished(60000));
        const QByteArray doctorOut = doctor.readAllStandardOutput();
        const QByteArray doctorLog = doctor.readAllStandardError();
        QVERIFY2(doctorOut.contains("api_key=REDACTED"), doctorOut.constData());
        QVERIFY2(!leaks(doctorOut), doctorOut.constData());
        QVERIFY2(!leaks(doctorLog), doctorLog.constData());

        QProcess serve;
        const quint16 port = freePort();
        serve.start(hostd,
                    {QStringLiteral("serve"), QStringLiteral("--config"), config,
                     QStringLiteral("--port"), QString::number(port), QStringLiteral("--log-level"),
                     QStringLiteral("debug")});
        QVERIFY(serve.waitForStarted(5000));
        QNetworkAccessManager nam;
        const auto get = [&](const QString &path) {
            std::unique_ptr<QNetworkReply> reply(nam.get(QNetworkRequest(
                    QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path)))));
            waitFor([&] { return reply->isFinished(); }, 5000);
            return reply->readAll();
        };
        QByteArray servers;
        // Wait until the server has failed and says why.
        QVERIFY(waitFor(
                [&] {
                    servers = get(QStringLiteral("/api/v3/servers"));
                    return servers.contains("api_key=REDACTED");
                },
                30000));
        const QByteArray health = get(QStringLiteral("/health"));
        serve.terminate();
        QVERIFY(serve.waitForFinished(10000));
        const QByteArray serveLog = serve.readAllStandardError() + serve.readAllStandardOutput();
        QVERIFY2(!leaks(servers), servers.constData());
        QVERIFY2(!health.isEmpty() && !leaks(health), health.constData());
        QVERIFY2(!leaks(serveLog), serveLog.constData());
    }
};

QTEST_GUILESS_MAIN(tst_UrlRedaction)
#include "tst_urlredaction.moc"
