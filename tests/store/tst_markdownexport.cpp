// A session as readable Markdown: the title, each turn with the user's message, thoughts, tool
// calls (server › tool, arguments, results, errors marked), the answer, start times and
// durations, stop reason and tokens; hostile text (backtick runs, headings, line breaks in
// names) never changes the document's structure.

#include "markdownexport.h"
#include "samplearchive.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QTest>

namespace {

/// The fenced blocks and the headings of a Markdown text, as a CommonMark reader sees them
/// (for the parts this export writes: fences at the start of a line, headings, quotes).
struct Structure
{
    QStringList headings; ///< lines outside fences and quotes that start with '#'
    QStringList blocks; ///< the content of each fenced block
    QStringList infos; ///< the info string of each
    bool unclosedFence = false;
};

Structure structure(const QString &markdown)
{
    Structure s;
    const QStringList lines = markdown.split(QLatin1Char('\n'));
    static const QRegularExpression opener(QStringLiteral("^(`{3,})([^`]*)$"));
    int fence = 0;
    QString block;
    for (const QString &line : lines) {
        if (fence > 0) {
            static const QRegularExpression closer(QStringLiteral("^(`{3,})\\s*$"));
            const auto m = closer.match(line);
            if (m.hasMatch() && m.capturedLength(1) >= fence) {
                s.blocks.append(block);
                block.clear();
                fence = 0;
            } else {
                block += line + QLatin1Char('\n');
            }
            continue;
        }
        const auto m = opener.match(line);
        if (m.hasMatch()) {
            fence = int(m.capturedLength(1));
            s.infos.append(m.captured(2));
            continue;
        }
        if (line.startsWith(QLatin1Char('#')))
            s.headings.append(line);
    }
    s.unclosedFence = fence > 0;
    return s;
}

/// Fails (naming the snippet) unless each of `snippets` occurs in `text` after the previous.
bool inOrder(const QString &text, const QStringList &snippets, QString *missing)
{
    qsizetype from = 0;
    for (const QString &snippet : snippets) {
        const qsizetype at = text.indexOf(snippet, from);
        if (at < 0) {
            *missing = snippet;
            return false;
        }
        from = at + snippet.size();
    }
    return true;
}

} // namespace

class tst_MarkdownExport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void conversationWithStepsAndTimes();
    void hostileTextKeepsTheStructure();
    void fencesOutgrowBacktickRuns_data();
    void fencesOutgrowBacktickRuns();
    void namesStayOnOneLine();
};

void tst_MarkdownExport::conversationWithStepsAndTimes()
{
    const auto archive = SampleArchive::make(QStringLiteral("notes"));
    QVERIFY(archive);
    const QString md = MarkdownExport::fromArchive(*archive);
    QString missing;
    const bool ok
            = inOrder(md,
                      {
                              "# Echo hi please\n",
                              "- Session: `notes`\n",
                              "- Turns: 3 · messages: 8 · events: 22\n",
                              // Turn 1: thought, approved tool call, answer.
                              "## Turn 1 · answered\n",
                              "- Started: 2026-12-01 13:31:44.151 UTC\n",
                              "- Duration: 2.27 s\n",
                              "- Iterations: 2\n",
                              "- Stop reason: answer\n",
                              "- Tokens: 60 in, 6 out\n",
                              "### You\n\n> Echo hi please\n\n",
                              "### 1. Thinking (iteration 1)\n\nStarted 13:31:44.151 UTC · took "
                              "400 ms\n\nThought:\n\n> Let me check.\n\n",
                              "### 2. Tool call: `fixture` › `echo`\n\n",
                              "Started 13:31:44.551 UTC · took 7 ms · approval required (approved "
                              "after 1.50 s)\n\n",
                              "Arguments:\n\n```json\n{\n    \"message\": \"hi\"\n}\n```\n\n",
                              "Result:\n\n```text\nEcho: hi\n```\n\n",
                              "### 3. Thinking (iteration 2)\n\nStarted 13:31:46.060 UTC · took "
                              "360 ms\n\n",
                              "### Answer\n\nAt 13:31:46.420 UTC\n\n> Done: hi\n\n",
                              // Turn 2: a failing tool, a question, a model error.
                              "## Turn 2 · failed\n",
                              "- Stop reason: error `server`\n\n### You\n\n> Try the failing tool",
                              "### 2. Tool call: `fixture` › `fail`\n\nStarted 13:31:50.100 UTC · "
                              "took 1.00 s\n\n",
                              "**Result (error):**\n\n```text\ndisk full\n```\n\n",
                              "### 3. Question from `fixture`\n\nAt 13:31:50.200 UTC\n\n> Which "
                              "disk?\n\n",
                              "### 4. Thinking (iteration 2)",
                              "### 5. Error `server`\n\nAt 13:31:51.300 UTC · retryable\n\n> the "
                              "model's server had an error (HTTP 500): upstream exploded\n\n",
                              // Turn 3: an image, cancelled.
                              "## Turn 3 · cancelled\n",
                              "- Stop reason: cancelled\n- Tokens: 20 in, 3 out\n",
                              "### 2. Tool call: `fixture` › `image`",
                              "Result:\n\n*(an image `image/png`, 8 bytes, not included)*\n\n",
                              "### Answer\n\nAt 13:31:55.040 UTC\n\n*(no answer)*\n\n",
                              "## Session events\n\n- 2026-12-01 13:31:59.000 UTC: the session "
                              "ended (shutdown)\n",
                      },
                      &missing);
    if (!ok)
        qWarning().noquote() << md;
    QVERIFY2(ok, qPrintable(QStringLiteral("missing, or out of order: ") + missing));
    // The answer's text is not shown twice (once as a thought), and no base64 leaks in.
    QCOMPARE(md.count(QStringLiteral("Done: hi")), 1);
    QVERIFY(!md.contains(QStringLiteral("iVBORw0KGgo")));
    QCOMPARE(md.count(QStringLiteral("Tokens:")), 2);
    const Structure s = structure(md);
    QVERIFY(!s.unclosedFence);
    QCOMPARE(s.headings.filter(QRegularExpression(QStringLiteral("^## Turn "))).size(), 3);
    QCOMPARE(s.blocks.size(), 5); // three arguments, two text results (the image is a note)
}

void tst_MarkdownExport::hostileTextKeepsTheStructure()
{
    using T = StreamEventType;
    using SampleArchive::at;
    using SampleArchive::ev;
    const QString input = QStringLiteral("Hi\n## Turn 99 · answered\n```\n<script>x</script>\r"
                                         "# also this\r\n> quote");
    const QString thought = QStringLiteral("thinking ````\n### 7. Tool call: fake\n````");
    const QString resultText = QStringLiteral("line\n`````\n# not a heading\n```\n````````");
    const QJsonObject arguments {{"code", "```\n````\n`````` end"}, {"n", 1}};
    const QString answer = QStringLiteral("Done\n\n# Injected heading\n[x]: javascript:alert(1)\n"
                                          "```unclosed");
    SampleArchive::TurnScript turn;
    turn.turnId = QStringLiteral("t1");
    turn.events = {
            ev(T::Thinking, at(1), {{"iteration", 1}, {"input", input}}),
            ev(T::PartialResponse, at(2), {{"iteration", 1}, {"delta", thought}}),
            ev(T::ToolCall, at(3),
               {{"iteration", 1},
                {"call_id", "c1"},
                {"server", "a``b"},
                {"tool", "ev`il\n# x"},
                {"arguments", arguments},
                {"approval", "auto"}}),
            ev(T::Observing, at(4),
               {{"iteration", 1},
                {"call_id", "c1"},
                {"is_error", false},
                {"content", QJsonArray {QJsonObject {{"type", "text"}, {"text", resultText}}}}}),
            ev(T::Thinking, at(5), {{"iteration", 2}}),
            ev(T::Error, at(6),
               {{"code", "x\n## y"}, {"message", "bad\r# Error heading"}, {"retryable", false}}),
    };
    turn.state = TurnState::Failed;
    SampleArchive::TurnScript second;
    second.turnId = QStringLiteral("t2");
    second.events = {
            ev(T::Thinking, at(7), {{"iteration", 1}, {"input", "again"}}),
            ev(T::FinalResponse, at(8),
               {{"iteration", 1}, {"content", answer}, {"stop_reason", "answer\n# sr"}}),
    };
    auto archive = SampleArchive::make(QStringLiteral("hostile"), {turn, second});
    QVERIFY(archive);
    archive->data.session.title = QStringLiteral("# *Evil* [x](javascript:alert(1)) `code` <b>");
    const QString md = MarkdownExport::fromArchive(*archive);
    const Structure s = structure(md);

    QVERIFY2(!s.unclosedFence, qPrintable(md));
    // Only the export's own headings.
    const QStringList expectedHeadings {
            "# \\# \\*Evil\\* \\[x\\]\\(javascript\\:alert\\(1\\)\\) \\`code\\` \\<b\\>",
            "## Turn 1 · failed",
            "### You",
            "### 1. Thinking (iteration 1)",
            "### 2. Tool call: ```a``b``` › ``ev`il # x``",
            "### 3. Thinking (iteration 2)",
            "### 4. Error `x ## y`",
            "## Turn 2 · answered",
            "### You",
            "### 1. Thinking (iteration 1)",
            "### Answer",
            "## Session events",
    };
    QCOMPARE(s.headings, expectedHeadings);
    // The fenced blocks hold exactly the arguments and the result, whatever backticks they
    // carry.
    QCOMPARE(s.blocks.size(), 2);
    QCOMPARE(s.infos, QStringList({"json", "text"}));
    QCOMPARE(s.blocks.at(0),
             QString::fromUtf8(QJsonDocument(arguments).toJson(QJsonDocument::Indented)));
    QCOMPARE(s.blocks.at(1), resultText + QLatin1Char('\n'));
    // Prose is quoted line by line; a carriage return is a line break and is quoted too.
    QVERIFY2(md.contains(QStringLiteral("> Hi\n> ## Turn 99 · answered\n> ```\n> "
                                        "<script>x</script>\n> # also this\n> > quote\n\n")),
             qPrintable(md));
    QVERIFY2(md.contains(QStringLiteral("> Done\n>\n> # Injected heading\n> [x]: "
                                        "javascript:alert(1)\n> ```unclosed\n\n")),
             qPrintable(md));
    QVERIFY2(md.contains(QStringLiteral("> bad\n> # Error heading\n\n")), qPrintable(md));
    QVERIFY2(md.contains(QStringLiteral("- Stop reason: answer \\# sr\n")), qPrintable(md));
    for (const QString &line : md.split(QLatin1Char('\n')))
        QVERIFY2(!line.contains(QLatin1Char('\r')), "a carriage return reached the output");
}

void tst_MarkdownExport::fencesOutgrowBacktickRuns_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("fence");
    QTest::newRow("none") << "plain"
                          << "```";
    QTest::newRow("one") << "a`b"
                         << "```";
    QTest::newRow("three") << "```"
                           << "````";
    QTest::newRow("ten inside") << "x``````````y"
                                << "```````````";
    QTest::newRow("at the end") << "x\n````"
                                << "`````";
}

void tst_MarkdownExport::fencesOutgrowBacktickRuns()
{
    QFETCH(QString, text);
    QFETCH(QString, fence);
    const QString block = MarkdownExport::fenced(text, QStringLiteral("text"));
    QCOMPARE(block,
             fence + QStringLiteral("text\n") + text + QStringLiteral("\n") + fence
                     + QStringLiteral("\n\n"));
    const Structure s = structure(block);
    QCOMPARE(s.blocks, QStringList {text + QLatin1Char('\n')});
}

void tst_MarkdownExport::namesStayOnOneLine()
{
    QCOMPARE(MarkdownExport::codeSpan(QStringLiteral("echo")), QStringLiteral("`echo`"));
    QCOMPARE(MarkdownExport::codeSpan(QStringLiteral("`x`")), QStringLiteral("`` `x` ``"));
    QCOMPARE(MarkdownExport::codeSpan(QStringLiteral("a\nb\rc")), QStringLiteral("`a b c`"));
    QCOMPARE(MarkdownExport::codeSpan(QString()), QStringLiteral("*(none)*"));
    QCOMPARE(MarkdownExport::escapedInline(QStringLiteral("a_b *c*\n# d")),
             QStringLiteral("a\\_b \\*c\\* \\# d"));
    QCOMPARE(MarkdownExport::quoted(QStringLiteral("a\n\nb")), QStringLiteral("> a\n>\n> b\n\n"));
}

QTEST_GUILESS_MAIN(tst_MarkdownExport)
#include "tst_markdownexport.moc"
