// Unit tests for the JSON-RPC 2.0 message model (common/jsonrpc.h).

#include "jsonrpc.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using JsonRpc::Message;

namespace {

QJsonObject object(const char *json)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    Q_ASSERT_X(pe.error == QJsonParseError::NoError && doc.isObject(), "object()", json);
    return doc.object();
}

// Compares every observable part of two messages; Message has no operator==.
bool sameMessage(const Message &a, const Message &b)
{
    return a.kind() == b.kind() && a.id() == b.id() && a.idKey() == b.idKey()
            && a.method() == b.method() && a.params() == b.params() && a.result() == b.result()
            && a.error().code == b.error().code && a.error().message == b.error().message
            && a.error().data == b.error().data;
}

} // namespace

class tst_JsonRpc : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseValid_data();
    void parseValid();
    void parseInvalid_data();
    void parseInvalid();
    void invalidJsonReportsOffset();
    void fromJsonMatchesParse();
    void roundTrip_data();
    void roundTrip();
    void serializeIsCompactJson();
    void errorResponseWithUndefinedIdGetsNull();
    void idKey_data();
    void idKey();
    void idKeyDistinguishesIntegerAndString();
};

void tst_JsonRpc::parseValid_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<Message::Kind>("kind");
    QTest::addColumn<QJsonValue>("id");
    QTest::addColumn<QString>("method");
    QTest::addColumn<QJsonObject>("params");
    QTest::addColumn<QJsonObject>("result");
    QTest::addColumn<int>("errorCode");
    QTest::addColumn<QString>("errorMessage");
    QTest::addColumn<QJsonValue>("errorData");

    const QJsonValue none; // undefined
    const QJsonValue null(QJsonValue::Null);

    QTest::newRow("request, string id")
            << QByteArray(R"({"jsonrpc":"2.0","id":"abc","method":"tools/list"})")
            << Message::Kind::Request << QJsonValue(QStringLiteral("abc"))
            << QStringLiteral("tools/list") << QJsonObject() << QJsonObject() << 0 << QString()
            << none;
    QTest::newRow("request, integer id, params")
            << QByteArray(
                       R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo"}})")
            << Message::Kind::Request << QJsonValue(7) << QStringLiteral("tools/call")
            << object(R"({"name":"echo"})") << QJsonObject() << 0 << QString() << none;
    QTest::newRow("request, id 0")
            << QByteArray(R"({"jsonrpc":"2.0","id":0,"method":"ping"})") << Message::Kind::Request
            << QJsonValue(0) << QStringLiteral("ping") << QJsonObject() << QJsonObject() << 0
            << QString() << none;
    QTest::newRow("request, negative id")
            << QByteArray(R"({"jsonrpc":"2.0","id":-3,"method":"ping"})") << Message::Kind::Request
            << QJsonValue(-3) << QStringLiteral("ping") << QJsonObject() << QJsonObject() << 0
            << QString() << none;
    QTest::newRow("request, empty string id")
            << QByteArray(R"({"jsonrpc":"2.0","id":"","method":"ping"})") << Message::Kind::Request
            << QJsonValue(QString()) << QStringLiteral("ping") << QJsonObject() << QJsonObject()
            << 0 << QString() << none;
    QTest::newRow("request, integer id written as 2.0")
            << QByteArray(R"({"jsonrpc":"2.0","id":2.0,"method":"ping"})") << Message::Kind::Request
            << QJsonValue(2) << QStringLiteral("ping") << QJsonObject() << QJsonObject() << 0
            << QString() << none;
    QTest::newRow("notification") << QByteArray(
            R"({"jsonrpc":"2.0","method":"notifications/initialized"})")
                                  << Message::Kind::Notification << none
                                  << QStringLiteral("notifications/initialized") << QJsonObject()
                                  << QJsonObject() << 0 << QString() << none;
    QTest::newRow("notification, params") << QByteArray(
            R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":0.5}})")
                                          << Message::Kind::Notification << none
                                          << QStringLiteral("notifications/progress")
                                          << object(R"({"progress":0.5})") << QJsonObject() << 0
                                          << QString() << none;
    QTest::newRow("result response, integer id")
            << QByteArray(R"({"jsonrpc":"2.0","id":1,"result":{"tools":[]}})")
            << Message::Kind::Response << QJsonValue(1) << QString() << QJsonObject()
            << object(R"({"tools":[]})") << 0 << QString() << none;
    QTest::newRow("result response, string id, empty result")
            << QByteArray(R"({"jsonrpc":"2.0","id":"x-1","result":{}})") << Message::Kind::Response
            << QJsonValue(QStringLiteral("x-1")) << QString() << QJsonObject() << QJsonObject() << 0
            << QString() << none;
    QTest::newRow("error response, no data") << QByteArray(
            R"({"jsonrpc":"2.0","id":4,"error":{"code":-32601,"message":"Method not found"}})")
                                             << Message::Kind::ErrorResponse << QJsonValue(4)
                                             << QString() << QJsonObject() << QJsonObject()
                                             << int(JsonRpc::MethodNotFound)
                                             << QStringLiteral("Method not found") << none;
    QTest::newRow("error response, object data") << QByteArray(
            R"({"jsonrpc":"2.0","id":"r","error":{"code":-32602,"message":"bad","data":{"field":"name"}}})")
                                                 << Message::Kind::ErrorResponse
                                                 << QJsonValue(QStringLiteral("r")) << QString()
                                                 << QJsonObject() << QJsonObject()
                                                 << int(JsonRpc::InvalidParams)
                                                 << QStringLiteral("bad")
                                                 << QJsonValue(object(R"({"field":"name"})"));
    QTest::newRow("error response, string data") << QByteArray(
            R"({"jsonrpc":"2.0","id":5,"error":{"code":-32000,"message":"closed","data":"eof"}})")
                                                 << Message::Kind::ErrorResponse << QJsonValue(5)
                                                 << QString() << QJsonObject() << QJsonObject()
                                                 << int(JsonRpc::ConnectionClosed)
                                                 << QStringLiteral("closed")
                                                 << QJsonValue(QStringLiteral("eof"));
    QTest::newRow("error response, id null") << QByteArray(
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})")
                                             << Message::Kind::ErrorResponse << null << QString()
                                             << QJsonObject() << QJsonObject()
                                             << int(JsonRpc::ParseError)
                                             << QStringLiteral("Parse error") << none;
    QTest::newRow("unknown members ignored")
            << QByteArray(R"({"jsonrpc":"2.0","id":9,"method":"ping","_meta":{"x":1},"extra":2})")
            << Message::Kind::Request << QJsonValue(9) << QStringLiteral("ping") << QJsonObject()
            << QJsonObject() << 0 << QString() << none;
    QTest::newRow("whitespace around the object")
            << QByteArray(" \n\t{\"jsonrpc\" : \"2.0\", \"method\" : \"ping\"}\r\n ")
            << Message::Kind::Notification << none << QStringLiteral("ping") << QJsonObject()
            << QJsonObject() << 0 << QString() << none;
}

void tst_JsonRpc::parseValid()
{
    QFETCH(QByteArray, text);
    QFETCH(Message::Kind, kind);
    QFETCH(QJsonValue, id);
    QFETCH(QString, method);
    QFETCH(QJsonObject, params);
    QFETCH(QJsonObject, result);
    QFETCH(int, errorCode);
    QFETCH(QString, errorMessage);
    QFETCH(QJsonValue, errorData);

    QString error = QStringLiteral("untouched");
    const Message m = Message::parse(text, &error);
    QVERIFY2(m.isValid(), qPrintable(error));
    QCOMPARE(error, QStringLiteral("untouched")); // success leaves the error alone
    QCOMPARE(m.kind(), kind);
    QCOMPARE(m.isRequest(), kind == Message::Kind::Request);
    QCOMPARE(m.isNotification(), kind == Message::Kind::Notification);
    QCOMPARE(m.isResponse(),
             kind == Message::Kind::Response || kind == Message::Kind::ErrorResponse);
    QCOMPARE(m.id(), id);
    QCOMPARE(m.idKey(), Message::idKey(id));
    QCOMPARE(m.method(), method);
    QCOMPARE(m.params(), params);
    QCOMPARE(m.result(), result);
    if (kind == Message::Kind::ErrorResponse) {
        QCOMPARE(m.error().code, errorCode);
        QCOMPARE(m.error().message, errorMessage);
        QCOMPARE(m.error().data, errorData);
    }
}

void tst_JsonRpc::parseInvalid_data()
{
    QTest::addColumn<QByteArray>("text");
    // A fragment of the error text that names the problem.
    QTest::addColumn<QString>("errorContains");

    const QString version = QStringLiteral("\"jsonrpc\"");
    const QString idType = QStringLiteral("\"id\" must be a string or an integer");
    const QString methodOrResult = QStringLiteral("exactly one of \"result\" and \"error\"");

    QTest::newRow("jsonrpc 1.0") << QByteArray(R"({"jsonrpc":"1.0","id":1,"method":"ping"})")
                                 << version;
    QTest::newRow("jsonrpc 2 as number")
            << QByteArray(R"({"jsonrpc":2.0,"id":1,"method":"ping"})") << version;
    QTest::newRow("jsonrpc missing") << QByteArray(R"({"id":1,"method":"ping"})") << version;
    QTest::newRow("missing method, no result or error")
            << QByteArray(R"({"jsonrpc":"2.0","id":1,"params":{}})") << methodOrResult;
    QTest::newRow("empty object") << QByteArray("{}") << version;
    QTest::newRow("only jsonrpc") << QByteArray(R"({"jsonrpc":"2.0"})") << methodOrResult;
    QTest::newRow("method not a string") << QByteArray(R"({"jsonrpc":"2.0","id":1,"method":42})")
                                         << QStringLiteral("\"method\" must be a non-empty string");
    QTest::newRow("method empty") << QByteArray(R"({"jsonrpc":"2.0","id":1,"method":""})")
                                  << QStringLiteral("\"method\" must be a non-empty string");
    QTest::newRow("params array") << QByteArray(
            R"({"jsonrpc":"2.0","id":1,"method":"ping","params":[1,2]})")
                                  << QStringLiteral("\"params\" must be an object");
    QTest::newRow("params string")
            << QByteArray(R"({"jsonrpc":"2.0","method":"ping","params":"x"})")
            << QStringLiteral("\"params\" must be an object");
    QTest::newRow("params null") << QByteArray(
            R"({"jsonrpc":"2.0","id":1,"method":"ping","params":null})")
                                 << QStringLiteral("\"params\" must be an object");
    QTest::newRow("request id null") << QByteArray(R"({"jsonrpc":"2.0","id":null,"method":"ping"})")
                                     << QStringLiteral("must not be null");
    QTest::newRow("both result and error") << QByteArray(
            R"({"jsonrpc":"2.0","id":1,"result":{},"error":{"code":-1,"message":"x"}})")
                                           << methodOrResult;
    QTest::newRow("neither result nor error")
            << QByteArray(R"({"jsonrpc":"2.0","id":1})") << methodOrResult;
    QTest::newRow("response without id") << QByteArray(R"({"jsonrpc":"2.0","result":{}})")
                                         << QStringLiteral("a response needs an \"id\"");
    QTest::newRow("error response without id")
            << QByteArray(R"({"jsonrpc":"2.0","error":{"code":-32700,"message":"x"}})")
            << QStringLiteral("a response needs an \"id\"");
    QTest::newRow("result response, id null")
            << QByteArray(R"({"jsonrpc":"2.0","id":null,"result":{}})")
            << QStringLiteral("non-null \"id\"");
    QTest::newRow("result not an object") << QByteArray(R"({"jsonrpc":"2.0","id":1,"result":[1]})")
                                          << QStringLiteral("\"result\" must be an object");
    QTest::newRow("error not an object") << QByteArray(R"({"jsonrpc":"2.0","id":1,"error":"boom"})")
                                         << QStringLiteral("numeric code");
    QTest::newRow("error code missing")
            << QByteArray(R"({"jsonrpc":"2.0","id":1,"error":{"message":"x"}})")
            << QStringLiteral("numeric code");
    QTest::newRow("error code a string")
            << QByteArray(R"({"jsonrpc":"2.0","id":1,"error":{"code":"-32600","message":"x"}})")
            << QStringLiteral("numeric code");
    QTest::newRow("fractional id")
            << QByteArray(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})") << idType;
    QTest::newRow("exponent fractional id")
            << QByteArray(R"({"jsonrpc":"2.0","id":2.5e-1,"result":{}})") << idType;
    QTest::newRow("id out of integer range")
            << QByteArray(R"({"jsonrpc":"2.0","id":1e300,"method":"ping"})") << idType;
    QTest::newRow("boolean id") << QByteArray(R"({"jsonrpc":"2.0","id":true,"method":"ping"})")
                                << idType;
    QTest::newRow("object id") << QByteArray(R"({"jsonrpc":"2.0","id":{},"result":{}})") << idType;
    QTest::newRow("array id") << QByteArray(R"({"jsonrpc":"2.0","id":[1],"method":"ping"})")
                              << idType;
    QTest::newRow("JSON array (batch)") << QByteArray(R"([{"jsonrpc":"2.0","method":"ping"}])")
                                        << QStringLiteral("must be a JSON object");
    QTest::newRow("JSON array of numbers")
            << QByteArray("[1,2]") << QStringLiteral("must be a JSON object");
    // Qt's parser accepts only an object or an array at the top level.
    QTest::newRow("JSON string") << QByteArray(R"("hello")") << QStringLiteral("invalid JSON");
    QTest::newRow("empty text") << QByteArray() << QStringLiteral("invalid JSON");
    QTest::newRow("truncated") << QByteArray(R"({"jsonrpc":"2.0","method":)")
                               << QStringLiteral("invalid JSON");
    QTest::newRow("trailing garbage") << QByteArray(R"({"jsonrpc":"2.0","method":"ping"} x)")
                                      << QStringLiteral("invalid JSON");
    QTest::newRow("two objects") << QByteArray(
            R"({"jsonrpc":"2.0","method":"a"}{"jsonrpc":"2.0","method":"b"})")
                                 << QStringLiteral("invalid JSON");
}

void tst_JsonRpc::parseInvalid()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, errorContains);

    QString error;
    const Message m = Message::parse(text, &error);
    QVERIFY2(!m.isValid(), m.serialize().constData());
    QCOMPARE(m.kind(), Message::Kind::Invalid);
    QVERIFY2(error.contains(errorContains), qPrintable(QStringLiteral("error was: ") + error));

    // A null error pointer is allowed.
    QVERIFY(!Message::parse(text).isValid());
}

void tst_JsonRpc::invalidJsonReportsOffset()
{
    // The offset lets the user find the broken byte in a long line of output.
    const QByteArray text = R"({"jsonrpc":"2.0","method":"ping",})";
    QJsonParseError pe;
    QJsonDocument::fromJson(text, &pe);
    QVERIFY(pe.error != QJsonParseError::NoError);

    QString error;
    QVERIFY(!Message::parse(text, &error).isValid());
    QVERIFY2(error.startsWith(QStringLiteral("invalid JSON at offset %1:").arg(pe.offset)),
             qPrintable(error));
    QVERIFY2(error.contains(pe.errorString()), qPrintable(error));

    // A different position gives a different offset.
    QString error2;
    QVERIFY(!Message::parse(R"({"jsonrpc" "2.0"})", &error2).isValid());
    QVERIFY(error2.startsWith(QStringLiteral("invalid JSON at offset ")));
    QVERIFY2(error2 != error, qPrintable(error2));
}

void tst_JsonRpc::fromJsonMatchesParse()
{
    const QJsonObject o = object(R"({"jsonrpc":"2.0","id":3,"method":"x","params":{"a":[1]}})");
    QString error;
    const Message a = Message::fromJson(o, &error);
    QVERIFY2(a.isValid(), qPrintable(error));
    const Message b = Message::parse(QJsonDocument(o).toJson());
    QVERIFY(sameMessage(a, b));

    QVERIFY(!Message::fromJson(QJsonObject()).isValid());
    QVERIFY(!Message::fromJson(QJsonObject(), &error).isValid());
    QVERIFY(!error.isEmpty());
}

void tst_JsonRpc::roundTrip_data()
{
    QTest::addColumn<Message>("message");

    const QJsonObject params
            = object(R"({"name":"echo","arguments":{"text":"héllo ✓","n":[1,2.5,null,true]}})");
    JsonRpc::Error plain {JsonRpc::MethodNotFound, QStringLiteral("Method not found"), {}};
    JsonRpc::Error withData {JsonRpc::InvalidParams, QStringLiteral("bad params"),
                             QJsonValue(object(R"({"missing":["name"]})"))};
    JsonRpc::Error withStringData {-32099, QStringLiteral("custom"), QStringLiteral("details")};

    QTest::newRow("request, integer id")
            << Message::request(1, QStringLiteral("tools/call"), params);
    QTest::newRow("request, large integer id")
            << Message::request(qint64(1) << 40, QStringLiteral("ping"));
    QTest::newRow("request, string id, no params")
            << Message::request(QStringLiteral("req-1"), QStringLiteral("ping"));
    QTest::newRow("request, string id that looks numeric")
            << Message::request(QStringLiteral("1"), QStringLiteral("ping"));
    QTest::newRow("notification") << Message::notification(
            QStringLiteral("notifications/initialized"));
    QTest::newRow("notification, params")
            << Message::notification(QStringLiteral("notifications/message"), params);
    QTest::newRow("response") << Message::response(2, params);
    QTest::newRow("response, empty result") << Message::response(QStringLiteral("a"), {});
    QTest::newRow("error response") << Message::errorResponse(3, plain);
    QTest::newRow("error response, object data") << Message::errorResponse(4, withData);
    QTest::newRow("error response, string data")
            << Message::errorResponse(QStringLiteral("s"), withStringData);
    QTest::newRow("error response, null id")
            << Message::errorResponse(QJsonValue(QJsonValue::Null), plain);
}

void tst_JsonRpc::roundTrip()
{
    QFETCH(Message, message);
    QVERIFY(message.isValid());

    const QByteArray text = message.serialize();
    QString error;
    const Message parsed = Message::parse(text, &error);
    QVERIFY2(parsed.isValid(), qPrintable(error + QLatin1String(" in ") + QString::fromUtf8(text)));
    QVERIFY2(sameMessage(parsed, message), text.constData());
    QCOMPARE(parsed.toJson(), message.toJson());
    QCOMPARE(parsed.serialize(), text);

    // fromJson(toJson()) is the same round trip without text.
    QVERIFY(sameMessage(Message::fromJson(message.toJson()), message));
}

void tst_JsonRpc::serializeIsCompactJson()
{
    const QByteArray text
            = Message::request(1, QStringLiteral("a"), object(R"({"k":"v"})")).serialize();
    QVERIFY(!text.endsWith('\n'));
    QVERIFY(!text.contains(' '));
    QCOMPARE(QJsonDocument::fromJson(text).object(),
             object(R"({"jsonrpc":"2.0","id":1,"method":"a","params":{"k":"v"}})"));

    // Empty params are left out; a response always carries "result".
    QCOMPARE(Message::notification(QStringLiteral("n")).toJson(),
             object(R"({"jsonrpc":"2.0","method":"n"})"));
    QCOMPARE(Message::response(1, {}).toJson(), object(R"({"jsonrpc":"2.0","id":1,"result":{}})"));
    // An error without data leaves "data" out.
    QCOMPARE(Message::errorResponse(1, {-1, QStringLiteral("m"), {}}).toJson(),
             object(R"({"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"m"}})"));
    // An invalid message serializes to just the version; it does not parse back.
    QCOMPARE(Message().toJson(), object(R"({"jsonrpc":"2.0"})"));
    QVERIFY(!Message::parse(Message().serialize()).isValid());
}

void tst_JsonRpc::errorResponseWithUndefinedIdGetsNull()
{
    // A parse error has no request id to answer: the id is sent as null, not left out.
    const Message m = Message::errorResponse(
            QJsonValue(), {JsonRpc::ParseError, QStringLiteral("Parse error"), {}});
    QVERIFY(m.id().isNull());
    QVERIFY(m.toJson().contains(QStringLiteral("id")));
    QVERIFY(Message::parse(m.serialize()).isValid());
}

void tst_JsonRpc::idKey_data()
{
    QTest::addColumn<QJsonValue>("id");
    QTest::addColumn<QString>("key");

    QTest::newRow("integer") << QJsonValue(42) << QStringLiteral("i:42");
    QTest::newRow("zero") << QJsonValue(0) << QStringLiteral("i:0");
    QTest::newRow("negative") << QJsonValue(-7) << QStringLiteral("i:-7");
    QTest::newRow("integral double") << QJsonValue(42.0) << QStringLiteral("i:42");
    QTest::newRow("beyond 2^53") << QJsonValue(qint64(9007199254740993))
                                 << QStringLiteral("i:9007199254740993");
    QTest::newRow("string") << QJsonValue(QStringLiteral("abc")) << QStringLiteral("s:abc");
    QTest::newRow("numeric string") << QJsonValue(QStringLiteral("42")) << QStringLiteral("s:42");
    QTest::newRow("empty string") << QJsonValue(QString()) << QStringLiteral("s:");
    QTest::newRow("null") << QJsonValue(QJsonValue::Null) << QStringLiteral("null");
}

void tst_JsonRpc::idKey()
{
    QFETCH(QJsonValue, id);
    QFETCH(QString, key);
    QCOMPARE(Message::idKey(id), key);
}

void tst_JsonRpc::idKeyDistinguishesIntegerAndString()
{
    // What a session keys its pending map by: a reply to "1" must not complete request 1.
    const Message intRequest = Message::request(1, QStringLiteral("ping"));
    const Message strRequest = Message::request(QStringLiteral("1"), QStringLiteral("ping"));
    QVERIFY(intRequest.idKey() != strRequest.idKey());

    const Message intReply = Message::parse(R"({"jsonrpc":"2.0","id":1,"result":{}})");
    const Message strReply = Message::parse(R"({"jsonrpc":"2.0","id":"1","result":{}})");
    const Message floatReply = Message::parse(R"({"jsonrpc":"2.0","id":1.0,"result":{}})");
    QVERIFY(intReply.isValid() && strReply.isValid() && floatReply.isValid());
    QCOMPARE(intReply.idKey(), intRequest.idKey());
    QCOMPARE(strReply.idKey(), strRequest.idKey());
    QCOMPARE(floatReply.idKey(), intRequest.idKey());
    QVERIFY(intReply.idKey() != strReply.idKey());

    // Large ids stay exact: neighbours beyond 2^53 do not collide.
    const Message big1 = Message::parse(R"({"jsonrpc":"2.0","id":9007199254740992,"result":{}})");
    const Message big2 = Message::parse(R"({"jsonrpc":"2.0","id":9007199254740993,"result":{}})");
    QVERIFY(big1.isValid() && big2.isValid());
    QVERIFY2(big1.idKey() != big2.idKey(), qPrintable(big1.idKey()));
}

QTEST_GUILESS_MAIN(tst_JsonRpc)
#include "tst_jsonrpc.moc"
