// ElicitationForm: an MCP elicitation schema asked field by field on a terminal; each answer
// typed per the schema (text, number, whole number, y/n, one of a list), or why it does not fit.

#include "elicitationform.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

class tst_ElicitationForm : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fields();
    void fieldsInTheServersOrder();
    void parse_data();
    void parse();
    void multiSelect();
    void formatsChecked();
    void hostileSchemaRefused();
};

namespace {
const QByteArray kSchema = R"({"type": "object",
    "properties": {
        "name": {"type": "string", "title": "Your name", "maxLength": 5},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "ratio": {"type": "number"},
        "ok": {"type": "boolean", "default": true},
        "colour": {"type": "string", "enum": ["red", "green"]}},
    "required": ["name", "age"]})";

ElicitationForm::Field field(const QString &name)
{
    const ElicitationForm form
            = ElicitationForm::fromSchema(QJsonDocument::fromJson(kSchema).object());
    for (const ElicitationForm::Field &f : form.fields) {
        if (f.name == name)
            return f;
    }
    return {};
}
} // namespace

void tst_ElicitationForm::fields()
{
    const ElicitationForm form
            = ElicitationForm::fromSchema(QJsonDocument::fromJson(kSchema).object());
    QCOMPARE(form.fields.size(), 5);
    QCOMPARE(ElicitationForm::prompt(field("name")),
             QStringLiteral("  name (Your name, required): "));
    QCOMPARE(ElicitationForm::prompt(field("age")),
             QStringLiteral("  age (a whole number, required): "));
    QCOMPARE(ElicitationForm::prompt(field("ok")), QStringLiteral("  ok (y/n, optional) [true]: "));
    QCOMPARE(ElicitationForm::prompt(field("colour")),
             QStringLiteral("  colour (one of: red, green, optional): "));
}

// The fields are asked in the order the MCP server wrote them (the event's property_order);
// names it does not list follow by name, and without an order all go by name.
void tst_ElicitationForm::fieldsInTheServersOrder()
{
    const QJsonObject schema = QJsonDocument::fromJson(kSchema).object();
    auto names = [](const ElicitationForm &form) {
        QStringList out;
        for (const ElicitationForm::Field &f : form.fields)
            out << f.name;
        return out;
    };
    QCOMPARE(names(ElicitationForm::fromSchema(schema, {"name", "age", "ratio", "ok", "colour"})),
             QStringList({"name", "age", "ratio", "ok", "colour"}));
    QCOMPARE(names(ElicitationForm::fromSchema(schema, {"ok", "name"})),
             QStringList({"ok", "name", "age", "colour", "ratio"}));
    QCOMPARE(names(ElicitationForm::fromSchema(schema)),
             QStringList({"age", "colour", "name", "ok", "ratio"}));
    // Names the schema does not have change nothing.
    QCOMPARE(names(ElicitationForm::fromSchema(schema, {"nope", "ratio"})),
             QStringList({"ratio", "age", "colour", "name", "ok"}));
}

void tst_ElicitationForm::parse_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("typed");
    QTest::addColumn<QJsonValue>("value"); // Undefined: not answered; Null: refused
    QTest::addColumn<QString>("why");

    const QJsonValue refused(QJsonValue::Null);
    QTest::newRow("text") << "name"
                          << " Ada " << QJsonValue("Ada") << "";
    QTest::newRow("text too long") << "name"
                                   << "Adalbert" << refused << "at most 5 characters";
    QTest::newRow("required left empty") << "name"
                                         << "" << refused << "name is required";
    QTest::newRow("integer") << "age"
                             << "36" << QJsonValue(36) << "";
    QTest::newRow("integer with a fraction") << "age"
                                             << "3.5" << refused << "type a whole number";
    QTest::newRow("integer out of range") << "age"
                                          << "200" << refused << "type a number between 0 and 150";
    QTest::newRow("integer as a word") << "age"
                                       << "old" << refused << "type a whole number";
    QTest::newRow("number") << "ratio"
                            << "0.25" << QJsonValue(0.25) << "";
    QTest::newRow("optional left empty") << "ratio"
                                         << "" << QJsonValue(QJsonValue::Undefined) << "";
    QTest::newRow("boolean y") << "ok"
                               << "y" << QJsonValue(true) << "";
    QTest::newRow("boolean no") << "ok"
                                << "No" << QJsonValue(false) << "";
    QTest::newRow("boolean default") << "ok"
                                     << "" << QJsonValue(true) << "";
    QTest::newRow("boolean other") << "ok"
                                   << "maybe" << refused << "type y or n";
    QTest::newRow("enum") << "colour"
                          << "GREEN" << QJsonValue("green") << "";
    QTest::newRow("enum other") << "colour"
                                << "blue" << refused << "type one of: red, green";
}

void tst_ElicitationForm::parse()
{
    QFETCH(QString, field);
    QFETCH(QString, typed);
    QFETCH(QJsonValue, value);
    QFETCH(QString, why);
    QString problem;
    const auto parsed = ElicitationForm::parse(::field(field), typed, &problem);
    if (value.isNull()) {
        QVERIFY(!parsed);
        QCOMPARE(problem, why);
        return;
    }
    QVERIFY2(parsed, qPrintable(problem));
    QCOMPARE(*parsed, value);
}

void tst_ElicitationForm::multiSelect()
{
    const ElicitationForm form = ElicitationForm::fromSchema(QJsonDocument::fromJson(R"({
        "properties": {"tags": {"type": "array", "maxItems": 2,
                                "items": {"anyOf": [{"const": "a", "title": "A"},
                                                    {"const": "b", "title": "B"},
                                                    {"const": "c", "title": "C"}]}}}})")
                                                                     .object());
    QCOMPARE(form.fields.size(), 1);
    const ElicitationForm::Field &f = form.fields.first();
    QCOMPARE(ElicitationForm::prompt(f),
             QStringLiteral("  tags (any of: a, b, c, separated by commas, optional): "));
    QString why;
    QCOMPARE(ElicitationForm::parse(f, QStringLiteral(" B, a "), &why),
             QJsonValue(QJsonArray {"b", "a"}));
    QVERIFY(!ElicitationForm::parse(f, QStringLiteral("a, z"), &why));
    QCOMPARE(why, QStringLiteral("type any of: a, b, c"));
    QVERIFY(!ElicitationForm::parse(f, QStringLiteral("a,b,c"), &why));
    QCOMPARE(why, QStringLiteral("choose at most 2"));
}

void tst_ElicitationForm::formatsChecked()
{
    const ElicitationForm form = ElicitationForm::fromSchema(QJsonDocument::fromJson(R"({
        "properties": {"email": {"type": "string", "format": "email", "minLength": 6}}})")
                                                                     .object());
    QString why;
    QVERIFY(!ElicitationForm::parse(form.fields.first(), QStringLiteral("ada"), &why));
    QCOMPARE(why, QStringLiteral("at least 6 characters"));
    QVERIFY(!ElicitationForm::parse(form.fields.first(), QStringLiteral("ada-lovelace"), &why));
    QCOMPARE(why, QStringLiteral("not an email address (name@example.com)"));
    QCOMPARE(ElicitationForm::parse(form.fields.first(), QStringLiteral("ada@example.org"), &why),
             QJsonValue(QStringLiteral("ada@example.org")));
}

void tst_ElicitationForm::hostileSchemaRefused()
{
    // The ask command declines such a form and prints why.
    const ElicitationForm form = ElicitationForm::fromSchema(QJsonDocument::fromJson(R"({
        "properties": {"addr": {"type": "object", "properties": {}}}})")
                                                                     .object());
    QVERIFY(form.fields.isEmpty());
    QVERIFY2(form.error.startsWith(QStringLiteral("The form's field \"addr\" is a nested object")),
             qPrintable(form.error));
}

QTEST_GUILESS_MAIN(tst_ElicitationForm)
#include "tst_elicitationform.moc"
