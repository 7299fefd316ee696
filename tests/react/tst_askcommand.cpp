// `mcp-hostd ask` end to end: the real executable, the built-in offline model and the fixture
// MCP server from a config file; the printed steps and the exit code.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

class tst_AskCommand : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void readableSteps();
    void jsonLines();
    void badConfigFails();
    void hostedProviders_data();
    void hostedProviders();

private:
    QProcess *run(const QStringList &args, const QMap<QString, QString> &extraEnv = {});
    QTemporaryDir m_dir;
    QString m_config;
};

void tst_AskCommand::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_config = m_dir.filePath("config.json");
    QFile file(m_config);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(
            QJsonDocument(QJsonObject {{"mcpServers",
                                        QJsonObject {{"fixture",
                                                      QJsonObject {{"command",
                                                                    MCPHOST_BINARY_DIR
                                                                    "/bin/mcp-fixture-server"}}}}}})
                    .toJson());
}

QProcess *tst_AskCommand::run(const QStringList &args, const QMap<QString, QString> &extraEnv)
{
    auto *p = new QProcess(this);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name :
         {"OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
          "MCPHOST_PROVIDER", "MCPHOST_MODEL", "MCPHOST_CONFIG"})
        env.remove(QString::fromLatin1(name));
    for (auto it = extraEnv.cbegin(); it != extraEnv.cend(); ++it)
        env.insert(it.key(), it.value());
    p->setProcessEnvironment(env);
    p->start(QStringLiteral(MCPHOST_BINARY_DIR "/bin/mcp-hostd"), args);
    if (!p->waitForFinished(60000))
        p->kill();
    return p;
}

void tst_AskCommand::readableSteps()
{
    QProcess *p = run({"ask", "call echo with message=hi", "--config", m_config});
    const QString out = QString::fromUtf8(p->readAllStandardOutput());
    QVERIFY2(p->exitStatus() == QProcess::NormalExit && p->exitCode() == 0,
             qPrintable(out + p->readAllStandardError()));
    const QStringList lines = out.split('\n', Qt::SkipEmptyParts);
    auto indexOf = [&lines](const QString &prefix) {
        for (int i = 0; i < lines.size(); ++i)
            if (lines[i].startsWith(prefix))
                return i;
        return -1;
    };
    const int think1 = indexOf("[think 1]");
    const int tool = indexOf(R"([tool] echo {"message":"hi"})");
    const int observe = indexOf("[observe] Echo: hi (");
    const int think2 = indexOf("[think 2]");
    const int answer = indexOf("[answer] ");
    QVERIFY2(think1 >= 0 && tool > think1 && observe > tool && think2 > observe && answer > think2,
             qPrintable(out));
    QVERIFY(lines[answer].contains("Echo: hi"));
    QVERIFY(out.contains("[model] built-in offline model"));
}

void tst_AskCommand::jsonLines()
{
    QProcess *p = run({"ask", "call echo with message=hi", "--config", m_config, "--json"});
    QCOMPARE(p->exitCode(), 0);
    QStringList types;
    qint64 lastSeq = 0;
    QJsonObject last;
    for (const QByteArray &line : p->readAllStandardOutput().split('\n')) {
        if (line.isEmpty())
            continue;
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        QVERIFY2(!o.isEmpty(), line.constData());
        QVERIFY(o.value("seq").toInteger() > lastSeq);
        lastSeq = o.value("seq").toInteger();
        QVERIFY(!o.value("session_id").toString().isEmpty());
        last = o;
        if (types.isEmpty() || types.last() != o.value("type").toString()
            || o.value("type").toString() != "partial_response")
            types << o.value("type").toString();
    }
    // The command line ends its session when it exits: the last line says so.
    QCOMPARE(types,
             (QStringList {"thinking", "partial_response", "tool_call", "acting", "observing",
                           "thinking", "partial_response", "final_response", "session_end"}));
    QCOMPARE(last.value("reason").toString(), QStringLiteral("shutdown"));
}

void tst_AskCommand::badConfigFails()
{
    const QString bad = m_dir.filePath("bad.json");
    QFile file(bad);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{ not json");
    file.close();
    QProcess *p = run({"ask", "hi", "--config", bad});
    QCOMPARE(p->exitCode(), 2);
}

void tst_AskCommand::hostedProviders_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("path");
    QTest::newRow("openai") << QStringLiteral("openai") << QStringLiteral("/v1/chat/completions");
    QTest::newRow("anthropic") << QStringLiteral("anthropic") << QStringLiteral("/v1/messages");
}

// The same turn as on the built-in model, through a hosted provider's real wire format: the
// scripted endpoint answers with a tool call, then with the answer.
void tst_AskCommand::hostedProviders()
{
    QFETCH(QString, provider);
    QFETCH(QString, path);
    QProcess llm;
    llm.start(QStringLiteral(MCPHOST_BINARY_DIR "/bin/scripted-llm"), {"--port", "0"});
    QVERIFY(llm.waitForReadyRead(10000));
    const QByteArray first = llm.readLine().trimmed();
    QVERIFY2(first.startsWith("LISTENING "), first.constData());
    const QString base
            = QStringLiteral("http://127.0.0.1:%1").arg(QString::fromLatin1(first.mid(10)));

    const QJsonArray script {
            QJsonObject {
                    {"tool_calls",
                     QJsonArray {QJsonObject {{"name", "echo"},
                                              {"arguments", QJsonObject {{"message", "hi"}}}}}}},
            QJsonObject {{"text", "The server echoed: Echo: hi"}}};
    QNetworkAccessManager nam;
    QNetworkRequest request(QUrl(base + QStringLiteral("/script")));
    request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
    QNetworkReply *reply = nam.post(request, QJsonDocument(script).toJson());
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), QNetworkReply::NoError);

    QMap<QString, QString> env;
    if (provider == QLatin1String("openai")) {
        env.insert("OPENAI_BASE_URL", base + QStringLiteral("/v1"));
        env.insert("OPENAI_API_KEY", "test-key");
    } else {
        env.insert("ANTHROPIC_BASE_URL", base);
        env.insert("ANTHROPIC_API_KEY", "test-key");
    }
    QProcess *p = run({"ask", "say hi through the echo tool", "--config", m_config}, env);
    const QString out = QString::fromUtf8(p->readAllStandardOutput());
    QVERIFY2(p->exitCode() == 0, qPrintable(out + QString::fromUtf8(p->readAllStandardError())));
    QVERIFY2(out.contains(QStringLiteral("[model] %1:").arg(provider)), qPrintable(out));
    QVERIFY2(out.contains(QStringLiteral("[tool] echo {\"message\":\"hi\"}")), qPrintable(out));
    QVERIFY2(out.contains(QStringLiteral("[observe] Echo: hi")), qPrintable(out));
    QVERIFY2(out.contains(QStringLiteral("[answer] The server echoed: Echo: hi")), qPrintable(out));

    // The endpoint saw two model calls on the provider's own path, the second with the result.
    QNetworkReply *requests = nam.get(QNetworkRequest(QUrl(base + QStringLiteral("/requests"))));
    QTRY_VERIFY_WITH_TIMEOUT(requests->isFinished(), 10000);
    const QJsonArray seen = QJsonDocument::fromJson(requests->readAll()).array();
    QCOMPARE(seen.size(), 2);
    for (const QJsonValue &v : seen)
        QCOMPARE(v.toObject().value("path").toString(), path);
    QVERIFY(QJsonDocument(seen.at(1).toObject().value("body").toObject())
                    .toJson()
                    .contains("Echo: hi"));
    llm.kill();
    llm.waitForFinished();
}

QTEST_GUILESS_MAIN(tst_AskCommand)
#include "tst_askcommand.moc"
