// Unit tests for the text/event-stream parser and encoder (common/sseparser.h, sseencoder.h).

#include "sseencoder.h"
#include "sseparser.h"

#include <QTest>

namespace {

// A byte array from a literal that may contain NUL bytes.
template<qsizetype N> QByteArray raw(const char (&s)[N])
{
    return QByteArray(s, N - 1);
}

SseEvent ev(const QByteArray &data, const QByteArray &type = "message", const QByteArray &id = {},
            bool hasId = false, std::optional<int> retry = {})
{
    SseEvent e;
    e.data = data;
    e.type = type;
    e.id = id;
    e.hasId = hasId;
    e.retry = retry;
    return e;
}

// Everything one feed sequence produced: what a consumer of the parser can observe.
struct Outcome
{
    QList<SseEvent> events;
    QByteArrayList comments;
    QByteArray lastEventId;
    std::optional<int> retryMs;
};

// Feeds `chunks` in order into a fresh parser.
Outcome feedChunks(const QByteArrayList &chunks)
{
    SseParser parser;
    Outcome o;
    parser.setCommentHandler([&o](QByteArrayView text) { o.comments.append(text.toByteArray()); });
    for (const QByteArray &chunk : chunks)
        o.events += parser.feed(chunk);
    o.lastEventId = parser.lastEventId();
    o.retryMs = parser.retryMs();
    return o;
}

QByteArrayList bytewise(const QByteArray &stream)
{
    QByteArrayList chunks;
    for (char c : stream)
        chunks.append(QByteArray(1, c));
    return chunks;
}

} // namespace

bool operator==(const SseEvent &a, const SseEvent &b)
{
    return a.id == b.id && a.hasId == b.hasId && a.type == b.type && a.data == b.data
            && a.retry == b.retry;
}

// Found by ADL so QCOMPARE on QList<SseEvent> prints the differing event.
char *toString(const SseEvent &e)
{
    const QByteArray retry = e.retry ? QByteArray::number(*e.retry) : QByteArray("-");
    return QTest::toString(QByteArray("SseEvent(type=" + e.type + " id=" + e.id
                                      + (e.hasId ? " (own)" : "") + " retry=" + retry
                                      + " data=" + e.data.toPercentEncoding(" :") + ")"));
}

class tst_SseParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void framing_data();
    void framing();
    void comments_data();
    void comments();
    void lastEventIdAndRetry_data();
    void lastEventIdAndRetry();
    void crAtChunkEndThenLf();
    void bomSplitAcrossReads();
    void unterminatedEventAfterMoreData();
    void resetConnection();
    void splitAnywhere_data();
    void splitAnywhere();
    void encoderRoundTrip_data();
    void encoderRoundTrip();
    void encoderFrames();
    void encoderAppendEvent();
};

void tst_SseParser::framing_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<QList<SseEvent>>("events");

    using Events = QList<SseEvent>;

    QTest::newRow("LF") << QByteArray("data: hello\n\n") << Events {ev("hello")};
    QTest::newRow("CRLF") << QByteArray("data: hello\r\n\r\n") << Events {ev("hello")};
    QTest::newRow("CR") << QByteArray("data: hello\r\r") << Events {ev("hello")};
    QTest::newRow("mixed line ends")
            << QByteArray("data: a\r\ndata: b\rdata: c\n\r\nevent: x\rdata: d\r\n\n")
            << Events {ev("a\nb\nc"), ev("d", "x")};
    QTest::newRow("LF then CR is two line ends")
            << QByteArray("data: a\n\rdata: b\n\n") << Events {ev("a"), ev("b")};
    QTest::newRow("two events") << QByteArray("data: 1\n\ndata: 2\n\n")
                                << Events {ev("1"), ev("2")};
    QTest::newRow("extra blank lines dispatch nothing")
            << QByteArray("\n\n\ndata: 1\n\n\n\n") << Events {ev("1")};
    QTest::newRow("multi-line data joined with LF")
            << QByteArray("data: line one\ndata: line two\ndata:three\n\n")
            << Events {ev("line one\nline two\nthree")};
    QTest::newRow("data without colon is an empty line")
            << QByteArray("data\ndata\n\n") << Events {ev("\n")};
    QTest::newRow("data without colon alone") << QByteArray("data\n\n") << Events {ev("")};
    QTest::newRow("no space after colon") << QByteArray("data:x\n\n") << Events {ev("x")};
    QTest::newRow("only one leading space removed")
            << QByteArray("data:  two spaces\n\n") << Events {ev(" two spaces")};
    QTest::newRow("trailing spaces kept") << QByteArray("data: x  \n\n") << Events {ev("x  ")};
    QTest::newRow("colons in the value kept")
            << QByteArray("data: a: b:c\n\n") << Events {ev("a: b:c")};
    QTest::newRow("JSON payload") << QByteArray(
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n")
                                  << Events {ev(R"({"jsonrpc":"2.0","id":1,"result":{}})")};
    QTest::newRow("comment does not dispatch") << QByteArray(": keep-alive\n\n:\n\n") << Events {};
    QTest::newRow("comment between data lines")
            << QByteArray("data: a\n: note\ndata: b\n\n") << Events {ev("a\nb")};
    QTest::newRow("event type") << QByteArray("event: ping\ndata: x\n\n")
                                << Events {ev("x", "ping")};
    QTest::newRow("event type resets to message")
            << QByteArray("event: ping\ndata: x\n\ndata: y\n\n")
            << Events {ev("x", "ping"), ev("y")};
    QTest::newRow("empty event type is message")
            << QByteArray("event:\ndata: x\n\n") << Events {ev("x")};
    QTest::newRow("last event field wins")
            << QByteArray("event: a\nevent: b\ndata: x\n\n") << Events {ev("x", "b")};
    QTest::newRow("event type of an undispatched block is dropped")
            << QByteArray("event: lost\n\ndata: x\n\n") << Events {ev("x")};
    QTest::newRow("field names are case-sensitive")
            << QByteArray("Data: x\nEVENT: y\ndata: z\n\n") << Events {ev("z")};
    QTest::newRow("id persists across events")
            << QByteArray("id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n")
            << Events {ev("a", "message", "1", true), ev("b", "message", "1", false),
                       ev("c", "message", "2", true)};
    QTest::newRow("empty id resets")
            << QByteArray("id: 1\ndata: a\n\nid\ndata: b\n\n")
            << Events {ev("a", "message", "1", true), ev("b", "message", "", true)};
    QTest::newRow("id with NUL ignored")
            << raw("id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n")
            << Events {ev("a", "message", "1", true), ev("b", "message", "1", false)};
    QTest::newRow("retry digits") << QByteArray("retry: 1500\ndata: x\n\n")
                                  << Events {ev("x", "message", {}, false, 1500)};
    QTest::newRow("retry with non-digits ignored")
            << QByteArray("retry: 15s\ndata: a\n\nretry: -5\ndata: b\n\nretry: 1.5\ndata: c\n\n"
                          "retry:\ndata: d\n\nretry:  7\ndata: e\n\n")
            << Events {ev("a"), ev("b"), ev("c"), ev("d"), ev("e")};
    QTest::newRow("retry applies to its own block only")
            << QByteArray("retry: 10\ndata: a\n\ndata: b\n\n")
            << Events {ev("a", "message", {}, false, 10), ev("b")};
    QTest::newRow("block without data not dispatched")
            << QByteArray("id: 5\nevent: x\nretry: 3\n\n") << Events {};
    QTest::newRow("id from a block without data carries on")
            << QByteArray("id: 5\n\ndata: a\n\n") << Events {ev("a", "message", "5", false)};
    QTest::newRow("empty data dispatched (priming event)")
            << QByteArray("id: prime-0\ndata:\n\n") << Events {ev("", "message", "prime-0", true)};
    QTest::newRow("empty data with space") << QByteArray("data: \n\n") << Events {ev("")};
    QTest::newRow("two empty data lines") << QByteArray("data:\ndata:\n\n") << Events {ev("\n")};
    QTest::newRow("unknown fields ignored")
            << QByteArray("foo: bar\ndata: x\nbaz\n: c\nidx: 9\n\n") << Events {ev("x")};
    QTest::newRow("unknown fields alone not dispatched") << QByteArray("foo: bar\n\n") << Events {};
    QTest::newRow("BOM at start stripped") << QByteArray("\xEF\xBB\xBF"
                                                         "data: x\n\n")
                                           << Events {ev("x")};
    QTest::newRow("second BOM kept (field name no longer data)")
            << QByteArray("\xEF\xBB\xBF\xEF\xBB\xBF"
                          "data: x\n\n")
            << Events {};
    QTest::newRow("BOM after start kept") << QByteArray("data: a\n\n\xEF\xBB\xBF"
                                                        "data: b\n\n")
                                          << Events {ev("a")};
    QTest::newRow("BOM inside data kept")
            << QByteArray("data: \xEF\xBB\xBFx\n\n") << Events {ev("\xEF\xBB\xBFx")};
    QTest::newRow("partial BOM not stripped") << QByteArray("\xEF\xBB"
                                                            "data: x\n\n")
                                              << Events {};
    QTest::newRow("UTF-8 data kept as bytes") << QByteArray("data: h\xC3\xA9llo \xE2\x9C\x93\n\n")
                                              << Events {ev("h\xC3\xA9llo \xE2\x9C\x93")};
    QTest::newRow("final event without blank line not dispatched")
            << QByteArray("data: a\n\ndata: b\n") << Events {ev("a")};
    QTest::newRow("final line without line end not dispatched")
            << QByteArray("data: a\n\ndata: b") << Events {ev("a")};
    QTest::newRow("empty stream") << QByteArray() << Events {};
}

void tst_SseParser::framing()
{
    QFETCH(QByteArray, stream);
    QFETCH(QList<SseEvent>, events);

    QCOMPARE(feedChunks({stream}).events, events);
    // The same stream one byte at a time.
    QCOMPARE(feedChunks(bytewise(stream)).events, events);
}

void tst_SseParser::comments_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<QByteArrayList>("comments");

    QTest::newRow("keep-alive") << QByteArray(": keep-alive\n\n") << QByteArrayList {"keep-alive"};
    QTest::newRow("no space") << QByteArray(":ping\n") << QByteArrayList {"ping"};
    QTest::newRow("one space removed") << QByteArray(":  two\n") << QByteArrayList {" two"};
    QTest::newRow("empty") << QByteArray(":\n") << QByteArrayList {""};
    QTest::newRow("colon inside") << QByteArray(": a: b\r\n") << QByteArrayList {"a: b"};
    QTest::newRow("several, amid an event")
            << QByteArray(": one\ndata: x\n: two\r\n\n") << QByteArrayList {"one", "two"};
    QTest::newRow("after BOM") << QByteArray("\xEF\xBB\xBF: hi\n") << QByteArrayList {"hi"};
    QTest::newRow("unterminated not reported") << QByteArray(": partial") << QByteArrayList {};
}

void tst_SseParser::comments()
{
    QFETCH(QByteArray, stream);
    QFETCH(QByteArrayList, comments);

    QCOMPARE(feedChunks({stream}).comments, comments);
    QCOMPARE(feedChunks(bytewise(stream)).comments, comments);

    // Without a handler comments are skipped silently: the events are the same.
    SseParser parser;
    QCOMPARE(parser.feed(stream), feedChunks({stream}).events);
}

void tst_SseParser::lastEventIdAndRetry_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<QByteArray>("lastEventId");
    QTest::addColumn<std::optional<int>>("retryMs");

    QTest::newRow("nothing") << QByteArray("data: x\n\n") << QByteArray() << std::optional<int>();
    QTest::newRow("id updates") << QByteArray("id: 1\ndata: a\n\nid: 2\ndata: b\n\n")
                                << QByteArray("2") << std::optional<int>();
    QTest::newRow("id from a block without data")
            << QByteArray("id: 1\ndata: a\n\nid: 7\n\n") << QByteArray("7") << std::optional<int>();
    QTest::newRow("id of an unfinished block already in effect")
            << QByteArray("id: 1\ndata: a\n\nid: 9\n") << QByteArray("9") << std::optional<int>();
    QTest::newRow("id with NUL ignored")
            << raw("id: 3\n\nid: \0\n\n") << QByteArray("3") << std::optional<int>();
    QTest::newRow("empty id clears")
            << QByteArray("id: 3\n\nid:\n\n") << QByteArray() << std::optional<int>();
    QTest::newRow("retry without data")
            << QByteArray("retry: 2500\n\n") << QByteArray() << std::optional<int>(2500);
    QTest::newRow("retry zero") << QByteArray("retry: 0\n\n") << QByteArray()
                                << std::optional<int>(0);
    QTest::newRow("last valid retry wins")
            << QByteArray("retry: 100\n\nretry: 200\nretry: x\n\nretry: 3e2\n\n") << QByteArray()
            << std::optional<int>(200);
    QTest::newRow("retry too large for int ignored")
            << QByteArray("retry: 5\n\nretry: 99999999999999999999\n\n") << QByteArray()
            << std::optional<int>(5);
    QTest::newRow("id and retry both")
            << QByteArray("id: a\nretry: 10\n\n") << QByteArray("a") << std::optional<int>(10);
}

void tst_SseParser::lastEventIdAndRetry()
{
    QFETCH(QByteArray, stream);
    QFETCH(QByteArray, lastEventId);
    QFETCH(std::optional<int>, retryMs);

    const Outcome whole = feedChunks({stream});
    QCOMPARE(whole.lastEventId, lastEventId);
    QCOMPARE(whole.retryMs, retryMs);
    const Outcome bytes = feedChunks(bytewise(stream));
    QCOMPARE(bytes.lastEventId, lastEventId);
    QCOMPARE(bytes.retryMs, retryMs);
}

void tst_SseParser::crAtChunkEndThenLf()
{
    // CR ends one read, LF opens the next: one line end, so "data: a" then a blank line.
    SseParser parser;
    QVERIFY(parser.feed("data: a\r").isEmpty());
    QVERIFY(parser.feed("").isEmpty()); // an empty read in between changes nothing
    QCOMPARE(parser.feed("\ndata: b\r"), QList<SseEvent> {});
    const QList<SseEvent> events = parser.feed("\n\r");
    QCOMPARE(events, QList<SseEvent> {ev("a\nb")});

    // CR at the end then something other than LF: the CR alone was the line end.
    SseParser p2;
    QVERIFY(p2.feed("data: a\r").isEmpty());
    QCOMPARE(p2.feed("\rdata: b\r\r"), (QList<SseEvent> {ev("a"), ev("b")}));

    // A CRLF split across reads followed by another CRLF dispatches exactly once.
    SseParser p3;
    QVERIFY(p3.feed("data: x\r").isEmpty());
    QCOMPARE(p3.feed("\n\r\n"), QList<SseEvent> {ev("x")});
}

void tst_SseParser::bomSplitAcrossReads()
{
    const QByteArray stream("\xEF\xBB\xBF"
                            "data: x\n\n");
    for (qsizetype cut = 0; cut <= 3; ++cut) {
        SseParser parser;
        QList<SseEvent> events = parser.feed(stream.first(cut));
        events += parser.feed(stream.sliced(cut));
        QCOMPARE(events, QList<SseEvent> {ev("x")});
    }

    // BOM in three single-byte reads, with empty reads in between.
    SseParser parser;
    QList<SseEvent> events;
    for (const char *chunk : {"", "\xEF", "", "\xBB", "\xBF", "", "data: y\n", "\n"})
        events += parser.feed(chunk);
    QCOMPARE(events, QList<SseEvent> {ev("y")});

    // A BOM split after the stream has started is not stripped.
    SseParser later;
    QCOMPARE(later.feed("data: a\n\n"), QList<SseEvent> {ev("a")});
    QVERIFY(later.feed("\xEF").isEmpty());
    QVERIFY(later.feed("\xBB\xBF"
                       "data: b\n\n")
                    .isEmpty());
}

void tst_SseParser::unterminatedEventAfterMoreData()
{
    // Data without the closing blank line waits; it is dispatched when the blank line comes.
    SseParser parser;
    QVERIFY(parser.feed("data: a\n").isEmpty());
    QVERIFY(parser.feed("data: b\n").isEmpty());
    QCOMPARE(parser.feed("\n"), QList<SseEvent> {ev("a\nb")});
}

void tst_SseParser::resetConnection()
{
    SseParser parser;
    QList<SseEvent> events
            = parser.feed("id: 4\nretry: 300\ndata: a\n\nid: 5\nevent: e\ndata: half");
    QCOMPARE(events, QList<SseEvent> {ev("a", "message", "4", true, 300)});
    QCOMPARE(parser.lastEventId(), QByteArray("5"));

    // The connection drops mid-event: the partial event is lost, id and retry are kept.
    parser.resetConnection();
    QCOMPARE(parser.lastEventId(), QByteArray("5"));
    QCOMPARE(parser.retryMs(), std::optional<int>(300));

    // The new connection may start with its own BOM.
    events = parser.feed("\xEF\xBB\xBF"
                         "data: b\n\n");
    QCOMPARE(events, QList<SseEvent> {ev("b", "message", "5", false)});

    // A CR that ended the old connection does not swallow the new stream's first LF.
    SseParser p2;
    QVERIFY(p2.feed("data: a\r").isEmpty());
    p2.resetConnection();
    QCOMPARE(p2.feed("\ndata: c\n\n"), QList<SseEvent> {ev("c")});
}

void tst_SseParser::splitAnywhere_data()
{
    QTest::addColumn<QByteArray>("stream");

    QTest::newRow("simple") << QByteArray("data: hello\n\n");
    QTest::newRow("CRLF everywhere")
            << QByteArray("id: 1\r\nevent: a\r\ndata: x\r\ndata: y\r\n\r\n: c\r\n\r\n");
    QTest::newRow("CR only") << QByteArray("id: 1\revent: a\rdata: x\rdata: y\r\r:c\r\r");
    QTest::newRow("mixed") << QByteArray(
            "data: a\r\ndata: b\rdata: c\n\r\n\r\r\n\n\rdata: d\r\n\r");
    QTest::newRow("BOM and all fields")
            << QByteArray("\xEF\xBB\xBF: hello\nretry: 1000\nid: 42\nevent: update\n"
                          "data: {\"a\":1}\ndata:\ndata:  sp\n\nid\ndata: z\n\nfoo: bar\n\n");
    QTest::newRow("BOM then CR") << QByteArray("\xEF\xBB\xBF\r\rdata: x\r\r");
    QTest::newRow("double BOM") << QByteArray("\xEF\xBB\xBF\xEF\xBB\xBF"
                                              "data: x\n\ndata: y\n\n");
    QTest::newRow("partial BOM") << QByteArray("\xEF\xBB"
                                               "data: x\n\ndata: y\n\n");
    QTest::newRow("priming event and id with NUL")
            << raw("id: p0\ndata:\n\nid: a\0b\ndata: n\n\nretry: 7x\nretry: 8\n\n");
    QTest::newRow("UTF-8 payload")
            << QByteArray("data: h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80\r\n\r\n");
    QTest::newRow("unterminated tail") << QByteArray("data: a\n\ndata: b\r\ndata: c");
    QTest::newRow("MCP stream") << QByteArray(
            "id: 0\ndata:\n\n"
            "event: message\nid: 1\ndata: {\"jsonrpc\":\"2.0\",\"method\":"
            "\"notifications/progress\",\"params\":{\"progress\":1}}\n\n"
            ": keep-alive\n\n"
            "event: message\nid: 2\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,"
            "\"result\":{\"content\":[]}}\n\n");
}

void tst_SseParser::splitAnywhere()
{
    QFETCH(QByteArray, stream);

    const Outcome whole = feedChunks({stream});
    auto check = [&whole](const Outcome &o) {
        QCOMPARE(o.events, whole.events);
        QCOMPARE(o.comments, whole.comments);
        QCOMPARE(o.lastEventId, whole.lastEventId);
        QCOMPARE(o.retryMs, whole.retryMs);
    };

    for (qsizetype cut = 0; cut <= stream.size(); ++cut) {
        check(feedChunks({stream.first(cut), stream.sliced(cut)}));
        if (QTest::currentTestFailed()) {
            qWarning("split at byte %lld", qlonglong(cut));
            return;
        }
    }
    // Every pair of cuts: three reads.
    for (qsizetype a = 0; a <= stream.size(); ++a) {
        for (qsizetype b = a; b <= stream.size(); ++b) {
            check(feedChunks({stream.first(a), stream.sliced(a, b - a), stream.sliced(b)}));
            if (QTest::currentTestFailed()) {
                qWarning("split at bytes %lld and %lld", qlonglong(a), qlonglong(b));
                return;
            }
        }
    }
    check(feedChunks(bytewise(stream)));
}

void tst_SseParser::encoderRoundTrip_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("type");
    QTest::addColumn<QByteArray>("id");
    // What the parser gives back: line breaks of any kind come back as LF.
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("plain") << QByteArray("hello") << QByteArray() << QByteArray()
                           << QByteArray("hello");
    QTest::newRow("empty (priming)")
            << QByteArray() << QByteArray() << QByteArray("0") << QByteArray();
    QTest::newRow("LF") << QByteArray("a\nb\nc") << QByteArray("message") << QByteArray("1")
                        << QByteArray("a\nb\nc");
    QTest::newRow("CRLF") << QByteArray("a\r\nb") << QByteArray("update") << QByteArray("2")
                          << QByteArray("a\nb");
    QTest::newRow("CR") << QByteArray("a\rb\r") << QByteArray() << QByteArray("3")
                        << QByteArray("a\nb\n");
    QTest::newRow("mixed") << QByteArray("a\r\n\r\nb\n\rc\r\r\n") << QByteArray() << QByteArray()
                           << QByteArray("a\n\nb\n\nc\n\n");
    QTest::newRow("leading and trailing LF")
            << QByteArray("\nx\n") << QByteArray() << QByteArray() << QByteArray("\nx\n");
    QTest::newRow("only line breaks")
            << QByteArray("\n\n") << QByteArray() << QByteArray() << QByteArray("\n\n");
    QTest::newRow("leading spaces kept") << QByteArray("  indented\n x") << QByteArray()
                                         << QByteArray() << QByteArray("  indented\n x");
    QTest::newRow("looks like fields") << QByteArray("data: x\n\nid: 9\n: c") << QByteArray()
                                       << QByteArray() << QByteArray("data: x\n\nid: 9\n: c");
    QTest::newRow("JSON-RPC message")
            << QByteArray(R"({"jsonrpc":"2.0","id":1,"result":{"text":"line1\nline2"}})")
            << QByteArray("message") << QByteArray("ev-17")
            << QByteArray(R"({"jsonrpc":"2.0","id":1,"result":{"text":"line1\nline2"}})");
}

void tst_SseParser::encoderRoundTrip()
{
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, type);
    QFETCH(QByteArray, id);
    QFETCH(QByteArray, expected);

    const QByteArray frame = SseEncoder::event(data, type, id);
    QVERIFY(frame.endsWith("\n\n"));

    const SseEvent want
            = ev(expected, type.isEmpty() ? QByteArray("message") : type, id, !id.isEmpty());
    QCOMPARE(feedChunks({frame}).events, QList<SseEvent> {want});
    QCOMPARE(feedChunks(bytewise(frame)).events, QList<SseEvent> {want});

    // Two frames back to back stay two events.
    QCOMPARE(feedChunks({frame + frame}).events, (QList<SseEvent> {want, want}));
}

void tst_SseParser::encoderFrames()
{
    QCOMPARE(SseEncoder::event("x"), QByteArray("data: x\n\n"));
    QCOMPARE(SseEncoder::event("x", "ping", "7"), QByteArray("id: 7\nevent: ping\ndata: x\n\n"));
    QCOMPARE(SseEncoder::event("a\r\nb"), QByteArray("data: a\ndata: b\n\n"));
    QCOMPARE(SseEncoder::event(""), QByteArray("data: \n\n"));

    const QByteArray heartbeat = SseEncoder::comment("keep-alive");
    QCOMPARE(heartbeat, QByteArray(": keep-alive\n\n"));
    const Outcome c = feedChunks({heartbeat});
    QVERIFY(c.events.isEmpty());
    QCOMPARE(c.comments, QByteArrayList {"keep-alive"});

    const QByteArray retry = SseEncoder::retry(3000);
    QCOMPARE(retry, QByteArray("retry: 3000\n\n"));
    const Outcome r = feedChunks({retry});
    QVERIFY(r.events.isEmpty());
    QCOMPARE(r.retryMs, std::optional<int>(3000));

    // A whole stream built from frames parses to what was put in.
    QByteArray stream = SseEncoder::retry(500) + SseEncoder::event({}, {}, "0")
            + SseEncoder::comment("hb") + SseEncoder::event("one\ntwo", "message", "1");
    const Outcome all = feedChunks({stream});
    QCOMPARE(
            all.events,
            (QList<SseEvent> {ev("", "message", "0", true), ev("one\ntwo", "message", "1", true)}));
    QCOMPARE(all.comments, QByteArrayList {"hb"});
    QCOMPARE(all.lastEventId, QByteArray("1"));
    QCOMPARE(all.retryMs, std::optional<int>(500));
}

void tst_SseParser::encoderAppendEvent()
{
    QByteArray out("retry: 1\n\n");
    SseEncoder::appendEvent(out, "a\nb", "t", "i");
    QCOMPARE(out, QByteArray("retry: 1\n\n") + SseEncoder::event("a\nb", "t", "i"));
    SseEncoder::appendEvent(out, "c");
    QCOMPARE(feedChunks({out}).events,
             (QList<SseEvent> {ev("a\nb", "t", "i", true), ev("c", "message", "i")}));
}

QTEST_GUILESS_MAIN(tst_SseParser)
#include "tst_sseparser.moc"
