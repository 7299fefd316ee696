// TimelineModel and MarkdownBlocks: the recorded transcripts of real runs (tests/data/*.jsonl,
// recorded by tests/data/record-transcripts.sh from mcp-hostd, the fixture MCP server and the
// scripted LLM) replayed into the model under QAbstractItemModelTester, plus synthetic sessions
// for what a recording cannot hold (10,000 steps, huge results, a lost turn).
#include "markdownblocks.h"
#include "streamevent.h"
#include "timelinemodel.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>
#include <QTimeZone>

namespace {

QList<StreamEvent> transcript(const QString &name)
{
    QFile file(QStringLiteral(MCPHOST_SOURCE_DIR "/tests/data/") + name + QStringLiteral(".jsonl"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open %s", qPrintable(file.fileName()));
    QList<StreamEvent> events;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        if (line.isEmpty())
            continue;
        const auto event = StreamEvent::fromJson(QJsonDocument::fromJson(line).object());
        if (!event)
            qFatal("bad line in %s: %s", qPrintable(name), line.constData());
        events.append(*event);
    }
    return events;
}

void feed(TimelineModel &model, const QList<StreamEvent> &events)
{
    for (const StreamEvent &e : events)
        model.applyEvent(e);
}

QVariant role(const TimelineModel &model, int row, const char *name)
{
    const QHash<int, QByteArray> roles = model.roleNames();
    const int r = roles.key(name, -1);
    if (r < 0)
        qFatal("no role %s", name);
    return model.data(model.index(row), r);
}

// "kind:status" of every row.
QStringList rows(const TimelineModel &model)
{
    QStringList out;
    for (int r = 0; r < model.rowCount(); ++r)
        out << role(model, r, "kind").toString() + QLatin1Char(':')
                        + role(model, r, "status").toString();
    return out;
}

int rowOf(const TimelineModel &model, const QString &kind, int nth = 0)
{
    for (int r = 0; r < model.rowCount(); ++r) {
        if (role(model, r, "kind").toString() == kind && nth-- == 0)
            return r;
    }
    return -1;
}

// dataChanged signals that touched `row` (and, if given, `roleId`).
int changesOf(const QSignalSpy &spy, int row, int roleId = -1)
{
    int n = 0;
    for (const QList<QVariant> &args : spy) {
        const auto from = args.at(0).value<QModelIndex>();
        const auto to = args.at(1).value<QModelIndex>();
        const auto roles = args.at(2).value<QList<int>>();
        if (from.row() <= row && row <= to.row() && (roleId < 0 || roles.contains(roleId)))
            ++n;
    }
    return n;
}

StreamEvent ev(StreamEventType type, const QString &turn, qint64 seq, qint64 ms,
               const QJsonObject &data)
{
    StreamEvent e = StreamEvent::make(type, data, turn);
    e.sessionId = QStringLiteral("s");
    e.seq = seq;
    e.ts = QDateTime::fromMSecsSinceEpoch(1'700'000'000'000 + ms, QTimeZone::utc());
    return e;
}

bool hasHtmlElement(const QString &html, const QString &element)
{
    return html.contains(
            QRegularExpression(QStringLiteral("<\\s*") + element + QStringLiteral("\\b"),
                               QRegularExpression::CaseInsensitiveOption));
}

} // namespace

class TstTimelineModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void transcripts_data();
    void transcripts();
    void plainAnswerStreamsInPlace();
    void approvalWaitsAndIsApproved();
    void cancelMidTool();
    void errorEndsTheTurn();
    void withdrawnRequests();
    void replayIsIgnored();
    void backlogIsInsertedInBatches();
    void slowBacklogShowsUpInBatches();
    void foldAndUnfold();
    void findUnfoldsAndMarks();
    void markdownCopy();
    void observationPreview();
    void approvalDeadline();
    void samplingDeadline();
    void hostileDeadlines_data();
    void hostileDeadlines();
    void interruptedTurn();
    void storeInterruptedTurn();
    void cancelWhileAnswering();
    void expansionIsKeptInTheModel();
    void largeSession();

    void markdownNeverRendersRawHtml();
    void markdownEmphasisIsItalic();
    void markdownCodeFenceIsOneBlock();
    void markdownStreamingIsLinear();
};

void TstTimelineModel::transcripts_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QStringList>("expected");
    QTest::addColumn<QString>("stopReason");
    QTest::addColumn<int>("iterations");

    QTest::newRow("plain answer") << "plain-answer"
                                  << QStringList {"user:done", "answer:done", "turnSummary:done"}
                                  << "answer" << 1;
    QTest::newRow("two tool calls")
            << "two-tool-calls"
            << QStringList {"user:done",        "thinking:done",    "toolCall:done",
                            "acting:done",      "toolCall:done",    "acting:done",
                            "observation:done", "observation:done", "answer:done",
                            "turnSummary:done"}
            << "answer" << 2;
    QTest::newRow("approval") << "approval" << QStringList {"user:done",        "thinking:done",
                                                            "toolCall:done",    "acting:done",
                                                            "observation:done", "answer:done",
                                                            "turnSummary:done"}
                              << "answer" << 2;
    QTest::newRow("cancel mid tool")
            << "cancel-mid-tool"
            << QStringList {"user:done",        "thinking:done",         "toolCall:done",
                            "acting:cancelled", "observation:cancelled", "turnSummary:cancelled"}
            << "cancelled" << 1;
    QTest::newRow("max iterations")
            << "max-iterations"
            << QStringList {"user:done",        "thinking:done", "toolCall:done",   "acting:done",
                            "observation:done", "thinking:done", "toolCall:done",   "acting:done",
                            "observation:done", "answer:done",   "turnSummary:done"}
            << "max_iterations" << 3;
    QTest::newRow("error") << "error"
                           << QStringList {"user:done",    "thinking:done",     "toolCall:done",
                                           "acting:error", "observation:error", "thinking:error",
                                           "error:error",  "turnSummary:error"}
                           << "error" << 2;
    QTest::newRow("withdrawn elicitation and sampling")
            << "withdrawn" << QStringList {"user:done",
                                           "thinking:done",
                                           "toolCall:done",
                                           "acting:done",
                                           "toolCall:done",
                                           "acting:done",
                                           "elicitation:cancelled",
                                           "sampling:cancelled",
                                           "observation:done",
                                           "observation:done",
                                           "answer:done",
                                           "turnSummary:done"}
            << "answer" << 2;
    QTest::newRow("reconnect replay")
            << "reconnect-replay"
            << QStringList {"user:done",        "thinking:done", "toolCall:done",   "acting:done",
                            "observation:done", "answer:done",   "turnSummary:done"}
            << "answer" << 2;
}

void TstTimelineModel::transcripts()
{
    QFETCH(QString, name);
    QFETCH(QStringList, expected);
    QFETCH(QString, stopReason);
    QFETCH(int, iterations);

    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy running(&model, &TimelineModel::runningChanged);

    const QList<StreamEvent> events = transcript(name);
    feed(model, events);

    QCOMPARE(rows(model), expected);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(removed.count(), 0);
    QCOMPARE(inserted.count(), model.rowCount()); // one row at a time, appended
    QCOMPARE(model.count(), model.rowCount());
    QVERIFY(!model.running());
    QCOMPARE(running.count(), 2); // the turn started and ended

    const int summary = model.rowCount() - 1;
    QCOMPARE(role(model, summary, "stopReason").toString(), stopReason);
    QCOMPARE(role(model, summary, "iterations").toInt(), iterations);
    // The summary spans the turn: from its first event to its last.
    const qint64 first = events.at(1).ts.toMSecsSinceEpoch();
    qint64 last = 0;
    for (const StreamEvent &e : events)
        last = std::max(last, e.ts.toMSecsSinceEpoch());
    QCOMPARE(role(model, summary, "durationMs").toLongLong(), last - first);
    // Every step has a start and, the turn being over, a duration.
    for (int r = 0; r < model.rowCount(); ++r) {
        QVERIFY2(role(model, r, "startedAt").toDateTime().isValid(), qPrintable(expected.at(r)));
        QVERIFY2(role(model, r, "durationMs").toLongLong() >= 0, qPrintable(expected.at(r)));
        QCOMPARE(role(model, r, "turnId").toString(), events.at(1).turnId);
    }
    QCOMPARE(role(model, 0, "text").toString(), events.at(1).data.value("input").toString());
}

void TstTimelineModel::plainAnswerStreamsInPlace()
{
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy added(&model, &TimelineModel::stepAdded);
    model.clear();
    QCOMPARE(reset.count(), 1);

    const QList<StreamEvent> events = transcript(QStringLiteral("plain-answer"));
    const StreamEvent &final = events.last();
    QCOMPARE(final.type, StreamEventType::FinalResponse);
    feed(model, events.mid(0, events.size() - 1)); // everything up to the answer's last delta
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(added.count(), 2);
    QCOMPARE(role(model, 1, "kind").toString(), QStringLiteral("thinking"));
    QCOMPARE(role(model, 1, "status").toString(), QStringLiteral("running"));
    QCOMPARE(role(model, 1, "durationMs").toLongLong(), -1);
    QVERIFY(model.running());
    // 15 deltas arrived at once: nothing is written until the coalescing timer fires, then
    // once, in place.
    QCOMPARE(changesOf(changed, 1), 0);
    QTRY_COMPARE(changesOf(changed, 1, TimelineModel::TextRole), 1);
    QCOMPARE(inserted.count(), 2);
    // The closed blocks are rendered, the open tail is plain text.
    const QString html = role(model, 1, "html").toString();
    QVERIFY2(html.contains(QStringLiteral("Plan")), qPrintable(html));
    QVERIFY(hasHtmlElement(html, QStringLiteral("pre"))
            || html.contains(QStringLiteral("echo hi")));
    QCOMPARE(role(model, 1, "text").toString(), QStringLiteral("Done."));

    model.applyEvent(final);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(inserted.count(), 3); // only the summary is new: the thought became the answer
    QCOMPARE(role(model, 1, "kind").toString(), QStringLiteral("answer"));
    QVERIFY(changesOf(changed, 1, TimelineModel::KindRole) >= 1);
    QCOMPARE(role(model, 1, "text").toString(), QString()); // everything is rendered now
    const QString answer = role(model, 1, "html").toString();
    QVERIFY(answer.contains(QStringLiteral("Done.")));
    QVERIFY(answer.contains(QStringLiteral("font-style:italic"))); // _emphasis_
    QVERIFY(!answer.contains(QStringLiteral("underline")));
    QVERIFY(role(model, 1, "durationMs").toLongLong() >= 0);
    QCOMPARE(role(model, 2, "inputTokens").toLongLong(), 42);
    QCOMPARE(role(model, 2, "outputTokens").toLongLong(), 17);
    QCOMPARE(model.lastSeq(), final.seq);
}

void TstTimelineModel::approvalWaitsAndIsApproved()
{
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    const QList<StreamEvent> events = transcript(QStringLiteral("approval"));
    int callRow = -1;
    for (const StreamEvent &e : events) {
        model.applyEvent(e);
        if (e.type == StreamEventType::ToolCall) {
            callRow = model.rowOfCall(QStringLiteral("call_audio"));
            QCOMPARE(role(model, callRow, "status").toString(), QStringLiteral("waiting"));
            QCOMPARE(role(model, callRow, "approval").toString(), QStringLiteral("required"));
            QCOMPARE(role(model, callRow, "durationMs").toLongLong(), -1);
            // The server says nothing about its timeout: no deadline is made up.
            QVERIFY(!role(model, callRow, "deadline").toDateTime().isValid());
            QCOMPARE(role(model, callRow, "server").toString(), QStringLiteral("fixture"));
            QCOMPARE(role(model, callRow, "tool").toString(), QStringLiteral("audio"));
        }
    }
    QCOMPARE(role(model, callRow, "approval").toString(), QStringLiteral("approved"));
    QCOMPARE(role(model, callRow, "status").toString(), QStringLiteral("done"));
    // The recording waited 0.3 s before approving: that is the call's waiting time.
    QVERIFY(role(model, callRow, "durationMs").toLongLong() >= 250);
    const int obs = rowOf(model, QStringLiteral("observation"));
    const QVariantList content = role(model, obs, "content").toList();
    QCOMPARE(content.size(), 1);
    QCOMPARE(content.at(0).toMap().value("type").toString(), QStringLiteral("audio"));
    QCOMPARE(content.at(0).toMap().value("mimeType").toString(), QStringLiteral("audio/wav"));
    QVERIFY(!content.at(0).toMap().value("data").toString().isEmpty());
}

void TstTimelineModel::cancelMidTool()
{
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    const QList<StreamEvent> events = transcript(QStringLiteral("cancel-mid-tool"));
    int acting = -1;
    for (const StreamEvent &e : events) {
        model.applyEvent(e);
        if (e.type == StreamEventType::Acting && acting < 0) {
            acting = rowOf(model, QStringLiteral("acting"));
            QCOMPARE(role(model, acting, "status").toString(), QStringLiteral("running"));
            QCOMPARE(role(model, acting, "progress").toDouble(), -1.0);
            inserted.clear();
        } else if (e.type == StreamEventType::Acting) {
            // MCP progress: the same row, updated in place.
            QCOMPARE(inserted.count(), 0);
            QCOMPARE(role(model, acting, "progress").toDouble(),
                     e.data.value("progress").toDouble());
            QCOMPARE(role(model, acting, "progressTotal").toDouble(), 40.0);
            QCOMPARE(role(model, acting, "progressMessage").toString(),
                     e.data.value("message").toString());
        }
    }
    QCOMPARE(changesOf(changed, acting, TimelineModel::ProgressRole), 4);
    QCOMPARE(role(model, acting, "status").toString(), QStringLiteral("cancelled"));
    QCOMPARE(role(model, acting, "durationMs").toLongLong(), 392); // the server's duration_ms
    const int summary = model.rowCount() - 1;
    QCOMPARE(role(model, summary, "status").toString(), QStringLiteral("cancelled"));
    // The thought that came before the tool call stays a thought.
    QCOMPARE(role(model, 1, "kind").toString(), QStringLiteral("thinking"));
    QCOMPARE(model.fullResult(1), QStringLiteral("Running the slow tool."));
}

void TstTimelineModel::errorEndsTheTurn()
{
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    feed(model, transcript(QStringLiteral("error")));
    const int obs = rowOf(model, QStringLiteral("observation"));
    QVERIFY(role(model, obs, "isError").toBool());
    QCOMPARE(role(model, obs, "text").toString(), QStringLiteral("disk full"));
    const int err = rowOf(model, QStringLiteral("error"));
    QCOMPARE(role(model, err, "code").toString(), QStringLiteral("server"));
    QVERIFY(role(model, err, "text").toString().contains(QStringLiteral("upstream exploded")));
    QVERIFY(role(model, err, "retryable").toBool());
    QVERIFY(!model.running());
}

void TstTimelineModel::withdrawnRequests()
{
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    const QList<StreamEvent> events = transcript(QStringLiteral("withdrawn"));
    for (const StreamEvent &e : events) {
        model.applyEvent(e);
        if (e.type == StreamEventType::Elicitation && !e.data.contains("status")) {
            const int row = rowOf(model, QStringLiteral("elicitation"));
            QCOMPARE(role(model, row, "status").toString(), QStringLiteral("waiting"));
            QCOMPARE(role(model, row, "message").toString(), QStringLiteral("What is your name?"));
            QCOMPARE(role(model, row, "server").toString(), QStringLiteral("fixture"));
            QVERIFY(role(model, row, "schema").toMap().contains(QStringLiteral("properties")));
            QCOMPARE(role(model, row, "requestId").toString(),
                     e.data.value("request_id").toString());
        }
        if (e.type == StreamEventType::Sampling && !e.data.contains("status")) {
            const int row = rowOf(model, QStringLiteral("sampling"));
            QCOMPARE(role(model, row, "status").toString(), QStringLiteral("waiting"));
            QCOMPARE(role(model, row, "approval").toString(), QStringLiteral("required"));
            QCOMPARE(role(model, row, "message").toString(), QStringLiteral("Say hi"));
            QCOMPARE(role(model, row, "maxTokens").toInt(), 100);
        }
    }
    QCOMPARE(role(model, rowOf(model, "elicitation"), "status").toString(),
             QStringLiteral("cancelled"));
    QVERIFY(role(model, rowOf(model, "elicitation"), "message").toString().contains("withdrew"));
    QCOMPARE(role(model, rowOf(model, "sampling"), "status").toString(),
             QStringLiteral("cancelled"));
}

void TstTimelineModel::replayIsIgnored()
{
    const QList<StreamEvent> events = transcript(QStringLiteral("reconnect-replay"));
    // The recording really holds seqs twice (the second connection resumed from seq 3).
    QList<StreamEvent> unique;
    qint64 seen = 0;
    int doubled = 0;
    for (const StreamEvent &e : events) {
        if (e.type == StreamEventType::SessionStart)
            continue;
        if (e.seq <= seen) {
            ++doubled;
            continue;
        }
        seen = e.seq;
        unique.append(e);
    }
    QVERIFY(doubled >= 5);

    TimelineModel replayed;
    QAbstractItemModelTester tester(&replayed,
                                    QAbstractItemModelTester::FailureReportingMode::Fatal);
    feed(replayed, events);
    TimelineModel clean;
    feed(clean, unique);
    QCOMPARE(rows(replayed), rows(clean));
    for (int r = 0; r < clean.rowCount(); ++r) {
        for (const char *name : {"text", "html", "progress", "durationMs", "callId"})
            QCOMPARE(role(replayed, r, name), role(clean, r, name));
    }
    QCOMPARE(replayed.lastSeq(), seen);
    QCOMPARE(role(replayed, rowOf(replayed, "acting"), "progress").toDouble(), 5.0);

    // The whole stream once more (a window reopened without Last-Event-ID): nothing changes.
    QSignalSpy inserted(&replayed, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&replayed, &QAbstractItemModel::dataChanged);
    feed(replayed, events);
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(changed.count(), 0);

    // After clear() the same events build the session again.
    replayed.clear();
    QCOMPARE(replayed.lastSeq(), 0);
    feed(replayed, events);
    QCOMPARE(rows(replayed), rows(clean));
}

// A stream that opens a session replays its log first: session_start's last_seq says where the
// backlog ends. Its rows go in as one insert (not one per step), the same rows as live; what
// comes after it is live again, one insert per row.
void TstTimelineModel::backlogIsInsertedInBatches()
{
    const QList<StreamEvent> events = transcript(QStringLiteral("two-tool-calls"));
    TimelineModel live;
    feed(live, events);

    QList<StreamEvent> opened = events;
    QCOMPARE(opened.first().type, StreamEventType::SessionStart);
    opened.first().data.insert(QStringLiteral("last_seq"), double(events.last().seq));
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy added(&model, &TimelineModel::stepAdded);
    QSignalSpy count(&model, &TimelineModel::countChanged);
    feed(model, opened);
    QCOMPARE(rows(model), rows(live));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), live.rowCount() - 1);
    QCOMPARE(changed.count(), 0); // each row was read whole when it went in
    QCOMPARE(count.count(), 1);
    QCOMPARE(added.count(), live.rowCount());
    QCOMPARE(model.count(), live.rowCount());
    for (int r = 0; r < live.rowCount(); ++r) {
        for (const char *name : {"text", "html", "durationMs", "callId", "status", "progress"})
            QCOMPARE(role(model, r, name), role(live, r, name));
    }
    QCOMPARE(model.lastSeq(), live.lastSeq());

    // Live again: a new turn's user message and thought, one insert each.
    inserted.clear();
    model.applyEvent(ev(StreamEventType::Thinking, "t-live", events.last().seq + 1, 0,
                        {{"iteration", 1}, {"input", "and now?"}}));
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(model.rowCount(), live.rowCount() + 2);
}

// A backlog that arrives slowly (the stream returns to the event loop between its events)
// shows up in batches within kFlushIntervalMs; rows of a batch not yet inserted are nowhere.
void TstTimelineModel::slowBacklogShowsUpInBatches()
{
    const QList<StreamEvent> events = transcript(QStringLiteral("two-tool-calls"));
    QList<StreamEvent> opened = events;
    opened.first().data.insert(QStringLiteral("last_seq"), double(events.last().seq));
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    const int half = int(opened.size()) / 2;
    feed(model, opened.mid(0, half));
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.rowOfCall(QStringLiteral("call_a")), -1);
    QCOMPARE(model.stepMarkdown(0), QString());
    QTRY_VERIFY(model.rowCount() > 0);
    QCOMPARE(inserted.count(), 1);
    QVERIFY(model.rowOfCall(QStringLiteral("call_a")) >= 0);
    feed(model, opened.mid(half));
    TimelineModel live;
    feed(live, events);
    QCOMPARE(rows(model), rows(live));
    QCOMPARE(inserted.count(), 2);
    // Folding while a batch waits puts the batch in first.
    TimelineModel folding;
    QAbstractItemModelTester tester2(&folding,
                                     QAbstractItemModelTester::FailureReportingMode::Fatal);
    feed(folding, opened.mid(0, opened.size() - 1));
    QCOMPARE(folding.rowCount(), 0);
    folding.toggleFold(events.at(1).turnId); // the turn is not over: nothing folds
    QCOMPARE(folding.rowCount(), live.rowCount() - 1);
}

void TstTimelineModel::foldAndUnfold()
{
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    const QList<StreamEvent> events = transcript(QStringLiteral("two-tool-calls"));
    feed(model, events);
    const QString turn = events.at(1).turnId;
    const QStringList before = rows(model);
    const QString answerHtml = role(model, rowOf(model, "answer"), "html").toString();

    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.toggleFold(turn);
    QVERIFY(model.isFolded(turn));
    QCOMPARE(rows(model),
             (QStringList {"user:done", "fold:done", "answer:done", "turnSummary:done"}));
    QVERIFY(removed.count() >= 1);
    QCOMPARE(inserted.count(), 1);
    const QString foldText = role(model, 1, "foldText").toString();
    const qint64 ms = role(model, 3, "durationMs").toLongLong();
    QCOMPARE(foldText,
             QStringLiteral("2 tool calls \u00b7 1 thought \u00b7 %1 s")
                     .arg(QString::number(double(ms) / 1000.0, 'f', 1)));
    QCOMPARE(role(model, 1, "turnId").toString(), turn);
    QCOMPARE(role(model, 2, "html").toString(), answerHtml);
    QCOMPARE(model.rowOfCall(QStringLiteral("call_a")), 1); // the fold row holds it
    QVERIFY(model.stepMarkdown(1).contains(QStringLiteral("Echo: hi")));

    // A model call without text (it only asked for a tool) is not counted as a thought.
    TimelineModel approval;
    const QList<StreamEvent> approvalEvents = transcript(QStringLiteral("approval"));
    feed(approval, approvalEvents);
    approval.toggleFold(approvalEvents.at(1).turnId);
    QVERIFY(role(approval, 1, "foldText")
                    .toString()
                    .startsWith(QStringLiteral("1 tool call \u00b7 0 thoughts \u00b7 ")));

    model.toggleFold(turn);
    QVERIFY(!model.isFolded(turn));
    QCOMPARE(rows(model), before);
    QCOMPARE(role(model, model.rowOfCall(QStringLiteral("call_a")), "kind").toString(),
             QStringLiteral("toolCall"));
    QCOMPARE(reset.count(), 0);

    // A running turn does not fold.
    model.applyEvent(
            ev(StreamEventType::Thinking, "t2", 100, 0, {{"iteration", 1}, {"input", "again"}}));
    model.applyEvent(ev(StreamEventType::ToolCall, "t2", 101, 10,
                        {{"iteration", 1},
                         {"call_id", "x"},
                         {"server", "fixture"},
                         {"tool", "slow"},
                         {"arguments", QJsonObject()},
                         {"approval", "auto"}}));
    const int count = model.rowCount();
    model.toggleFold(QStringLiteral("t2"));
    QCOMPARE(model.rowCount(), count);
    QVERIFY(!model.isFolded(QStringLiteral("t2")));
    // The earlier, finished turn still folds while the new one runs; the new rows follow.
    model.toggleFold(turn);
    QCOMPARE(model.rowCount(), count - 7 + 1); // seven finished steps, one fold row
    QCOMPARE(role(model, model.rowCount() - 1, "kind").toString(), QStringLiteral("toolCall"));
    QCOMPARE(model.rowOfCall(QStringLiteral("x")), model.rowCount() - 1);
}

void TstTimelineModel::findUnfoldsAndMarks()
{
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    const QList<StreamEvent> events = transcript(QStringLiteral("two-tool-calls"));
    feed(model, events);
    const QString turn = events.at(1).turnId;
    model.toggleFold(turn);
    QCOMPARE(model.rowCount(), 4);

    // The match is inside the folded steps: the turn unfolds and the row is returned.
    const int row = model.find(QStringLiteral("done after 3"), 0, true);
    QVERIFY(!model.isFolded(turn));
    QVERIFY(row > 0);
    QCOMPARE(role(model, row, "kind").toString(), QStringLiteral("observation"));
    QCOMPARE(role(model, row, "callId").toString(), QStringLiteral("call_b"));
    QVERIFY(role(model, row, "matches").toBool());
    QVERIFY(!role(model, 0, "matches").toBool());

    // Case-insensitive, forward and backward, wrapping; every match is marked.
    const int first = model.find(QStringLiteral("ECHO"), 0, true);
    QCOMPARE(role(model, first, "kind").toString(), QStringLiteral("user"));
    const int second = model.find(QStringLiteral("echo"), first + 1, true);
    QCOMPARE(role(model, second, "kind").toString(), QStringLiteral("toolCall"));
    const int back = model.find(QStringLiteral("echo"), -1, false);
    QCOMPARE(role(model, back, "kind").toString(), QStringLiteral("answer"));
    int marked = 0;
    for (int r = 0; r < model.rowCount(); ++r)
        marked += role(model, r, "matches").toBool() ? 1 : 0;
    QCOMPARE(marked, 5); // user, echo call, its run, its result, the answer
    QCOMPARE(model.find(QStringLiteral("no such text"), 0, true), -1);
    QCOMPARE(model.find(QString(), 0, true), -1);
    for (int r = 0; r < model.rowCount(); ++r)
        QVERIFY(!role(model, r, "matches").toBool());
}

void TstTimelineModel::markdownCopy()
{
    TimelineModel model;
    const QList<StreamEvent> events = transcript(QStringLiteral("two-tool-calls"));
    feed(model, events);
    const int call = model.rowOfCall(QStringLiteral("call_a"));
    const QString step = model.stepMarkdown(call);
    QVERIFY2(step.contains(QStringLiteral("fixture \u203a echo")), qPrintable(step));
    QVERIFY(step.contains(QStringLiteral("```json\n{\n    \"message\": \"hi\"\n}\n```")));
    const QString turn = model.turnMarkdown(events.at(1).turnId);
    for (const char *part :
         {"Echo hi and run slow", "Let me check both.", "Echo: hi", "done after 3 steps",
          "\"steps\": 3", "The server echoed hi and the slow tool finished."})
        QVERIFY2(turn.contains(QString::fromUtf8(part)), part);
    // The answer's Markdown is its source text, not HTML.
    TimelineModel plain;
    feed(plain, transcript(QStringLiteral("plain-answer")));
    QVERIFY(plain.stepMarkdown(1).contains(QStringLiteral("```sh\necho hi\n```")));
    QVERIFY(!plain.stepMarkdown(1).contains(QStringLiteral("<p")));
    QCOMPARE(model.stepMarkdown(-1), QString());
    QCOMPARE(model.turnMarkdown(QStringLiteral("nope")), QString());
}

void TstTimelineModel::observationPreview()
{
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    const QString big = QString(10'000, QLatin1Char('y'));
    QString lines;
    for (int i = 0; i < 100; ++i)
        lines += QStringLiteral("line %1\n").arg(i);
    const QString json = QStringLiteral(R"({"a":[1,2,3],"b":{"c":"d"}})");
    const QString markdown = QStringLiteral("# Title\n\n- item <script>x</script>\n");
    model.applyEvent(ev(StreamEventType::Thinking, "t", 1, 0, {{"iteration", 1}, {"input", "go"}}));
    model.applyEvent(ev(StreamEventType::ToolCall, "t", 2, 1,
                        {{"iteration", 1},
                         {"call_id", "c"},
                         {"server", "fs"},
                         {"tool", "read"},
                         {"arguments", QJsonObject {{"path", "/tmp/a\nb"}, {"n", 3}}},
                         {"approval", "auto"}}));
    QCOMPARE(role(model, 2, "argsSummary").toString(), QStringLiteral("n: 3, path: /tmp/a b"));
    QCOMPARE(role(model, 2, "args").toMap().value("n").toInt(), 3);
    model.applyEvent(ev(StreamEventType::Acting, "t", 3, 2,
                        {{"iteration", 1}, {"call_id", "c"}, {"tool", "read"}}));
    const QJsonArray content {
            QJsonObject {{"type", "text"}, {"text", big}},
            QJsonObject {{"type", "text"}, {"text", lines}},
            QJsonObject {{"type", "text"}, {"text", json}},
            QJsonObject {{"type", "text"}, {"text", markdown}},
            QJsonObject {{"type", "image"}, {"mimeType", "image/png"}, {"data", "iVBORw0KGgo="}},
            QJsonObject {{"type", "resource_link"}, {"uri", "file:///x"}, {"name", "x"}},
            QJsonObject {{"type", "resource"},
                         {"resource",
                          QJsonObject {{"uri", "file:///r.txt"},
                                       {"mimeType", "text/plain"},
                                       {"text", big}}}}};
    model.applyEvent(ev(StreamEventType::Observing, "t", 4, 50,
                        {{"iteration", 1},
                         {"call_id", "c"},
                         {"tool", "read"},
                         {"is_error", false},
                         {"content", content},
                         {"duration_ms", 48}}));
    const int obs = rowOf(model, QStringLiteral("observation"));
    QCOMPARE(role(model, obs, "durationMs").toLongLong(), 48);
    QCOMPARE(role(model, obs, "server").toString(), QStringLiteral("fs"));
    QCOMPARE(role(model, rowOf(model, "acting"), "durationMs").toLongLong(), 48);
    QVERIFY(role(model, obs, "previewTruncated").toBool());
    const QVariantList blocks = role(model, obs, "content").toList();
    QCOMPARE(blocks.size(), 7);
    QCOMPARE(blocks.at(0).toMap().value("text").toString().size(), TimelineModel::kPreviewBytes);
    QVERIFY(blocks.at(0).toMap().value("truncated").toBool());
    QCOMPARE(blocks.at(0).toMap().value("bytes").toInt(), 10'000);
    QCOMPARE(blocks.at(1).toMap().value("text").toString().count(QLatin1Char('\n')),
             TimelineModel::kPreviewLines - 1);
    QCOMPARE(blocks.at(2).toMap().value("format").toString(), QStringLiteral("json"));
    QVERIFY(blocks.at(2).toMap().value("pretty").toString().contains(
            QStringLiteral("\n    \"b\": {")));
    QCOMPARE(blocks.at(3).toMap().value("format").toString(), QStringLiteral("markdown"));
    const QString html = blocks.at(3).toMap().value("html").toString();
    QVERIFY(html.contains(QStringLiteral("Title")));
    QVERIFY(!hasHtmlElement(html, QStringLiteral("script")));
    QCOMPARE(blocks.at(0).toMap().value("format").toString(), QStringLiteral("text"));
    QCOMPARE(blocks.at(4).toMap().value("data").toString(), QStringLiteral("iVBORw0KGgo="));
    QCOMPARE(blocks.at(5).toMap().value("uri").toString(), QStringLiteral("file:///x"));
    const QVariantMap resource = blocks.at(6).toMap().value("resource").toMap();
    QCOMPARE(resource.value("uri").toString(), QStringLiteral("file:///r.txt"));
    QCOMPARE(resource.value("text").toString().size(), TimelineModel::kPreviewBytes);
    QVERIFY(blocks.at(6).toMap().value("truncated").toBool());
    const QString full = model.fullResult(obs);
    QVERIFY(full.startsWith(big + QLatin1Char('\n') + lines));
    QVERIFY(full.contains(QStringLiteral("[image: image/png")));
    QCOMPARE(role(model, obs, "fullBytes").toLongLong(),
             qint64(2 * big.size() + lines.size() + json.size() + markdown.toUtf8().size()));
    QVERIFY(full.endsWith(big));
    QVERIFY(role(model, obs, "text").toString().size() < 3 * TimelineModel::kPreviewBytes);
}

void TstTimelineModel::approvalDeadline()
{
    TimelineModel model;
    model.applyEvent(ev(StreamEventType::Thinking, "t", 1, 0, {{"iteration", 1}, {"input", "go"}}));
    model.applyEvent(ev(StreamEventType::ToolCall, "t", 2, 1000,
                        {{"iteration", 1},
                         {"call_id", "c"},
                         {"server", "fs"},
                         {"tool", "rm"},
                         {"arguments", QJsonObject()},
                         {"approval", "required"},
                         {"approval_timeout_ms", 300000}}));
    const int row = model.rowOfCall(QStringLiteral("c"));
    QCOMPARE(role(model, row, "deadline").toDateTime(),
             QDateTime::fromMSecsSinceEpoch(1'700'000'000'000 + 1000 + 300000, QTimeZone::utc()));
    // Denied: no run, the result says why.
    model.applyEvent(
            ev(StreamEventType::Observing, "t", 3, 2000,
               {{"iteration", 1},
                {"call_id", "c"},
                {"tool", "rm"},
                {"is_error", true},
                {"content", QJsonArray {QJsonObject {{"type", "text"}, {"text", "denied"}}}}}));
    QCOMPARE(role(model, row, "status").toString(), QStringLiteral("denied"));
    QCOMPARE(role(model, row, "approval").toString(), QStringLiteral("denied"));
    QCOMPARE(role(model, row, "durationMs").toLongLong(), 1000);
    QCOMPARE(rowOf(model, QStringLiteral("acting")), -1);
}

void TstTimelineModel::samplingDeadline()
{
    // A sampling request that asks for approval counts down like a tool call's approval.
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    const qint64 base = 1'700'000'000'000;
    auto sampling = [](const QString &id, const QJsonObject &extra) {
        QJsonObject data {
                {"request_id", id},
                {"server", "summarizer"},
                {"messages",
                 QJsonArray {QJsonObject {
                         {"role", "user"},
                         {"content", QJsonObject {{"type", "text"}, {"text", "Sum up"}}}}}},
                {"max_tokens", 64},
                {"approval", "required"}};
        for (auto it = extra.begin(); it != extra.end(); ++it)
            data.insert(it.key(), it.value());
        return data;
    };
    model.applyEvent(ev(StreamEventType::Thinking, "t", 1, 0, {{"iteration", 1}, {"input", "go"}}));
    model.applyEvent(ev(StreamEventType::ToolCall, "t", 2, 10,
                        {{"iteration", 1},
                         {"call_id", "c1"},
                         {"server", "summarizer"},
                         {"tool", "summarize"},
                         {"arguments", QJsonObject()},
                         {"approval", "auto"}}));
    model.applyEvent(ev(StreamEventType::Acting, "t", 3, 20,
                        {{"iteration", 1}, {"call_id", "c1"}, {"tool", "summarize"}}));
    // As the server sends it: the timeout and the deadline it makes from it.
    model.applyEvent(ev(StreamEventType::Sampling, "t", 4, 1000,
                        sampling("smp_1",
                                 {{"approval_timeout_ms", 30000},
                                  {"deadline",
                                   StreamEvent::formatTimestamp(QDateTime::fromMSecsSinceEpoch(
                                           base + 1000 + 30000, QTimeZone::utc()))}})));
    int row = rowOf(model, QStringLiteral("sampling"));
    QCOMPARE(role(model, row, "status").toString(), QStringLiteral("waiting"));
    QCOMPARE(role(model, row, "deadline").toDateTime(),
             QDateTime::fromMSecsSinceEpoch(base + 1000 + 30000, QTimeZone::utc()));
    // Nobody answered: 30 s later the tool's result comes (the server denied the request).
    model.applyEvent(
            ev(StreamEventType::Observing, "t", 5, 1000 + 30000 + 5,
               {{"iteration", 1},
                {"call_id", "c1"},
                {"tool", "summarize"},
                {"is_error", true},
                {"content",
                 QJsonArray {QJsonObject {{"type", "text"},
                                          {"text", "the user declined the sampling request"}}}}}));
    QCOMPARE(role(model, row, "status").toString(), QStringLiteral("denied"));
    QCOMPARE(role(model, row, "approval").toString(), QStringLiteral("denied"));
    QCOMPARE(role(model, row, "code").toString(), QStringLiteral("timeout"));
    QCOMPARE(role(model, row, "durationMs").toLongLong(), 30005);

    // Answered in time: done, not denied.
    model.applyEvent(ev(StreamEventType::Acting, "t", 6, 40000,
                        {{"iteration", 1}, {"call_id", "c2"}, {"tool", "summarize"}}));
    model.applyEvent(ev(StreamEventType::Sampling, "t", 7, 40000,
                        sampling("smp_2", {{"approval_timeout_ms", 30000}})));
    row = rowOf(model, QStringLiteral("sampling"), 1);
    QCOMPARE(role(model, row, "deadline").toDateTime(),
             QDateTime::fromMSecsSinceEpoch(base + 40000 + 30000, QTimeZone::utc()));
    model.applyEvent(
            ev(StreamEventType::Observing, "t", 8, 41000,
               {{"iteration", 1},
                {"call_id", "c2"},
                {"tool", "summarize"},
                {"is_error", false},
                {"content", QJsonArray {QJsonObject {{"type", "text"}, {"text", "ok"}}}}}));
    QCOMPARE(role(model, row, "status").toString(), QStringLiteral("done"));
    QCOMPARE(role(model, row, "code").toString(), QString());

    // A request that runs at once (auto) waits for nobody: no countdown.
    model.applyEvent(ev(StreamEventType::Sampling, "t", 9, 50000,
                        sampling("smp_3", {{"approval", "auto"}, {"approval_timeout_ms", 30000}})));
    QVERIFY(!role(model, rowOf(model, QStringLiteral("sampling"), 2), "deadline")
                     .toDateTime()
                     .isValid());
}

void TstTimelineModel::hostileDeadlines_data()
{
    // What a hostile or broken server may send as the timeout / deadline of an approval, and
    // the countdown the card gets (ms after the event; -1: none).
    QTest::addColumn<QJsonObject>("fields");
    QTest::addColumn<qint64>("expected");
    const auto at = [](qint64 offsetMs) {
        return StreamEvent::formatTimestamp(QDateTime::fromMSecsSinceEpoch(
                1'700'000'000'000 + 1000 + offsetMs, QTimeZone::utc()));
    };
    QTest::newRow("negative timeout") << QJsonObject {{"approval_timeout_ms", -5000}} << qint64(-1);
    QTest::newRow("absurd timeout") << QJsonObject {{"approval_timeout_ms", 1e300}} << qint64(-1);
    QTest::newRow("two days") << QJsonObject {{"approval_timeout_ms", 2 * 86'400'000.0}}
                              << qint64(-1);
    QTest::newRow("timeout as text")
            << QJsonObject {{"approval_timeout_ms", "30000"}} << qint64(-1);
    QTest::newRow("zero") << QJsonObject {{"approval_timeout_ms", 0}} << qint64(0);
    QTest::newRow("deadline in year 9999")
            << QJsonObject {{"deadline", "9999-12-31T23:59:59.000Z"}} << qint64(-1);
    QTest::newRow("deadline an hour ago")
            << QJsonObject {{"deadline", at(-3'600'000)}} << qint64(-1);
    QTest::newRow("deadline just past") << QJsonObject {{"deadline", at(-2000)}} << qint64(0);
    QTest::newRow("deadline garbage") << QJsonObject {{"deadline", "soon"}} << qint64(-1);
    QTest::newRow("deadline not a string") << QJsonObject {{"deadline", 12345}} << qint64(-1);
    QTest::newRow("deadline without timeout")
            << QJsonObject {{"deadline", at(20000)}} << qint64(20000);
    QTest::newRow("bad deadline, good timeout")
            << QJsonObject {{"deadline", "9999-12-31T23:59:59.000Z"}, {"approval_timeout_ms", 9000}}
            << qint64(9000);
    QTest::newRow("the sooner of the two")
            << QJsonObject {{"deadline", at(60000)}, {"approval_timeout_ms", 9000}} << qint64(9000);
}

void TstTimelineModel::hostileDeadlines()
{
    QFETCH(QJsonObject, fields);
    QFETCH(qint64, expected);
    // The same rules for a tool call's approval and a sampling request.
    for (const bool sampling : {false, true}) {
        TimelineModel model;
        model.applyEvent(
                ev(StreamEventType::Thinking, "t", 1, 0, {{"iteration", 1}, {"input", "go"}}));
        QJsonObject data = fields;
        data.insert("approval", "required");
        data.insert("server", "fs");
        int row = -1;
        if (sampling) {
            data.insert("request_id", "smp_1");
            data.insert("messages", QJsonArray());
            model.applyEvent(ev(StreamEventType::Sampling, "t", 2, 1000, data));
            row = rowOf(model, QStringLiteral("sampling"));
        } else {
            data.insert("iteration", 1);
            data.insert("call_id", "c");
            data.insert("tool", "rm");
            data.insert("arguments", QJsonObject());
            model.applyEvent(ev(StreamEventType::ToolCall, "t", 2, 1000, data));
            row = model.rowOfCall(QStringLiteral("c"));
        }
        QVERIFY(row >= 0);
        const QDateTime deadline = role(model, row, "deadline").toDateTime();
        if (expected < 0) {
            QVERIFY2(!deadline.isValid(), qPrintable(deadline.toString(Qt::ISODateWithMs)));
        } else {
            QCOMPARE(deadline,
                     QDateTime::fromMSecsSinceEpoch(1'700'000'000'000 + 1000 + expected,
                                                    QTimeZone::utc()));
        }
    }
}

void TstTimelineModel::interruptedTurn()
{
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    auto start = [&model](const QString &turn, qint64 seq, qint64 ms) {
        model.applyEvent(
                ev(StreamEventType::Thinking, turn, seq, ms, {{"iteration", 1}, {"input", "go"}}));
        model.applyEvent(ev(StreamEventType::ToolCall, turn, seq + 1, ms + 10,
                            {{"iteration", 1},
                             {"call_id", "c"},
                             {"server", "fs"},
                             {"tool", "t"},
                             {"arguments", QJsonObject()},
                             {"approval", "auto"}}));
        model.applyEvent(ev(StreamEventType::Acting, turn, seq + 2, ms + 20,
                            {{"iteration", 1}, {"call_id", "c"}, {"tool", "t"}}));
    };
    start(QStringLiteral("a"), 1, 0);
    QVERIFY(model.running());
    // The server lost turn a (a restart): the next turn starts without a final event.
    start(QStringLiteral("b"), 10, 5000);
    QCOMPARE(rows(model).mid(0, 5),
             (QStringList {"user:done", "thinking:done", "toolCall:done", "acting:interrupted",
                           "turnSummary:interrupted"}));
    QCOMPARE(role(model, 4, "stopReason").toString(), QStringLiteral("interrupted"));
    QCOMPARE(role(model, 3, "durationMs").toLongLong(), 0);
    // The same call id in another turn is another call.
    QCOMPARE(model.rowOfCall(QStringLiteral("c")), 7);
    model.applyEvent(
            ev(StreamEventType::SessionEnd, QString(), 20, 9000, {{"reason", "shutdown"}}));
    QVERIFY(!model.running());
    QCOMPARE(role(model, 8, "status").toString(), QStringLiteral("interrupted"));
}

void TstTimelineModel::storeInterruptedTurn()
{
    // The store closes a turn whose process died with an error turn_interrupted: the card
    // says why, and the turn reads interrupted (not error), as the server's turn record does.
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.applyEvent(ev(StreamEventType::Thinking, "a", 1, 0, {{"iteration", 1}, {"input", "go"}}));
    model.applyEvent(ev(StreamEventType::Error, "a", 2, 4000,
                        {{"code", "turn_interrupted"},
                         {"message", "this turn was interrupted: the host stopped while it ran"},
                         {"retryable", true}}));
    QVERIFY(!model.running());
    QCOMPARE(rows(model),
             (QStringList {"user:done", "thinking:interrupted", "error:error",
                           "turnSummary:interrupted"}));
    QCOMPARE(role(model, 3, "stopReason").toString(), QStringLiteral("interrupted"));
    // Any other error still ends its turn as an error.
    model.applyEvent(
            ev(StreamEventType::Thinking, "b", 3, 5000, {{"iteration", 1}, {"input", "again"}}));
    model.applyEvent(ev(StreamEventType::Error, "b", 4, 5100,
                        {{"code", "model_error"}, {"message", "500 from the model"}}));
    QCOMPARE(rows(model).constLast(), QStringLiteral("turnSummary:error"));
    QCOMPARE(role(model, model.rowCount() - 1, "stopReason").toString(), QStringLiteral("error"));
}

void TstTimelineModel::cancelWhileAnswering()
{
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.applyEvent(ev(StreamEventType::Thinking, "t", 1, 0, {{"iteration", 1}, {"input", "go"}}));
    model.applyEvent(ev(StreamEventType::PartialResponse, "t", 2, 10,
                        {{"iteration", 1}, {"delta", "Half an ans"}}));
    model.applyEvent(ev(StreamEventType::FinalResponse, "t", 3, 700,
                        {{"iteration", 1},
                         {"iterations", 1},
                         {"stop_reason", "cancelled"},
                         {"content", "Half an ans"}}));
    // The text the model had written is kept as a cancelled answer.
    QCOMPARE(rows(model), (QStringList {"user:done", "answer:cancelled", "turnSummary:cancelled"}));
    QCOMPARE(role(model, 1, "durationMs").toLongLong(), 700);
    QVERIFY(role(model, 1, "html").toString().contains(QStringLiteral("Half an ans")));
    QCOMPARE(role(model, 2, "stopReason").toString(), QStringLiteral("cancelled"));
}

void TstTimelineModel::expansionIsKeptInTheModel()
{
    TimelineModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    const QList<StreamEvent> events = transcript(QStringLiteral("two-tool-calls"));
    feed(model, events);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    const int call = model.rowOfCall(QStringLiteral("call_b"));
    model.setExpanded(call, true);
    QCOMPARE(changesOf(changed, call, TimelineModel::ExpandedRole), 1);
    QVERIFY(role(model, call, "expanded").toBool());
    // Folding and unfolding keeps it.
    model.toggleFold(events.at(1).turnId);
    model.toggleFold(events.at(1).turnId);
    QVERIFY(role(model, model.rowOfCall(QStringLiteral("call_b")), "expanded").toBool());
    model.setExpanded(-1, true);
    model.setExpanded(1000, true);
}

void TstTimelineModel::largeSession()
{
    // 10,500 steps: 1,500 turns of user, thought, call, run, result, answer, summary.
    TimelineModel model;
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QList<StreamEvent> events;
    qint64 seq = 0;
    const QString big = QString(2000, QLatin1Char('r'));
    for (int t = 0; t < 1500; ++t) {
        const QString turn = QStringLiteral("turn-%1").arg(t);
        const qint64 ms = t * 1000;
        const QString id = QStringLiteral("call_1"); // providers reuse ids across turns
        events << ev(StreamEventType::Thinking, turn, ++seq, ms,
                     {{"iteration", 1}, {"input", "question"}})
               << ev(StreamEventType::PartialResponse, turn, ++seq, ms + 1,
                     {{"iteration", 1}, {"delta", "Let me look."}})
               << ev(StreamEventType::ToolCall, turn, ++seq, ms + 2,
                     {{"iteration", 1},
                      {"call_id", id},
                      {"server", "fs"},
                      {"tool", "read"},
                      {"arguments", QJsonObject {{"path", "/x"}}},
                      {"approval", "auto"}})
               << ev(StreamEventType::Acting, turn, ++seq, ms + 3,
                     {{"iteration", 1}, {"call_id", id}, {"tool", "read"}})
               << ev(StreamEventType::Acting, turn, ++seq, ms + 4,
                     {{"iteration", 1},
                      {"call_id", id},
                      {"tool", "read"},
                      {"progress", 1},
                      {"total", 2}})
               << ev(StreamEventType::Observing, turn, ++seq, ms + 5,
                     {{"iteration", 1},
                      {"call_id", id},
                      {"tool", "read"},
                      {"is_error", false},
                      {"content", QJsonArray {QJsonObject {{"type", "text"}, {"text", big}}}},
                      {"duration_ms", 2}})
               << ev(StreamEventType::Thinking, turn, ++seq, ms + 6, {{"iteration", 2}});
        for (int d = 0; d < 5; ++d)
            events << ev(StreamEventType::PartialResponse, turn, ++seq, ms + 7 + d,
                         {{"iteration", 2}, {"delta", "Some answer words. "}});
        events << ev(StreamEventType::FinalResponse, turn, ++seq, ms + 20,
                     {{"iteration", 2},
                      {"iterations", 2},
                      {"stop_reason", "answer"},
                      {"content", QString()},
                      {"usage", QJsonObject {{"input_tokens", 10}, {"output_tokens", 5}}}});
    }
    const qint64 parsesBefore = MarkdownBlocks::parseCount();
    QElapsedTimer timer;
    timer.start();
    feed(model, events);
    const qint64 elapsed = timer.elapsed();
    // Nothing is on screen yet: no Markdown parsed, no result classified.
    QCOMPARE(MarkdownBlocks::parseCount() - parsesBefore, 0);
    qInfo("%lld events, %d rows in %lld ms", qint64(events.size()), model.rowCount(), elapsed);
    QCOMPARE(model.rowCount(), 10'500);
    QCOMPARE(reset.count(), 0);
    QVERIFY2(elapsed < 5000, "a sanity bound only; the benchmark proper is in the docs");
    QCOMPARE(role(model, 10'499, "kind").toString(), QStringLiteral("turnSummary"));
    // Showing the last answer renders that answer only (one closed block, once).
    QCOMPARE(role(model, 10'498, "kind").toString(), QStringLiteral("answer"));
    QVERIFY(role(model, 10'498, "html").toString().contains(QStringLiteral("Some answer words.")));
    QVERIFY(role(model, 10'498, "html").toString().contains(QStringLiteral("Some answer words.")));
    QCOMPARE(MarkdownBlocks::parseCount() - parsesBefore, 1);
    QCOMPARE(model.fullResult(4).size(), big.size());
    // The newest call of a reused id is found; folding an early turn renumbers the rest.
    QCOMPARE(model.rowOfCall(QStringLiteral("call_1")), 10'500 - 5);
    model.toggleFold(QStringLiteral("turn-0"));
    QCOMPARE(model.rowCount(), 10'500 - 4 + 1);
    QCOMPARE(model.rowOfCall(QStringLiteral("call_1")), 10'497 - 5);
    QCOMPARE(model.find(QStringLiteral("question"), 10'496, false), 10'490);
    QCOMPARE(model.find(QStringLiteral("question"), 10'496, true), 0); // wraps around
}

// ---- MarkdownBlocks ---------------------------------------------------------------------------

void TstTimelineModel::markdownNeverRendersRawHtml()
{
    const QString hostile = QStringLiteral(
            "Look: <img src=x onerror=alert(1)> and <script>alert(2)</script>\n\n"
            "<a href=\"javascript:alert(3)\">click</a>\n\n"
            "<div onclick=\"alert(4)\">block</div>\n\n"
            "[link](javascript:alert(5)) and ![pic](http://evil.example/t.png) and "
            "[ok](https://example.org/)\n");
    // Through the model, as a streamed answer.
    TimelineModel model;
    model.applyEvent(ev(StreamEventType::Thinking, "t", 1, 0, {{"iteration", 1}, {"input", "x"}}));
    for (qsizetype i = 0; i < hostile.size(); i += 7)
        model.applyEvent(ev(StreamEventType::PartialResponse, "t", 2 + i, 1,
                            {{"iteration", 1}, {"delta", hostile.mid(i, 7)}}));
    model.applyEvent(ev(StreamEventType::FinalResponse, "t", 100000, 2,
                        {{"iteration", 1},
                         {"iterations", 1},
                         {"stop_reason", "answer"},
                         {"content", hostile}}));
    const QString html = role(model, 1, "html").toString();
    for (const char *element : {"img", "script", "div", "iframe"})
        QVERIFY2(!hasHtmlElement(html, QString::fromLatin1(element)), qPrintable(html));
    QVERIFY2(!html.contains(QStringLiteral("javascript:"), Qt::CaseInsensitive)
                     || !html.contains(QRegularExpression(QStringLiteral("href=\"\\s*javascript"))),
             qPrintable(html));
    QVERIFY(!html.contains(QRegularExpression(QStringLiteral("href=\"\\s*javascript"),
                                              QRegularExpression::CaseInsensitiveOption)));
    QVERIFY(!html.contains(QStringLiteral("evil.example/t.png\"")));
    // The text stays visible as text.
    QVERIFY2(html.contains(QStringLiteral("&lt;script&gt;")), qPrintable(html));
    QVERIFY(html.contains(QStringLiteral("&lt;img src=x onerror=alert(1)&gt;")));
    QVERIFY(html.contains(QStringLiteral("href=\"https://example.org/\"")));
}

void TstTimelineModel::markdownEmphasisIsItalic()
{
    const QString html = MarkdownBlocks::render(QStringLiteral("a _word_ and *star* and **bold**"));
    QCOMPARE(html.count(QStringLiteral("font-style:italic")), 2);
    QVERIFY2(!html.contains(QStringLiteral("underline")), qPrintable(html));
    QVERIFY(html.contains(QStringLiteral("font-weight")));
}

void TstTimelineModel::markdownCodeFenceIsOneBlock()
{
    MarkdownBlocks blocks;
    const qint64 before = MarkdownBlocks::parseCount();
    blocks.append(u"Intro.\n\n```json\n{\"a\": 1,\n\n \"b\": 2}\n");
    // Closed blocks are parsed when the HTML is first asked for, not when they close.
    QCOMPARE(MarkdownBlocks::parseCount() - before, 0);
    QCOMPARE(blocks.unrenderedBlocks(), 1);
    QVERIFY(blocks.tail().startsWith(QStringLiteral("```json")));
    QVERIFY(!blocks.html().contains(QStringLiteral("&quot;a&quot;")));
    QCOMPARE(MarkdownBlocks::parseCount() - before, 1); // "Intro." only
    QVERIFY(blocks.html().contains(QStringLiteral("Intro.")));
    QCOMPARE(MarkdownBlocks::parseCount() - before, 1); // cached: not parsed again
    blocks.append(u"```\n");
    QCOMPARE(blocks.tail(), QString());
    QVERIFY(blocks.html().contains(QStringLiteral("&quot;b&quot;: 2")));
    QCOMPARE(MarkdownBlocks::parseCount() - before, 2);
    QVERIFY(hasHtmlElement(blocks.html(), QStringLiteral("pre")));
    blocks.append(u"tail text");
    QCOMPARE(blocks.tail(), QStringLiteral("tail text"));
    blocks.finish();
    QVERIFY(blocks.html().contains(QStringLiteral("tail text")));
    QCOMPARE(MarkdownBlocks::parseCount() - before, 3);
    QCOMPARE(blocks.unrenderedBlocks(), 0);
    QCOMPARE(blocks.source(),
             QStringLiteral("Intro.\n\n```json\n{\"a\": 1,\n\n \"b\": 2}\n```\ntail text"));
}

void TstTimelineModel::markdownStreamingIsLinear()
{
    // A 14 KB answer in paragraphs, streamed in 200 deltas, each written to the row at once
    // (the worst case: no coalescing) and read at once by a view: every block is parsed once,
    // plus the tail at the end.
    QString answer;
    int paragraphs = 0;
    while (answer.size() < 14'000) {
        answer += QStringLiteral(
                          "Paragraph %1 with *some* words, `code` and a [link](https://x.org).\n"
                          "A second line of the same paragraph.\n\n")
                          .arg(++paragraphs);
    }
    answer += QStringLiteral("The end, unterminated");
    TimelineModel model;
    model.applyEvent(ev(StreamEventType::Thinking, "t", 1, 0, {{"iteration", 1}, {"input", "x"}}));
    const qint64 before = MarkdownBlocks::parseCount();
    const qsizetype step = answer.size() / 200;
    for (int i = 0; i < 200; ++i) {
        model.applyEvent(
                ev(StreamEventType::PartialResponse, "t", 2 + i, 1,
                   {{"iteration", 1}, {"delta", answer.mid(i * step, i == 199 ? -1 : step)}}));
        model.flush();
        QVERIFY(!role(model, 1, "text").toString().contains(QStringLiteral("\n\n")));
        (void)role(model, 1, "html"); // the card on screen shows it
    }
    QCOMPARE(MarkdownBlocks::parseCount() - before, paragraphs);
    model.applyEvent(ev(
            StreamEventType::FinalResponse, "t", 1000, 2,
            {{"iteration", 1}, {"iterations", 1}, {"stop_reason", "answer"}, {"content", answer}}));
    QVERIFY(role(model, 1, "html").toString().contains(QStringLiteral("The end, unterminated")));
    QCOMPARE(MarkdownBlocks::parseCount() - before, paragraphs + 1);

    // One 14 KB paragraph in 200 deltas: a single parse, when it is complete.
    MarkdownBlocks one;
    const qint64 start = MarkdownBlocks::parseCount();
    const QString para = QString(14'000, QLatin1Char('w'));
    for (int i = 0; i < 200; ++i)
        one.append(QStringView(para).mid(i * 70, 70));
    QCOMPARE(MarkdownBlocks::parseCount() - start, 0);
    QCOMPARE(one.tailSize(), 14'000);
    one.finish();
    QCOMPARE(MarkdownBlocks::parseCount() - start, 0);
    QVERIFY(one.html().startsWith(QStringLiteral("<p")));
    QCOMPARE(MarkdownBlocks::parseCount() - start, 1);
}

QTEST_MAIN(TstTimelineModel)
#include "tst_timelinemodel.moc"
