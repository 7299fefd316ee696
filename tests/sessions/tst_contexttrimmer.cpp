// ContextTrimmer: drops the oldest whole turns to fit the budget, keeps the system prompt and
// the current turn, and never separates a tool call from its results.

#include <contexttrimmer.h>

#include <QTest>

namespace {

using Role = ChatMessage::Role;

QList<ChatMessage> toolTurn(int n, int size)
{
    const QString id = QStringLiteral("c%1").arg(n);
    return {ChatMessage::user(QStringLiteral("question %1 ").arg(n) + QString(size, 'q')),
            ChatMessage::assistant({}, {ToolCall {id, QStringLiteral("echo"), {{"n", n}}}}),
            ChatMessage::toolResult(id, QStringLiteral("echo"), QString(size, 'r')),
            ChatMessage::assistant(QStringLiteral("answer %1").arg(n))};
}

QList<ChatMessage> conversation(int turns, int size)
{
    QList<ChatMessage> out {ChatMessage::system(QStringLiteral("You are a test."))};
    for (int i = 1; i <= turns; ++i)
        out += toolTurn(i, size);
    out.append(ChatMessage::user(QStringLiteral("the current question")));
    return out;
}

/// Every tool result follows the assistant message that made its call.
bool pairsIntact(const QList<ChatMessage> &messages)
{
    QSet<QString> open;
    for (const ChatMessage &m : messages) {
        if (m.role == Role::Assistant)
            for (const ToolCall &c : m.toolCalls)
                open.insert(c.id);
        if (m.role == Role::Tool && !open.remove(m.toolCallId))
            return false;
    }
    return open.isEmpty();
}

} // namespace

class tst_ContextTrimmer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void estimate();
    void underBudgetUnchanged();
    void noBudgetUnchanged();
    void dropsOldestWholeTurns_data();
    void dropsOldestWholeTurns();
    void keepsCurrentTurnEvenOverBudget();
};

void tst_ContextTrimmer::estimate()
{
    QCOMPARE(ContextTrimmer::estimateTokens(ChatMessage::user(QString(400, 'x'))), 104);
    QVERIFY(ContextTrimmer::estimateTokens(toolTurn(1, 0).at(1)) > 4);
}

void tst_ContextTrimmer::underBudgetUnchanged()
{
    const auto messages = conversation(3, 10);
    int dropped = -1;
    const auto out = ContextTrimmer::trim(messages, 100000, &dropped);
    QCOMPARE(out.size(), messages.size());
    QCOMPARE(dropped, 0);
}

void tst_ContextTrimmer::noBudgetUnchanged()
{
    const auto messages = conversation(3, 4000);
    QCOMPARE(ContextTrimmer::trim(messages, 0).size(), messages.size());
}

void tst_ContextTrimmer::dropsOldestWholeTurns_data()
{
    QTest::addColumn<qint64>("budget");
    QTest::addColumn<int>("expectedDropped");
    // Each turn is about 225 tokens; all of it about 692.
    QTest::newRow("one turn over") << qint64(600) << 1;
    QTest::newRow("two turns over") << qint64(400) << 2;
    QTest::newRow("everything but the current turn") << qint64(50) << 3;
}

void tst_ContextTrimmer::dropsOldestWholeTurns()
{
    QFETCH(qint64, budget);
    QFETCH(int, expectedDropped);
    const auto messages = conversation(3, 400);
    int dropped = 0;
    const auto out = ContextTrimmer::trim(messages, budget, &dropped);
    QCOMPARE(dropped, expectedDropped);
    QCOMPARE(out.size(), messages.size() - 4 * expectedDropped);
    QCOMPARE(out.first().role, Role::System);
    QCOMPARE(out.last().text, QStringLiteral("the current question"));
    QVERIFY(pairsIntact(out));
    if (out.size() > 2) {
        QCOMPARE(out.at(1).role, Role::User);
        QVERIFY(out.at(1).text.startsWith(QStringLiteral("question %1").arg(expectedDropped + 1)));
    }
    if (expectedDropped < 3)
        QVERIFY(ContextTrimmer::estimateTokens(out) <= budget);
}

void tst_ContextTrimmer::keepsCurrentTurnEvenOverBudget()
{
    // The current turn itself has tool calls; it stays whole.
    QList<ChatMessage> messages {ChatMessage::system(QStringLiteral("sys"))};
    messages += toolTurn(1, 2000);
    messages += toolTurn(2, 2000);
    messages.removeLast(); // turn 2 is still running: no answer yet
    const auto out = ContextTrimmer::trim(messages, 10);
    QCOMPARE(out.size(), 4);
    QCOMPARE(out.at(0).role, Role::System);
    QVERIFY(out.at(1).text.startsWith(QStringLiteral("question 2")));
    QVERIFY(pairsIntact(out));
}

QTEST_GUILESS_MAIN(tst_ContextTrimmer)
#include "tst_contexttrimmer.moc"
