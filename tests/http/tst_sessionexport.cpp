// Export and import through the real server: a session exported and imported again is the
// same conversation with the same steps (under a new id), as JSON and as Markdown; a
// malformed, truncated, doubled or newer document answers 400 naming the problem and stores
// nothing.

#include "../store/samplearchive.h"
#include "httptestsupport.h"
#include "sessiondocument.h"

#include <QTest>

using namespace HttpTest;

namespace {

/// A document without what an import changes: the session id (everywhere) and the export time.
QJsonObject withoutIds(QJsonObject doc)
{
    doc.remove(QStringLiteral("exported"));
    QJsonObject session = doc.value(QStringLiteral("session")).toObject();
    session.remove(QStringLiteral("id"));
    doc.insert(QStringLiteral("session"), session);
    QJsonArray events;
    for (const QJsonValue &v : doc.value(QStringLiteral("events")).toArray()) {
        QJsonObject e = v.toObject();
        e.remove(QStringLiteral("session_id"));
        events.append(e);
    }
    doc.insert(QStringLiteral("events"), events);
    return doc;
}

} // namespace

class tst_SessionExport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void exportThenImportIsTheSameConversation();
    void markdown();
    void refusedImportsChangeNothing_data();
    void refusedImportsChangeNothing();
    void exportErrors();
    void commandLine();
    void configuredDurabilityAndImportCap();

private:
    QString importDocument(const QByteArray &document);

    std::unique_ptr<HostProcess> m_host;
    QByteArray m_sample;
};

void tst_SessionExport::initTestCase()
{
    const auto archive = SampleArchive::make(QStringLiteral("source-1"));
    QVERIFY(archive);
    m_sample = SessionDocument::toBytes(*archive);
    m_host = std::make_unique<HostProcess>();
    m_host->config = baseConfig();
    m_host->env.insert(QStringLiteral("OPENAI_API_KEY"), QStringLiteral("x"));
    m_host->env.insert(QStringLiteral("OPENAI_BASE_URL"), QStringLiteral("http://127.0.0.1:9/v1"));
    const QString error = m_host->start({QStringLiteral("--store"), QStringLiteral("memory")});
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

QString tst_SessionExport::importDocument(const QByteArray &document)
{
    RestClient rest(m_host->port);
    const Reply r = rest.request("POST", QStringLiteral("/api/v3/sessions/import"), document,
                                 {{"Content-Type", "application/json"}});
    if (r.status != 201) {
        qWarning("import: %s", r.describe().constData());
        return {};
    }
    return r.json().value(QStringLiteral("session_id")).toString();
}

void tst_SessionExport::exportThenImportIsTheSameConversation()
{
    const QString first = importDocument(m_sample);
    QVERIFY(!first.isEmpty());
    QVERIFY(first != QLatin1String("source-1"));
    RestClient rest(m_host->port);
    const Reply summary = rest.get(QStringLiteral("/api/v3/sessions/") + first);
    QCOMPARE(summary.status, 200);
    QCOMPARE(summary.json().value("title").toString(), QStringLiteral("Echo hi please"));
    QCOMPARE(summary.json().value("message_count").toInt(), 8);
    QCOMPARE(summary.json().value("last_seq").toInt(), 22);

    const Reply exported = rest.get(QStringLiteral("/api/v3/sessions/%1/export").arg(first));
    QVERIFY2(exported.status == 200, exported.describe().constData());
    QVERIFY(exported.header("content-type").startsWith("application/json"));
    QVERIFY2(!exported.body.contains("source-1"), "the source id survived the import");
    QCOMPARE(exported.json().value("session").toObject().value("id").toString(), first);
    QCOMPARE(withoutIds(exported.json()), withoutIds(QJsonDocument::fromJson(m_sample).object()));

    // Again: the export of the import of the export is the same.
    const QString second = importDocument(exported.body);
    QVERIFY(!second.isEmpty());
    QVERIFY(second != first);
    const Reply again = rest.get(QStringLiteral("/api/v3/sessions/%1/export").arg(second));
    QCOMPARE(again.status, 200);
    QCOMPARE(withoutIds(again.json()), withoutIds(exported.json()));
    // The first one is untouched.
    const Reply still = rest.get(QStringLiteral("/api/v3/sessions/%1/export").arg(first));
    QCOMPARE(withoutIds(still.json()), withoutIds(exported.json()));
    QCOMPARE(still.json().value("session").toObject().value("id").toString(), first);
}

void tst_SessionExport::markdown()
{
    const QString id = importDocument(m_sample);
    QVERIFY(!id.isEmpty());
    RestClient rest(m_host->port);
    const Reply r = rest.get(QStringLiteral("/api/v3/sessions/%1/export?format=markdown").arg(id));
    QVERIFY2(r.status == 200, r.describe().constData());
    QVERIFY(r.header("content-type").startsWith("text/markdown"));
    const QString md = QString::fromUtf8(r.body);
    for (const char *part :
         {"# Echo hi please\n", "## Turn 1 · answered\n", "### 2. Tool call: `fixture` › `echo`\n",
          "```json\n", "**Result (error):**", "## Turn 3 · cancelled\n",
          "- Tokens: 60 in, 6 out\n"})
        QVERIFY2(md.contains(QString::fromUtf8(part)), part);
}

void tst_SessionExport::refusedImportsChangeNothing_data()
{
    QTest::addColumn<QByteArray>("document");
    QTest::addColumn<QString>("message");
    QJsonObject doc = QJsonDocument::fromJson(m_sample).object();
    const auto with = [&doc](const QString &key, const QJsonValue &value) {
        QJsonObject d = doc;
        d.insert(key, value);
        return QJsonDocument(d).toJson(QJsonDocument::Compact);
    };
    QTest::newRow("empty") << QByteArray() << "the document is empty";
    QTest::newRow("not JSON") << QByteArray("{\"format\": ") << "not JSON";
    QTest::newRow("truncated") << m_sample.left(m_sample.size() / 2) << "not JSON";
    QTest::newRow("newer version")
            << with("version", 2) << "version: the document has version 2, newer than";
    QTest::newRow("wrong type") << with("messages", QStringLiteral("many"))
                                << "messages: must be an array, not a string";
    QJsonArray events = doc.value("events").toArray();
    QJsonObject e = events.at(12).toObject();
    e.insert("seq", 5);
    events[12] = e;
    QTest::newRow("duplicate seq") << with("events", events) << "events[12].seq: duplicate seq 5";
    events = doc.value("events").toArray();
    events.removeAt(4);
    QTest::newRow("seq gap") << with("events", events) << "events[4].seq: seq 6 leaves a gap";
}

void tst_SessionExport::refusedImportsChangeNothing()
{
    QFETCH(QByteArray, document);
    QFETCH(QString, message);
    RestClient rest(m_host->port);
    const Reply before = rest.get(QStringLiteral("/api/v3/sessions?limit=500"));
    QCOMPARE(before.status, 200);
    const Reply r = rest.request("POST", QStringLiteral("/api/v3/sessions/import"), document,
                                 {{"Content-Type", "application/json"}});
    QCOMPARE(r.status, 400);
    QCOMPARE(r.errorCode(), QStringLiteral("invalid_document"));
    QVERIFY2(r.errorMessage().contains(message), r.describe().constData());
    const Reply after = rest.get(QStringLiteral("/api/v3/sessions?limit=500"));
    QCOMPARE(after.json().value("sessions"), before.json().value("sessions"));
}

void tst_SessionExport::exportErrors()
{
    RestClient rest(m_host->port);
    const Reply unknown = rest.get(QStringLiteral("/api/v3/sessions/nope/export"));
    QCOMPARE(unknown.status, 404);
    QCOMPARE(unknown.errorCode(), QStringLiteral("unknown_session"));
    const QString id = importDocument(m_sample);
    QVERIFY(!id.isEmpty());
    const Reply pdf = rest.get(QStringLiteral("/api/v3/sessions/%1/export?format=pdf").arg(id));
    QCOMPARE(pdf.status, 400);
    QCOMPARE(pdf.errorCode(), QStringLiteral("invalid_field"));
}

void tst_SessionExport::commandLine()
{
    // mcp-hostd import / export on a store, without a server.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const auto write = [&dir](const QString &name, const QByteArray &bytes) {
        QFile f(dir.filePath(name));
        return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
    };
    QVERIFY(write(QStringLiteral("config.json"), "{}"));
    QVERIFY(write(QStringLiteral("good.json"), m_sample));
    QJsonObject doc = QJsonDocument::fromJson(m_sample).object();
    QJsonArray events = doc.value("events").toArray();
    QJsonObject e = events.at(12).toObject();
    e.insert("seq", 5);
    events[12] = e;
    doc.insert("events", events);
    QVERIFY(write(QStringLiteral("doubled.json"), QJsonDocument(doc).toJson()));
    const auto run = [&dir](const QStringList &args, QByteArray *out, QByteArray *err) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.filePath(QStringLiteral("cfg")));
        p.setProcessEnvironment(env);
        p.start(hostBinary(),
                args
                        + QStringList {QStringLiteral("--config"),
                                       dir.filePath(QStringLiteral("config.json")),
                                       QStringLiteral("--store"), QStringLiteral("memory")});
        if (!p.waitForFinished(30000))
            return -1;
        *out = p.readAllStandardOutput();
        *err = p.readAllStandardError();
        return p.exitCode();
    };
    QByteArray out;
    QByteArray err;
    QCOMPARE(run({QStringLiteral("import"), dir.filePath(QStringLiteral("good.json"))}, &out, &err),
             0);
    const QJsonObject summary = QJsonDocument::fromJson(out).object();
    QVERIFY2(!summary.value("session_id").toString().isEmpty(), out.constData());
    QVERIFY(summary.value("session_id").toString() != QLatin1String("source-1"));
    QCOMPARE(summary.value("title").toString(), QStringLiteral("Echo hi please"));
    QCOMPARE(summary.value("message_count").toInt(), 8);
    QCOMPARE(summary.value("last_seq").toInt(), 22);

    QCOMPARE(run({QStringLiteral("import"), dir.filePath(QStringLiteral("doubled.json"))}, &out,
                 &err),
             1);
    QVERIFY2(err.contains("doubled.json: events[12].seq: duplicate seq 5"), err.constData());
    QCOMPARE(run({QStringLiteral("import"), dir.filePath(QStringLiteral("missing.json"))}, &out,
                 &err),
             1);
    QVERIFY2(err.contains("cannot read"), err.constData());
    QCOMPARE(run({QStringLiteral("export"), QStringLiteral("nope")}, &out, &err), 1);
    QVERIFY2(err.contains("no session with id nope"), err.constData());
    QCOMPARE(run({QStringLiteral("export"), QStringLiteral("nope"), QStringLiteral("--format"),
                  QStringLiteral("pdf")},
                 &out, &err),
             2);
    QVERIFY2(err.contains("--format must be json or markdown"), err.constData());

    // The config's import cap holds for the command line too: the file is not read.
    QVERIFY(write(QStringLiteral("config.json"), R"({"sessions": {"import_max_bytes": 1024}})"));
    QVERIFY(m_sample.size() > 1024);
    QCOMPARE(run({QStringLiteral("import"), dir.filePath(QStringLiteral("good.json"))}, &out, &err),
             1);
    QVERIFY2(err.contains("over the import limit of"), err.constData());
}

void tst_SessionExport::configuredDurabilityAndImportCap()
{
    // The memory store keeps nothing, and says so.
    RestClient memory(m_host->port);
    QCOMPARE(memory.get(QStringLiteral("/health"))
                     .json()
                     .value("store")
                     .toObject()
                     .value("durability"),
             QJsonValue(QStringLiteral("none")));

    // sessions.durability "full" and a small import cap, on the default SQLite store.
    HostProcess host;
    host.config = baseConfig();
    host.config.insert(QStringLiteral("sessions"),
                       QJsonObject {{QStringLiteral("durability"), QStringLiteral("full")},
                                    {QStringLiteral("import_max_bytes"), 2048}});
    host.env.insert(QStringLiteral("OPENAI_API_KEY"), QStringLiteral("x"));
    host.env.insert(QStringLiteral("OPENAI_BASE_URL"), QStringLiteral("http://127.0.0.1:9/v1"));
    const QString error = host.start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    RestClient rest(host.port);
    const QJsonObject store = rest.get(QStringLiteral("/health")).json().value("store").toObject();
    QCOMPARE(store.value("kind").toString(), QStringLiteral("sqlite"));
    QCOMPARE(store.value("durability").toString(), QStringLiteral("full"));

    QVERIFY(m_sample.size() > 2048);
    const Reply big = rest.request("POST", QStringLiteral("/api/v3/sessions/import"), m_sample,
                                   {{"Content-Type", "application/json"}});
    QCOMPARE(big.status, 413);
    QVERIFY2(big.errorMessage().contains("2048"), big.describe().constData());
    const Reply list = rest.get(QStringLiteral("/api/v3/sessions"));
    QCOMPARE(list.json().value("sessions").toArray().size(), 0);
}

QTEST_GUILESS_MAIN(tst_SessionExport)
#include "tst_sessionexport.moc"
