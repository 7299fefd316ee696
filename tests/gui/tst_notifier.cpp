// Notifier: an approval that waits while no window of the app is in front becomes one bounded
// message ("Approval needed", one line); with the window in front nothing is shown; clicking
// the message asks to show that call. Through App: the conversation's approvalRequested reaches
// the notifier, and a click opens the call's session and emits revealCall for it (Main.qml
// then scrolls to the step; tst_main.qml checks that part).
#include <app.h>
#include <conversationcontroller.h>
#include <notifier.h>

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

namespace {

struct Shown
{
    QString title;
    QString text;
};

} // namespace

class TstNotifier : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nothingWhileTheWindowIsInFront();
    void oneLineMessageWhileUnfocused();
    void clickAsksToShowTheCall();
    void noTrayNoMessage();
    void appWiresApprovalToNotifierAndReveal();
};

void TstNotifier::nothingWhileTheWindowIsInFront()
{
    Notifier notifier;
    QList<Shown> shown;
    notifier.setActiveCheck([] { return true; });
    notifier.setPresenter([&shown](const QString &title, const QString &text) {
        shown.append({title, text});
        return true;
    });
    QVERIFY(!notifier.notifyApproval(QStringLiteral("s1"), QStringLiteral("call-1"),
                                     QStringLiteral("fs › write_file waits for approval")));
    QVERIFY(shown.isEmpty());
}

void TstNotifier::oneLineMessageWhileUnfocused()
{
    Notifier notifier;
    QList<Shown> shown;
    notifier.setActiveCheck([] { return false; });
    notifier.setPresenter([&shown](const QString &title, const QString &text) {
        shown.append({title, text});
        return true;
    });
    QVERIFY(notifier.notifyApproval(QStringLiteral("s1"), QStringLiteral("call-1"),
                                    QStringLiteral("fs › write_file\nwants   to run")));
    QCOMPARE(shown.size(), 1);
    QCOMPARE(shown.at(0).title, QStringLiteral("Approval needed"));
    QCOMPARE(shown.at(0).text, QStringLiteral("fs › write_file wants to run"));

    // A hostile server's huge tool name: the message stays one bounded line.
    const QString huge = QStringLiteral("x\n").repeated(5000);
    QVERIFY(notifier.notifyApproval(QStringLiteral("s1"), QStringLiteral("call-2"), huge));
    QCOMPARE(shown.size(), 2);
    QCOMPARE(shown.at(1).text.size(), Notifier::kMaxMessageChars);
    QVERIFY(!shown.at(1).text.contains(QLatin1Char('\n')));
    QVERIFY(shown.at(1).text.endsWith(QChar(0x2026)));
}

void TstNotifier::clickAsksToShowTheCall()
{
    Notifier notifier;
    bool active = false;
    notifier.setActiveCheck([&active] { return active; });
    notifier.setPresenter([](const QString &, const QString &) { return true; });
    QSignalSpy activated(&notifier, &Notifier::activated);
    notifier.messageClicked(); // nothing shown yet: nothing to show
    QCOMPARE(activated.count(), 0);

    QVERIFY(notifier.notifyApproval(QStringLiteral("s1"), QStringLiteral("call-1"), "a"));
    QVERIFY(notifier.notifyApproval(QStringLiteral("s2"), QStringLiteral("call-9"), "b"));
    notifier.messageClicked();
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.at(0).at(0).toString(), QStringLiteral("s2")); // the newest message's
    QCOMPARE(activated.at(0).at(1).toString(), QStringLiteral("call-9"));

    // Shown while in front: not shown, and the last message's call stays the one clicked.
    active = true;
    QVERIFY(!notifier.notifyApproval(QStringLiteral("s3"), QStringLiteral("call-3"), "c"));
    notifier.messageClicked();
    QCOMPARE(activated.count(), 2);
    QCOMPARE(activated.at(1).at(1).toString(), QStringLiteral("call-9"));
}

void TstNotifier::noTrayNoMessage()
{
    Notifier notifier;
    notifier.setActiveCheck([] { return false; });
    notifier.setPresenter([](const QString &, const QString &) { return false; });
    QSignalSpy activated(&notifier, &Notifier::activated);
    QVERIFY(!notifier.notifyApproval(QStringLiteral("s1"), QStringLiteral("call-1"), "a"));
    notifier.messageClicked();
    QCOMPARE(activated.count(), 0);
}

void TstNotifier::appWiresApprovalToNotifierAndReveal()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    App app(nullptr, dir.filePath(QStringLiteral("tokens")));
    QList<Shown> shown;
    app.notifier()->setActiveCheck([] { return false; });
    app.notifier()->setPresenter([&shown](const QString &title, const QString &text) {
        shown.append({title, text});
        return true;
    });
    QSignalSpy reveal(&app, &App::revealCall);

    // What the conversation emits when an approval has waited a moment.
    Q_EMIT app.conversation()->approvalRequested(QStringLiteral("session-b"),
                                                 QStringLiteral("call_audio"),
                                                 QStringLiteral("fixture › audio"));
    QCOMPARE(shown.size(), 1);
    QCOMPARE(shown.at(0).text, QStringLiteral("fixture › audio"));

    app.notifier()->messageClicked();
    QCOMPARE(reveal.count(), 1);
    QCOMPARE(reveal.at(0).at(0).toString(), QStringLiteral("session-b"));
    QCOMPARE(reveal.at(0).at(1).toString(), QStringLiteral("call_audio"));
    // Another session was open (none here): the call's session is opened first.
    QCOMPARE(app.conversation()->sessionId(), QStringLiteral("session-b"));
}

QTEST_MAIN(TstNotifier)
#include "tst_notifier.moc"
