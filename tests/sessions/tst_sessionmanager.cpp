// SessionManager: idle sessions expire after the TTL with a session_end "expired" event, busy
// ones never do, delete ends with "deleted", shutdown with "shutdown"; at most maxSessions are
// held (the cap's error names it and the config key that raises it).

#include <session.h>
#include <sessionmanager.h>
#include <sessionstore.h>

#include <QPointer>
#include <QSignalSpy>
#include <QTest>

class tst_SessionManager : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaults();
    void createAndGet();
    void capRefusesPastMaxSessions();
    void expiresIdleSessions();
    void activityKeepsASessionAlive();
    void busySessionDoesNotExpire();
    void deleteEndsWithReason();
    void shutdownEndsAll();
};

void tst_SessionManager::defaults()
{
    MemorySessionStore store;
    SessionManager manager(&store);
    QCOMPARE(manager.options().idleTtlMs, qint64(3600 * 1000));
    QCOMPARE(manager.options().maxSessions, 1000);
}

void tst_SessionManager::createAndGet()
{
    MemorySessionStore store;
    SessionManager manager(&store);
    QSignalSpy created(&manager, &SessionManager::sessionCreated);
    Session *s = manager.create();
    QVERIFY(s);
    QCOMPARE(created.size(), 1);
    QCOMPARE(manager.get(s->id()), s);
    QVERIFY(!manager.get(QStringLiteral("unknown")));
    QCOMPARE(manager.list().size(), 1);
}

void tst_SessionManager::capRefusesPastMaxSessions()
{
    MemorySessionStore store;
    SessionManager::Options options;
    options.maxSessions = 3;
    SessionManager manager(&store, options);
    QSignalSpy created(&manager, &SessionManager::sessionCreated);
    QList<Session *> sessions;
    for (int i = 0; i < 3; ++i) {
        Session *s = manager.create();
        QVERIFY(s);
        sessions << s;
    }
    SessionManager::CreateError error = SessionManager::CreateError::IdTaken;
    QVERIFY(!manager.create({}, &error));
    QCOMPARE(error, SessionManager::CreateError::Full);
    QVERIFY(!manager.create(QStringLiteral("named"), &error)); // a free id does not pass either
    QCOMPARE(error, SessionManager::CreateError::Full);
    QCOMPARE(manager.list().size(), 3);
    QCOMPARE(created.size(), 3);
    const QString message = manager.errorMessage(error);
    QVERIFY2(message.contains(QLatin1String("3 sessions"))
                     && message.contains(QLatin1String("sessions.max_sessions")),
             qPrintable(message));

    // An ended session frees its place; a taken id is told apart from the cap.
    QVERIFY(manager.remove(sessions.at(0)->id()));
    QVERIFY(manager.create(QStringLiteral("named"), &error));
    QVERIFY(!manager.create(QStringLiteral("x"), &error));
    QCOMPARE(error, SessionManager::CreateError::Full);
    QVERIFY(manager.remove(QStringLiteral("named")));
    QVERIFY(!manager.create(sessions.at(1)->id(), &error));
    QCOMPARE(error, SessionManager::CreateError::IdTaken);
}

void tst_SessionManager::expiresIdleSessions()
{
    MemorySessionStore store;
    SessionManager manager(&store, SessionManager::Options {150, 25});
    Session *s = manager.create();
    const QString id = s->id();
    s->append(StreamEvent::make(StreamEventType::FinalResponse));
    QList<StreamEvent> seen;
    connect(s, &Session::eventAppended, this, [&seen](const StreamEvent &e) { seen.append(e); });
    QSignalSpy removed(&manager, &SessionManager::sessionRemoved);
    QPointer<Session> guard = s;

    QTRY_COMPARE_WITH_TIMEOUT(removed.size(), 1, 3000);
    QCOMPARE(removed.at(0).at(0).toString(), id);
    QCOMPARE(removed.at(0).at(1).toString(), QStringLiteral("expired"));
    QCOMPARE(seen.size(), 1);
    QCOMPARE(seen.at(0).type, StreamEventType::SessionEnd);
    QCOMPARE(seen.at(0).data.value("reason").toString(), QStringLiteral("expired"));
    QCOMPARE(seen.at(0).seq, 2);
    QVERIFY(seen.at(0).turnId.isEmpty());
    QVERIFY(!manager.get(id));
    QTRY_VERIFY(!guard);
}

void tst_SessionManager::activityKeepsASessionAlive()
{
    MemorySessionStore store;
    SessionManager manager(&store, SessionManager::Options {300, 20});
    Session *s = manager.create();
    const QString id = s->id();
    // Used every 100 ms for 600 ms (twice the TTL): still there.
    for (int i = 0; i < 6; ++i) {
        QTest::qWait(100);
        QVERIFY(manager.get(id));
    }
    QTRY_VERIFY_WITH_TIMEOUT(!store.get(id), 3000); // store.get() does not touch
}

void tst_SessionManager::busySessionDoesNotExpire()
{
    MemorySessionStore store;
    SessionManager manager(&store, SessionManager::Options {50, 10});
    Session *s = manager.create();
    // The id is kept apart: once the idle session expires, the store deletes it (deleteLater)
    // while QTRY_ spins the event loop, so `s` must not be used after endTurn().
    const QString id = s->id();
    QPointer<Session> guard = s;
    QVERIFY(s->beginTurn(QStringLiteral("t")));
    QTest::qWait(200);
    QCOMPARE(manager.expireIdle(), 0);
    QCOMPARE(store.get(id), s);
    s->endTurn();
    QTRY_VERIFY_WITH_TIMEOUT(!store.get(id), 2000);
    QTRY_VERIFY(!guard);
}

void tst_SessionManager::deleteEndsWithReason()
{
    MemorySessionStore store;
    SessionManager manager(&store);
    Session *s = manager.create();
    const QString id = s->id();
    QList<StreamEvent> seen;
    connect(s, &Session::eventAppended, this, [&seen](const StreamEvent &e) { seen.append(e); });
    QVERIFY(manager.remove(id));
    QVERIFY(!manager.remove(id));
    QCOMPARE(seen.size(), 1);
    QCOMPARE(seen.at(0).type, StreamEventType::SessionEnd);
    QCOMPARE(seen.at(0).data.value("reason").toString(), QStringLiteral("deleted"));
    QVERIFY(!manager.get(id));
}

void tst_SessionManager::shutdownEndsAll()
{
    MemorySessionStore store;
    SessionManager manager(&store);
    manager.create();
    manager.create();
    QSignalSpy removed(&manager, &SessionManager::sessionRemoved);
    manager.shutdown();
    QCOMPARE(removed.size(), 2);
    QCOMPARE(removed.at(1).at(1).toString(), QStringLiteral("shutdown"));
    QVERIFY(manager.list().isEmpty());
}

QTEST_GUILESS_MAIN(tst_SessionManager)
#include "tst_sessionmanager.moc"
