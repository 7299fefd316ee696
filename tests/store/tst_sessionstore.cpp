// The SessionStore contract (server/store/sessionstore.h) on every store: each test runs once
// per data row of initTestCase_data(), one row per store. A row is a factory that makes a store
// on a "place" (a folder that lives as long as the test); two stores made on one place share
// their data when the store persists it. To add a store, add its row to storeRows().

#include "storeawait.h"

#include <memorysessionstore.h>
#include <redisserver.h>
#include <redissessionstore.h>
#include <sqlitesessionstore.h>

#include <QCryptographicHash>
#include <QEventLoop>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <functional>
#include <memory>

namespace {

struct StoreRow
{
    const char *name;
    bool persistent; ///< a new store on the same place sees the data
    std::function<std::unique_ptr<SessionStore>(const QString &place)> make;
    /// A turn whose owner went away is closed at open() (0), or within this many ms (Redis:
    /// when its lease expires, as another live instance may own it).
    int interruptWithinMs = 0;
};

/// One redis-server for the whole run (AOF on); each place is a key prefix of its own.
RedisServer &sharedRedis()
{
    static RedisServer redis;
    if (!redis.isRunning() && !redis.start())
        qFatal("redis-server: %s", qPrintable(redis.error()));
    return redis;
}

std::unique_ptr<SessionStore> makeRedisStore(const QString &place)
{
    QString why;
    auto o = RedisSessionStore::optionsFromUrl(sharedRedis().url(), &why);
    o->prefix = "t" + QCryptographicHash::hash(place.toUtf8(), QCryptographicHash::Sha1).toHex()
            + ':';
    o->leaseTtlMs = 3000;
    o->reaperIntervalMs = 200;
    return std::make_unique<RedisSessionStore>(*o);
}

const QList<StoreRow> &storeRows()
{
    static const QList<StoreRow> rows {
            {"memory", false,
             [](const QString &) { return std::make_unique<MemorySessionStore>(); }},
            {"sqlite", true,
             [](const QString &place) {
                 return std::make_unique<SqliteSessionStore>(place
                                                             + QStringLiteral("/sessions.db"));
             }},
            {"redis", true, makeRedisStore, 6000},
    };
    return rows;
}

SessionRecord record(const QString &id, qint64 updatedMs = 0, const QString &title = {})
{
    SessionRecord r;
    r.id = id;
    r.title = title;
    if (updatedMs) {
        r.created = StreamEvent::utcFromMSecs(updatedMs);
        r.updated = r.created;
    }
    return r;
}

StreamEvent thought(int i, const QString &turnId = {})
{
    return StreamEvent::make(StreamEventType::Thinking, {{QStringLiteral("iteration"), i}}, turnId);
}

} // namespace

class tst_SessionStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data();
    void init();
    void cleanup();

    void createAndGet();
    void listPagesInActivityOrder();
    void listCursorSurvivesNewSessions();
    void listFiltersByTitle();
    void renameKeepsTitle();
    void titleFromFirstUserMessage();
    void deleteReportsWhatItRemoved();
    void turnsAndBusy();
    void oldLeaseIsFenced();
    void appendAssignsSeqsInOrder();
    void eventCommittedBeforeCallback();
    void readEventsPages();
    void readEventsReportsGap();
    void retentionByAge();
    void retentionByCount();
    void importKeepsEverything();
    void callbacksStopWithTheStore();
    void reopenKeepsSessions();
    void reopenClosesRunningTurn();

private:
    [[nodiscard]] std::unique_ptr<SessionStore> makeStore();
    [[nodiscard]] bool openStore(SessionStore *store);
    [[nodiscard]] StoreResult<SessionRecord> create(const SessionRecord &r);
    [[nodiscard]] StoreResult<Lease> begin(const QString &session, const QString &turn);
    [[nodiscard]] StoreResult<StreamEvent> append(const Lease &lease, const StreamEvent &e);
    [[nodiscard]] StoreResult<bool> end(const Lease &lease, TurnState state, int iterations = 1);
    [[nodiscard]] StoreResult<SessionPage> list(int limit, const QString &cursor = {},
                                                const QString &filter = {});

    const StoreRow *m_row = nullptr;
    std::unique_ptr<QTemporaryDir> m_place;
    std::unique_ptr<SessionStore> m_store;
};

void tst_SessionStore::initTestCase_data()
{
    QTest::addColumn<int>("row");
    for (int i = 0; i < storeRows().size(); ++i)
        QTest::newRow(storeRows().at(i).name) << i;
}

std::unique_ptr<SessionStore> tst_SessionStore::makeStore()
{
    return m_row->make(m_place->path());
}

bool tst_SessionStore::openStore(SessionStore *store)
{
    const auto opened = await<bool>([&](auto done) { store->open(done); });
    if (!opened.ok())
        qWarning("open failed: %s", qPrintable(opened.error().message));
    return opened.ok();
}

void tst_SessionStore::init()
{
    QFETCH_GLOBAL(int, row);
    m_row = &storeRows().at(row);
    m_place = std::make_unique<QTemporaryDir>();
    QVERIFY(m_place->isValid());
    m_store = makeStore();
    QVERIFY(openStore(m_store.get()));
    QVERIFY(m_store->health().available);
}

void tst_SessionStore::cleanup()
{
    m_store.reset();
    m_place.reset();
}

StoreResult<SessionRecord> tst_SessionStore::create(const SessionRecord &r)
{
    return await<SessionRecord>([&](auto done) { m_store->createSession(r, done); });
}

StoreResult<Lease> tst_SessionStore::begin(const QString &session, const QString &turn)
{
    return await<Lease>([&](auto done) { m_store->beginTurn(session, turn, done); });
}

StoreResult<StreamEvent> tst_SessionStore::append(const Lease &lease, const StreamEvent &e)
{
    return await<StreamEvent>([&](auto done) { m_store->appendEvent(lease, e, done); });
}

StoreResult<bool> tst_SessionStore::end(const Lease &lease, TurnState state, int iterations)
{
    TurnRecord turn;
    turn.state = state;
    turn.iterations = iterations;
    return await<bool>([&](auto done) { m_store->endTurn(lease, turn, done); });
}

StoreResult<SessionPage> tst_SessionStore::list(int limit, const QString &cursor,
                                                const QString &filter)
{
    SessionQuery q;
    q.limit = limit;
    q.cursor = cursor;
    q.titleContains = filter;
    return await<SessionPage>([&](auto done) { m_store->listSessions(q, done); });
}

void tst_SessionStore::createAndGet()
{
    const QDateTime before = QDateTime::currentDateTimeUtc().addMSecs(-1);
    const auto a = create(record(QStringLiteral("a")));
    CHECK_OK(a);
    QCOMPARE(a.value().id, QStringLiteral("a"));
    QVERIFY(a.value().created >= before);
    QCOMPARE(a.value().updated, a.value().created);
    QCOMPARE(a.value().lastSeq, qint64(0));
    QVERIFY(a.value().runningTurnId.isEmpty());

    const auto got = await<SessionRecord>([&](auto d) { m_store->getSession("a", d); });
    CHECK_OK(got);
    QCOMPARE(got.value().id, QStringLiteral("a"));
    QCOMPARE(got.value().created, a.value().created);

    CHECK_CODE(create(record(QStringLiteral("a"))), Conflict);
    CHECK_CODE(create(record(QString())), Conflict);
    const auto missing = await<SessionRecord>([&](auto d) { m_store->getSession("nope", d); });
    CHECK_CODE(missing, NotFound);
    QVERIFY(missing.error().message.contains(QLatin1String("nope")));

    CHECK_OK(create(record(QStringLiteral("b"))));
    const auto count = await<qint64>([&](auto d) { m_store->countSessions(d); });
    CHECK_OK(count);
    QCOMPARE(count.value(), qint64(2));
    QCOMPARE(m_store->health().sessions, qint64(2));
}

void tst_SessionStore::listPagesInActivityOrder()
{
    // Seven sessions, two of them with the same activity time (then ordered by id, descending).
    const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - 100000;
    const QList<std::pair<QString, qint64>> made {{"s1", t0 + 1}, {"s2", t0 + 2},  {"s3", t0 + 3},
                                                  {"s4", t0 + 4}, {"s5a", t0 + 5}, {"s5b", t0 + 5},
                                                  {"s6", t0 + 6}};
    for (const auto &[id, ms] : made)
        CHECK_OK(create(record(id, ms)));
    const QStringList expected {"s6", "s5b", "s5a", "s4", "s3", "s2", "s1"};
    QStringList seen;
    QString cursor;
    int pages = 0;
    do {
        const auto page = list(3, cursor);
        CHECK_OK(page);
        QVERIFY(page.value().sessions.size() <= 3);
        for (const SessionRecord &r : page.value().sessions)
            seen << r.id;
        cursor = page.value().nextCursor;
        ++pages;
    } while (!cursor.isEmpty() && pages < 10);
    QCOMPARE(seen, expected);
    QCOMPARE(pages, 3);

    const auto all = list(500);
    CHECK_OK(all);
    QCOMPARE(all.value().sessions.size(), 7);
    QVERIFY(all.value().nextCursor.isEmpty());

    CHECK_CODE(list(3, QStringLiteral("not-a-cursor")), Invalid);
}

void tst_SessionStore::listCursorSurvivesNewSessions()
{
    const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - 100000;
    for (int i = 0; i < 6; ++i)
        CHECK_OK(create(record(QStringLiteral("s%1").arg(i), t0 + i)));
    const auto first = list(3);
    CHECK_OK(first);
    // New activity between pages: a new session sorts first and is not in the next page.
    CHECK_OK(create(record(QStringLiteral("new"))));
    const auto second = list(3, first.value().nextCursor);
    CHECK_OK(second);
    QStringList ids;
    for (const SessionRecord &r : second.value().sessions)
        ids << r.id;
    QCOMPARE(ids, (QStringList {"s2", "s1", "s0"}));
    QVERIFY(second.value().nextCursor.isEmpty());
}

void tst_SessionStore::listFiltersByTitle()
{
    const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - 100000;
    const QStringList titles {"Hello world", "say HELLO there",  "Other", "100% sure", "a_b",
                              "ab",          "Äpfel und Birnen", ""};
    for (int i = 0; i < titles.size(); ++i)
        CHECK_OK(create(record(QStringLiteral("t%1").arg(i), t0 + i, titles.at(i))));
    const auto ids = [&](const QString &filter, int limit = 50) {
        QStringList out;
        QString cursor;
        do {
            const auto page = list(limit, cursor, filter);
            if (!page.ok())
                return QStringList {page.error().message};
            for (const SessionRecord &r : page.value().sessions)
                out << r.title;
            cursor = page.value().nextCursor;
        } while (!cursor.isEmpty());
        return out;
    };
    QCOMPARE(ids(QStringLiteral("hello")), (QStringList {"say HELLO there", "Hello world"}));
    QCOMPARE(ids(QStringLiteral("hello"), 1), (QStringList {"say HELLO there", "Hello world"}));
    QCOMPARE(ids(QStringLiteral("%")), QStringList {"100% sure"}); // no wildcards
    QCOMPARE(ids(QStringLiteral("_")), QStringList {"a_b"});
    QCOMPARE(ids(QStringLiteral("äPFEL")), QStringList {"Äpfel und Birnen"}); // beyond ASCII
    QCOMPARE(ids(QStringLiteral("nothing like it")), QStringList());
    QCOMPARE(ids(QString()).size(), titles.size());
}

void tst_SessionStore::renameKeepsTitle()
{
    CHECK_OK(create(record(QStringLiteral("r"), QDateTime::currentMSecsSinceEpoch() - 5000)));
    const auto renamed = await<SessionRecord>(
            [&](auto d) { m_store->renameSession("r", QStringLiteral("My title"), d); });
    CHECK_OK(renamed);
    QCOMPARE(renamed.value().title, QStringLiteral("My title"));
    QVERIFY(renamed.value().renamed);
    QVERIFY(renamed.value().updated > renamed.value().created);
    const auto lease = begin("r", "t1");
    CHECK_OK(lease);
    CHECK_OK(await<bool>([&](auto d) {
        m_store->appendMessage(lease.value(), ChatMessage::user("what is up"), d);
    }));
    const auto got = await<SessionRecord>([&](auto d) { m_store->getSession("r", d); });
    CHECK_OK(got);
    QCOMPARE(got.value().title, QStringLiteral("My title"));
    CHECK_CODE(await<SessionRecord>([&](auto d) { m_store->renameSession("x", "t", d); }),
               NotFound);
}

void tst_SessionStore::titleFromFirstUserMessage()
{
    CHECK_OK(create(record(QStringLiteral("m"))));
    const auto lease = begin("m", "t1");
    CHECK_OK(lease);
    const QList<ChatMessage> messages {
            ChatMessage::system("you are helpful"), ChatMessage::user("First question\nmore"),
            ChatMessage::assistant("", {{"c1", "echo", {{"message", "hi"}}}}),
            ChatMessage::toolResult("c1", "echo", "hi", true), ChatMessage::user("second")};
    for (const ChatMessage &m : messages)
        CHECK_OK(await<bool>([&](auto d) { m_store->appendMessage(lease.value(), m, d); }));
    const auto data = await<SessionData>([&](auto d) { m_store->loadSession("m", d); });
    CHECK_OK(data);
    QCOMPARE(data.value().session.title, QStringLiteral("First question"));
    QCOMPARE(data.value().session.messageCount, 5);
    QCOMPARE(data.value().messages.size(), 5);
    const ChatMessage &call = data.value().messages.at(2);
    QCOMPARE(call.toolCalls.size(), 1);
    QCOMPARE(call.toolCalls.at(0).name, QStringLiteral("echo"));
    QCOMPARE(call.toolCalls.at(0).arguments.value("message").toString(), QStringLiteral("hi"));
    const ChatMessage &result = data.value().messages.at(3);
    QCOMPARE(int(result.role), int(ChatMessage::Role::Tool));
    QCOMPARE(result.toolCallId, QStringLiteral("c1"));
    QVERIFY(result.isError);
    QCOMPARE(data.value().messages.at(4).text, QStringLiteral("second"));
}

void tst_SessionStore::deleteReportsWhatItRemoved()
{
    CHECK_OK(create(record(QStringLiteral("d"))));
    CHECK_OK(create(record(QStringLiteral("keep"))));
    const auto lease = begin("d", "t1");
    CHECK_OK(lease);
    for (int i = 0; i < 3; ++i)
        CHECK_OK(append(lease.value(), thought(i, "t1")));
    for (const auto &m : {ChatMessage::user("q"), ChatMessage::assistant("a")})
        CHECK_OK(await<bool>([&](auto d) { m_store->appendMessage(lease.value(), m, d); }));
    CHECK_OK(end(lease.value(), TurnState::Answered));
    QSignalSpy deleted(m_store.get(), &SessionStore::sessionDeleted);
    const auto report = await<DeleteReport>([&](auto d) { m_store->deleteSession("d", d); });
    CHECK_OK(report);
    QCOMPARE(report.value().sessionId, QStringLiteral("d"));
    QCOMPARE(report.value().events, qint64(3));
    QCOMPARE(report.value().messages, qint64(2));
    QCOMPARE(report.value().turns, qint64(1));
    QCOMPARE(deleted.size(), 1);
    QCOMPARE(deleted.at(0).at(0).toString(), QStringLiteral("d"));
    CHECK_CODE(await<SessionRecord>([&](auto d) { m_store->getSession("d", d); }), NotFound);
    CHECK_CODE(await<EventPage>([&](auto d) { m_store->readEvents("d", 0, 10, d); }), NotFound);
    CHECK_CODE(await<DeleteReport>([&](auto d) { m_store->deleteSession("d", d); }), NotFound);
    const auto count = await<qint64>([&](auto d) { m_store->countSessions(d); });
    CHECK_OK(count);
    QCOMPARE(count.value(), qint64(1));
    // A new session with the old id starts empty.
    CHECK_OK(create(record(QStringLiteral("d"))));
    const auto page = await<EventPage>([&](auto d) { m_store->readEvents("d", 0, 10, d); });
    CHECK_OK(page);
    QVERIFY(page.value().events.isEmpty());
    QCOMPARE(page.value().lastSeq, qint64(0));
}

void tst_SessionStore::turnsAndBusy()
{
    CHECK_OK(create(record(QStringLiteral("s"))));
    CHECK_CODE(begin("nope", "t"), NotFound);
    const auto first = begin("s", "t1");
    CHECK_OK(first);
    QVERIFY(first.value().fence > 0);
    QCOMPARE(first.value().turnId, QStringLiteral("t1"));
    const auto busy = begin("s", "t2");
    CHECK_CODE(busy, Busy);
    QVERIFY(busy.error().message.contains(QLatin1String("t1")));
    auto got = await<SessionRecord>([&](auto d) { m_store->getSession("s", d); });
    CHECK_OK(got);
    QCOMPARE(got.value().runningTurnId, QStringLiteral("t1"));
    QCOMPARE(got.value().turnCount, 1);
    CHECK_OK(append(first.value(), thought(1, "t1")));
    CHECK_OK(append(first.value(), thought(2, "t1")));
    CHECK_OK(await<Lease>([&](auto d) { m_store->renewLease(first.value(), d); }));
    CHECK_OK(end(first.value(), TurnState::Answered, 2));
    got = await<SessionRecord>([&](auto d) { m_store->getSession("s", d); });
    CHECK_OK(got);
    QVERIFY(got.value().runningTurnId.isEmpty());
    const auto second = begin("s", "t2");
    CHECK_OK(second);
    QVERIFY(second.value().fence > first.value().fence);
    CHECK_OK(append(second.value(), thought(1, "t2")));
    const auto data = await<SessionData>([&](auto d) { m_store->loadSession("s", d); });
    CHECK_OK(data);
    QCOMPARE(data.value().session.turnCount, 2);
    QCOMPARE(data.value().turns.size(), 2);
    const TurnRecord &t1 = data.value().turns.at(0);
    QCOMPARE(t1.id, QStringLiteral("t1"));
    QCOMPARE(t1.sessionId, QStringLiteral("s"));
    QCOMPARE(int(t1.state), int(TurnState::Answered));
    QCOMPARE(t1.iterations, 2);
    QVERIFY(t1.started.isValid());
    QVERIFY(t1.ended.isValid() && t1.ended >= t1.started);
    QCOMPARE(t1.firstSeq, qint64(1));
    QCOMPARE(t1.lastSeq, qint64(2));
    const TurnRecord &t2 = data.value().turns.at(1);
    QCOMPARE(int(t2.state), int(TurnState::Running));
    QVERIFY(!t2.ended.isValid());
    QCOMPARE(t2.firstSeq, qint64(3));
    QCOMPARE(t2.lastSeq, qint64(3));
}

void tst_SessionStore::oldLeaseIsFenced()
{
    CHECK_OK(create(record(QStringLiteral("f"))));
    const auto old = begin("f", "t1");
    CHECK_OK(old);
    CHECK_OK(end(old.value(), TurnState::Cancelled));
    // The spent lease is refused even before another turn starts.
    CHECK_CODE(append(old.value(), thought(1, "t1")), Fenced);
    const auto current = begin("f", "t2");
    CHECK_OK(current);
    CHECK_CODE(append(old.value(), thought(1, "t1")), Fenced);
    CHECK_CODE(await<bool>([&](auto d) {
                   m_store->appendMessage(old.value(), ChatMessage::user("late"), d);
               }),
               Fenced);
    CHECK_CODE(await<Lease>([&](auto d) { m_store->renewLease(old.value(), d); }), Fenced);
    CHECK_CODE(end(old.value(), TurnState::Failed), Fenced);
    CHECK_OK(await<Lease>([&](auto d) { m_store->renewLease(current.value(), d); }));
    // Writes outside a turn (fence 0) are always accepted.
    const auto outside = append(
            Lease {QStringLiteral("f"), QString(), 0},
            StreamEvent::make(StreamEventType::SessionEnd, {{QStringLiteral("reason"), "test"}}));
    CHECK_OK(outside);
    QCOMPARE(outside.value().seq, qint64(1));
    const auto ok = append(current.value(), thought(1, "t2"));
    CHECK_OK(ok);
    QCOMPARE(ok.value().seq, qint64(2));
    const auto data = await<SessionData>([&](auto d) { m_store->loadSession("f", d); });
    CHECK_OK(data);
    QCOMPARE(data.value().messages.size(), 0); // the refused message is not there
    QCOMPARE(int(data.value().turns.at(0).state), int(TurnState::Cancelled));
    QCOMPARE(data.value().session.runningTurnId, QStringLiteral("t2"));
}

void tst_SessionStore::appendAssignsSeqsInOrder()
{
    CHECK_OK(create(record(QStringLiteral("a"))));
    CHECK_OK(create(record(QStringLiteral("b"))));
    const auto la = begin("a", "ta");
    const auto lb = begin("b", "tb");
    CHECK_OK(la);
    CHECK_OK(lb);
    // 400 appends posted at once, interleaved over two sessions; the callbacks come back in
    // the order of the calls, with each session's next seq.
    constexpr int n = 400;
    QList<StreamEvent> answers;
    QList<QString> order;
    int errors = 0;
    for (int i = 0; i < n; ++i) {
        const bool onA = i % 3 != 0;
        StreamEvent e = thought(i, onA ? "ta" : "tb");
        if (i == 7)
            e.ts = StreamEvent::utcFromMSecs(1700000000123); // kept as given
        m_store->appendEvent(onA ? la.value() : lb.value(), e, [&, i](StoreResult<StreamEvent> r) {
            if (!r.ok()) {
                ++errors;
                return;
            }
            order << QString::number(i);
            answers << r.value();
        });
    }
    QTRY_COMPARE_WITH_TIMEOUT(answers.size() + errors, n, 20000);
    QCOMPARE(errors, 0);
    qint64 seqA = 0;
    qint64 seqB = 0;
    for (int i = 0; i < n; ++i) {
        QCOMPARE(order.at(i), QString::number(i));
        const StreamEvent &e = answers.at(i);
        QCOMPARE(e.data.value("iteration").toInt(), i);
        QVERIFY(e.ts.isValid());
        if (i % 3 != 0) {
            QCOMPARE(e.sessionId, QStringLiteral("a"));
            QCOMPARE(e.seq, ++seqA);
        } else {
            QCOMPARE(e.sessionId, QStringLiteral("b"));
            QCOMPARE(e.seq, ++seqB);
        }
    }
    QCOMPARE(answers.at(7).ts.toMSecsSinceEpoch(), qint64(1700000000123));
    const auto a = await<SessionRecord>([&](auto d) { m_store->getSession("a", d); });
    CHECK_OK(a);
    QCOMPARE(a.value().lastSeq, seqA);
    const auto page = await<EventPage>([&](auto d) { m_store->readEvents("a", 0, 10000, d); });
    CHECK_OK(page);
    QCOMPARE(page.value().events.size(), int(seqA));
    for (int i = 0; i < page.value().events.size(); ++i) {
        QCOMPARE(page.value().events.at(i).seq, qint64(i + 1));
        QCOMPARE(page.value().events.at(i).turnId, QStringLiteral("ta"));
        QCOMPARE(int(page.value().events.at(i).type), int(StreamEventType::Thinking));
    }
    QCOMPARE(page.value().events.at(4).ts.toMSecsSinceEpoch(), qint64(1700000000123));
}

void tst_SessionStore::eventCommittedBeforeCallback()
{
    CHECK_OK(create(record(QStringLiteral("c"))));
    const auto lease = begin("c", "t1");
    CHECK_OK(lease);
    QList<qint64> signalled;
    QList<qint64> readable; // what a reader asked for from the signal finds
    connect(m_store.get(), &SessionStore::eventCommitted, this,
            [&](const QString &id, const StreamEvent &e) {
                QCOMPARE(id, QStringLiteral("c"));
                signalled << e.seq;
                m_store->readEvents(id, e.seq - 1, 1, [&](StoreResult<EventPage> page) {
                    if (page.ok() && !page.value().events.isEmpty())
                        readable << page.value().events.constFirst().seq;
                });
            });
    QList<qint64> beforeCallback;
    for (int i = 0; i < 20; ++i)
        m_store->appendEvent(lease.value(), thought(i, "t1"), [&](StoreResult<StreamEvent> r) {
            if (r.ok())
                beforeCallback << (signalled.contains(r.value().seq) ? r.value().seq : -1);
        });
    QTRY_COMPARE_WITH_TIMEOUT(readable.size(), 20, 10000);
    QList<qint64> expected;
    for (qint64 s = 1; s <= 20; ++s)
        expected << s;
    QCOMPARE(signalled, expected);
    QCOMPARE(beforeCallback, expected);
    QCOMPARE(readable, expected);
    disconnect(m_store.get(), nullptr, this, nullptr);
}

void tst_SessionStore::readEventsPages()
{
    CHECK_OK(create(record(QStringLiteral("r"))));
    const auto lease = begin("r", "t1");
    CHECK_OK(lease);
    for (int i = 0; i < 25; ++i)
        CHECK_OK(append(lease.value(), thought(i, "t1")));
    const auto read = [&](qint64 after, int limit) {
        return await<EventPage>([&](auto d) { m_store->readEvents("r", after, limit, d); });
    };
    const auto seqs = [](const EventPage &p) {
        QList<qint64> out;
        for (const StreamEvent &e : p.events)
            out << e.seq;
        return out;
    };
    auto page = read(0, 10);
    CHECK_OK(page);
    QCOMPARE(seqs(page.value()), (QList<qint64> {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
    QCOMPARE(page.value().firstSeq, qint64(1));
    QCOMPARE(page.value().lastSeq, qint64(25));
    QVERIFY(!page.value().gap);
    QCOMPARE(page.value().events.at(0).data.value("iteration").toInt(), 0);
    QCOMPARE(page.value().events.at(0).sessionId, QStringLiteral("r"));
    page = read(20, 10);
    CHECK_OK(page);
    QCOMPARE(seqs(page.value()), (QList<qint64> {21, 22, 23, 24, 25}));
    page = read(25, 10);
    CHECK_OK(page);
    QVERIFY(page.value().events.isEmpty());
    QVERIFY(!page.value().gap);
    page = read(3, 0); // the limit is at least 1
    CHECK_OK(page);
    QCOMPARE(seqs(page.value()), QList<qint64> {4});
    page = read(0, 1000000); // and at most 10000
    CHECK_OK(page);
    QCOMPARE(page.value().events.size(), 25);
}

void tst_SessionStore::readEventsReportsGap()
{
    // A log whose first events are gone (trimmed, or lost by a Redis): reading from before its
    // start says so.
    SessionArchive archive;
    archive.data.session = record(QStringLiteral("g"), QDateTime::currentMSecsSinceEpoch());
    for (int s = 5; s <= 8; ++s) {
        StreamEvent e = thought(s);
        e.seq = s;
        e.ts = QDateTime::currentDateTimeUtc();
        archive.events << e;
    }
    CHECK_OK(await<SessionRecord>([&](auto d) { m_store->importSession(archive, d); }));
    auto page = await<EventPage>([&](auto d) { m_store->readEvents("g", 0, 100, d); });
    CHECK_OK(page);
    QVERIFY(page.value().gap);
    QCOMPARE(page.value().firstSeq, qint64(5));
    QCOMPARE(page.value().lastSeq, qint64(8));
    page = await<EventPage>([&](auto d) { m_store->readEvents("g", 4, 100, d); });
    CHECK_OK(page);
    QVERIFY(!page.value().gap);
    QCOMPARE(page.value().events.size(), 4);
    QCOMPARE(page.value().events.constFirst().seq, qint64(5));
}

void tst_SessionStore::retentionByAge()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 day = 24 * 3600 * 1000LL;
    CHECK_OK(create(record(QStringLiteral("old"), now - 10 * day)));
    CHECK_OK(create(record(QStringLiteral("recent"), now - 3600 * 1000)));
    CHECK_OK(create(record(QStringLiteral("ahead"), now + day)));
    CHECK_OK(create(record(QStringLiteral("running"))));
    CHECK_OK(begin("running", "t1"));
    QSignalSpy deleted(m_store.get(), &SessionStore::sessionDeleted);
    RetentionPolicy policy;
    policy.maxAgeMs = day;
    auto removed = await<QStringList>([&](auto d) { m_store->applyRetention(policy, d); });
    CHECK_OK(removed);
    QCOMPARE(removed.value(), QStringList {"old"});
    QCOMPARE(deleted.size(), 1);
    QCOMPARE(deleted.at(0).at(0).toString(), QStringLiteral("old"));
    // A running turn keeps its session however old its last activity.
    QTest::qWait(30);
    policy.maxAgeMs = 10;
    removed = await<QStringList>([&](auto d) { m_store->applyRetention(policy, d); });
    CHECK_OK(removed);
    QCOMPARE(removed.value(), QStringList {"recent"});
    const auto page = list(50);
    CHECK_OK(page);
    QStringList left;
    for (const SessionRecord &r : page.value().sessions)
        left << r.id;
    QCOMPARE(left, (QStringList {"ahead", "running"}));
    CHECK_CODE(await<SessionRecord>([&](auto d) { m_store->getSession("old", d); }), NotFound);
}

void tst_SessionStore::retentionByCount()
{
    // s0 runs a turn and is the least recent: the count passes it, its turn keeps it.
    CHECK_OK(create(record(QStringLiteral("s0"))));
    CHECK_OK(begin("s0", "t1"));
    const qint64 t0 = QDateTime::currentMSecsSinceEpoch() + 100000;
    for (int i = 1; i <= 5; ++i)
        CHECK_OK(create(record(QStringLiteral("s%1").arg(i), t0 + i * 10)));
    RetentionPolicy policy;
    policy.maxSessions = 3;
    const auto removed = await<QStringList>([&](auto d) { m_store->applyRetention(policy, d); });
    CHECK_OK(removed);
    QStringList ids = removed.value();
    ids.sort();
    QCOMPARE(ids, (QStringList {"s1", "s2"}));
    const auto page = list(50);
    CHECK_OK(page);
    QStringList left;
    for (const SessionRecord &r : page.value().sessions)
        left << r.id;
    QCOMPARE(left, (QStringList {"s5", "s4", "s3", "s0"}));
    const auto count = await<qint64>([&](auto d) { m_store->countSessions(d); });
    CHECK_OK(count);
    QCOMPARE(count.value(), qint64(4));
    // Nothing more to remove.
    const auto again = await<QStringList>([&](auto d) { m_store->applyRetention(policy, d); });
    CHECK_OK(again);
    QVERIFY(again.value().isEmpty());
}

void tst_SessionStore::importKeepsEverything()
{
    SessionArchive archive;
    SessionRecord &r = archive.data.session;
    r = record(QStringLiteral("imp"), QDateTime::currentMSecsSinceEpoch() - 60000,
               QStringLiteral("Imported"));
    r.renamed = true;
    r.turnCount = 1;
    archive.data.messages << ChatMessage::user("question") << ChatMessage::assistant("answer");
    TurnRecord turn;
    turn.id = QStringLiteral("t1");
    turn.sessionId = r.id;
    turn.state = TurnState::Answered;
    turn.started = r.created;
    turn.ended = r.created.addMSecs(1500);
    turn.iterations = 1;
    turn.firstSeq = 1;
    turn.lastSeq = 3;
    archive.data.turns << turn;
    for (int s = 1; s <= 3; ++s) {
        StreamEvent e = s == 3 ? StreamEvent::make(StreamEventType::FinalResponse,
                                                   {{QStringLiteral("content"), "answer"}}, "t1")
                               : thought(s, "t1");
        e.seq = s;
        e.sessionId = QStringLiteral("elsewhere");
        e.ts = r.created.addMSecs(s * 100);
        archive.events << e;
    }
    const auto imported = await<SessionRecord>([&](auto d) { m_store->importSession(archive, d); });
    CHECK_OK(imported);
    QCOMPARE(imported.value().id, QStringLiteral("imp"));
    QCOMPARE(imported.value().title, QStringLiteral("Imported"));
    QCOMPARE(imported.value().messageCount, 2);
    QCOMPARE(imported.value().lastSeq, qint64(3));
    QVERIFY(imported.value().runningTurnId.isEmpty());

    const auto data = await<SessionData>([&](auto d) { m_store->loadSession("imp", d); });
    CHECK_OK(data);
    QCOMPARE(data.value().messages.size(), 2);
    QCOMPARE(data.value().messages.at(1).text, QStringLiteral("answer"));
    QCOMPARE(data.value().turns.size(), 1);
    QCOMPARE(data.value().turns.at(0).ended, turn.ended);
    QCOMPARE(data.value().turns.at(0).lastSeq, qint64(3));
    QCOMPARE(data.value().session.created, r.created);
    const auto page = await<EventPage>([&](auto d) { m_store->readEvents("imp", 0, 100, d); });
    CHECK_OK(page);
    QCOMPARE(page.value().events.size(), 3);
    for (int i = 0; i < 3; ++i) {
        const StreamEvent &e = page.value().events.at(i);
        QCOMPARE(e.sessionId, QStringLiteral("imp"));
        QCOMPARE(e.seq, qint64(i + 1));
        QCOMPARE(e.ts, archive.events.at(i).ts);
        QCOMPARE(e.data, archive.events.at(i).data);
        QCOMPARE(int(e.type), int(archive.events.at(i).type));
    }

    // The id is taken now: nothing changes.
    SessionArchive other = archive;
    other.events.clear();
    other.data.messages.clear();
    CHECK_CODE(await<SessionRecord>([&](auto d) { m_store->importSession(other, d); }), Conflict);
    const auto same = await<SessionData>([&](auto d) { m_store->loadSession("imp", d); });
    CHECK_OK(same);
    QCOMPARE(same.value().messages.size(), 2);

    // The session goes on after the imported log.
    const auto lease = begin("imp", "t2");
    CHECK_OK(lease);
    const auto next = append(lease.value(), thought(1, "t2"));
    CHECK_OK(next);
    QCOMPARE(next.value().seq, qint64(4));
}

void tst_SessionStore::callbacksStopWithTheStore()
{
    CHECK_OK(create(record(QStringLiteral("x"))));
    int called = 0;
    m_store->getSession("x", [&](StoreResult<SessionRecord>) { ++called; });
    m_store->countSessions([&](StoreResult<qint64>) { ++called; });
    m_store.reset();
    QTest::qWait(200);
    QCOMPARE(called, 0);
}

void tst_SessionStore::reopenKeepsSessions()
{
    if (!m_row->persistent)
        QSKIP("this store keeps nothing across instances");
    CHECK_OK(create(record(QStringLiteral("p"))));
    const auto lease = begin("p", "t1");
    CHECK_OK(lease);
    CHECK_OK(await<bool>(
            [&](auto d) { m_store->appendMessage(lease.value(), ChatMessage::user("hi"), d); }));
    for (int i = 0; i < 5; ++i)
        CHECK_OK(append(lease.value(), thought(i, "t1")));
    CHECK_OK(end(lease.value(), TurnState::Answered));
    m_store.reset();
    m_store = makeStore();
    QVERIFY(openStore(m_store.get()));
    const auto data = await<SessionData>([&](auto d) { m_store->loadSession("p", d); });
    CHECK_OK(data);
    QCOMPARE(data.value().session.title, QStringLiteral("hi"));
    QCOMPARE(data.value().session.lastSeq, qint64(5));
    QCOMPARE(data.value().messages.size(), 1);
    QCOMPARE(int(data.value().turns.at(0).state), int(TurnState::Answered));
    QCOMPARE(data.value().turns.at(0).lastSeq, qint64(5));
    const auto page = await<EventPage>([&](auto d) { m_store->readEvents("p", 0, 100, d); });
    CHECK_OK(page);
    QCOMPARE(page.value().events.size(), 5);
}

void tst_SessionStore::reopenClosesRunningTurn()
{
    if (!m_row->persistent)
        QSKIP("this store keeps nothing across instances");
    CHECK_OK(create(record(QStringLiteral("i"))));
    const auto lease = begin("i", "t1");
    CHECK_OK(lease);
    for (int i = 0; i < 3; ++i)
        CHECK_OK(append(lease.value(), thought(i, "t1")));
    m_store.reset(); // the owner goes away mid-turn
    m_store = makeStore();
    QSignalSpy committed(m_store.get(), &SessionStore::eventCommitted);
    QVERIFY(openStore(m_store.get()));
    if (m_row->interruptWithinMs == 0)
        QCOMPARE(committed.size(), 1);
    else
        QTRY_COMPARE_WITH_TIMEOUT(committed.size(), 1, m_row->interruptWithinMs);
    const auto page = await<EventPage>([&](auto d) { m_store->readEvents("i", 0, 100, d); });
    CHECK_OK(page);
    QCOMPARE(page.value().events.size(), 4);
    const StreamEvent &closing = page.value().events.at(3);
    QCOMPARE(closing.seq, qint64(4));
    QCOMPARE(int(closing.type), int(StreamEventType::Error));
    QCOMPARE(closing.turnId, QStringLiteral("t1"));
    QCOMPARE(closing.data.value("code").toString(), QStringLiteral("turn_interrupted"));
    QVERIFY(closing.data.value("retryable").toBool());
    QCOMPARE(committed.at(0).at(1).value<StreamEvent>().seq, qint64(4));
    const auto data = await<SessionData>([&](auto d) { m_store->loadSession("i", d); });
    CHECK_OK(data);
    QVERIFY(data.value().session.runningTurnId.isEmpty());
    QCOMPARE(int(data.value().turns.at(0).state), int(TurnState::Interrupted));
    QVERIFY(data.value().turns.at(0).ended.isValid());
    QCOMPARE(data.value().turns.at(0).lastSeq, qint64(4));
    // The old lease is gone; the session goes on with a new turn.
    CHECK_CODE(append(lease.value(), thought(9, "t1")), Fenced);
    const auto next = begin("i", "t2");
    CHECK_OK(next);
    const auto e = append(next.value(), thought(1, "t2"));
    CHECK_OK(e);
    QCOMPARE(e.value().seq, qint64(5));
}

QTEST_GUILESS_MAIN(tst_SessionStore)
#include "tst_sessionstore.moc"
