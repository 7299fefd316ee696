// mcp-hostd's command line, on the real executable: every number is checked by the range of
// its config key, a bad config stops the server with the file's line and column, an unknown
// option points to --help (exit 2), and --token-file is the safe way to pass a token.

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

class tst_CommandLine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void unknownOptionPointsToHelp();
    void badValues_data();
    void badValues();
    void configMistakeStopsServe_data();
    void configMistakeStopsServe();
    void helpSaysWhichTokenWayIsSafe();
    void tokenFile();
    void tokenFileReadableByOthersIsRefused();

private:
    struct Result
    {
        int exitCode = -1;
        QString out;
        QString err;
    };
    Result run(const QStringList &args);
    QString writeFile(const QString &name, const QByteArray &text);
    QTemporaryDir m_dir;
    QString m_config; ///< no MCP servers: starts at once
};

void tst_CommandLine::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_config = writeFile("empty.json", "{}");
}

QString tst_CommandLine::writeFile(const QString &name, const QByteArray &text)
{
    QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write(text);
    return path;
}

tst_CommandLine::Result tst_CommandLine::run(const QStringList &args)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY",
                             "MCPHOST_PROVIDER", "MCPHOST_TOKEN", "MCPHOST_CONFIG"})
        env.remove(QString::fromLatin1(name));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(MCPHOST_BINARY_DIR "/bin/mcp-hostd"), args);
    // A command that is refused ends at once; one that starts serving is stopped here.
    if (!p.waitForFinished(5000)) {
        p.terminate();
        p.waitForFinished(10000);
        return {-1, QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

void tst_CommandLine::unknownOptionPointsToHelp()
{
    for (const QStringList &args : {QStringList {"--bogus"}, QStringList {"ask", "hi", "--yse"}}) {
        const Result r = run(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("Unknown option") && r.err.contains("mcp-hostd --help"),
                 qPrintable(r.err));
    }
    const Result r = run({"serv"});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("unknown command \"serv\"") && r.err.contains("--help"),
             qPrintable(r.err));
}

void tst_CommandLine::badValues_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("heartbeat 0.0001 (was: 100% CPU)")
            << QStringList {"--heartbeat", "0.0001"}
            << "--heartbeat must be between 0.1 and 3600 seconds, got 0.0001";
    QTest::newRow("heartbeat 1e10 (was: overflow)")
            << QStringList {"--heartbeat", "1e10"}
            << "--heartbeat must be between 0.1 and 3600 seconds, got 10000000000";
    QTest::newRow("heartbeat nan") << QStringList {"--heartbeat", "nan"}
                                   << "--heartbeat must be a number between 0.1 and 3600";
    QTest::newRow("port 70000") << QStringList {"--port", "70000"}
                                << "--port must be a whole number between 0 and 65535, got 70000";
    QTest::newRow("port text") << QStringList {"--port", "http"}
                               << "--port must be a number between 0 and 65535";
    QTest::newRow("max-connections 0")
            << QStringList {"--max-connections", "0"}
            << "--max-connections must be a whole number between 1 and 100000, got 0";
    QTest::newRow("session-ttl 0") << QStringList {"--session-ttl", "0"}
                                   << "--session-ttl must be between 1 and 315360000 seconds";
    QTest::newRow("session-ttl 1e10") << QStringList {"--session-ttl", "1e10"}
                                      << "--session-ttl must be between 1 and 315360000 seconds";
    QTest::newRow("listen nowhere")
            << QStringList {"--listen", "nowhere"} << "--listen must be an IP address";
    QTest::newRow("provider opanai") << QStringList {"--provider", "opanai"}
                                     << "--provider must be one of openai, anthropic, offline";
    QTest::newRow("token and token-file") << QStringList {"--token", "a", "--token-file", "/x"}
                                          << "use --token-file or --token, not both";
}

void tst_CommandLine::badValues()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const Result r = run(QStringList {"--config", m_config} + args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QVERIFY2(!r.out.contains("serving"), qPrintable(r.out));
}

void tst_CommandLine::configMistakeStopsServe_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("message");
    QTest::newRow("port as a string (was: a random port)")
            << QByteArray("{\n  \"server\": {\"port\": \"8080\"}\n}\n")
            << ":2:22: server.port must be a whole number between 0 and 65535, not a string";
    QTest::newRow("heartbeat_seconds 0 (was: 100% CPU)")
            << QByteArray("{\n  \"server\": {\"heartbeat_seconds\": 0}\n}\n")
            << ":2:35: server.heartbeat_seconds must be between 0.1 and 3600 seconds, got 0";
    QTest::newRow("approval nope (was: the tool ran without approval)")
            << QByteArray("{\n  \"approval\": {\"default\": \"nope\"}\n}\n")
            << ":2:27: approval.default must be one of allow, ask, deny, got \"nope\"";
}

void tst_CommandLine::configMistakeStopsServe()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, message);
    const QString path = writeFile("bad.json", json);
    for (const QString &command : {QStringLiteral("serve"), QStringLiteral("doctor")}) {
        const Result r = run({command, "--config", path, "--port", "0"});
        QVERIFY2(r.exitCode > 0, qPrintable(r.out + r.err));
        QVERIFY2((r.out + r.err).contains(path + message), qPrintable(r.out + r.err));
        QVERIFY2(!r.out.contains("serving"), qPrintable(r.out));
    }
}

void tst_CommandLine::helpSaysWhichTokenWayIsSafe()
{
    // --help-all (Qt's) also prints help instead of starting the server.
    const Result all = run({"--help-all", "--config", m_config, "--port", "0"});
    QCOMPARE(all.exitCode, 0);
    QVERIFY2(all.out.contains("--token-file"), qPrintable(all.out + all.err));

    const Result r = run({"--help"});
    QCOMPARE(r.exitCode, 0);
    const QString help = r.out.simplified();
    QVERIFY2(help.contains("--token-file <file>"), qPrintable(help));
    QVERIFY2(help.contains("This or MCPHOST_TOKEN is the safe way to pass a token"),
             qPrintable(help));
    QVERIFY2(help.contains("Unsafe: every local user can read it in the process list"),
             qPrintable(help));
}

void tst_CommandLine::tokenFile()
{
    const QString path = writeFile("token", "s3cret-token\nsecond line is ignored\n");
    QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner));
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("MCPHOST_TOKEN");
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(MCPHOST_BINARY_DIR "/bin/mcp-hostd"),
            {"--config", m_config, "--port", "0", "--token-file", path});
    QString out;
    QRegularExpressionMatch m;
    QTRY_VERIFY_WITH_TIMEOUT((out += QString::fromUtf8(p.readAllStandardOutput()),
                              m = QRegularExpression("open (http://127.0.0.1:\\d+)/").match(out),
                              m.hasMatch()),
                             20000);
    const QString base = m.captured(1);
    QNetworkAccessManager nam;
    auto get = [&](const QByteArray &token) {
        QNetworkRequest request(QUrl(base + "/api/v3/sessions"));
        if (!token.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + token);
        QNetworkReply *reply = nam.get(request);
        if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, 10000))
            return -1;
        reply->deleteLater();
        return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    };
    QCOMPARE(get({}), 401);
    QCOMPARE(get("second line is ignored"), 401);
    QCOMPARE(get("s3cret-token"), 200);
    // The token is not in the process's arguments.
    QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(p.processId()));
    QVERIFY(cmdline.open(QIODevice::ReadOnly));
    QVERIFY(!cmdline.readAll().contains("s3cret-token"));
    p.terminate();
    QVERIFY(p.waitForFinished(15000));
}

void tst_CommandLine::tokenFileReadableByOthersIsRefused()
{
    const QString path = writeFile("open-token", "s3cret\n");
    QVERIFY(QFile::setPermissions(
            path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther));
    Result r = run({"--config", m_config, "--port", "0", "--token-file", path});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QStringLiteral("--token-file %1 can be read or written by other "
                                           "users (mode 0644): run chmod 600 %1")
                                    .arg(path)),
             qPrintable(r.err));
    QVERIFY(!r.err.contains("s3cret"));

    const QString empty = writeFile("empty-token", "\n");
    QVERIFY(QFile::setPermissions(empty, QFile::ReadOwner | QFile::WriteOwner));
    r = run({"--config", m_config, "--port", "0", "--token-file", empty});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("the first line is empty"), qPrintable(r.err));

    r = run({"--config", m_config, "--port", "0", "--token-file", m_dir.filePath("missing")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("no such file"), qPrintable(r.err));
}

QTEST_GUILESS_MAIN(tst_CommandLine)
#include "tst_commandline.moc"
