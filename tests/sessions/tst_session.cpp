// Session, the live handle of a running turn: the store assigns seqs (1, 2, 3, … in append
// order) and eventAppended reports each committed event in order; one turn at a time (the
// store's lease); endTurn answers once every write is settled; a write the store refuses is
// reported once; a session destroyed mid-turn gives its lease back.

#include <memorysessionstore.h>
#include <session.h>
#include <storetestutil.h>

#include <QSignalSpy>
#include <QTest>

class tst_Session : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void seqsInAppendOrder();
    void oneTurnAtATime();
    void endTurnWaitsForWrites();
    void titleFromFirstUserMessage();
    void renamedTitleStays();
    void refusedWriteReportedOnce();
    void destroyedMidTurnReleasesLease();

private:
    static bool begin(Session *s, const QString &turnId,
                      std::optional<StoreError> *error = nullptr);
};

bool tst_Session::begin(Session *s, const QString &turnId, std::optional<StoreError> *error)
{
    bool answered = false;
    std::optional<StoreError> result;
    s->beginTurn(turnId, [&](std::optional<StoreError> e) {
        answered = true;
        result = e;
    });
    if (!QTest::qWaitFor([&] { return answered; }, 5000))
        return false;
    if (error)
        *error = result;
    return !result;
}

void tst_Session::seqsInAppendOrder()
{
    MemorySessionStore store;
    std::unique_ptr<Session> s(StoreTestUtil::createSession(&store));
    QVERIFY(s);
    QVERIFY(begin(s.get(), QStringLiteral("t1")));
    QSignalSpy spy(s.get(), &Session::eventAppended);
    for (int i = 1; i <= 5; ++i)
        s->append(StreamEvent::make(StreamEventType::Thinking, {{"iteration", i}},
                                    QStringLiteral("t1")));
    QVERIFY(QTest::qWaitFor([&] { return spy.size() == 5; }, 5000));
    for (int i = 0; i < 5; ++i) {
        const auto e = spy.at(i).at(0).value<StreamEvent>();
        QCOMPARE(e.seq, qint64(i + 1));
        QCOMPARE(e.data.value("iteration").toInt(), i + 1);
        QCOMPARE(e.sessionId, s->id());
        QVERIFY(e.toJson().value("ts").toString().endsWith(QLatin1Char('Z')));
    }
    QCOMPARE(s->lastSeq(), 5);
    QCOMPARE(StoreTestUtil::events(&store, s->id()).size(), 5);
}

void tst_Session::oneTurnAtATime()
{
    MemorySessionStore store;
    std::unique_ptr<Session> a(StoreTestUtil::createSession(&store, QStringLiteral("s")));
    QVERIFY(a);
    QVERIFY(begin(a.get(), QStringLiteral("t1")));
    QVERIFY(a->isBusy());
    QCOMPARE(a->turnId(), QStringLiteral("t1"));
    // The same object, and another handle on the same stored session (another caller).
    std::optional<StoreError> error;
    QVERIFY(!begin(a.get(), QStringLiteral("t2"), &error));
    QCOMPARE(error->code, StoreError::Code::Busy);
    Session b(&store, SessionData {a->record(), {}, {}});
    QVERIFY(!begin(&b, QStringLiteral("t3"), &error));
    QCOMPARE(error->code, StoreError::Code::Busy);
    bool ended = false;
    a->endTurn(TurnRecord {}, [&] { ended = true; });
    QVERIFY(QTest::qWaitFor([&] { return ended; }, 5000));
    QVERIFY(!a->isBusy());
    QVERIFY(begin(&b, QStringLiteral("t3")));
}

void tst_Session::endTurnWaitsForWrites()
{
    MemorySessionStore store;
    std::unique_ptr<Session> s(StoreTestUtil::createSession(&store));
    QVERIFY(begin(s.get(), QStringLiteral("t1")));
    int committed = 0;
    connect(s.get(), &Session::eventAppended, this, [&] { ++committed; });
    for (int i = 0; i < 3; ++i)
        s->append(StreamEvent::make(StreamEventType::PartialResponse, {{"delta", "x"}},
                                    QStringLiteral("t1")));
    int committedAtEnd = -1;
    TurnRecord turn;
    turn.state = TurnState::Answered;
    turn.iterations = 1;
    s->endTurn(turn, [&] { committedAtEnd = committed; });
    QVERIFY(QTest::qWaitFor([&] { return committedAtEnd >= 0; }, 5000));
    QCOMPARE(committedAtEnd, 3);
    const auto loaded = StoreTestUtil::wait<SessionData>(
            [&](SessionStore::Done<SessionData> d) { store.loadSession(s->id(), d); });
    QVERIFY(loaded && loaded->ok());
    QCOMPARE(loaded->value().turns.size(), 1);
    QCOMPARE(loaded->value().turns.first().state, TurnState::Answered);
    QCOMPARE(loaded->value().turns.first().firstSeq, 1);
    QCOMPARE(loaded->value().turns.first().lastSeq, 3);
    QVERIFY(loaded->value().session.runningTurnId.isEmpty());
}

void tst_Session::titleFromFirstUserMessage()
{
    MemorySessionStore store;
    std::unique_ptr<Session> s(StoreTestUtil::createSession(&store));
    QVERIFY(begin(s.get(), QStringLiteral("t1")));
    s->appendMessage(ChatMessage::assistant(QStringLiteral("not a user")));
    QCOMPARE(s->record().title, QString());
    s->appendMessage(ChatMessage::user(QStringLiteral("  What is\nthe weather?")));
    s->appendMessage(ChatMessage::user(QStringLiteral("second")));
    QCOMPARE(s->record().title, QStringLiteral("What is"));
    QCOMPARE(s->messages().size(), 3);
    const auto stored = StoreTestUtil::wait<SessionRecord>(
            [&](SessionStore::Done<SessionRecord> d) { store.getSession(s->id(), d); });
    QVERIFY(stored && stored->ok());
    QCOMPARE(stored->value().title, QStringLiteral("What is"));
    QCOMPARE(stored->value().messageCount, 3);
    QCOMPARE(stored->value().turnCount, 1);
}

void tst_Session::renamedTitleStays()
{
    MemorySessionStore store;
    std::unique_ptr<Session> s(StoreTestUtil::createSession(&store));
    const auto renamed
            = StoreTestUtil::wait<SessionRecord>([&](SessionStore::Done<SessionRecord> d) {
                  store.renameSession(s->id(), QStringLiteral("Renamed"), d);
              });
    QVERIFY(renamed && renamed->ok());
    QVERIFY(begin(s.get(), QStringLiteral("t1")));
    s->appendMessage(ChatMessage::user(QStringLiteral("first")));
    const auto stored = StoreTestUtil::wait<SessionRecord>(
            [&](SessionStore::Done<SessionRecord> d) { store.getSession(s->id(), d); });
    QVERIFY(stored && stored->ok());
    QCOMPARE(stored->value().title, QStringLiteral("Renamed"));
}

void tst_Session::refusedWriteReportedOnce()
{
    MemorySessionStore store;
    std::unique_ptr<Session> s(StoreTestUtil::createSession(&store));
    QVERIFY(begin(s.get(), QStringLiteral("t1")));
    QSignalSpy failed(s.get(), &Session::writeFailed);
    // The session is deleted under the turn: every later write is refused.
    const auto gone = StoreTestUtil::wait<DeleteReport>(
            [&](SessionStore::Done<DeleteReport> d) { store.deleteSession(s->id(), d); });
    QVERIFY(gone && gone->ok());
    s->append(StreamEvent::make(StreamEventType::Thinking, {}, QStringLiteral("t1")));
    s->appendMessage(ChatMessage::assistant(QStringLiteral("x")));
    QVERIFY(failed.wait(5000));
    QTest::qWait(50);
    QCOMPARE(failed.size(), 1);
    QCOMPARE(failed.first().at(0).value<StoreError>().code, StoreError::Code::NotFound);
}

void tst_Session::destroyedMidTurnReleasesLease()
{
    MemorySessionStore store;
    auto *s = StoreTestUtil::createSession(&store, QStringLiteral("s"));
    QVERIFY(begin(s, QStringLiteral("t1")));
    const SessionRecord record = s->record();
    delete s;
    Session again(&store, SessionData {record, {}, {}});
    QVERIFY(begin(&again, QStringLiteral("t2")));
}

QTEST_GUILESS_MAIN(tst_Session)
#include "tst_session.moc"
