// `mcp-hostd ask` end to end: the real executable, the built-in offline model and the fixture
// MCP server from a config file; the printed steps and the exit code.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QStandardPaths>
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
    void answerPrintedOnce();
    void notATerminalSaysSo();
    void yesApproves();
    void terminalAsksForApproval_data();
    void terminalAsksForApproval();
    void terminalApprovalScopes_data();
    void terminalApprovalScopes();
    void terminalAnswersElicitation();
    void elicitationFieldsInTheServersOrder();
    void unknownOptionPointsToHelp();
    void noTerminalControlFromPeers();
    void providerWithoutKey_data();
    void providerWithoutKey();

private:
    QProcess *run(const QStringList &args, const QMap<QString, QString> &extraEnv = {});
    /// `args` of mcp-hostd on a real pseudo-terminal (ptyrun.py), answering each prompt
    /// that contains expect[i] with answer[i].
    QProcess *runOnTerminal(const QStringList &args, const QList<QPair<QString, QString>> &answers,
                            const QMap<QString, QString> &extraEnv = {});
    QTemporaryDir m_dir;
    QString m_config;
    QString m_askConfig; ///< the fixture's echo needs approval
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
    file.close();
    m_askConfig = m_dir.filePath("ask.json");
    QFile ask(m_askConfig);
    QVERIFY(ask.open(QIODevice::WriteOnly));
    ask.write(
            QJsonDocument(
                    QJsonObject {{"mcpServers",
                                  QJsonObject {{"fixture",
                                                QJsonObject {{"command",
                                                              MCPHOST_BINARY_DIR
                                                              "/bin/mcp-fixture-server"}}}}},
                                 {"approval",
                                  QJsonObject {{"tools", QJsonObject {{"fixture/echo", "ask"}}}}}})
                    .toJson());
}

QProcess *tst_AskCommand::runOnTerminal(const QStringList &args,
                                        const QList<QPair<QString, QString>> &answers,
                                        const QMap<QString, QString> &extraEnv)
{
    QStringList ptyArgs {QStringLiteral(MCPHOST_SOURCE_DIR "/tests/react/ptyrun.py")};
    for (const auto &[expect, answer] : answers)
        ptyArgs << "--expect" << expect << "--send" << answer;
    ptyArgs << "--" << QStringLiteral(MCPHOST_BINARY_DIR "/bin/mcp-hostd");
    auto *p = new QProcess(this);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY",
                             "ANTHROPIC_BASE_URL", "MCPHOST_PROVIDER", "MCPHOST_CONFIG"})
        env.remove(QString::fromLatin1(name));
    for (auto it = extraEnv.cbegin(); it != extraEnv.cend(); ++it)
        env.insert(it.key(), it.value());
    p->setProcessEnvironment(env);
    p->start(QStringLiteral("python3"), ptyArgs + args);
    if (!p->waitForFinished(60000))
        p->kill();
    return p;
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
    // The turn's events, as the store committed them (the session stays stored).
    QCOMPARE(types,
             (QStringList {"thinking", "partial_response", "tool_call", "acting", "observing",
                           "thinking", "partial_response", "final_response"}));
    QCOMPARE(last.value("stop_reason").toString(), QStringLiteral("answer"));
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

// The answer was printed twice: streamed after "[think 2]" and again by "[answer]".
void tst_AskCommand::answerPrintedOnce()
{
    QProcess *p = run({"ask", "call echo with message=hi", "--config", m_config});
    const QString out = QString::fromUtf8(p->readAllStandardOutput());
    QCOMPARE(p->exitCode(), 0);
    QVERIFY2(out.contains("[answer] echo returned: Echo: hi"), qPrintable(out));
    QCOMPARE(out.count("echo returned: Echo: hi"), 1);
    // The words before the tool call stay on their think line, once.
    QCOMPARE(out.count("Calling echo with"), 1);
    QVERIFY2(out.contains("[think 1] Calling echo with"), qPrintable(out));
}

void tst_AskCommand::notATerminalSaysSo()
{
    QProcess *p = run({"ask", "call echo with message=hi", "--config", m_askConfig});
    const QString out = QString::fromUtf8(p->readAllStandardOutput());
    const QString err = QString::fromUtf8(p->readAllStandardError());
    QCOMPARE(p->exitCode(), 0);
    QVERIFY2(err.contains("not asked (stdin or stdout is not a terminal): Run tool echo "
                          "{\"message\":\"hi\"}? denied; run with --yes to allow"),
             qPrintable(err));
    QVERIFY2(out.contains("[observe] error: The user denied the call to echo."), qPrintable(out));

    p = run({"ask", "call ask_elicitation with message=who", "--config", m_config});
    const QString err2 = QString::fromUtf8(p->readAllStandardError());
    QVERIFY2(err2.contains("not asked (stdin or stdout is not a terminal): the question of "
                           "fixture is cancelled"),
             qPrintable(err2));
    QVERIFY(QString::fromUtf8(p->readAllStandardOutput()).contains("\"action\":\"cancel\""));
}

void tst_AskCommand::yesApproves()
{
    QProcess *p = run({"ask", "call echo with message=hi", "--config", m_askConfig, "--yes"});
    const QString out = QString::fromUtf8(p->readAllStandardOutput());
    QCOMPARE(p->exitCode(), 0);
    QVERIFY2(out.contains("[approval] approved by --yes"), qPrintable(out));
    QVERIFY2(out.contains("[observe] Echo: hi"), qPrintable(out));
}

void tst_AskCommand::terminalAsksForApproval_data()
{
    QTest::addColumn<QString>("typed");
    QTest::addColumn<QString>("observed");
    QTest::newRow("y") << "y"
                       << "[observe] Echo: hi";
    QTest::newRow("yes") << "YES"
                         << "[observe] Echo: hi";
    QTest::newRow("n") << "n"
                       << "[observe] error: The user denied the call to echo.";
    QTest::newRow("Enter (the default is no)")
            << ""
            << "[observe] error: The user denied the call to echo.";
}

// A real pseudo-terminal: the prompt shows the tool and its arguments, the answer decides.
void tst_AskCommand::terminalAsksForApproval()
{
    QFETCH(QString, typed);
    QFETCH(QString, observed);
    if (QStandardPaths::findExecutable("python3").isEmpty())
        QSKIP("python3 is needed for the pseudo-terminal");
    QProcess *p = runOnTerminal({"ask", "call echo with message=hi", "--config", m_askConfig},
                                {{"/na] ", typed}});
    const QString out = QString::fromUtf8(p->readAllStandardOutput());
    QVERIFY2(p->exitCode() == 0, qPrintable(out + p->readAllStandardError()));
    QVERIFY2(out.contains("[approval] Run tool echo {\"message\":\"hi\"}? y once, s for this "
                          "session, t always for this tool, a always for this server; n, ns, nt, "
                          "na deny the same way [y/s/t/a/N/ns/nt/na] "),
             qPrintable(out));
    QVERIFY2(out.contains(observed), qPrintable(out));
    QVERIFY2(!out.contains("not asked"), qPrintable(out));
}

void tst_AskCommand::terminalApprovalScopes_data()
{
    QTest::addColumn<QString>("typed");
    QTest::addColumn<QString>("outcome"); // the "[approval] …" line
    QTest::addColumn<bool>("approved");
    QTest::addColumn<bool>("remembered"); // a rule in the state file, for the next run too
    QTest::newRow("s: for this session") << "s"
                                         << "[approval] approved for this session" << true << false;
    QTest::newRow("t: always for this tool")
            << "t"
            << "[approval] approved: always for this tool (remembered)" << true << true;
    QTest::newRow("a: always for this server")
            << "a"
            << "[approval] approved: always for this server (remembered)" << true << true;
    QTest::newRow("ns: deny for this session")
            << "ns"
            << "[approval] denied for this session" << false << false;
    QTest::newRow("deny tool (in words)")
            << "deny tool"
            << "[approval] denied: always for this tool (remembered)" << false << true;
    QTest::newRow("na: deny always for this server")
            << "na"
            << "[approval] denied: always for this server (remembered)" << false << true;
}

// The scopes of the API on the terminal: the model calls echo twice in one turn; an answer
// past "once" decides the second call without asking, and a remembered one holds for the next
// run as well (the host's approval rules, in its state file).
void tst_AskCommand::terminalApprovalScopes()
{
    QFETCH(QString, typed);
    QFETCH(QString, outcome);
    QFETCH(bool, approved);
    QFETCH(bool, remembered);
    if (QStandardPaths::findExecutable("python3").isEmpty())
        QSKIP("python3 is needed for the pseudo-terminal");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString statePath = dir.filePath("state.json");
    const QString config = dir.filePath("config.json");
    QFile file(config);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QJsonDocument(
                       QJsonObject {{"mcpServers",
                                     QJsonObject {{"fixture",
                                                   QJsonObject {{"command",
                                                                 MCPHOST_BINARY_DIR
                                                                 "/bin/mcp-fixture-server"}}}}},
                                    {"approval",
                                     QJsonObject {{"servers", QJsonObject {{"fixture", "ask"}}}}},
                                    {"state_file", statePath}})
                       .toJson());
    file.close();

    QProcess llm;
    llm.start(QStringLiteral(MCPHOST_BINARY_DIR "/bin/scripted-llm"), {"--port", "0"});
    QVERIFY(llm.waitForReadyRead(10000));
    const QByteArray first = llm.readLine().trimmed();
    QVERIFY2(first.startsWith("LISTENING "), first.constData());
    const QString base
            = QStringLiteral("http://127.0.0.1:%1").arg(QString::fromLatin1(first.mid(10)));
    const auto echo = [](const QString &message) {
        return QJsonObject {
                {"tool_calls",
                 QJsonArray {QJsonObject {{"name", "echo"},
                                          {"arguments", QJsonObject {{"message", message}}}}}}};
    };
    const QJsonArray script {echo("one"), echo("two"), QJsonObject {{"text", "Done."}}};
    QNetworkAccessManager nam;
    QNetworkRequest request(QUrl(base + QStringLiteral("/script")));
    request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
    QNetworkReply *reply = nam.post(request, QJsonDocument(script).toJson());
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->error(), QNetworkReply::NoError);

    // One prompt only: a second one would stay unanswered and the run would time out.
    QProcess *p = runOnTerminal(
            {"ask", "echo twice", "--config", config}, {{"/na] ", typed}},
            {{"OPENAI_BASE_URL", base + QStringLiteral("/v1")}, {"OPENAI_API_KEY", "test-key"}});
    const QString out = QString::fromUtf8(p->readAllStandardOutput());
    QVERIFY2(p->exitCode() == 0, qPrintable(out));
    QCOMPARE(out.count("[approval] Run tool echo"), 1);
    QVERIFY2(out.contains(outcome), qPrintable(out));
    if (approved) {
        QVERIFY2(out.contains("[observe] Echo: one") && out.contains("[observe] Echo: two"),
                 qPrintable(out));
        QVERIFY2(out.contains("[tool] echo {\"message\":\"two\"}\r\n"), qPrintable(out));
    } else {
        QVERIFY2(out.contains("[observe] error: The user denied the call to echo."),
                 qPrintable(out));
        QVERIFY2(out.contains("[tool] echo {\"message\":\"two\"} (approval: denied)"),
                 qPrintable(out));
        QVERIFY2(!out.contains("Echo: "), qPrintable(out));
    }
    llm.kill();
    llm.waitForFinished();

    // The next run, on the built-in model and without a terminal: a remembered answer decides
    // again; a session's answer ended with its session, so that run is asked (and, not on a
    // terminal, denied).
    QVERIFY(QFile::exists(statePath) == remembered);
    p = run({"ask", "call echo with message=again", "--config", config});
    const QString next = QString::fromUtf8(p->readAllStandardOutput());
    const QString nextErr = QString::fromUtf8(p->readAllStandardError());
    QCOMPARE(p->exitCode(), 0);
    QCOMPARE(nextErr.contains("not asked"), !remembered);
    QCOMPARE(next.contains("[observe] Echo: again"), remembered && approved);
}

void tst_AskCommand::terminalAnswersElicitation()
{
    if (QStandardPaths::findExecutable("python3").isEmpty())
        QSKIP("python3 is needed for the pseudo-terminal");
    // The name is required: an empty answer is asked again.
    QProcess *p
            = runOnTerminal({"ask", "call ask_elicitation with message=who", "--config", m_config},
                            {{"[y/n/C] ", "y"},
                             {"name (Your name, required): ", ""},
                             {"(name is required)", "Ada"}});
    QString out = QString::fromUtf8(p->readAllStandardOutput());
    QVERIFY2(p->exitCode() == 0, qPrintable(out));
    QVERIFY2(out.contains("[elicitation] fixture asks: who"), qPrintable(out));
    QVERIFY2(out.contains("[elicitation] answered"), qPrintable(out));
    QVERIFY2(out.contains(R"({"action":"accept","content":{"name":"Ada"}})"), qPrintable(out));

    p = runOnTerminal({"ask", "call ask_elicitation with message=who", "--config", m_config},
                      {{"[y/n/C] ", "n"}});
    out = QString::fromUtf8(p->readAllStandardOutput());
    QVERIFY2(out.contains("[elicitation] declined") && out.contains(R"({"action":"decline"})"),
             qPrintable(out));
}

// The fields are asked in the order the MCP server wrote them (surname, given, age), not by name.
void tst_AskCommand::elicitationFieldsInTheServersOrder()
{
    if (QStandardPaths::findExecutable("python3").isEmpty())
        QSKIP("python3 is needed for the pseudo-terminal");
    QProcess *p = runOnTerminal(
            {"ask", "call ask_elicitation with message=who form=profile", "--config", m_config},
            {{"[y/n/C] ", "y"}, {"surname (", "Lovelace"}, {"given (", "Ada"}, {"age (", "36"}});
    const QString out = QString::fromUtf8(p->readAllStandardOutput());
    QVERIFY2(p->exitCode() == 0, qPrintable(out));
    const qsizetype surname = out.indexOf("surname (");
    const qsizetype given = out.indexOf("given (");
    const qsizetype age = out.indexOf("age (");
    QVERIFY2(surname >= 0 && surname < given && given < age, qPrintable(out));
    QVERIFY2(
            out.contains(
                    R"({"action":"accept","content":{"age":36,"given":"Ada","surname":"Lovelace"}})"),
            qPrintable(out));
}

// A tool result (or model text) with escape sequences could clear the screen or rewrite a
// prompt: they are shown as U+FFFD, never written to the terminal.
void tst_AskCommand::noTerminalControlFromPeers()
{
    QProcess *p = run({"ask", QStringLiteral("call echo with message=\"a\x1b[2Jb\x1b]0;x\x07c\""),
                       "--config", m_config});
    const QByteArray out = p->readAllStandardOutput();
    QCOMPARE(p->exitCode(), 0);
    QVERIFY2(out.contains("[observe] Echo: a\xEF\xBF\xBD[2Jb"), out.constData());
    QVERIFY2(!out.contains('\x1b') && !out.contains('\x07'), out.constData());
}

void tst_AskCommand::unknownOptionPointsToHelp()
{
    QProcess *p = run({"ask", "hi", "--config", m_config, "--yse"});
    QCOMPARE(p->exitCode(), 2);
    const QString err = QString::fromUtf8(p->readAllStandardError());
    QVERIFY2(err.contains("Unknown option 'yse'") && err.contains("see mcp-hostd --help"),
             qPrintable(err));
}

void tst_AskCommand::providerWithoutKey_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("message");
    QTest::newRow("openai") << "openai"
                            << "no API key for openai: set OPENAI_API_KEY";
    QTest::newRow("anthropic") << "anthropic"
                               << "no API key for anthropic: set ANTHROPIC_API_KEY";
}

// Said before any network use: before the model is built and before an MCP server starts.
void tst_AskCommand::providerWithoutKey()
{
    QFETCH(QString, provider);
    QFETCH(QString, message);
    QProcess *p = run({"ask", "hi", "--config", m_config, "--provider", provider});
    QCOMPARE(p->exitCode(), 2);
    const QString err = QString::fromUtf8(p->readAllStandardError());
    QVERIFY2(err.contains("mcp-hostd: " + message), qPrintable(err));
    const QString out = QString::fromUtf8(p->readAllStandardOutput());
    QVERIFY2(!out.contains("[model]") && !out.contains("[server]"), qPrintable(out));
}

QTEST_GUILESS_MAIN(tst_AskCommand)
#include "tst_askcommand.moc"
