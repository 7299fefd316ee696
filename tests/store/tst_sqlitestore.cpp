// The SQLite store beyond the contract: the file on disk. WAL stays on, an older schema is
// migrated, a newer/foreign/damaged file is refused and left as it is, a second process cannot
// use the file, deletes remove the rows, a backup taken while writes go on holds every row
// committed before it finished, and a process killed with SIGKILL mid-stream loses no event it
// acknowledged (its running turn reads interrupted after a reopen).

#include "storeawait.h"

#include <sqliteschema.h>
#include <sqlitesessionstore.h>

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <csignal>

namespace {

/// A raw connection for looking at the file the store wrote (the store must be closed).
class RawDb
{
public:
    explicit RawDb(const QString &path)
    {
        if (sqlite3_open_v2(QFile::encodeName(path).constData(), &m_db,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr)
            != SQLITE_OK) {
            sqlite3_close(m_db);
            m_db = nullptr;
        }
    }
    ~RawDb() { sqlite3_close(m_db); }
    RawDb(const RawDb &) = delete;
    RawDb &operator=(const RawDb &) = delete;

    [[nodiscard]] bool ok() const { return m_db != nullptr; }
    [[nodiscard]] sqlite3 *handle() const { return m_db; }
    bool exec(const char *sql)
    {
        return sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
    }
    /// The first column of the first row as text ("" when none or on error).
    [[nodiscard]] QString value(const char *sql) const
    {
        sqlite3_stmt *stmt = nullptr;
        QString out;
        if (sqlite3_prepare_v2(m_db, sql, -1, &stmt, nullptr) == SQLITE_OK
            && sqlite3_step(stmt) == SQLITE_ROW)
            out = QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0)));
        sqlite3_finalize(stmt);
        return out;
    }

private:
    sqlite3 *m_db = nullptr;
};

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

SessionRecord record(const QString &id)
{
    SessionRecord r;
    r.id = id;
    return r;
}

} // namespace

class tst_SqliteStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void walStaysOn();
    void migratesFromVersion1();
    void refusesBadFiles_data();
    void refusesBadFiles();
    void refusesNewerSchema();
    void secondProcessIsRefused();
    void deleteRemovesRows();
    void backupWhileWriting();
    void sigkillLosesNoAcknowledgedEvent();
    void fullSynchronousWorks();

private:
    [[nodiscard]] QString dbPath() const { return m_dir->filePath(QStringLiteral("sessions.db")); }
    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_SqliteStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_SqliteStore::walStaysOn()
{
    {
        SqliteSessionStore store(dbPath());
        CHECK_OK(await<bool>([&](auto d) { store.open(d); }));
        CHECK_OK(await<SessionRecord>([&](auto d) { store.createSession(record("w"), d); }));
        QVERIFY(QFile::exists(dbPath() + QStringLiteral("-wal")));
        // The conversations are the user's alone: the file and its WAL are 0600.
        const auto others = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup
                | QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther;
        for (const QString &file : {dbPath(), dbPath() + QStringLiteral("-wal")}) {
            QCOMPARE(QFile::permissions(file) & others, QFileDevice::Permissions());
            QVERIFY(QFile::permissions(file) & QFileDevice::WriteOwner);
        }
        QCOMPARE(store.health().kind, QStringLiteral("sqlite"));
        QVERIFY(store.health().available);
        QCOMPARE(store.health().sessions, qint64(1));
    }
    RawDb raw(dbPath());
    QVERIFY(raw.ok());
    QCOMPARE(raw.value("PRAGMA journal_mode"), QStringLiteral("wal"));
    QCOMPARE(raw.value("PRAGMA user_version").toInt(), SqliteSchema::latestVersion());
    QCOMPARE(raw.value("PRAGMA application_id").toInt(), SqliteSchema::kApplicationId);
    QCOMPARE(raw.value("SELECT id FROM sessions"), QStringLiteral("w"));
}

void tst_SqliteStore::migratesFromVersion1()
{
    // A file as the first schema version wrote it, with a session whose title is not ASCII.
    {
        sqlite3 *db = nullptr;
        QVERIFY(sqlite3_open(QFile::encodeName(dbPath()).constData(), &db) == SQLITE_OK);
        QString why;
        QVERIFY(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK);
        QVERIFY2(SqliteSchema::migrate(db, 0, 1, &why), qPrintable(why));
        QVERIFY(sqlite3_exec(db,
                             "INSERT INTO sessions (id, title, created_ms, updated_ms, "
                             "message_count, last_seq) VALUES ('old', 'Äpfel zählen', 1000, "
                             "2000, 1, 1);"
                             "INSERT INTO messages VALUES ('old', 0, "
                             "'{\"role\":\"user\",\"content\":\"Äpfel zählen\"}');"
                             "INSERT INTO events VALUES ('old', 1, '', 'session_end', 2000, "
                             "'{\"reason\":\"x\"}');"
                             "COMMIT",
                             nullptr, nullptr, nullptr)
                == SQLITE_OK);
        sqlite3_close(db);
    }
    {
        RawDb raw(dbPath());
        QCOMPARE(raw.value("PRAGMA user_version").toInt(), 1);
    }
    SqliteSessionStore store(dbPath());
    CHECK_OK(await<bool>([&](auto d) { store.open(d); }));
    SessionQuery query;
    query.titleContains = QStringLiteral("ÄPFEL");
    const auto page = await<SessionPage>([&](auto d) { store.listSessions(query, d); });
    CHECK_OK(page);
    QCOMPARE(page.value().sessions.size(), 1);
    QCOMPARE(page.value().sessions.at(0).id, QStringLiteral("old"));
    QCOMPARE(page.value().sessions.at(0).updated.toMSecsSinceEpoch(), qint64(2000));
    const auto data = await<SessionData>([&](auto d) { store.loadSession("old", d); });
    CHECK_OK(data);
    QCOMPARE(data.value().messages.at(0).text, QStringLiteral("Äpfel zählen"));
    const auto events = await<EventPage>([&](auto d) { store.readEvents("old", 0, 10, d); });
    CHECK_OK(events);
    QCOMPARE(events.value().events.size(), 1);
    QCOMPARE(int(events.value().events.at(0).type), int(StreamEventType::SessionEnd));
    const auto lease = await<Lease>([&](auto d) { store.beginTurn("old", "t1", d); });
    CHECK_OK(lease);
    const auto next = await<StreamEvent>([&](auto d) {
        store.appendEvent(lease.value(), StreamEvent::make(StreamEventType::Thinking), d);
    });
    CHECK_OK(next);
    QCOMPARE(next.value().seq, qint64(2));
}

void tst_SqliteStore::refusesBadFiles_data()
{
    QTest::addColumn<QByteArray>("kind");
    QTest::newRow("text file") << QByteArray("text");
    QTest::newRow("foreign database") << QByteArray("foreign");
    QTest::newRow("damaged header") << QByteArray("damaged");
}

void tst_SqliteStore::refusesBadFiles()
{
    QFETCH(QByteArray, kind);
    if (kind == "text") {
        QFile f(dbPath());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray("my notes, not a database\n").repeated(400));
    } else if (kind == "foreign") {
        RawDb raw(dbPath());
        QVERIFY(raw.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x')"));
    } else {
        {
            SqliteSessionStore store(dbPath());
            CHECK_OK(await<bool>([&](auto d) { store.open(d); }));
            CHECK_OK(await<SessionRecord>([&](auto d) { store.createSession(record("s"), d); }));
        }
        QFile f(dbPath());
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.seek(20);
        f.write(QByteArray(200, '\x5a')); // the header past the magic string, and the schema
    }
    const QByteArray before = fileBytes(dbPath());
    QVERIFY(!before.isEmpty());
    SqliteSessionStore store(dbPath());
    const auto opened = await<bool>([&](auto d) { store.open(d); });
    QVERIFY(!opened.ok());
    QCOMPARE(int(opened.error().code), int(StoreError::Code::Io));
    QVERIFY2(opened.error().message.contains(dbPath()), qPrintable(opened.error().message));
    QVERIFY2(opened.error().message.contains(QLatin1String("left as it is")),
             qPrintable(opened.error().message));
    QVERIFY(!store.health().available);
    QCOMPARE(store.health().detail, opened.error().message);
    // Nothing works on it, and nothing was written.
    CHECK_CODE(await<SessionRecord>([&](auto d) { store.createSession(record("n"), d); }),
               Unavailable);
    QCOMPARE(fileBytes(dbPath()), before);
}

void tst_SqliteStore::refusesNewerSchema()
{
    {
        RawDb raw(dbPath());
        QVERIFY(raw.exec("CREATE TABLE sessions (id TEXT); PRAGMA application_id = 1296257096; "
                         "PRAGMA user_version = 99"));
    }
    const QByteArray before = fileBytes(dbPath());
    SqliteSessionStore store(dbPath());
    const auto opened = await<bool>([&](auto d) { store.open(d); });
    QVERIFY(!opened.ok());
    QVERIFY2(opened.error().message.contains(QLatin1String("version 99"))
                     && opened.error().message.contains(dbPath()),
             qPrintable(opened.error().message));
    QCOMPARE(fileBytes(dbPath()), before);
}

void tst_SqliteStore::secondProcessIsRefused()
{
    QProcess holder;
    holder.start(QStringLiteral(SQLITE_STORE_CHILD), {QStringLiteral("hold"), dbPath()});
    QVERIFY(holder.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(holder.canReadLine(), 10000);
    QCOMPARE(holder.readLine().trimmed(), QByteArray("open"));
    {
        SqliteSessionStore store(dbPath());
        const auto opened = await<bool>([&](auto d) { store.open(d); });
        QVERIFY(!opened.ok());
        QVERIFY2(opened.error().message.contains(dbPath())
                         && opened.error().message.contains(QLatin1String("in use")),
                 qPrintable(opened.error().message));
    }
    // The lock goes with its process, however it ends.
    holder.kill();
    QVERIFY(holder.waitForFinished());
    SqliteSessionStore store(dbPath());
    CHECK_OK(await<bool>([&](auto d) { store.open(d); }));
    // And now the child is the second one.
    QProcess second;
    second.start(QStringLiteral(SQLITE_STORE_CHILD), {QStringLiteral("hold"), dbPath()});
    QVERIFY(second.waitForFinished(10000));
    const QByteArray out = second.readAllStandardOutput();
    QVERIFY2(out.startsWith("error: ") && out.contains("in use"), out.constData());
    QCOMPARE(second.exitCode(), 1);
}

void tst_SqliteStore::deleteRemovesRows()
{
    {
        SqliteSessionStore store(dbPath());
        CHECK_OK(await<bool>([&](auto d) { store.open(d); }));
        for (const char *id : {"gone", "kept"}) {
            CHECK_OK(await<SessionRecord>([&](auto d) { store.createSession(record(id), d); }));
            const auto lease = await<Lease>([&](auto d) { store.beginTurn(id, "t1", d); });
            CHECK_OK(lease);
            CHECK_OK(await<bool>([&](auto d) {
                store.appendMessage(lease.value(), ChatMessage::user("secret plans"), d);
            }));
            for (int i = 0; i < 10; ++i)
                CHECK_OK(await<StreamEvent>([&](auto d) {
                    store.appendEvent(lease.value(), StreamEvent::make(StreamEventType::Thinking),
                                      d);
                }));
        }
        const auto report = await<DeleteReport>([&](auto d) { store.deleteSession("gone", d); });
        CHECK_OK(report);
        QCOMPARE(report.value().events, qint64(10));
        QCOMPARE(report.value().messages, qint64(1));
        QCOMPARE(report.value().turns, qint64(1));
    }
    RawDb raw(dbPath());
    for (const char *sql : {"SELECT count(*) FROM events WHERE session_id = 'gone'",
                            "SELECT count(*) FROM messages WHERE session_id = 'gone'",
                            "SELECT count(*) FROM turns WHERE session_id = 'gone'",
                            "SELECT count(*) FROM sessions WHERE id = 'gone'"})
        QCOMPARE(raw.value(sql), QStringLiteral("0"));
    QCOMPARE(raw.value("SELECT count(*) FROM events WHERE session_id = 'kept'"),
             QStringLiteral("10"));
}

void tst_SqliteStore::backupWhileWriting()
{
    const QString copy = m_dir->filePath(QStringLiteral("backup.db"));
    SqliteSessionStore store(dbPath());
    CHECK_OK(await<bool>([&](auto d) { store.open(d); }));
    CHECK_OK(await<SessionRecord>([&](auto d) { store.createSession(record("b"), d); }));
    const auto lease = await<Lease>([&](auto d) { store.beginTurn("b", "t1", d); });
    CHECK_OK(lease);
    const auto event = [](int n) {
        return StreamEvent::make(StreamEventType::PartialResponse,
                                 {{QStringLiteral("n"), n},
                                  {QStringLiteral("content"), QString(1500, QLatin1Char('x'))}},
                                 QStringLiteral("t1"));
    };
    // Enough rows for several backup steps.
    constexpr int before = 3000;
    constexpr int during = 3000;
    int acknowledged = 0;
    for (int i = 1; i <= before; ++i)
        store.appendEvent(lease.value(), event(i), [&](StoreResult<StreamEvent> r) {
            if (r.ok())
                ++acknowledged;
        });
    QTRY_COMPARE_WITH_TIMEOUT(acknowledged, before, 30000);

    std::optional<StoreResult<bool>> backedUp;
    int acknowledgedAtBackup = -1;
    store.backup(copy, [&](StoreResult<bool> r) {
        acknowledgedAtBackup = acknowledged;
        backedUp.emplace(std::move(r));
    });
    for (int i = before + 1; i <= before + during; ++i)
        store.appendEvent(lease.value(), event(i), [&](StoreResult<StreamEvent> r) {
            if (r.ok())
                ++acknowledged;
        });
    QTRY_VERIFY_WITH_TIMEOUT(backedUp.has_value(), 30000);
    CHECK_OK(*backedUp);
    QTRY_COMPARE_WITH_TIMEOUT(acknowledged, before + during, 30000);
    // Writes went on while the copy was made, not after it.
    QVERIFY2(acknowledgedAtBackup > before, qPrintable(QString::number(acknowledgedAtBackup)));
    QVERIFY(!QFile::exists(copy + QStringLiteral(".part")));

    SqliteSessionStore restored(copy);
    CHECK_OK(await<bool>([&](auto d) { restored.open(d); }));
    const auto got = await<SessionRecord>([&](auto d) { restored.getSession("b", d); });
    CHECK_OK(got);
    QVERIFY2(got.value().lastSeq >= acknowledgedAtBackup,
             qPrintable(QStringLiteral("%1 rows in the copy, %2 acknowledged before it finished")
                                .arg(got.value().lastSeq)
                                .arg(acknowledgedAtBackup)));
    qint64 seq = 0;
    while (seq < got.value().lastSeq) {
        const auto page
                = await<EventPage>([&](auto d) { restored.readEvents("b", seq, 10000, d); });
        CHECK_OK(page);
        QVERIFY(!page.value().events.isEmpty());
        for (const StreamEvent &e : page.value().events) {
            QCOMPARE(e.seq, seq + 1);
            // The copy is a database of its own: the running turn in it was closed at open.
            if (e.type == StreamEventType::PartialResponse)
                QCOMPARE(e.data.value("n").toInt(), int(e.seq));
            seq = e.seq;
        }
    }
    QVERIFY(seq >= before);
    // The backup target was a fresh file; taking another replaces it.
    std::optional<StoreResult<bool>> again;
    store.backup(dbPath(), [&](StoreResult<bool> r) { again.emplace(std::move(r)); });
    QTRY_VERIFY(again.has_value());
    CHECK_CODE(*again, Invalid);
}

void tst_SqliteStore::sigkillLosesNoAcknowledgedEvent()
{
    QProcess child;
    child.setProcessChannelMode(QProcess::SeparateChannels);
    child.start(QStringLiteral(SQLITE_STORE_CHILD), {QStringLiteral("append"), dbPath()});
    QVERIFY(child.waitForStarted());
    QByteArray out;
    qint64 reported = 0;
    const auto readReports = [&] {
        out += child.readAllStandardOutput();
        qsizetype end = out.lastIndexOf('\n');
        if (end < 0)
            return;
        for (const QByteArray &line : out.left(end).split('\n')) {
            if (line.startsWith("error"))
                qWarning("child: %s", line.constData());
            if (line.startsWith("committed "))
                reported = std::max(reported, line.mid(10).toLongLong());
        }
        out = out.mid(end + 1);
    };
    QDeadlineTimer deadline(30000);
    while (reported < 500 && !deadline.hasExpired() && child.state() == QProcess::Running) {
        child.waitForReadyRead(100);
        readReports();
    }
    QVERIFY2(reported >= 500, qPrintable(QString::number(reported)));
    ::kill(pid_t(child.processId()), SIGKILL); // mid-stream: events are in flight
    QVERIFY(child.waitForFinished(10000));
    QCOMPARE(child.exitStatus(), QProcess::CrashExit);
    readReports(); // what it said before it died
    qInfo("the child acknowledged %lld events before SIGKILL", reported);

    SqliteSessionStore store(dbPath());
    QSignalSpy committed(&store, &SessionStore::eventCommitted);
    CHECK_OK(await<bool>([&](auto d) { store.open(d); }));
    const auto got = await<SessionRecord>([&](auto d) { store.getSession("crash", d); });
    CHECK_OK(got);
    const qint64 last = got.value().lastSeq;
    QVERIFY2(last >= reported + 1,
             qPrintable(QStringLiteral("%1 stored, %2 acknowledged").arg(last).arg(reported)));
    QVERIFY(got.value().runningTurnId.isEmpty());
    qint64 seq = 0;
    StreamEvent closing;
    while (seq < last) {
        const auto page
                = await<EventPage>([&](auto d) { store.readEvents("crash", seq, 10000, d); });
        CHECK_OK(page);
        QVERIFY(!page.value().events.isEmpty());
        for (const StreamEvent &e : page.value().events) {
            QCOMPARE(e.seq, seq + 1); // contiguous: no hole, no double
            if (e.seq < last)
                QCOMPARE(e.data.value("n").toInt(), int(e.seq));
            seq = e.seq;
            closing = e;
        }
    }
    QCOMPARE(int(closing.type), int(StreamEventType::Error));
    QCOMPARE(closing.data.value("code").toString(), QStringLiteral("turn_interrupted"));
    QCOMPARE(closing.turnId, QStringLiteral("t1"));
    QCOMPARE(committed.size(), 1);
    const auto data = await<SessionData>([&](auto d) { store.loadSession("crash", d); });
    CHECK_OK(data);
    QCOMPARE(int(data.value().turns.at(0).state), int(TurnState::Interrupted));
    QCOMPARE(data.value().turns.at(0).lastSeq, last);
    // The session goes on.
    const auto lease = await<Lease>([&](auto d) { store.beginTurn("crash", "t2", d); });
    CHECK_OK(lease);
}

void tst_SqliteStore::fullSynchronousWorks()
{
    SqliteSessionStore::Options options;
    options.synchronous = SqliteSessionStore::Synchronous::Full;
    {
        SqliteSessionStore store(dbPath(), options);
        CHECK_OK(await<bool>([&](auto d) { store.open(d); }));
        CHECK_OK(await<SessionRecord>([&](auto d) { store.createSession(record("f"), d); }));
        CHECK_OK(await<StreamEvent>([&](auto d) {
            store.appendEvent(Lease {QStringLiteral("f"), {}, 0},
                              StreamEvent::make(StreamEventType::SessionEnd), d);
        }));
    }
    SqliteSessionStore store(dbPath());
    CHECK_OK(await<bool>([&](auto d) { store.open(d); }));
    const auto got = await<SessionRecord>([&](auto d) { store.getSession("f", d); });
    CHECK_OK(got);
    QCOMPARE(got.value().lastSeq, qint64(1));
}

QTEST_GUILESS_MAIN(tst_SqliteStore)
#include "tst_sqlitestore.moc"
