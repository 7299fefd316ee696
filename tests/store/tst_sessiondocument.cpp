// A session as one versioned JSON document: what is exported reads back the same (apart from
// the new id and the export time), through a store too; a document that is malformed,
// truncated, too large, of the wrong types, with doubled or missing seqs, unknown events, a
// newer version or hostile strings is refused with an error that names the field.

#include "memorysessionstore.h"
#include "samplearchive.h"
#include "sessiondocument.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTest>

namespace {

const QString kSourceId = QStringLiteral("source-7f3a9c");
const QString kNewId = QStringLiteral("imported-1");

/// "events[12].seq" -> {"events", 12, "seq"}: object keys as strings, indexes as numbers.
QVariantList pathSegments(const QString &path)
{
    QVariantList out;
    static const QRegularExpression segment(QStringLiteral("([^.\\[\\]]+)|\\[(\\d+)\\]"));
    auto it = segment.globalMatch(path);
    while (it.hasNext()) {
        const auto m = it.next();
        if (m.captured(1).isEmpty())
            out.append(m.captured(2).toInt());
        else
            out.append(m.captured(1));
    }
    return out;
}

/// `node` with the value at `segments` set to `value` (removed when `value` is undefined).
QJsonValue edited(const QJsonValue &node, const QVariantList &segments, int i,
                  const QJsonValue &value)
{
    const QVariant key = segments.at(i);
    const bool last = i == segments.size() - 1;
    if (key.typeId() == QMetaType::Int) {
        QJsonArray a = node.toArray();
        const int index = key.toInt();
        if (last && value.isUndefined())
            a.removeAt(index);
        else if (last)
            a[index] = value;
        else
            a[index] = edited(a.at(index), segments, i + 1, value);
        return a;
    }
    QJsonObject o = node.toObject();
    const QString name = key.toString();
    if (last && value.isUndefined())
        o.remove(name);
    else if (last)
        o.insert(name, value);
    else
        o.insert(name, edited(o.value(name), segments, i + 1, value));
    return o;
}

QJsonObject parsed(const QByteArray &bytes)
{
    return QJsonDocument::fromJson(bytes).object();
}

} // namespace

class tst_SessionDocument : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void roundTrip();
    void roundTripThroughAStore();
    void importTakesTheNewIdEverywhere();
    void emptySession();
    void runningTurnIsClosedAsInterrupted();
    void refused_data();
    void refused();
    void tooLargeIsRefusedBeforeParsing();
    void countsAreBounded();
    void hostileStringsInErrorsAreEscapedAndCut();

private:
    QByteArray sampleDocument() const { return SessionDocument::toBytes(m_archive, m_exported); }

    SessionArchive m_archive;
    QDateTime m_exported = SampleArchive::at(59, 500);
};

void tst_SessionDocument::initTestCase()
{
    const auto archive = SampleArchive::make(kSourceId);
    QVERIFY(archive);
    m_archive = *archive;
    QCOMPARE(m_archive.data.turns.size(), 3);
    QCOMPARE(m_archive.events.size(), 22);
}

void tst_SessionDocument::roundTrip()
{
    const QByteArray first = sampleDocument();
    const QJsonObject doc = parsed(first);
    QCOMPARE(doc.value("format").toString(), QStringLiteral("mcp-host-session"));
    QCOMPARE(doc.value("version").toInt(), 1);
    QCOMPARE(doc.value("exported").toString(), QStringLiteral("2026-12-01T13:31:59.500Z"));
    QCOMPARE(doc.value("session").toObject().value("id").toString(), kSourceId);
    QCOMPARE(doc.value("session").toObject().value("title").toString(),
             QStringLiteral("Echo hi please"));
    QCOMPARE(doc.value("session").toObject().value("turn_count").toInt(), 3);
    QCOMPARE(doc.value("messages").toArray().size(), 8);
    QCOMPARE(doc.value("turns").toArray().at(1).toObject().value("state").toString(),
             QStringLiteral("failed"));
    QCOMPARE(doc.value("events").toArray().at(3).toObject().value("approval").toString(),
             QStringLiteral("required"));

    SessionDocument::Error error;
    const auto imported = SessionDocument::fromBytes(first, kNewId, &error);
    QVERIFY2(imported, qPrintable(error.text()));
    const QByteArray second = SessionDocument::toBytes(*imported, SampleArchive::at(59, 900));
    QVERIFY2(!second.contains(kSourceId.toUtf8()), "the source id survived the import");

    // Equal apart from the id and the export time.
    QJsonObject expected = doc;
    expected = edited(expected, pathSegments("session.id"), 0, kNewId).toObject();
    for (int i = 0; i < m_archive.events.size(); ++i)
        expected = edited(expected, pathSegments(QStringLiteral("events[%1].session_id").arg(i)), 0,
                          kNewId)
                           .toObject();
    QJsonObject actual = parsed(second);
    QCOMPARE(actual.value("exported").toString(), QStringLiteral("2026-12-01T13:31:59.900Z"));
    actual.insert("exported", expected.value("exported"));
    QCOMPARE(actual, expected);

    // Reading it a second time gives the same again.
    const auto again = SessionDocument::fromBytes(second, kNewId, &error);
    QVERIFY2(again, qPrintable(error.text()));
    QCOMPARE(SessionDocument::toBytes(*again, SampleArchive::at(59, 900)), second);
}

void tst_SessionDocument::roundTripThroughAStore()
{
    SessionDocument::Error error;
    const auto imported = SessionDocument::fromBytes(sampleDocument(), kNewId, &error);
    QVERIFY2(imported, qPrintable(error.text()));
    MemorySessionStore store;
    const auto record = SampleArchive::wait<SessionRecord>(
            [&](auto done) { store.importSession(*imported, done); });
    QVERIFY(record);
    QCOMPARE(record->id, kNewId);
    QCOMPARE(record->title, QStringLiteral("Echo hi please"));
    QCOMPARE(record->turnCount, 3);
    QCOMPARE(record->messageCount, 8);
    QCOMPARE(record->lastSeq, 22);
    const auto back = SampleArchive::read(store, kNewId);
    QVERIFY(back);
    QCOMPARE(SessionDocument::toBytes(*back, m_exported),
             SessionDocument::toBytes(*imported, m_exported));
}

void tst_SessionDocument::importTakesTheNewIdEverywhere()
{
    SessionDocument::Error error;
    const auto imported = SessionDocument::fromBytes(sampleDocument(), kNewId, &error);
    QVERIFY2(imported, qPrintable(error.text()));
    QCOMPARE(imported->data.session.id, kNewId);
    QCOMPARE(imported->data.session.runningTurnId, QString());
    QCOMPARE(imported->events.size(), m_archive.events.size());
    for (int i = 0; i < imported->events.size(); ++i) {
        const StreamEvent &e = imported->events.at(i);
        QCOMPARE(e.sessionId, kNewId);
        QCOMPARE(e.seq, i + 1);
        QCOMPARE(e.turnId, m_archive.events.at(i).turnId);
        QCOMPARE(e.ts, m_archive.events.at(i).ts);
        QCOMPARE(e.data, m_archive.events.at(i).data);
    }
    for (const TurnRecord &t : imported->data.turns)
        QCOMPARE(t.sessionId, kNewId);
    QCOMPARE(imported->data.turns.at(0).firstSeq, 1);
    QCOMPARE(imported->data.turns.at(0).lastSeq, 9);
    QCOMPARE(imported->data.messages.at(2).isError, false);
    QCOMPARE(imported->data.messages.at(6).isError, true);
    QCOMPARE(imported->data.messages.at(1).toolCalls.at(0).arguments,
             QJsonObject({{"message", "hi"}}));
}

void tst_SessionDocument::emptySession()
{
    SessionArchive empty;
    empty.data.session.id = kSourceId;
    empty.data.session.created = SampleArchive::at(1);
    empty.data.session.updated = SampleArchive::at(1);
    const QByteArray bytes = SessionDocument::toBytes(empty, m_exported);
    SessionDocument::Error error;
    const auto imported = SessionDocument::fromBytes(bytes, kNewId, &error);
    QVERIFY2(imported, qPrintable(error.text()));
    QCOMPARE(imported->data.session.title, QString());
    QCOMPARE(imported->events.size(), 0);
    QCOMPARE(imported->data.session.lastSeq, 0);
}

void tst_SessionDocument::runningTurnIsClosedAsInterrupted()
{
    // Exported while its last turn ran: the import closes that turn, as a restart would.
    SessionArchive running = m_archive;
    TurnRecord &last = running.data.turns.last();
    last.state = TurnState::Running;
    last.ended = QDateTime();
    running.data.session.runningTurnId = last.id;
    SessionDocument::Error error;
    const auto imported = SessionDocument::fromBytes(SessionDocument::toBytes(running, m_exported),
                                                     kNewId, &error);
    QVERIFY2(imported, qPrintable(error.text()));
    QCOMPARE(imported->events.size(), 23);
    const StreamEvent &closing = imported->events.constLast();
    QCOMPARE(closing.seq, 23);
    QCOMPARE(closing.type, StreamEventType::Error);
    QCOMPARE(closing.data.value("code").toString(), QStringLiteral("turn_interrupted"));
    QCOMPARE(closing.turnId, last.id);
    QCOMPARE(closing.sessionId, kNewId);
    QVERIFY(closing.ts >= imported->events.at(21).ts);
    const TurnRecord &closed = imported->data.turns.constLast();
    QCOMPARE(closed.state, TurnState::Interrupted);
    QCOMPARE(closed.lastSeq, 23);
    QCOMPARE(closed.ended, closing.ts);
    QCOMPARE(imported->data.session.lastSeq, 23);
    QCOMPARE(imported->data.session.runningTurnId, QString());

    // A store takes it, and the session can run its next turn.
    MemorySessionStore store;
    QVERIFY(SampleArchive::wait<SessionRecord>(
            [&](auto done) { store.importSession(*imported, done); }));
    const auto back = SampleArchive::read(store, kNewId);
    QVERIFY(back);
    QCOMPARE(back->data.turns.constLast().state, TurnState::Interrupted);
    QCOMPARE(back->events.size(), 23);
    const auto lease = SampleArchive::wait<Lease>(
            [&](auto done) { store.beginTurn(kNewId, QStringLiteral("turn-next"), done); });
    QVERIFY(lease);
}

void tst_SessionDocument::refused_data()
{
    // raw: the document as it is (else the sample with `path` set to `value`; `value` "-"
    // removes the field). error: the Error::Code; text: what error.text() must contain.
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("text");
    using C = SessionDocument::Error::Code;
    const auto row
            = [](const char *name, const char *path, const char *value, C code, const char *text) {
                  QTest::newRow(name) << QByteArray() << QString::fromUtf8(path)
                                      << QByteArray(value) << int(code) << QString::fromUtf8(text);
              };
    const auto raw = [](const char *name, const QByteArray &bytes, C code, const char *text) {
        QTest::newRow(name) << bytes << QString() << QByteArray() << int(code)
                            << QString::fromUtf8(text);
    };

    // Not JSON at all.
    raw("empty", "", C::Malformed, "the document is empty");
    raw("blank", " \n\t ", C::Malformed, "the document is empty");
    raw("not JSON", "{format: mcp-host-session}", C::Malformed, "not JSON:");
    raw("an array", "[1, 2]", C::Malformed, "the document must be a JSON object");
    raw("a string", "\"mcp-host-session\"", C::Malformed, "not JSON");
    raw("bad UTF-8", "{\"format\": \"\xff\xfe\"}", C::Malformed, "not JSON");
    raw("nested too deep", QByteArray(5000, '[') + QByteArray(5000, ']'), C::Malformed, "not JSON");

    // The header.
    row("format missing", "format", "-", C::Invalid, "format: missing (a string is required)");
    row("another format", "format", "\"chat-export\"", C::Unsupported,
        "format: \"chat-export\" is not an MCP Host session document");
    row("version too new", "version", "2", C::Unsupported,
        "version: the document has version 2, newer than this MCP Host reads (version 1");
    row("version far too new", "version", "9007199254740992", C::Unsupported,
        "version: the document has version 9007199254740992");
    row("version as a string", "version", "\"1\"", C::Invalid,
        "version: must be a whole number, not a string");
    row("version 0", "version", "0", C::Invalid, "version: must be a whole number from 1");
    row("version 1.5", "version", "1.5", C::Invalid, "version: must be a whole number from 1");
    row("exported missing", "exported", "-", C::Invalid, "exported: missing");
    row("exported not a time", "exported", "\"yesterday\"", C::Invalid,
        "exported: \"yesterday\" is not a UTC time like 2026-01-02T03:04:05.678Z");
    row("exported without ms", "exported", "\"2026-12-01T13:31:59Z\"", C::Invalid,
        "exported: \"2026-12-01T13:31:59Z\" is not a UTC time");
    row("exported 31 February", "exported", "\"2026-02-31T13:31:59.000Z\"", C::Invalid,
        "exported: \"2026-02-31T13:31:59.000Z\" is not a UTC time");
    row("unknown top-level field", "extra", "true", C::Invalid, "extra: unknown field \"extra\"");

    // The session.
    row("session missing", "session", "-", C::Invalid, "session: missing (an object is required)");
    row("session an array", "session", "[]", C::Invalid,
        "session: must be an object, not an array");
    row("session.id a number", "session.id", "42", C::Invalid,
        "session.id: must be a string, not a number");
    row("session.id a path", "session.id", "\"../../etc/passwd\"", C::Invalid,
        "session.id: \"../../etc/passwd\" is not a session id");
    row("session.id empty", "session.id", "\"\"", C::Invalid,
        "session.id: \"\" is not a session id");
    row("session.title a list", "session.title", "[\"a\"]", C::Invalid,
        "session.title: must be a string, not an array");
    row("session.title two lines", "session.title", "\"a\\nb\"", C::Invalid, "session.title: ");
    row("session.title escape codes", "session.title", "\"\\u001b[31mred\"", C::Invalid,
        "session.title: ");
    row("session.title too long", "session.title",
        QByteArray("\"" + QByteArray(201, 't') + "\"").constData(), C::Invalid, "session.title: ");
    row("session.title padded", "session.title", "\" Trip \"", C::Invalid,
        "session.title: must not begin or end with white space");
    row("session.renamed a string", "session.renamed", "\"yes\"", C::Invalid,
        "session.renamed: must be a boolean, not a string");
    row("session.created missing", "session.created", "-", C::Invalid,
        "session.created: missing (a time (a string) is required)");
    row("session.updated before created", "session.updated", "\"2020-01-01T00:00:00.000Z\"",
        C::Invalid, "session.updated: is before created");
    row("session.turn_count negative", "session.turn_count", "-1", C::Invalid,
        "session.turn_count: must be a whole number from 0 to 10000, not -1");
    row("session.turn_count wrong", "session.turn_count", "2", C::Invalid,
        "session.turn_count: is 2 but the document lists 3 turns");
    row("session unknown field", "session.owner", "\"root\"", C::Invalid,
        "session.owner: unknown field \"owner\"");

    // Messages.
    row("messages an object", "messages", "{}", C::Invalid,
        "messages: must be an array, not an object");
    row("message a string", "messages[1]", "\"hi\"", C::Invalid,
        "messages[1]: must be an object, not a string");
    row("message role unknown", "messages[0].role", "\"wizard\"", C::Invalid,
        "messages[0]: role must be");
    row("message content a number", "messages[3].content", "5", C::Invalid,
        "messages[3]: content must be a string");
    row("tool call without arguments", "messages[1].tool_calls[0].arguments", "-", C::Invalid,
        "messages[1]: each tool call needs id and name");
    row("tool message is_error a string", "messages[2].is_error", "\"no\"", C::Invalid,
        "messages[2].is_error: must be a boolean, not a string");

    // Turns.
    row("turns null", "turns", "null", C::Invalid, "turns: must be an array, not null");
    row("turn a number", "turns[2]", "3", C::Invalid, "turns[2]: must be an object, not a number");
    row("turn id with a slash", "turns[0].id", "\"a/b\"", C::Invalid,
        "turns[0].id: \"a/b\" is not a turn id");
    row("turn id twice", "turns[1].id", "\"turn-1-aaaa\"", C::Invalid,
        "turns[1].id: duplicate turn id \"turn-1-aaaa\"");
    row("turn state unknown", "turns[0].state", "\"exploded\"", C::Invalid,
        "turns[0].state: unknown turn state \"exploded\"");
    row("an earlier turn running", "turns[0].state", "\"running\"", C::Invalid,
        "turns[0].state: only the last turn can be running");
    row("turn started bad", "turns[0].started", "\"13:31\"", C::Invalid,
        "turns[0].started: \"13:31\" is not a UTC time");
    row("turn ended before started", "turns[0].ended", "\"2026-12-01T13:00:00.000Z\"", C::Invalid,
        "turns[0].ended: is before started");
    row("turn iterations fractional", "turns[0].iterations", "1.5", C::Invalid,
        "turns[0].iterations: must be a whole number from 0");
    row("turn first_seq a string", "turns[0].first_seq", "\"1\"", C::Invalid,
        "turns[0].first_seq: must be a whole number, not a string");
    row("turn span reversed", "turns[0].last_seq", "0", C::Invalid,
        "turns[0].last_seq: first_seq 1 and last_seq 0 are not a span of events");
    row("turn span wrong", "turns[1].last_seq", "15", C::Invalid,
        "turns[1]: first_seq 10 and last_seq 15 do not match the turn's events (10 to 16)");
    row("turn unknown field", "turns[0].lease", "7", C::Invalid,
        "turns[0].lease: unknown field \"lease\"");

    // Events.
    row("events missing", "events", "-", C::Invalid, "events: missing (an array is required)");
    row("event null", "events[4]", "null", C::Invalid, "events[4]: must be an object, not null");
    row("event type unknown", "events[3].type", "\"exploit\"", C::Invalid,
        "events[3].type: unknown event type \"exploit\"");
    row("event type missing", "events[3].type", "-", C::Invalid, "events[3].type: missing");
    row("duplicate seq", "events[12].seq", "5", C::Invalid, "events[12].seq: duplicate seq 5");
    row("seq repeated next", "events[1].seq", "1", C::Invalid, "events[1].seq: duplicate seq 1");
    row("seq gap", "events[4]", "-", C::Invalid, "events[4].seq: seq 6 leaves a gap: 5 is missing");
    row("seq as a string", "events[0].seq", "\"1\"", C::Invalid,
        "events[0].seq: must be a whole number, not a string");
    row("seq 0", "events[0].seq", "0", C::Invalid, "events[0].seq: must be a whole number from 1");
    row("seq fractional", "events[0].seq", "1.5", C::Invalid,
        "events[0].seq: must be a whole number from 1");
    row("seq huge", "events[0].seq", "1e300", C::Invalid,
        "events[0].seq: must be a whole number from 1");
    row("event of another session", "events[2].session_id", "\"someone-else\"", C::Invalid,
        "events[2].session_id: \"someone-else\" is not this document's session "
        "(\"source-7f3a9c\")");
    row("event of an unknown turn", "events[2].turn_id", "\"turn-9\"", C::Invalid,
        "events[2].turn_id: \"turn-9\" is not one of the document's turns");
    row("event turn_id a number", "events[2].turn_id", "5", C::Invalid,
        "events[2].turn_id: must be a string or null, not a number");
    row("event moved out of its turn", "events[0].turn_id", "null", C::Invalid,
        "turns[0]: first_seq 1 and last_seq 9 do not match the turn's events (2 to 9)");
    row("event moved to another turn", "events[9].turn_id", "\"turn-1-aaaa\"", C::Invalid,
        "turns[0]: first_seq 1 and last_seq 9 do not match the turn's events (1 to 10)");
    row("event ts bad", "events[5].ts", "\"soon\"", C::Invalid,
        "events[5].ts: \"soon\" is not a UTC time");
    row("event ts missing", "events[5].ts", "-", C::Invalid, "events[5].ts: missing");
    row("tool_call without call_id", "events[3].call_id", "-", C::Invalid,
        "events[3].call_id: missing (a string is required)");
    row("tool_call arguments a string", "events[3].arguments", "\"{}\"", C::Invalid,
        "events[3].arguments: must be an object, not a string");
    row("observing content a string", "events[5].content", "\"Echo: hi\"", C::Invalid,
        "events[5].content: must be an array, not a string");
    row("observing duration negative", "events[5].duration_ms", "-7", C::Invalid,
        "events[5].duration_ms: must be a whole number (0 or more), not a number");
    row("final_response usage a number", "events[8].usage", "66", C::Invalid,
        "events[8].usage: must be an object, not a number");
    row("error without message", "events[15].message", "-", C::Invalid,
        "events[15].message: missing");
}

void tst_SessionDocument::refused()
{
    QFETCH(QByteArray, raw);
    QFETCH(QString, path);
    QFETCH(QByteArray, value);
    QFETCH(int, code);
    QFETCH(QString, text);
    QByteArray document = raw;
    if (!path.isEmpty()) {
        QJsonValue v(QJsonValue::Undefined);
        if (value != "-") {
            QJsonParseError e;
            const QJsonDocument wrapped = QJsonDocument::fromJson("[" + value + "]", &e);
            QVERIFY2(e.error == QJsonParseError::NoError, value.constData());
            v = wrapped.array().at(0);
        }
        document = QJsonDocument(
                           edited(parsed(sampleDocument()), pathSegments(path), 0, v).toObject())
                           .toJson(QJsonDocument::Compact);
    }
    SessionDocument::Error error;
    const auto archive = SessionDocument::fromBytes(document, kNewId, &error);
    QVERIFY2(!archive, "the document was accepted");
    QVERIFY2(error.text().contains(text), qPrintable(error.text()));
    QCOMPARE(int(error.code), code);
    if (!path.isEmpty() && code == int(SessionDocument::Error::Code::Invalid))
        QVERIFY2(!error.path.isEmpty(), qPrintable(error.text()));
}

void tst_SessionDocument::tooLargeIsRefusedBeforeParsing()
{
    // 70 MiB that is not JSON: refused for its size, so it was not parsed (parsing it would
    // have said "not JSON").
    const QByteArray huge(70 * 1024 * 1024, '[');
    SessionDocument::Error error;
    QVERIFY(!SessionDocument::fromBytes(huge, kNewId, &error));
    QCOMPARE(error.code, SessionDocument::Error::Code::TooLarge);
    QCOMPARE(error.text(),
             QStringLiteral("the document is 70 MiB, over the import limit of 64 MiB"));

    // A valid document one byte over a configured cap is refused too; at the cap it passes.
    const QByteArray document = sampleDocument();
    SessionDocument::Limits limits;
    limits.maxBytes = document.size() - 1;
    QVERIFY(!SessionDocument::fromBytes(document, kNewId, &error, limits));
    QCOMPARE(error.code, SessionDocument::Error::Code::TooLarge);
    QVERIFY2(error.text().contains(QStringLiteral("over the import limit")),
             qPrintable(error.text()));
    limits.maxBytes = document.size();
    QVERIFY2(SessionDocument::fromBytes(document, kNewId, &error, limits),
             qPrintable(error.text()));
}

void tst_SessionDocument::countsAreBounded()
{
    const QByteArray document = sampleDocument();
    SessionDocument::Error error;
    SessionDocument::Limits limits;
    limits.maxEvents = 21;
    QVERIFY(!SessionDocument::fromBytes(document, kNewId, &error, limits));
    QCOMPARE(error.code, SessionDocument::Error::Code::TooLarge);
    QCOMPARE(error.text(), QStringLiteral("events: 22 events, more than the limit of 21"));
    limits = {};
    limits.maxMessages = 7;
    QVERIFY(!SessionDocument::fromBytes(document, kNewId, &error, limits));
    QCOMPARE(error.text(), QStringLiteral("messages: 8 messages, more than the limit of 7"));
    limits = {};
    limits.maxTurns = 2;
    QVERIFY(!SessionDocument::fromBytes(document, kNewId, &error, limits));
    QVERIFY2(error.text().startsWith(QStringLiteral("session.turn_count: must be a whole number "
                                                    "from 0 to 2, not 3")),
             qPrintable(error.text()));
    limits = {};
    limits.maxEvents = 22;
    limits.maxMessages = 8;
    limits.maxTurns = 3;
    QVERIFY2(SessionDocument::fromBytes(document, kNewId, &error, limits),
             qPrintable(error.text()));
}

void tst_SessionDocument::hostileStringsInErrorsAreEscapedAndCut()
{
    // A hostile value is quoted in the error with its control characters escaped and cut, so
    // that the error cannot carry a terminal escape or a megabyte back to the user.
    const QString hostile = QStringLiteral("\x1b]0;pwned\x07\n") + QString(100000, u'x');
    QJsonObject doc = parsed(sampleDocument());
    doc = edited(doc, pathSegments("events[3].type"), 0, hostile).toObject();
    SessionDocument::Error error;
    QVERIFY(!SessionDocument::fromBytes(QJsonDocument(doc).toJson(), kNewId, &error));
    QVERIFY2(error.text().startsWith(QStringLiteral(
                     "events[3].type: unknown event type \"\\u001b]0;pwned\\u0007\\u000axxx")),
             qPrintable(error.text()));
    QVERIFY2(error.text().size() < 200, qPrintable(error.text()));
    for (const QChar c : error.text())
        QVERIFY2(c.unicode() >= 0x20, "a control character reached the error");

    // A hostile unknown key is named the same way.
    doc = parsed(sampleDocument());
    doc.insert(QStringLiteral("\x1b[2J") + QString(5000, u'k'), 1);
    QVERIFY(!SessionDocument::fromBytes(QJsonDocument(doc).toJson(), kNewId, &error));
    QVERIFY2(error.message.startsWith(QStringLiteral("unknown field \"\\u001b[2Jkkk")),
             qPrintable(error.text()));
    QVERIFY2(error.message.size() < 100, qPrintable(error.message));
}

QTEST_GUILESS_MAIN(tst_SessionDocument)
#include "tst_sessiondocument.moc"
