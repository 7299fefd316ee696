// The control channel's messages (cancel/approve/elicit passed to the instance that runs the
// turn) come from the network: what encode() makes comes back the same, and anything else
// (too large, not JSON, another version, a field of the wrong type or shape) is refused with
// a reason that names it.

#include "controlmessage.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

class tst_ControlMessage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void requestRoundTrip();
    void replyRoundTrip();
    void hostileRequest_data();
    void hostileRequest();
    void hostileReply_data();
    void hostileReply();
};

namespace {
QJsonObject validRequest()
{
    return {{"v", 1},
            {"type", "request"},
            {"rid", "abc-1"},
            {"from", "abc"},
            {"op", "approve"},
            {"session", "notes"},
            {"turn", "35f77ae2-0f0e-4a53-9a64-2b1b7f0f4c11"},
            {"id", "call_1"},
            {"approved", true},
            {"scope", "tool"}};
}

QByteArray bytes(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QJsonObject with(QJsonObject o, const QString &key, const QJsonValue &value)
{
    if (value.isUndefined())
        o.remove(key);
    else
        o.insert(key, value);
    return o;
}
} // namespace

void tst_ControlMessage::requestRoundTrip()
{
    ControlMessage::Request r;
    r.rid = QStringLiteral("k3j2-7");
    r.from = QStringLiteral("k3j2");
    r.command.kind = TurnCommand::Kind::Elicit;
    r.command.sessionId = QStringLiteral("notes");
    r.command.turnId = QStringLiteral("35f77ae2-0f0e-4a53-9a64-2b1b7f0f4c11");
    r.command.requestId = QStringLiteral("eli_1");
    r.command.action = QStringLiteral("accept");
    r.command.content = {{"name", "Ada"}};
    QString why;
    const auto back = ControlMessage::decodeRequest(ControlMessage::encode(r), &why);
    QVERIFY2(back, qPrintable(why));
    QCOMPARE(back->rid, r.rid);
    QCOMPARE(back->from, r.from);
    QCOMPARE(int(back->command.kind), int(TurnCommand::Kind::Elicit));
    QCOMPARE(back->command.sessionId, r.command.sessionId);
    QCOMPARE(back->command.turnId, r.command.turnId);
    QCOMPARE(back->command.requestId, r.command.requestId);
    QCOMPARE(back->command.action, r.command.action);
    QCOMPARE(back->command.content, r.command.content);

    const auto approve = ControlMessage::decodeRequest(bytes(validRequest()), &why);
    QVERIFY2(approve, qPrintable(why));
    QCOMPARE(int(approve->command.kind), int(TurnCommand::Kind::Approve));
    QVERIFY(approve->command.approved);
    QCOMPARE(approve->command.scope, QStringLiteral("tool"));
}

void tst_ControlMessage::replyRoundTrip()
{
    ControlMessage::Reply r {QStringLiteral("abc-9"),
                             {TurnCommandReply::Outcome::UnknownRequest, QStringLiteral("fs"),
                              QStringLiteral("read_file")}};
    QString why;
    const auto back = ControlMessage::decodeReply(ControlMessage::encode(r), &why);
    QVERIFY2(back, qPrintable(why));
    QCOMPARE(back->rid, r.rid);
    QCOMPARE(int(back->reply.outcome), int(TurnCommandReply::Outcome::UnknownRequest));
    QCOMPARE(back->reply.server, QStringLiteral("fs"));
    QCOMPARE(back->reply.tool, QStringLiteral("read_file"));
}

void tst_ControlMessage::hostileRequest_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QString>("named"); // in the reason
    const QJsonObject ok = validRequest();
    QTest::newRow("too large") << QByteArray(ControlMessage::kMaxBytes + 1, ' ') << "bytes";
    QTest::newRow("not JSON") << QByteArray("{\"v\":1,") << "JSON object";
    QTest::newRow("an array") << QByteArray("[1,2]") << "JSON object";
    QTest::newRow("version 2") << bytes(with(ok, "v", 2)) << "version";
    QTest::newRow("a reply") << bytes(with(ok, "type", "reply")) << "type";
    QTest::newRow("rid missing") << bytes(with(ok, "rid", QJsonValue::Undefined)) << "rid";
    QTest::newRow("rid with a newline") << bytes(with(ok, "rid", "a\nb")) << "rid";
    QTest::newRow("from a channel name") << bytes(with(ok, "from", "x events")) << "from";
    QTest::newRow("from too long") << bytes(with(ok, "from", QString(65, 'a'))) << "from";
    QTest::newRow("session with a slash") << bytes(with(ok, "session", "../x")) << "session";
    QTest::newRow("session a number") << bytes(with(ok, "session", 5)) << "session";
    QTest::newRow("turn empty") << bytes(with(ok, "turn", "")) << "turn";
    QTest::newRow("op unknown") << bytes(with(ok, "op", "delete")) << "op";
    QTest::newRow("id missing") << bytes(with(ok, "id", QJsonValue::Undefined)) << "id";
    QTest::newRow("id with a control character")
            << bytes(with(ok, "id", QStringLiteral("c\x01"))) << "id";
    QTest::newRow("id too long") << bytes(with(ok, "id", QString(257, 'c'))) << "id";
    QTest::newRow("approved a string") << bytes(with(ok, "approved", "yes")) << "approved";
    QTest::newRow("scope unknown") << bytes(with(ok, "scope", "forever")) << "scope";
    const QJsonObject elicit = with(with(ok, "op", "elicit"), "action", "accept");
    QTest::newRow("content an array")
            << bytes(with(elicit, "content", QJsonArray {1})) << "content";
    QTest::newRow("action too long") << bytes(with(elicit, "action", QString(33, 'a'))) << "action";
}

void tst_ControlMessage::hostileRequest()
{
    QFETCH(QByteArray, message);
    QFETCH(QString, named);
    QString why;
    QVERIFY(!ControlMessage::decodeRequest(message, &why));
    QVERIFY2(why.contains(named), qPrintable(why));
}

void tst_ControlMessage::hostileReply_data()
{
    QTest::addColumn<QByteArray>("message");
    const QJsonObject ok {{"v", 1}, {"type", "reply"}, {"rid", "abc-1"}, {"outcome", "ok"}};
    QString why;
    QVERIFY(ControlMessage::decodeReply(bytes(ok), &why));
    QTest::newRow("outcome unknown") << bytes(with(ok, "outcome", "maybe"));
    QTest::newRow("outcome of the asking side") << bytes(with(ok, "outcome", "unreachable"));
    QTest::newRow("server a number") << bytes(with(ok, "server", 1));
    QTest::newRow("tool too long") << bytes(with(ok, "tool", QString(257, 't')));
    QTest::newRow("a request") << bytes(with(ok, "type", "request"));
    QTest::newRow("rid bad") << bytes(with(ok, "rid", "A B"));
}

void tst_ControlMessage::hostileReply()
{
    QFETCH(QByteArray, message);
    QString why;
    QVERIFY(!ControlMessage::decodeReply(message, &why));
    QVERIFY(!why.isEmpty());
}

QTEST_GUILESS_MAIN(tst_ControlMessage)
#include "tst_controlmessage.moc"
