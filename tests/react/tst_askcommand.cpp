// `mcp-hostd ask` end to end: the real executable, the built-in offline model and the fixture
// MCP server from a config file; the printed steps and the exit code.

#include <QJsonDocument>
#include <QJsonObject>
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

private:
    QProcess *run(const QStringList &args);
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

QProcess *tst_AskCommand::run(const QStringList &args)
{
    auto *p = new QProcess(this);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name :
         {"OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
          "MCPHOST_PROVIDER", "MCPHOST_MODEL", "MCPHOST_CONFIG"})
        env.remove(QString::fromLatin1(name));
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

QTEST_GUILESS_MAIN(tst_AskCommand)
#include "tst_askcommand.moc"
