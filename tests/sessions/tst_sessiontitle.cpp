// A session's title: derived from the first user message (first non-empty line, white space
// collapsed, at most 80 characters, never a cut surrogate pair) and checked when a client
// renames it (1..200 characters, one line).

#include "sessiontitle.h"

#include <QTest>

class tst_SessionTitle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fromMessage_data();
    void fromMessage();
    void validate_data();
    void validate();
};

void tst_SessionTitle::fromMessage_data()
{
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("title");
    QTest::newRow("plain") << "Plan a trip"
                           << "Plan a trip";
    QTest::newRow("first non-empty line") << "\n  \n  Plan a trip \nto Rome"
                                          << "Plan a trip";
    QTest::newRow("tabs and control characters") << "a\tb\x01"
                                                    "c\rd"
                                                 << "a b c d";
    QTest::newRow("empty") << "  \n "
                           << "";
    QTest::newRow("80 exactly") << QString(80, QLatin1Char('a')) << QString(80, QLatin1Char('a'));
    QTest::newRow("81 is cut") << QString(81, QLatin1Char('a'))
                               << QString(79, QLatin1Char('a')) + QChar(0x2026);
    // 90 emoji (two UTF-16 units each): cut by characters, not units.
    QString emoji;
    for (int i = 0; i < 90; ++i)
        emoji += QString::fromUtf8("\xF0\x9F\x98\x80");
    QTest::newRow("surrogate pairs") << emoji << emoji.left(79 * 2) + QChar(0x2026);
}

void tst_SessionTitle::fromMessage()
{
    QFETCH(QString, message);
    QFETCH(QString, title);
    QCOMPARE(SessionTitle::fromMessage(message), title);
}

void tst_SessionTitle::validate_data()
{
    QTest::addColumn<QString>("title");
    QTest::addColumn<QString>("result"); // "" refused
    QTest::newRow("trimmed") << "  Trip  "
                             << "Trip";
    QTest::newRow("200") << QString(200, QLatin1Char('t')) << QString(200, QLatin1Char('t'));
    QTest::newRow("201") << QString(201, QLatin1Char('t')) << "";
    QTest::newRow("blank") << "   "
                           << "";
    QTest::newRow("newline") << "a\nb"
                             << "";
    QTest::newRow("escape") << "a\x1b[31mb"
                            << "";
}

void tst_SessionTitle::validate()
{
    QFETCH(QString, title);
    QFETCH(QString, result);
    QString why;
    const auto checked = SessionTitle::validate(title, &why);
    QCOMPARE(checked.value_or(QString()), result);
    QCOMPARE(why.isEmpty(), !result.isEmpty());
}

QTEST_GUILESS_MAIN(tst_SessionTitle)
#include "tst_sessiontitle.moc"
