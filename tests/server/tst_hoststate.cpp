// The host's state file (HostState): what is saved comes back the same, only its owner can read
// it, and every corrupt or hostile file is refused with a message that names the file and the
// problem (never a crash, never a rule dropped quietly).

#include "hoststate.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using D = ApprovalPolicy::Decision;

class tst_HostState : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip();
    void missingFileIsEmpty();
    void refused_data();
    void refused();
    void notAFile();
};

void tst_HostState::roundTrip()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("new/folder/state.json"));
    HostState state;
    state.toolRules.insert(QStringLiteral("fs/write_file"), D::Deny);
    state.serverRules.insert(QStringLiteral("fetch"), D::Allow);
    state.serverEnabled.insert(QStringLiteral("fs"), false);
    QString error;
    QVERIFY2(state.save(path, &error), qPrintable(error));
    struct stat st = {};
    QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
    QCOMPARE(int(st.st_mode & 0777), 0600);

    const auto back = HostState::load(path, &error);
    QVERIFY2(back, qPrintable(error));
    QCOMPARE(back->toolRules, state.toolRules);
    QCOMPARE(back->serverRules, state.serverRules);
    QCOMPARE(back->serverEnabled, state.serverEnabled);

    // Saved again over a file that others could read: still the owner's only.
    QVERIFY(::chmod(QFile::encodeName(path).constData(), 0644) == 0);
    QVERIFY(state.save(path, &error));
    QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
    QCOMPARE(int(st.st_mode & 0777), 0600);
}

void tst_HostState::missingFileIsEmpty()
{
    QTemporaryDir dir;
    QString error;
    const auto state = HostState::load(dir.filePath(QStringLiteral("none.json")), &error);
    QVERIFY(state);
    QVERIFY(state->toolRules.isEmpty() && state->serverRules.isEmpty()
            && state->serverEnabled.isEmpty());
}

void tst_HostState::refused_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<int>("mode");
    QTest::addColumn<QString>("message");
    QTest::newRow("empty") << QByteArray() << 0600 << "invalid JSON";
    QTest::newRow("truncated") << QByteArray(R"({"version":1,"approval":{)") << 0600
                               << "invalid JSON";
    QTest::newRow("array") << QByteArray("[]") << 0600 << "not a JSON object";
    QTest::newRow("no version") << QByteArray("{}") << 0600 << "\"version\" must be 1";
    QTest::newRow("version 2") << QByteArray(R"({"version":2})") << 0600 << "\"version\" must be 1";
    QTest::newRow("version as text")
            << QByteArray(R"({"version":"1"})") << 0600 << "\"version\" must be 1";
    QTest::newRow("approval not an object") << QByteArray(R"({"version":1,"approval":[]})") << 0600
                                            << "/approval must be an object";
    QTest::newRow("bad decision") << QByteArray(
            R"({"version":1,"approval":{"tools":{"fs/w":"always"}}})")
                                  << 0600
                                  << "/approval/tools/fs/w must be \"allow\", \"ask\" or \"deny\"";
    QTest::newRow("decision alias")
            << QByteArray(R"({"version":1,"approval":{"servers":{"fs":"auto"}}})") << 0600
            << "/approval/servers/fs must be";
    QTest::newRow("tool key without server")
            << QByteArray(R"({"version":1,"approval":{"tools":{"write_file":"deny"}}})") << 0600
            << "\"<server>/<tool>\"";
    QTest::newRow("control character in a name")
            << QByteArray("{\"version\":1,\"approval\":{\"servers\":{\"f\\u0001s\":\"deny\"}}}")
            << 0600 << "not a server name";
    QTest::newRow("server entry not an object")
            << QByteArray(R"({"version":1,"servers":{"fs":false}})") << 0600
            << "/servers/fs must be {\"enabled\": true or false}";
    QTest::newRow("enabled not a boolean")
            << QByteArray(R"({"version":1,"servers":{"fs":{"enabled":"no"}}})") << 0600
            << "/servers/fs must be";
    QTest::newRow("writable by the group")
            << QByteArray(R"({"version":1})") << 0620 << "other users can write it (mode 0620)";
    QTest::newRow("larger than 1 MiB")
            << QByteArray(R"({"version":1,"x":")") + QByteArray(1024 * 1024, 'x') + "\"}" << 0600
            << "larger than 1024 KiB";
    QByteArray many = R"({"version":1,"approval":{"servers":{)";
    for (int i = 0; i <= HostState::kMaxEntries; ++i)
        many += (i ? "," : "") + QByteArray("\"s") + QByteArray::number(i) + "\":\"deny\"";
    many += "}}}";
    QTest::newRow("too many entries") << many << 0600 << "more than 10000 entries";
}

void tst_HostState::refused()
{
    QFETCH(QByteArray, content);
    QFETCH(int, mode);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("state.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(content);
    file.close();
    QVERIFY(::chmod(QFile::encodeName(path).constData(), mode_t(mode)) == 0);
    QString error;
    const auto state = HostState::load(path, &error);
    QVERIFY(!state);
    QVERIFY2(error.startsWith(QStringLiteral("state file ") + path + QStringLiteral(": ")),
             qPrintable(error));
    QVERIFY2(error.contains(message), qPrintable(error));
}

void tst_HostState::notAFile()
{
    QTemporaryDir dir;
    QString error;
    QVERIFY(!HostState::load(dir.path(), &error));
    QVERIFY2(error.contains(QStringLiteral("not a regular file")), qPrintable(error));
    // A FIFO would block a reader forever: refused before it is opened.
    const QString fifo = dir.filePath(QStringLiteral("fifo"));
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    QVERIFY(!HostState::load(fifo, &error));
    QVERIFY2(error.contains(QStringLiteral("not a regular file")), qPrintable(error));
}

QTEST_GUILESS_MAIN(tst_HostState)
#include "tst_hoststate.moc"
