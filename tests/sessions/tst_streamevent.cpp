// StreamEvent: the wire names of the types, and the flat JSON object of docs/api.md both ways.

#include <streamevent.h>

#include <QJsonArray>
#include <QTest>

class tst_StreamEvent : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void names_data();
    void names();
    void unknownName();
    void toJsonIsFlat();
    void nullTurnOutsideATurn();
    void roundTrip();
    void fromJsonRejects_data();
    void fromJsonRejects();
};

void tst_StreamEvent::names_data()
{
    QTest::addColumn<StreamEventType>("type");
    QTest::addColumn<QString>("name");
    QTest::newRow("session_start") << StreamEventType::SessionStart << "session_start";
    QTest::newRow("thinking") << StreamEventType::Thinking << "thinking";
    QTest::newRow("partial_response") << StreamEventType::PartialResponse << "partial_response";
    QTest::newRow("tool_call") << StreamEventType::ToolCall << "tool_call";
    QTest::newRow("acting") << StreamEventType::Acting << "acting";
    QTest::newRow("observing") << StreamEventType::Observing << "observing";
    QTest::newRow("final_response") << StreamEventType::FinalResponse << "final_response";
    QTest::newRow("error") << StreamEventType::Error << "error";
    QTest::newRow("session_end") << StreamEventType::SessionEnd << "session_end";
    QTest::newRow("elicitation") << StreamEventType::Elicitation << "elicitation";
    QTest::newRow("sampling") << StreamEventType::Sampling << "sampling";
}

void tst_StreamEvent::names()
{
    QFETCH(StreamEventType, type);
    QFETCH(QString, name);
    QCOMPARE(streamEventTypeName(type), name);
    QCOMPARE(streamEventTypeFromName(name), std::optional<StreamEventType>(type));
}

void tst_StreamEvent::unknownName()
{
    QVERIFY(!streamEventTypeFromName(QStringLiteral("toolcall")));
    QVERIFY(!streamEventTypeFromName(QString()));
}

void tst_StreamEvent::toJsonIsFlat()
{
    StreamEvent e = StreamEvent::make(StreamEventType::ToolCall,
                                      {{"iteration", 1},
                                       {"call_id", "c1"},
                                       {"server", "fx"},
                                       {"tool", "echo"},
                                       {"arguments", QJsonObject {{"message", "hi"}}},
                                       {"approval", "auto"}},
                                      QStringLiteral("t1"));
    e.sessionId = QStringLiteral("s1");
    e.seq = 42;
    e.ts = QDateTime::fromString(QStringLiteral("2026-01-02T03:04:05.678Z"), Qt::ISODateWithMs);
    const QJsonObject o = e.toJson();
    QCOMPARE(o.value("type").toString(), QStringLiteral("tool_call"));
    QCOMPARE(o.value("session_id").toString(), QStringLiteral("s1"));
    QCOMPARE(o.value("turn_id").toString(), QStringLiteral("t1"));
    QCOMPARE(o.value("seq").toInteger(), 42);
    QCOMPARE(o.value("ts").toString(), QStringLiteral("2026-01-02T03:04:05.678Z"));
    QCOMPARE(o.value("call_id").toString(), QStringLiteral("c1"));
    QCOMPARE(o.value("arguments").toObject().value("message").toString(), QStringLiteral("hi"));
    QCOMPARE(o.size(), 11);
}

void tst_StreamEvent::nullTurnOutsideATurn()
{
    StreamEvent e = StreamEvent::make(StreamEventType::SessionEnd, {{"reason", "expired"}});
    e.seq = 1;
    e.ts = QDateTime::currentDateTimeUtc();
    const QJsonObject o = e.toJson();
    QVERIFY(o.contains("turn_id"));
    QVERIFY(o.value("turn_id").isNull());
    QVERIFY(o.value("ts").toString().endsWith(QLatin1Char('Z')));
    // A data field cannot hide a common one.
    e.data.insert("seq", 99);
    QCOMPARE(e.toJson().value("seq").toInteger(), 1);
}

void tst_StreamEvent::roundTrip()
{
    StreamEvent e = StreamEvent::make(StreamEventType::Observing,
                                      {{"iteration", 2},
                                       {"call_id", "c9"},
                                       {"tool", "echo"},
                                       {"is_error", false},
                                       {"content", QJsonArray {QJsonObject {{"type", "text"}}}},
                                       {"duration_ms", 3}},
                                      QStringLiteral("turn"));
    e.sessionId = QStringLiteral("sess");
    e.seq = 7;
    e.ts = QDateTime::fromString(QStringLiteral("2026-05-06T07:08:09.010Z"), Qt::ISODateWithMs);
    const auto back = StreamEvent::fromJson(e.toJson());
    QVERIFY(back);
    QCOMPARE(back->type, e.type);
    QCOMPARE(back->sessionId, e.sessionId);
    QCOMPARE(back->turnId, e.turnId);
    QCOMPARE(back->seq, e.seq);
    QCOMPARE(back->ts, e.ts);
    QCOMPARE(back->data, e.data);
}

void tst_StreamEvent::fromJsonRejects_data()
{
    QTest::addColumn<QJsonObject>("object");
    QTest::newRow("unknown type") << QJsonObject {{"type", "nope"}, {"seq", 1}};
    QTest::newRow("no seq") << QJsonObject {{"type", "thinking"}};
    QTest::newRow("empty") << QJsonObject {};
}

void tst_StreamEvent::fromJsonRejects()
{
    QFETCH(QJsonObject, object);
    QVERIFY(!StreamEvent::fromJson(object));
}

QTEST_GUILESS_MAIN(tst_StreamEvent)
#include "tst_streamevent.moc"
