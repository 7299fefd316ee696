// The Redis store against a real redis-server (AOF on, appendfsync always) and its faults:
// Redis killed and restarted with and without its data, stopped with SIGSTOP, two store
// instances on one Redis (leases, fencing, the reaper, live events by pub/sub), a hostile peer.
#include "redisconnection.h"
#include "redisserver.h"
#include "redissessionstore.h"
#include "storetestsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

namespace {

StreamEvent step(int i, const QString &turnId)
{
    return StreamEvent::make(
            StreamEventType::PartialResponse,
            {{QStringLiteral("text"), QStringLiteral("part %1").arg(i)}, {QStringLiteral("i"), i}},
            turnId);
}

SessionRecord record(const QString &id)
{
    SessionRecord r;
    r.id = id;
    return r;
}

} // namespace

class TestRedisStore : public QObject
{
    Q_OBJECT

private:
    RedisServer m_redis;
    int m_sessions = 0;

    RedisSessionStore::Options options(const RedisServer &redis, int leaseTtlMs = 10000)
    {
        QString why;
        auto o = RedisSessionStore::optionsFromUrl(redis.url(), &why);
        if (!o)
            qFatal("bad url: %s", qPrintable(why));
        o->redis.connectTimeoutMs = 1000;
        o->redis.commandTimeoutMs = 1000;
        o->redis.backoffMinMs = 50;
        o->redis.backoffMaxMs = 400;
        o->leaseTtlMs = leaseTtlMs;
        o->reaperIntervalMs = 300;
        return *o;
    }

    std::unique_ptr<RedisSessionStore> open(const RedisSessionStore::Options &o)
    {
        auto store = std::make_unique<RedisSessionStore>(o);
        const auto opened = await<bool>([&](auto done) { store->open(done); });
        if (!opened.ok())
            qWarning() << "open failed:" << opened.error().message;
        return opened.ok() ? std::move(store) : nullptr;
    }

    QString newId() { return QStringLiteral("sess-%1").arg(++m_sessions); }

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_redis.start(), qPrintable(m_redis.error())); }

    // The stored form is the wire JSON (seq 0) at every time and with any data: the
    // hand-written fast path, and toJson where the data overrides the envelope.
    void eventJsonIsTheWireJson_data()
    {
        QTest::addColumn<qint64>("ms");
        QTest::addColumn<QJsonObject>("data");
        const QJsonObject plain {{"iteration", 3}, {"text", QString::fromUtf8("a \"tëxt\"\n")}};
        QTest::newRow("epoch") << qint64(0) << plain;
        QTest::newRow("just before the epoch") << qint64(-1) << plain;
        QTest::newRow("2000-02-29") << qint64(951782400123) << plain;
        QTest::newRow("1999-12-31T23:59:59.999") << qint64(946684799999) << plain;
        QTest::newRow("1900-03-01") << qint64(-2203891200000) << plain;
        QTest::newRow("1000-01-01") << qint64(-30610224000000) << plain;
        QTest::newRow("9999-12-31T23:59:59.999") << qint64(253402300799999) << plain;
        QTest::newRow("0999-12-31 (generic)") << qint64(-30610224000001) << plain;
        QTest::newRow("10000-01-01 (generic)") << qint64(253402300800000) << plain;
        QTest::newRow("now") << QDateTime::currentMSecsSinceEpoch() << plain;
        QTest::newRow("no data") << qint64(1700000000000) << QJsonObject();
        QTest::newRow("data names the type")
                << qint64(1700000000000) << QJsonObject {{"type", "forged"}, {"x", 1}};
        QTest::newRow("data names the seq")
                << qint64(1700000000000) << QJsonObject {{"seq", 99}, {"nested", QJsonArray {1}}};
    }
    void eventJsonIsTheWireJson()
    {
        QFETCH(qint64, ms);
        QFETCH(QJsonObject, data);
        for (const QString &turn : {QString(), QStringLiteral("turn-\"1\"")}) {
            StreamEvent e = StreamEvent::make(StreamEventType::Observing, data, turn);
            e.sessionId = QStringLiteral("sess-é");
            e.seq = 0;
            e.ts = StreamEvent::utcFromMSecs(ms);
            const QJsonDocument stored = QJsonDocument::fromJson(RedisSessionStore::eventJson(e));
            QVERIFY(stored.isObject());
            QCOMPARE(stored.object(), e.toJson());
        }
    }

    void urls_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("valid");
        QTest::newRow("full") << "redis://127.0.0.1:6380/3" << true;
        QTest::newRow("no port, no db") << "redis://localhost" << true;
        QTest::newRow("other scheme") << "http://localhost:6379" << false;
        QTest::newRow("db not a number") << "redis://localhost/x" << false;
        QTest::newRow("password") << "redis://u:p@localhost/0" << false;
        QTest::newRow("no host") << "redis:///0" << false;
    }
    void urls()
    {
        QFETCH(QString, url);
        QFETCH(bool, valid);
        QString why;
        QCOMPARE(RedisSessionStore::optionsFromUrl(url, &why).has_value(), valid);
        QCOMPARE(why.isEmpty(), valid);
    }

    void sessionsAndEvents()
    {
        auto store = open(options(m_redis));
        QVERIFY(store);
        QVERIFY(store->health().available);
        QVERIFY2(store->health().warnings.isEmpty(),
                 qPrintable(store->health().warnings.join(';')));
        const QString id = newId();
        QVERIFY(await<SessionRecord>([&](auto d) { store->createSession(record(id), d); }).ok());
        const auto again
                = await<SessionRecord>([&](auto d) { store->createSession(record(id), d); });
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code, StoreError::Code::Conflict);

        const auto lease = await<Lease>([&](auto d) { store->beginTurn(id, "t1", d); });
        QVERIFY(lease.ok());
        const auto busy = await<Lease>([&](auto d) { store->beginTurn(id, "t2", d); });
        QCOMPARE(busy.error().code, StoreError::Code::Busy);
        QVERIFY(await<bool>([&](auto d) {
                    store->appendMessage(lease.value(), ChatMessage::user("Hello Redis\nmore"), d);
                }).ok());
        QSignalSpy committed(store.get(), &SessionStore::eventCommitted);
        for (int i = 1; i <= 3; ++i) {
            const auto e = await<StreamEvent>(
                    [&](auto d) { store->appendEvent(lease.value(), step(i, "t1"), d); });
            QVERIFY(e.ok());
            QCOMPARE(e.value().seq, qint64(i));
            // eventCommitted came before the callback.
            QCOMPARE(committed.size(), i);
        }
        const auto page = await<EventPage>([&](auto d) { store->readEvents(id, 1, 1, d); });
        QVERIFY(page.ok());
        QCOMPARE(page.value().events.size(), 1);
        QCOMPARE(page.value().events.at(0).seq, 2);
        QCOMPARE(page.value().events.at(0).data.value("i").toInt(), 2);
        QCOMPARE(page.value().lastSeq, 3);
        QCOMPARE(page.value().firstSeq, 1);
        QVERIFY(!page.value().gap);

        TurnRecord done;
        done.state = TurnState::Answered;
        done.iterations = 2;
        QVERIFY(await<bool>([&](auto d) { store->endTurn(lease.value(), done, d); }).ok());
        const auto stale = await<StreamEvent>(
                [&](auto d) { store->appendEvent(lease.value(), step(9, "t1"), d); });
        QCOMPARE(stale.error().code, StoreError::Code::Fenced);

        const auto data = await<SessionData>([&](auto d) { store->loadSession(id, d); });
        QVERIFY(data.ok());
        QCOMPARE(data.value().session.title, QStringLiteral("Hello Redis"));
        QCOMPARE(data.value().session.lastSeq, 3);
        QCOMPARE(data.value().session.turnCount, 1);
        QCOMPARE(data.value().messages.size(), 1);
        QCOMPARE(data.value().turns.size(), 1);
        QCOMPARE(data.value().turns.at(0).state, TurnState::Answered);
        QCOMPARE(data.value().turns.at(0).iterations, 2);
        QCOMPARE(data.value().turns.at(0).firstSeq, 1);
        QCOMPARE(data.value().turns.at(0).lastSeq, 3);
        QVERIFY(data.value().session.runningTurnId.isEmpty());

        const auto renamed
                = await<SessionRecord>([&](auto d) { store->renameSession(id, "Named", d); });
        QCOMPARE(renamed.value().title, QStringLiteral("Named"));

        QSignalSpy deleted(store.get(), &SessionStore::sessionDeleted);
        const auto report = await<DeleteReport>([&](auto d) { store->deleteSession(id, d); });
        QVERIFY(report.ok());
        QCOMPARE(report.value().events, 3);
        QCOMPARE(report.value().messages, 1);
        QCOMPARE(report.value().turns, 1);
        QCOMPARE(await<SessionRecord>([&](auto d) { store->getSession(id, d); }).error().code,
                 StoreError::Code::NotFound);
        // Gone for real: no key of the session is left.
        QCOMPARE(m_redis.cli({"--scan", "--pattern", "mcphost:*:" + id}), QString());
        spin(200);
        QCOMPARE(deleted.size(), 1);
    }

    void listPagesAndFilter()
    {
        auto o = options(m_redis);
        o.prefix = "list-test:";
        auto store = open(o);
        QVERIFY(store);
        const QDateTime base = StreamEvent::utcFromMSecs(1700000000000);
        for (int i = 0; i < 7; ++i) {
            SessionRecord r = record(QStringLiteral("l%1").arg(i));
            r.title = i % 2 ? QStringLiteral("Ärger mit Redis %1").arg(i) : QStringLiteral("other");
            r.updated = base.addSecs(i < 4 ? i : 3); // ties at the end: ordered by id
            QVERIFY(await<SessionRecord>([&](auto d) { store->createSession(r, d); }).ok());
        }
        QCOMPARE(await<qint64>([&](auto d) { store->countSessions(d); }).value(), 7);
        QStringList seen;
        SessionQuery q;
        q.limit = 3;
        for (int pages = 0; pages < 5; ++pages) {
            const auto page = await<SessionPage>([&](auto d) { store->listSessions(q, d); });
            QVERIFY(page.ok());
            for (const SessionRecord &r : page.value().sessions)
                seen << r.id;
            if (page.value().nextCursor.isEmpty())
                break;
            q.cursor = page.value().nextCursor;
        }
        QCOMPARE(seen, QStringList({"l6", "l5", "l4", "l3", "l2", "l1", "l0"}));
        SessionQuery f;
        f.titleContains = QStringLiteral("äRGER");
        const auto filtered = await<SessionPage>([&](auto d) { store->listSessions(f, d); });
        QCOMPARE(filtered.value().sessions.size(), 3);
        SessionQuery bad;
        bad.cursor = QStringLiteral("nonsense!");
        QCOMPARE(await<SessionPage>([&](auto d) { store->listSessions(bad, d); }).error().code,
                 StoreError::Code::Invalid);
    }

    void aofOffIsWarned()
    {
        RedisServer plain(RedisServer::Aof::Off);
        QVERIFY2(plain.start(), qPrintable(plain.error()));
        auto store = open(options(plain));
        QVERIFY(store);
        QVERIFY(store->health().warnings.join(' ').contains("appendonly"));
    }

    void twoInstances()
    {
        auto a = open(options(m_redis));
        auto b = open(options(m_redis));
        QVERIFY(a && b);
        const QString id = newId();
        QVERIFY(await<SessionRecord>([&](auto d) { a->createSession(record(id), d); }).ok());
        const auto lease = await<Lease>([&](auto d) { a->beginTurn(id, "t1", d); });
        QVERIFY(lease.ok());
        QCOMPARE(await<Lease>([&](auto d) { b->beginTurn(id, "t2", d); }).error().code,
                 StoreError::Code::Busy);

        QList<qint64> onB;
        connect(b.get(), &SessionStore::eventCommitted, this,
                [&](const QString &sid, const StreamEvent &e) {
                    if (sid == id)
                        onB.append(e.seq);
                });
        int answered = 0;
        for (int i = 1; i <= 200; ++i)
            a->appendEvent(lease.value(), step(i, "t1"),
                           [&](StoreResult<StreamEvent> r) { answered += r.ok() ? 1 : 0; });
        QTRY_COMPARE_WITH_TIMEOUT(answered, 200, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(onB.size(), 200, 10000);
        for (int i = 0; i < onB.size(); ++i)
            QCOMPARE(onB.at(i), qint64(i + 1));

        // B's subscription is cut: what it missed comes from the stream, in order, once.
        QVERIFY(m_redis.cli({"CLIENT", "KILL", "TYPE", "pubsub"}).toInt() >= 1);
        for (int i = 201; i <= 230; ++i)
            a->appendEvent(lease.value(), step(i, "t1"),
                           [&](StoreResult<StreamEvent> r) { answered += r.ok() ? 1 : 0; });
        QTRY_COMPARE_WITH_TIMEOUT(answered, 230, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(onB.size(), 230, 10000);
        for (int i = 0; i < onB.size(); ++i)
            QCOMPARE(onB.at(i), qint64(i + 1));

        TurnRecord t;
        t.state = TurnState::Answered;
        QVERIFY(await<bool>([&](auto d) { a->endTurn(lease.value(), t, d); }).ok());
        QVERIFY(await<Lease>([&](auto d) { b->beginTurn(id, "t2", d); }).ok());
    }

    void burstCommitsInCallOrder()
    {
        auto store = open(options(m_redis));
        QVERIFY(store);
        const QString id = newId();
        QVERIFY(await<SessionRecord>([&](auto d) { store->createSession(record(id), d); }).ok());
        const auto lease = await<Lease>([&](auto d) { store->beginTurn(id, "t1", d); });
        QVERIFY(lease.ok());
        QVERIFY(m_redis.cli({"CONFIG", "RESETSTAT"}) == QLatin1String("OK"));
        // 1,000 appends issued at once with a message after every 100th, then a read, the
        // turn's end and one append too many, all without waiting: the answers come in call
        // order, the events get seqs 1..1000 in call order, the read sees all of them and the
        // append after endTurn is refused.
        QStringList answers;
        QStringList expected;
        QList<qint64> seqs;
        int failures = 0;
        for (int i = 1; i <= 1000; ++i) {
            expected << QStringLiteral("e%1").arg(i);
            store->appendEvent(lease.value(), step(i, "t1"), [&, i](StoreResult<StreamEvent> r) {
                answers << QStringLiteral("e%1").arg(i);
                if (!r.ok() || r.value().data.value("i").toInt() != i) {
                    ++failures;
                    return;
                }
                seqs << r.value().seq;
            });
            if (i % 100 == 0) {
                const int k = i / 100;
                expected << QStringLiteral("m%1").arg(k);
                store->appendMessage(lease.value(),
                                     ChatMessage::assistant(QStringLiteral("after %1").arg(i)),
                                     [&, k](StoreResult<bool> r) {
                                         answers << QStringLiteral("m%1").arg(k);
                                         failures += r.ok() ? 0 : 1;
                                     });
            }
        }
        std::optional<StoreResult<EventPage>> read;
        expected << QStringLiteral("read");
        store->readEvents(id, 0, 10000, [&](StoreResult<EventPage> r) {
            answers << QStringLiteral("read");
            read = r;
        });
        TurnRecord end;
        end.state = TurnState::Answered;
        expected << QStringLiteral("end");
        store->endTurn(lease.value(), end, [&](StoreResult<bool> r) {
            answers << QStringLiteral("end");
            failures += r.ok() ? 0 : 1;
        });
        std::optional<StoreResult<StreamEvent>> late;
        expected << QStringLiteral("late");
        store->appendEvent(lease.value(), step(1001, "t1"), [&](StoreResult<StreamEvent> r) {
            answers << QStringLiteral("late");
            late = r;
        });
        QTRY_COMPARE_WITH_TIMEOUT(answers.size(), expected.size(), 20000);
        QCOMPARE(answers, expected);
        QCOMPARE(failures, 0);
        for (int i = 0; i < seqs.size(); ++i)
            QCOMPARE(seqs.at(i), qint64(i + 1));
        QVERIFY(read->ok());
        QCOMPARE(read->value().events.size(), 1000);
        QCOMPARE(read->value().events.constLast().data.value("i").toInt(), 1000);
        QCOMPARE(late->error().code, StoreError::Code::Fenced);
        // Group commit: far fewer script calls than writes (1,000 appends, 10 messages, the
        // end, the late append and the read).
        const QString stats = m_redis.cli({"INFO", "commandstats"});
        const auto calls
                = QRegularExpression(QStringLiteral("cmdstat_evalsha:calls=(\\d+)")).match(stats);
        QVERIFY2(calls.hasMatch(), qPrintable(stats));
        QVERIFY2(calls.captured(1).toInt() < 100, qPrintable(calls.captured(0)));

        const auto data = await<SessionData>([&](auto d) { store->loadSession(id, d); });
        QVERIFY(data.ok());
        QCOMPARE(data.value().session.lastSeq, 1000);
        QCOMPARE(data.value().messages.size(), 10);
        for (int k = 0; k < 10; ++k)
            QCOMPARE(data.value().messages.at(k).text,
                     QStringLiteral("after %1").arg(100 * (k + 1)));
        QCOMPARE(data.value().turns.at(0).firstSeq, 1);
        QCOMPARE(data.value().turns.at(0).lastSeq, 1000);
        QCOMPARE(data.value().turns.at(0).state, TurnState::Answered);
        const auto page = await<EventPage>([&](auto d) { store->readEvents(id, 0, 10000, d); });
        QCOMPARE(page.value().events.size(), 1000);
        for (int i = 0; i < 1000; ++i) {
            QCOMPARE(page.value().events.at(i).seq, qint64(i + 1));
            QCOMPARE(page.value().events.at(i).data.value("i").toInt(), i + 1);
        }
    }

    void fenceLostMidBurst()
    {
        auto store = open(options(m_redis));
        QVERIFY(store);
        const QString id = newId();
        QVERIFY(await<SessionRecord>([&](auto d) { store->createSession(record(id), d); }).ok());
        const auto lease = await<Lease>([&](auto d) { store->beginTurn(id, "t1", d); });
        QVERIFY(lease.ok());
        // Redis holds writes back for a moment: the first batch's call waits in it, the
        // appends that do not fit in it queue behind it in the store. The lease is taken away
        // (as when it expires) after that first call and before the queued ones.
        QCOMPARE(m_redis.cli({"CLIENT", "PAUSE", "600", "WRITE"}), QStringLiteral("OK"));
        QList<StoreResult<StreamEvent>> results;
        for (int i = 1; i <= 300; ++i)
            store->appendEvent(lease.value(), step(i, "t1"),
                               [&](StoreResult<StreamEvent> r) { results << r; });
        std::optional<StoreResult<bool>> message;
        store->appendMessage(lease.value(), ChatMessage::assistant("late"),
                             [&](StoreResult<bool> r) { message = r; });
        spin(150);
        QCOMPARE(m_redis.cli({"DEL", "mcphost:l:" + id}), QStringLiteral("1")); // after the pause
        QTRY_COMPARE_WITH_TIMEOUT(results.size(), 300, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(message.has_value(), 5000);
        // What went out before the fence is committed, in order from seq 1; every append
        // after it is refused; nothing is committed after a refusal.
        int committed = 0;
        while (committed < 300 && results.at(committed).ok()) {
            QCOMPARE(results.at(committed).value().seq, committed + 1);
            ++committed;
        }
        QVERIFY(committed >= 1);
        QVERIFY2(committed < 300, "the lease was taken away before the last batch");
        for (int i = committed; i < 300; ++i) {
            QVERIFY2(!results.at(i).ok(), qPrintable(QString::number(i)));
            QCOMPARE(results.at(i).error().code, StoreError::Code::Fenced);
        }
        QCOMPARE(message->error().code, StoreError::Code::Fenced);
        const auto page = await<EventPage>([&](auto d) { store->readEvents(id, 0, 1000, d); });
        QCOMPARE(page.value().events.size(), committed);
        QCOMPARE(page.value().lastSeq, qint64(committed));
        const auto data = await<SessionData>([&](auto d) { store->loadSession(id, d); });
        QCOMPARE(data.value().messages.size(), 0);
        QCOMPARE(data.value().session.lastSeq, qint64(committed));
    }

    // A notice on the channel that announces far more than the log holds (a forged or corrupt
    // message) costs a read or two, and the session's real events still arrive.
    void forgedNoticeIsBounded()
    {
        auto a = open(options(m_redis));
        auto b = open(options(m_redis));
        QVERIFY(a && b);
        const QString id = newId();
        QVERIFY(await<SessionRecord>([&](auto d) { a->createSession(record(id), d); }).ok());
        const auto lease = await<Lease>([&](auto d) { a->beginTurn(id, "t1", d); });
        QVERIFY(lease.ok());
        QList<qint64> onB;
        connect(b.get(), &SessionStore::eventCommitted, this,
                [&](const QString &sid, const StreamEvent &e) {
                    if (sid == id)
                        onB.append(e.seq);
                });
        QVERIFY(await<StreamEvent>([&](auto d) {
                    a->appendEvent(lease.value(), step(1, "t1"), d);
                }).ok());
        QTRY_COMPARE(onB, QList<qint64>({1}));
        RedisConnection raw(options(m_redis).redis);
        raw.start();
        QTRY_VERIFY(raw.isReady());
        const QByteArray sid = id.toUtf8();
        const QByteArray channel = options(m_redis).prefix + "events";
        bool published = false;
        raw.command({"PUBLISH", channel,
                     "B:forger:2:999999999999999:" + QByteArray::number(sid.size()) + ":" + sid},
                    [&](const RedisReply &) { published = true; });
        QTRY_VERIFY(published);
        QTest::qWait(300);
        for (int i = 2; i <= 3; ++i)
            QVERIFY(await<StreamEvent>([&](auto d) {
                        a->appendEvent(lease.value(), step(i, "t1"), d);
                    }).ok());
        QTRY_COMPARE(onB, QList<qint64>({1, 2, 3}));
    }

    void batchesReachOtherInstancesLive()
    {
        auto a = open(options(m_redis));
        auto b = open(options(m_redis));
        QVERIFY(a && b);
        const QString id = newId();
        QVERIFY(await<SessionRecord>([&](auto d) { a->createSession(record(id), d); }).ok());
        const auto lease = await<Lease>([&](auto d) { a->beginTurn(id, "t1", d); });
        QVERIFY(lease.ok());
        QList<StreamEvent> onB;
        connect(b.get(), &SessionStore::eventCommitted, this,
                [&](const QString &sid, const StreamEvent &e) {
                    if (sid == id)
                        onB.append(e);
                });
        // Text with newlines, quotes and non-ASCII (a batch's events travel joined by
        // newlines), and a few events of 300 KB (the byte bound splits those batches).
        auto textOf = [](int i) {
            if (i % 100 == 50)
                return QString(300 * 1024, QLatin1Char('x')) + QString::number(i);
            return QStringLiteral("line one %1\nline \"two\"\r\n\u00e4\u20ac %1").arg(i);
        };
        // A turn id that needs escaping in JSON (events may name another turn than the lease).
        const QString oddTurn = QStringLiteral("t\"\\\u00fc\n1");
        int answered = 0;
        for (int i = 1; i <= 600; ++i) {
            StreamEvent e = StreamEvent::make(
                    StreamEventType::PartialResponse,
                    {{QStringLiteral("text"), textOf(i)}, {QStringLiteral("i"), i}},
                    i % 7 ? QStringLiteral("t1") : oddTurn);
            if (i == 2)
                e.ts = StreamEvent::utcFromMSecs(1700000000123);
            a->appendEvent(lease.value(), e,
                           [&](StoreResult<StreamEvent> r) { answered += r.ok() ? 1 : 0; });
        }
        QTRY_COMPARE_WITH_TIMEOUT(answered, 600, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(onB.size(), 600, 10000);
        for (int i = 0; i < 600; ++i) {
            QCOMPARE(onB.at(i).seq, qint64(i + 1));
            QCOMPARE(onB.at(i).data.value("i").toInt(), i + 1);
            QCOMPARE(onB.at(i).data.value("text").toString(), textOf(i + 1));
            QCOMPARE(onB.at(i).turnId, (i + 1) % 7 ? QStringLiteral("t1") : oddTurn);
            QCOMPARE(onB.at(i).type, StreamEventType::PartialResponse);
        }
        QCOMPARE(onB.at(1).ts.toMSecsSinceEpoch(), qint64(1700000000123));
        const auto page = await<EventPage>([&](auto d) { b->readEvents(id, 0, 1000, d); });
        QCOMPARE(page.value().events.size(), 600);
        for (int i = 0; i < 600; ++i) {
            QCOMPARE(page.value().events.at(i).data, onB.at(i).data);
            QCOMPARE(page.value().events.at(i).turnId, onB.at(i).turnId);
            QCOMPARE(page.value().events.at(i).ts, onB.at(i).ts);
        }
        spin(300);
        QCOMPARE(onB.size(), 600); // each once
    }

    void expiredLeaseIsFencedAndReaped()
    {
        auto a = open(options(m_redis, 1000));
        auto b = open(options(m_redis, 1000));
        QVERIFY(a && b);
        const QString id = newId();
        QVERIFY(await<SessionRecord>([&](auto d) { a->createSession(record(id), d); }).ok());
        const auto lease = await<Lease>([&](auto d) { a->beginTurn(id, "t1", d); });
        QList<StreamEvent> onB;
        connect(b.get(), &SessionStore::eventCommitted, this,
                [&](const QString &sid, const StreamEvent &e) {
                    if (sid == id)
                        onB.append(e);
                });
        QVERIFY(await<StreamEvent>([&](auto d) {
                    a->appendEvent(lease.value(), step(1, "t1"), d);
                }).ok());
        QVERIFY(await<Lease>([&](auto d) { a->renewLease(lease.value(), d); }).ok());
        // B hears of A's step through pub/sub some time after A's append is acknowledged:
        // wait for it, so that the only event counted below is the reaper's.
        QTRY_VERIFY_WITH_TIMEOUT(!onB.isEmpty(), 2000);
        QCOMPARE(onB.constFirst().seq, 1);
        onB.clear();
        // A stops renewing (as a paused process would): within TTL + reaper interval the
        // turn is closed as interrupted, once, although both instances reap.
        QElapsedTimer t;
        t.start();
        QTRY_VERIFY_WITH_TIMEOUT(!onB.isEmpty(), 5000);
        QVERIFY2(t.elapsed() < 3000, qPrintable(QString::number(t.elapsed())));
        QCOMPARE(onB.constLast().data.value("code").toString(), QStringLiteral("turn_interrupted"));
        QCOMPARE(onB.constLast().seq, 2);
        spin(1000);
        const auto page = await<EventPage>([&](auto d) { b->readEvents(id, 0, 100, d); });
        QCOMPARE(page.value().events.size(), 2);
        QCOMPARE(onB.size(), 1);

        // Its writes are refused.
        QCOMPARE(
                await<StreamEvent>([&](auto d) { a->appendEvent(lease.value(), step(2, "t1"), d); })
                        .error()
                        .code,
                StoreError::Code::Fenced);
        QCOMPARE(await<Lease>([&](auto d) { a->renewLease(lease.value(), d); }).error().code,
                 StoreError::Code::Fenced);
        QCOMPARE(await<bool>([&](auto d) {
                     a->appendMessage(lease.value(), ChatMessage::assistant("late"), d);
                 })
                         .error()
                         .code,
                 StoreError::Code::Fenced);
        const auto data = await<SessionData>([&](auto d) { b->loadSession(id, d); });
        QCOMPARE(data.value().turns.at(0).state, TurnState::Interrupted);
        QVERIFY(data.value().session.runningTurnId.isEmpty());
        QCOMPARE(data.value().messages.size(), 0);
        // The session goes on.
        QVERIFY(await<Lease>([&](auto d) { b->beginTurn(id, "t2", d); }).ok());
    }

    void killedAndRestartedWithAof()
    {
        auto store = open(options(m_redis));
        QVERIFY(store);
        const QString id = newId();
        QVERIFY(await<SessionRecord>([&](auto d) { store->createSession(record(id), d); }).ok());
        const auto lease = await<Lease>([&](auto d) { store->beginTurn(id, "t1", d); });
        for (int i = 1; i <= 10; ++i)
            QVERIFY(await<StreamEvent>([&](auto d) {
                        store->appendEvent(lease.value(), step(i, "t1"), d);
                    }).ok());
        QSignalSpy health(store.get(), &SessionStore::healthChanged);
        QList<qint64> seqs;
        int failed = 0;
        // Some appends run as Redis dies, the rest while it is down: all are held, in order.
        for (int i = 11; i <= 20; ++i) {
            store->appendEvent(lease.value(), step(i, "t1"), [&](StoreResult<StreamEvent> r) {
                if (r.ok())
                    seqs.append(r.value().seq);
                else
                    ++failed;
            });
            if (i == 13)
                m_redis.kill();
        }
        QTRY_VERIFY_WITH_TIMEOUT(!store->health().available, 5000);
        spin(1500);
        QVERIFY(m_redis.restart(RedisServer::Data::Keep));
        QTRY_COMPARE_WITH_TIMEOUT(seqs.size() + failed, 10, 15000);
        QCOMPARE(failed, 0);
        QCOMPARE(seqs, QList<qint64>({11, 12, 13, 14, 15, 16, 17, 18, 19, 20}));
        QVERIFY(store->health().available);
        QVERIFY(health.size() >= 2);
        const auto page = await<EventPage>([&](auto d) { store->readEvents(id, 0, 100, d); });
        QCOMPARE(page.value().events.size(), 20);
        for (int i = 0; i < 20; ++i) {
            QCOMPARE(page.value().events.at(i).seq, qint64(i + 1));
            QCOMPARE(page.value().events.at(i).data.value("i").toInt(), i + 1);
        }
        TurnRecord t;
        t.state = TurnState::Answered;
        QVERIFY(await<bool>([&](auto d) { store->endTurn(lease.value(), t, d); }).ok());
    }

    void restartedWithoutData()
    {
        auto store = open(options(m_redis));
        QVERIFY(store);
        const QString id = newId();
        QVERIFY(await<SessionRecord>([&](auto d) { store->createSession(record(id), d); }).ok());
        const auto lease = await<Lease>([&](auto d) { store->beginTurn(id, "t1", d); });
        QVERIFY(await<StreamEvent>([&](auto d) {
                    store->appendEvent(lease.value(), step(1, "t1"), d);
                }).ok());
        QSignalSpy lost(store.get(), &SessionStore::dataLost);
        QVERIFY(m_redis.restart(RedisServer::Data::Lose));
        QTRY_COMPARE_WITH_TIMEOUT(lost.size(), 1, 5000);
        QVERIFY(lost.at(0).at(0).toString().contains("lost"));
        QCOMPARE(await<EventPage>([&](auto d) { store->readEvents(id, 0, 10, d); }).error().code,
                 StoreError::Code::NotFound);
        QCOMPARE(await<StreamEvent>(
                         [&](auto d) { store->appendEvent(lease.value(), step(2, "t1"), d); })
                         .error()
                         .code,
                 StoreError::Code::NotFound);
        spin(1000);
        QCOMPARE(lost.size(), 1); // said once, the new epoch is adopted
    }

    void stalledRedis()
    {
        auto o = options(m_redis, 1000);
        auto store = open(o);
        QVERIFY(store);
        const QString id = newId();
        QVERIFY(await<SessionRecord>([&](auto d) { store->createSession(record(id), d); }).ok());
        const auto lease = await<Lease>([&](auto d) { store->beginTurn(id, "t1", d); });
        QVERIFY(lease.ok());
        int ticks = 0;
        QTimer ticker;
        connect(&ticker, &QTimer::timeout, this, [&] { ++ticks; });
        ticker.start(100);
        QSignalSpy health(store.get(), &SessionStore::healthChanged);

        m_redis.pause();
        QElapsedTimer t;
        t.start();
        std::optional<StoreResult<StreamEvent>> held;
        qint64 heldAfter = 0;
        store->appendEvent(lease.value(), step(1, "t1"), [&](StoreResult<StreamEvent> r) {
            held = r;
            heldAfter = t.elapsed();
        });
        const auto get = await<SessionRecord>([&](auto d) { store->getSession(id, d); });
        QCOMPARE(get.error().code, StoreError::Code::Unavailable);
        QVERIFY2(t.elapsed() < 3000, qPrintable(QString::number(t.elapsed())));
        QVERIFY(!store->health().available);
        QVERIFY(health.size() >= 1);
        const auto count = await<qint64>([&](auto d) { store->countSessions(d); });
        QCOMPARE(count.error().code, StoreError::Code::Unavailable);
        // The held append fails after its bound (10 s), not before and not much after.
        QTRY_VERIFY_WITH_TIMEOUT(held.has_value(), 14000);
        QCOMPARE(held->error().code, StoreError::Code::Unavailable);
        QVERIFY2(heldAfter >= 9500 && heldAfter < 12500, qPrintable(QString::number(heldAfter)));
        while (t.elapsed() < 20000)
            spin(100);
        QVERIFY2(ticks > 150, qPrintable(QString::number(ticks))); // the loop never hung
        m_redis.resume();
        QTRY_VERIFY_WITH_TIMEOUT(store->health().available, 5000);
        QVERIFY(await<SessionRecord>([&](auto d) { store->getSession(id, d); }).ok());
        // The turn's lease expired meanwhile: the reaper closes it, the session goes on.
        QTRY_VERIFY_WITH_TIMEOUT(await<SessionRecord>([&](auto d) { store->getSession(id, d); })
                                         .value()
                                         .runningTurnId.isEmpty(),
                                 5000);
        QVERIFY(await<Lease>([&](auto d) { store->beginTurn(id, "t2", d); }).ok());
    }

    void hostilePeer_data()
    {
        QTest::addColumn<QByteArray>("answer");
        QTest::addColumn<bool>("answers"); // the first command may get a (well-formed) reply
        QTest::newRow("garbage") << QByteArray("hello\r\n") << false;
        QTest::newRow("unsolicited") << QByteArray("+OK\r\n+OK\r\n+OK\r\n") << true;
        QTest::newRow("huge array") << QByteArray("*2147483647\r\n") << false;
        QTest::newRow("huge bulk") << QByteArray("$99999999999\r\nabc") << false;
        QTest::newRow("deep") << QByteArray("*1\r\n").repeated(20) << false;
        QTest::newRow("negative") << QByteArray("*-7\r\n$-9\r\n") << false;
    }
    void hostilePeer()
    {
        QFETCH(QByteArray, answer);
        QFETCH(bool, answers);
        QTcpServer peer;
        QVERIFY(peer.listen(QHostAddress::LocalHost));
        connect(&peer, &QTcpServer::newConnection, this, [&] {
            QTcpSocket *s = peer.nextPendingConnection();
            connect(s, &QTcpSocket::readyRead, s, [s, answer] {
                s->readAll();
                s->write(answer);
            });
        });
        RedisConnection::Options o;
        o.port = peer.serverPort();
        o.connectTimeoutMs = 500;
        o.commandTimeoutMs = 500;
        RedisConnection c(o);
        c.start();
        int answered = 0;
        int unavailable = 0;
        for (int i = 0; i < 3; ++i)
            c.command({"PING"}, [&](const RedisReply &r) {
                ++answered;
                unavailable += r.isUnavailable() ? 1 : 0;
            });
        QTRY_COMPARE_WITH_TIMEOUT(answered, 3, 5000);
        QVERIFY(answers || unavailable == 3);
        QVERIFY(!c.isReady());
        QVERIFY(!c.lastError().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestRedisStore)
#include "tst_redisstore.moc"
