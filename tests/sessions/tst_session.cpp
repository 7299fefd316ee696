// Session: the per-session sequence (strictly increasing from 1, never reused), replay after a
// seq, the conversation, and the busy flag of a running turn.

#include <session.h>
#include <sessionstore.h>

#include <QSignalSpy>
#include <QTest>
#include <QUuid>

class tst_Session : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void idIsAUuidWithoutBraces();
    void seqStartsAtOneAndIncreases();
    void appendEmitsInOrder();
    void eventsAfter_data();
    void eventsAfter();
    void seqNeverReusedAfterRestore();
    void busyTurn();
    void conversation();
    void memoryStore();
};

void tst_Session::idIsAUuidWithoutBraces()
{
    Session s;
    QVERIFY(!s.id().startsWith(QLatin1Char('{')));
    QVERIFY(!QUuid::fromString(s.id()).isNull());
    QVERIFY(s.created().isValid());
    QCOMPARE(s.created().timeSpec(), Qt::UTC);
    Session named(QStringLiteral("abc"));
    QCOMPARE(named.id(), QStringLiteral("abc"));
}

void tst_Session::seqStartsAtOneAndIncreases()
{
    Session s;
    QCOMPARE(s.lastSeq(), 0);
    for (int i = 1; i <= 5; ++i) {
        const StreamEvent e = s.append(StreamEvent::make(StreamEventType::Thinking,
                                                         {{"iteration", i}}, QStringLiteral("t")));
        QCOMPARE(e.seq, qint64(i));
        QCOMPARE(e.sessionId, s.id());
        QVERIFY(e.ts.isValid());
        QVERIFY(e.toJson().value("ts").toString().endsWith(QLatin1Char('Z')));
    }
    QCOMPARE(s.lastSeq(), 5);
    QCOMPARE(s.events().size(), 5);
}

void tst_Session::appendEmitsInOrder()
{
    Session s;
    QSignalSpy spy(&s, &Session::eventAppended);
    s.append(StreamEvent::make(StreamEventType::Thinking));
    s.append(StreamEvent::make(StreamEventType::FinalResponse));
    QCOMPARE(spy.size(), 2);
    QCOMPARE(spy.at(0).at(0).value<StreamEvent>().seq, 1);
    QCOMPARE(spy.at(1).at(0).value<StreamEvent>().type, StreamEventType::FinalResponse);
}

void tst_Session::eventsAfter_data()
{
    QTest::addColumn<qint64>("after");
    QTest::addColumn<QList<qint64>>("expected");
    QTest::newRow("all") << qint64(0) << QList<qint64> {1, 2, 3, 4};
    QTest::newRow("from the middle") << qint64(2) << QList<qint64> {3, 4};
    QTest::newRow("up to date") << qint64(4) << QList<qint64> {};
    QTest::newRow("from the future") << qint64(10) << QList<qint64> {};
    QTest::newRow("negative") << qint64(-5) << QList<qint64> {1, 2, 3, 4};
}

void tst_Session::eventsAfter()
{
    QFETCH(qint64, after);
    QFETCH(QList<qint64>, expected);
    Session s;
    for (int i = 0; i < 4; ++i)
        s.append(StreamEvent::make(StreamEventType::PartialResponse));
    QList<qint64> seqs;
    for (const StreamEvent &e : s.eventsAfter(after))
        seqs.append(e.seq);
    QCOMPARE(seqs, expected);
}

void tst_Session::seqNeverReusedAfterRestore()
{
    Session s;
    s.setLastSeq(41);
    QCOMPARE(s.append(StreamEvent::make(StreamEventType::Thinking)).seq, 42);
    s.setLastSeq(10); // never backwards
    QCOMPARE(s.append(StreamEvent::make(StreamEventType::Thinking)).seq, 43);
}

void tst_Session::busyTurn()
{
    Session s;
    QSignalSpy busy(&s, &Session::busyChanged);
    QVERIFY(!s.isBusy());
    QVERIFY(s.beginTurn(QStringLiteral("t1")));
    QVERIFY(s.isBusy());
    QCOMPARE(s.turnId(), QStringLiteral("t1"));
    QVERIFY(!s.beginTurn(QStringLiteral("t2")));
    QCOMPARE(s.turnId(), QStringLiteral("t1"));
    s.endTurn();
    QVERIFY(!s.isBusy());
    QVERIFY(s.beginTurn(QStringLiteral("t2")));
    QCOMPARE(busy.size(), 3);
}

void tst_Session::conversation()
{
    Session s;
    s.appendMessage(ChatMessage::user(QStringLiteral("hi")));
    s.appendMessage(ChatMessage::assistant(
            {}, {ToolCall {QStringLiteral("c1"), QStringLiteral("echo"), {{"message", "hi"}}}}));
    s.appendMessage(ChatMessage::toolResult(QStringLiteral("c1"), QStringLiteral("echo"),
                                            QStringLiteral("Echo: hi")));
    s.appendMessage(ChatMessage::assistant(QStringLiteral("done")));
    QCOMPARE(s.messages().size(), 4);
    QCOMPARE(s.messages().at(1).toolCalls.size(), 1);
    QCOMPARE(s.messages().at(2).toolCallId, QStringLiteral("c1"));
}

void tst_Session::memoryStore()
{
    MemorySessionStore store;
    Session *a = store.create();
    Session *b = store.create(QStringLiteral("fixed"));
    QVERIFY(a && b);
    QVERIFY(!store.create(QStringLiteral("fixed")));
    QCOMPARE(store.get(QStringLiteral("fixed")), b);
    QCOMPARE(store.list(), (QList<Session *> {a, b}));
    QPointer<Session> gone = a;
    QVERIFY(store.remove(a->id()));
    QVERIFY(!store.remove(QStringLiteral("nope")));
    QCOMPARE(store.list(), QList<Session *> {b});
    QVERIFY(gone); // deleted later, not at once
    QTRY_VERIFY(!gone);
}

QTEST_GUILESS_MAIN(tst_Session)
#include "tst_session.moc"
