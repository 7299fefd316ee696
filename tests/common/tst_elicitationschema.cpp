// ElicitationSchema's field order: QJsonObject sorts keys, so the order a server wrote its
// requestedSchema.properties in is read from the request's JSON text (what the host puts into
// the elicitation event as `property_order`), and the form's fields are sorted into it.
#include "elicitationschema.h"
#include "jsonrpc.h"

#include <QJsonDocument>
#include <QTest>

namespace {

QJsonObject propertiesOf(const QByteArray &text)
{
    return QJsonDocument::fromJson(text)
            .object()
            .value("params")
            .toObject()
            .value("requestedSchema")
            .toObject()
            .value("properties")
            .toObject();
}

} // namespace

class TstElicitationSchema : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void orderAsWritten_data();
    void orderAsWritten();
    void tooManyFieldsHaveNoOrder();
    void fieldsSortIntoTheOrder();
    void requestKeepsItsText();
};

void TstElicitationSchema::orderAsWritten_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QStringList>("order");
    QTest::newRow("reverse of alphabetical")
            << QByteArray(R"({"jsonrpc":"2.0","id":1,"method":"elicitation/create","params":{)"
                          R"("message":"Who?","requestedSchema":{"type":"object","properties":{)"
                          R"("zeta":{"type":"string"},"mid":{"type":"number"},)"
                          R"("alpha":{"type":"boolean"}}}}})")
            << QStringList {"zeta", "mid", "alpha"};
    // A field called "properties", keys with '/', '~' and escapes, pretty-printed over lines,
    // and a decoy "properties" elsewhere in the request.
    QTest::newRow("tricky keys") << QByteArray(
            "{\"jsonrpc\": \"2.0\", \"id\": \"x\", \"method\": \"elicitation/create\",\n"
            " \"params\": {\"_meta\": {\"properties\": {\"a\": 1}},\n"
            "  \"requestedSchema\": {\"properties\": {\n"
            "    \"properties\": {\"type\": \"string\"},\n"
            "    \"a/b\": {\"type\": \"string\"}, \"t~1\": {\"type\": \"string\"},\n"
            "    \"\\u0041scaped\": {\"type\": \"string\"}\n"
            "  }}}}") << QStringList {"properties", "a/b", "t~1", "Ascaped"};
    // A key written twice: JSON keeps the last one, so does the order.
    QTest::newRow("repeated key") << QByteArray(
            R"({"params":{"requestedSchema":{"properties":{"b":{},"a":{},"b":{}}}}})")
                                  << QStringList {"a", "b"};
}

void TstElicitationSchema::orderAsWritten()
{
    QFETCH(QByteArray, text);
    QFETCH(QStringList, order);
    QCOMPARE(ElicitationSchema::propertyOrder(text, propertiesOf(text)), order);
    // Another request's text, or none: no order (the form falls back to names).
    QVERIFY(ElicitationSchema::propertyOrder(QByteArray(), propertiesOf(text)).isEmpty());
    QVERIFY(ElicitationSchema::propertyOrder(R"({"params":{}})", propertiesOf(text)).isEmpty());
}

void TstElicitationSchema::tooManyFieldsHaveNoOrder()
{
    QByteArray text = R"({"params":{"requestedSchema":{"properties":{)";
    for (int i = 0; i <= ElicitationSchema::kMaxFields; ++i)
        text += (i ? "," : "") + QByteArray("\"f") + QByteArray::number(i) + "\":{}";
    text += "}}}}";
    QCOMPARE(propertiesOf(text).size(), ElicitationSchema::kMaxFields + 1);
    QVERIFY(ElicitationSchema::propertyOrder(text, propertiesOf(text)).isEmpty());
}

void TstElicitationSchema::fieldsSortIntoTheOrder()
{
    const ElicitationSchema schema = ElicitationSchema::parse(QJsonDocument::fromJson(R"(
        {"type": "object", "properties": {"zeta": {"type": "string"}, "alpha": {"type": "string"},
         "mid": {"type": "integer"}}})")
                                                                      .object());
    QVERIFY2(schema.ok(), qPrintable(schema.error));
    auto names = [](const QList<ElicitationSchema::Field> &fields) {
        QStringList out;
        for (const auto &f : fields)
            out << f.name;
        return out;
    };
    QCOMPARE(names(schema.fields), (QStringList {"alpha", "mid", "zeta"})); // QJsonObject's
    QList<ElicitationSchema::Field> fields = schema.fields;
    ElicitationSchema::applyOrder(fields, {"zeta", "mid", "alpha"});
    QCOMPARE(names(fields), (QStringList {"zeta", "mid", "alpha"}));
    // Names the order does not know go last, keeping their place; unknown names do nothing.
    fields = schema.fields;
    ElicitationSchema::applyOrder(fields, {"zeta", "nope"});
    QCOMPARE(names(fields), (QStringList {"zeta", "alpha", "mid"}));
    fields = schema.fields;
    ElicitationSchema::applyOrder(fields, {});
    QCOMPARE(names(fields), (QStringList {"alpha", "mid", "zeta"}));
}

void TstElicitationSchema::requestKeepsItsText()
{
    const QByteArray text
            = R"({"jsonrpc":"2.0","id":7,"method":"elicitation/create","params":{"b":1,"a":2}})";
    const JsonRpc::Message request = JsonRpc::Message::parse(text);
    QVERIFY(request.isRequest());
    QCOMPARE(request.text(), text);
    // Responses and notifications do not keep theirs (a large result is not held twice).
    QVERIFY(JsonRpc::Message::parse(R"({"jsonrpc":"2.0","id":7,"result":{}})").text().isEmpty());
    QVERIFY(JsonRpc::Message::parse(R"({"jsonrpc":"2.0","method":"n"})").text().isEmpty());
}

QTEST_GUILESS_MAIN(TstElicitationSchema)
#include "tst_elicitationschema.moc"
