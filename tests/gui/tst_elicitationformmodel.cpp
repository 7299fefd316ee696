// ElicitationFormModel (QML: ElicitationForm): an MCP 2025-11-25 elicitation schema as rows of
// fields with their bounds, options and defaults; validation that names what is wrong per field;
// the answer with the JSON types the schema asks for; hostile schemas refused with a form-level
// error, never a crash.

#include "elicitationformmodel.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

class tst_ElicitationFormModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyFieldType();
    void defaultsFilledIn();
    void unusableDefaultsLeftOut();
    void validation_data();
    void validation();
    void errorsFollowTheValues();
    void resultHasJsonTypes();
    void multiSelectCounts();
    void optionsChosenOneByOne();
    void fieldsInTheServersOrder();
    void hostileSchemas_data();
    void hostileSchemas();
    void labelsCapped();
    void newSchemaReplacesTheForm();
};

namespace {

const QByteArray kEveryType = R"({
  "type": "object",
  "properties": {
    "name": {"type": "string", "title": "Your name", "description": "As on your passport",
             "minLength": 2, "maxLength": 20},
    "email": {"type": "string", "format": "email"},
    "site": {"type": "string", "format": "uri"},
    "born": {"type": "string", "format": "date"},
    "meeting": {"type": "string", "format": "date-time"},
    "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
    "ratio": {"type": "number", "minimum": 0, "maximum": 1},
    "age": {"type": "integer", "minimum": 0, "maximum": 150},
    "ok": {"type": "boolean", "title": "Agree"},
    "colour": {"type": "string", "enum": ["red", "green", "blue"]},
    "size": {"type": "string", "enum": ["s", "m"], "enumNames": ["Small", "Medium"]},
    "hex": {"type": "string", "oneOf": [{"const": "#f00", "title": "Red"},
                                         {"const": "#0f0", "title": "Green"}]},
    "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c"]},
             "minItems": 1, "maxItems": 2},
    "hexes": {"type": "array", "items": {"anyOf": [{"const": "#f00", "title": "Red"},
                                                     {"const": "#0f0", "title": "Green"}]}}
  },
  "required": ["name", "age", "tags"]
})";

QJsonObject json(const QByteArray &text)
{
    QJsonParseError e;
    const QJsonObject o = QJsonDocument::fromJson(text, &e).object();
    if (e.error != QJsonParseError::NoError)
        qFatal("bad test JSON: %s", qPrintable(e.errorString()));
    return o;
}

int rowOf(const ElicitationFormModel &form, const QString &name)
{
    for (int i = 0; i < form.rowCount(); ++i) {
        if (form.index(i).data(ElicitationFormModel::NameRole).toString() == name)
            return i;
    }
    return -1;
}

QVariant roleOf(const ElicitationFormModel &form, const QString &name, int role)
{
    return form.index(rowOf(form, name)).data(role);
}

QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

/// A form with every field of kEveryType answered validly.
void fillValid(ElicitationFormModel &form)
{
    const QList<QPair<QString, QVariant>> values {
            {QStringLiteral("name"), QStringLiteral("Ada")},
            {QStringLiteral("email"), QStringLiteral("ada@example.org")},
            {QStringLiteral("site"), QStringLiteral("https://example.org/ada")},
            {QStringLiteral("born"), QStringLiteral("1815-12-10")},
            {QStringLiteral("meeting"), QStringLiteral("2025-11-25T14:30:00+01:00")},
            {QStringLiteral("code"), QStringLiteral("ABC")},
            {QStringLiteral("ratio"), QStringLiteral("0.25")},
            {QStringLiteral("age"), QStringLiteral("36")},
            {QStringLiteral("ok"), true},
            {QStringLiteral("colour"), QStringLiteral("green")},
            {QStringLiteral("size"), QStringLiteral("m")},
            {QStringLiteral("hex"), QStringLiteral("#0f0")},
            {QStringLiteral("tags"), QVariantList {QStringLiteral("a"), QStringLiteral("c")}},
            {QStringLiteral("hexes"), QStringList {QStringLiteral("#f00")}},
    };
    for (const auto &[name, value] : values)
        QVERIFY(form.setValue(rowOf(form, name), value));
}

} // namespace

void tst_ElicitationFormModel::everyFieldType()
{
    ElicitationFormModel form;
    QAbstractItemModelTester tester(&form, QAbstractItemModelTester::FailureReportingMode::QtTest);
    form.setSchemaJson(json(kEveryType));
    QVERIFY2(form.error().isEmpty(), qPrintable(form.error()));
    QCOMPARE(form.rowCount(), 14);
    QCOMPARE(form.count(), 14);

    using R = ElicitationFormModel;
    QCOMPARE(roleOf(form, "name", R::TypeRole).toString(), QStringLiteral("string"));
    QCOMPARE(roleOf(form, "name", R::TitleRole).toString(), QStringLiteral("Your name"));
    QCOMPARE(roleOf(form, "name", R::DescriptionRole).toString(),
             QStringLiteral("As on your passport"));
    QCOMPARE(roleOf(form, "name", R::MinLengthRole).toInt(), 2);
    QCOMPARE(roleOf(form, "name", R::MaxLengthRole).toInt(), 20);
    QCOMPARE(roleOf(form, "name", R::RequiredRole).toBool(), true);
    QCOMPARE(roleOf(form, "name", R::HintRole).toString(), QStringLiteral("2 to 20 characters"));
    // Without a title the name is the label.
    QCOMPARE(roleOf(form, "email", R::TitleRole).toString(), QStringLiteral("email"));
    QCOMPARE(roleOf(form, "email", R::FormatRole).toString(), QStringLiteral("email"));
    QCOMPARE(roleOf(form, "email", R::RequiredRole).toBool(), false);
    QCOMPARE(roleOf(form, "site", R::FormatRole).toString(), QStringLiteral("uri"));
    QCOMPARE(roleOf(form, "born", R::FormatRole).toString(), QStringLiteral("date"));
    QCOMPARE(roleOf(form, "born", R::HintRole).toString(), QStringLiteral("YYYY-MM-DD"));
    QCOMPARE(roleOf(form, "meeting", R::FormatRole).toString(), QStringLiteral("date-time"));
    QCOMPARE(roleOf(form, "ratio", R::TypeRole).toString(), QStringLiteral("number"));
    QCOMPARE(roleOf(form, "ratio", R::MinimumRole).toDouble(), 0.0);
    QCOMPARE(roleOf(form, "ratio", R::MaximumRole).toDouble(), 1.0);
    QCOMPARE(roleOf(form, "age", R::TypeRole).toString(), QStringLiteral("integer"));
    QCOMPARE(roleOf(form, "age", R::HintRole).toString(),
             QStringLiteral("a whole number from 0 to 150"));
    QCOMPARE(roleOf(form, "ok", R::TypeRole).toString(), QStringLiteral("boolean"));
    QCOMPARE(roleOf(form, "ok", R::TitleRole).toString(), QStringLiteral("Agree"));
    // No bounds: undefined in QML, not 0.
    QVERIFY(!roleOf(form, "ok", R::MinimumRole).isValid());

    auto options = [&form](const char *name) {
        QStringList out;
        for (const QVariant &o : roleOf(form, name, R::OptionsRole).toList()) {
            const QVariantMap m = o.toMap();
            out << m.value("value").toString() + "=" + m.value("label").toString();
        }
        return out;
    };
    QCOMPARE(roleOf(form, "colour", R::TypeRole).toString(), QStringLiteral("enum"));
    QCOMPARE(options("colour"), QStringList({"red=red", "green=green", "blue=blue"}));
    QCOMPARE(options("size"), QStringList({"s=Small", "m=Medium"}));
    QCOMPARE(roleOf(form, "hex", R::TypeRole).toString(), QStringLiteral("enum"));
    QCOMPARE(options("hex"), QStringList({"#f00=Red", "#0f0=Green"}));
    QCOMPARE(roleOf(form, "tags", R::TypeRole).toString(), QStringLiteral("multiEnum"));
    QCOMPARE(options("tags"), QStringList({"a=a", "b=b", "c=c"}));
    QCOMPARE(roleOf(form, "tags", R::MinItemsRole).toInt(), 1);
    QCOMPARE(roleOf(form, "tags", R::MaxItemsRole).toInt(), 2);
    QCOMPARE(roleOf(form, "tags", R::HintRole).toString(), QStringLiteral("choose 1 to 2"));
    QCOMPARE(roleOf(form, "hexes", R::TypeRole).toString(), QStringLiteral("multiEnum"));
    QCOMPARE(options("hexes"), QStringList({"#f00=Red", "#0f0=Green"}));

    const QHash<int, QByteArray> roles = form.roleNames();
    for (const char *role : {"name", "title", "description", "type", "format", "minimum", "maximum",
                             "minLength", "maxLength", "options", "required", "value", "error"})
        QVERIFY2(roles.values().contains(role), role);
}

void tst_ElicitationFormModel::defaultsFilledIn()
{
    ElicitationFormModel form;
    QAbstractItemModelTester tester(&form, QAbstractItemModelTester::FailureReportingMode::QtTest);
    form.setSchemaJson(json(R"({"type": "object", "properties": {
        "name": {"type": "string", "default": "Ada"},
        "ratio": {"type": "number", "default": 0.5},
        "age": {"type": "integer", "default": 36},
        "ok": {"type": "boolean", "default": true},
        "off": {"type": "boolean"},
        "colour": {"type": "string", "enum": ["red", "green"], "default": "green"},
        "hex": {"type": "string", "oneOf": [{"const": "#f00", "title": "Red"}], "default": "#f00"},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]},
                 "default": ["b"]},
        "free": {"type": "string"}}})"));
    QCOMPARE(form.rowCount(), 9);
    using R = ElicitationFormModel;
    QCOMPARE(roleOf(form, "name", R::ValueRole).toString(), QStringLiteral("Ada"));
    QCOMPARE(roleOf(form, "ratio", R::ValueRole).toDouble(), 0.5);
    QCOMPARE(roleOf(form, "age", R::ValueRole).toInt(), 36);
    QCOMPARE(roleOf(form, "ok", R::ValueRole).toBool(), true);
    QCOMPARE(roleOf(form, "off", R::ValueRole), QVariant(false));
    QCOMPARE(roleOf(form, "colour", R::ValueRole).toString(), QStringLiteral("green"));
    QCOMPARE(roleOf(form, "hex", R::ValueRole).toString(), QStringLiteral("#f00"));
    QCOMPARE(roleOf(form, "tags", R::ValueRole).toStringList(), QStringList {"b"});
    // A text field without a default starts empty (not "undefined" in a TextField).
    QCOMPARE(roleOf(form, "free", R::ValueRole), QVariant(QString()));

    // Sent untouched: every default, typed as the schema says; the empty field is left out.
    QVERIFY(form.validate());
    QCOMPARE(compact(form.content()),
             QStringLiteral("{\"age\":36,\"colour\":\"green\",\"hex\":\"#f00\",\"name\":\"Ada\","
                            "\"off\":false,\"ok\":true,\"ratio\":0.5,\"tags\":[\"b\"]}"));
}

void tst_ElicitationFormModel::unusableDefaultsLeftOut()
{
    // A default of the wrong type or outside the options: the field starts empty and the
    // user sees that it needs an answer; the form itself is still shown.
    ElicitationFormModel form;
    form.setSchemaJson(json(R"({"type": "object", "properties": {
        "age": {"type": "integer", "default": 2.5},
        "name": {"type": "string", "default": 7},
        "ok": {"type": "boolean", "default": "yes"},
        "colour": {"type": "string", "enum": ["red"], "default": "purple"},
        "tags": {"type": "array", "items": {"enum": ["a"]}, "default": ["a", "z"]}},
        "required": ["age"]})"));
    QVERIFY2(form.error().isEmpty(), qPrintable(form.error()));
    using R = ElicitationFormModel;
    QCOMPARE(roleOf(form, "age", R::ValueRole), QVariant(QString()));
    QCOMPARE(roleOf(form, "name", R::ValueRole), QVariant(QString()));
    QCOMPARE(roleOf(form, "ok", R::ValueRole), QVariant(false));
    QCOMPARE(roleOf(form, "colour", R::ValueRole), QVariant(QString()));
    QCOMPARE(roleOf(form, "tags", R::ValueRole).toList().size(), 0);
    QVERIFY(!form.validate());
    QCOMPARE(roleOf(form, "age", R::ErrorRole).toString(), QStringLiteral("Required"));
}

void tst_ElicitationFormModel::validation_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<QString>("error"); // "" = accepted

    auto row = [](const char *tag, const char *field, const QVariant &value, const char *error) {
        QTest::newRow(tag) << QString::fromLatin1(field) << value << QString::fromUtf8(error);
    };
    row("required text empty", "name", QString(), "Required");
    row("required text spaces only is too short", "name", QStringLiteral(" "),
        "At least 2 characters");
    row("text too short", "name", QStringLiteral("A"), "At least 2 characters");
    row("text too long", "name", QStringLiteral("Adalbert Augusta Lovelace"),
        "At most 20 characters");
    row("text length counts characters", "name", QStringLiteral("😀😀😀😀😀😀😀😀😀😀😀"), "");
    row("email", "email", QStringLiteral("ada@example.org"), "");
    row("email without @", "email", QStringLiteral("ada.example.org"),
        "Not an email address (name@example.com)");
    row("email with a space", "email", QStringLiteral("ada lovelace@example.org"),
        "Not an email address (name@example.com)");
    row("optional email empty", "email", QString(), "");
    row("uri", "site", QStringLiteral("https://example.org/a?b=c"), "");
    row("uri urn", "site", QStringLiteral("urn:isbn:0451450523"), "");
    row("uri relative", "site", QStringLiteral("example.org/a"),
        "Not a URI (https://example.com/…)");
    row("uri with spaces", "site", QStringLiteral("https://exa mple.org"),
        "Not a URI (https://example.com/…)");
    row("date", "born", QStringLiteral("2024-02-29"), "");
    row("date not a day", "born", QStringLiteral("2023-02-29"), "Not a date (YYYY-MM-DD)");
    row("date other order", "born", QStringLiteral("10.12.1815"), "Not a date (YYYY-MM-DD)");
    row("date-time utc", "meeting", QStringLiteral("2025-11-25T14:30:00Z"), "");
    row("date-time fraction offset", "meeting", QStringLiteral("2025-11-25T14:30:00.250-05:00"),
        "");
    row("date-time no zone", "meeting", QStringLiteral("2025-11-25T14:30:00"),
        "Not a date and time (YYYY-MM-DDThh:mm:ssZ)");
    row("date-time bad hour", "meeting", QStringLiteral("2025-11-25T25:30:00Z"),
        "Not a date and time (YYYY-MM-DDThh:mm:ssZ)");
    row("pattern", "code", QStringLiteral("ABC"), "");
    row("pattern mismatch", "code", QStringLiteral("abc"),
        "Does not have the form this field asks for");
    row("number text", "ratio", QStringLiteral("0.25"), "");
    row("number value", "ratio", QVariant(0.75), "");
    row("number word", "ratio", QStringLiteral("half"), "Not a number");
    row("number above", "ratio", QStringLiteral("1.5"), "Between 0 and 1");
    row("integer", "age", QStringLiteral("36"), "");
    row("integer fraction", "age", QStringLiteral("36.5"), "Not a whole number");
    row("integer below", "age", QStringLiteral("-1"), "Between 0 and 150");
    row("integer empty required", "age", QStringLiteral("  "), "Required");
    row("boolean", "ok", QVariant(true), "");
    row("boolean as text", "ok", QStringLiteral("yes"), "Must be yes or no");
    row("enum", "colour", QStringLiteral("blue"), "");
    row("enum other", "colour", QStringLiteral("purple"), "Choose one of the options");
    row("enum label is not the value", "size", QStringLiteral("Small"),
        "Choose one of the options");
    row("titled enum", "hex", QStringLiteral("#f00"), "");
    row("multi", "tags", QVariantList {QStringLiteral("a"), QStringLiteral("b")}, "");
    row("multi none required", "tags", QVariantList(), "Choose at least one");
    row("multi too many", "tags",
        QVariantList {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")},
        "Choose at most 2");
    row("multi unknown", "tags", QVariantList {QStringLiteral("z")}, "Choose from the options");
    row("multi twice", "tags", QVariantList {QStringLiteral("a"), QStringLiteral("a")},
        "An option is chosen twice");
    row("multi text", "tags", QStringLiteral("a"), "Choose from the options");
}

void tst_ElicitationFormModel::validation()
{
    QFETCH(QString, field);
    QFETCH(QVariant, value);
    QFETCH(QString, error);

    ElicitationFormModel form;
    QAbstractItemModelTester tester(&form, QAbstractItemModelTester::FailureReportingMode::QtTest);
    form.setSchemaJson(json(kEveryType));
    fillValid(form);
    QVERIFY(form.validate());
    QVERIFY(form.setValue(rowOf(form, field), value));
    QCOMPARE(form.validate(), error.isEmpty());
    QCOMPARE(roleOf(form, field, ElicitationFormModel::ErrorRole).toString(), error);
    // Only the field in question is wrong.
    for (int i = 0; i < form.rowCount(); ++i) {
        if (form.index(i).data(ElicitationFormModel::NameRole).toString() != field)
            QCOMPARE(form.index(i).data(ElicitationFormModel::ErrorRole).toString(), QString());
    }
    QCOMPARE(form.result().isEmpty(), !error.isEmpty());
}

void tst_ElicitationFormModel::errorsFollowTheValues()
{
    ElicitationFormModel form;
    QAbstractItemModelTester tester(&form, QAbstractItemModelTester::FailureReportingMode::QtTest);
    form.setSchemaJson(json(kEveryType));
    const int age = rowOf(form, "age");
    QSignalSpy changed(&form, &QAbstractItemModel::dataChanged);
    QSignalSpy reset(&form, &QAbstractItemModel::modelReset);

    // Before the first validate() typing shows no error (nothing is shouted at the user).
    QVERIFY(form.setValue(age, QStringLiteral("old")));
    QCOMPARE(roleOf(form, "age", ElicitationFormModel::ErrorRole).toString(), QString());
    QCOMPARE(roleOf(form, "age", ElicitationFormModel::ValueRole).toString(),
             QStringLiteral("old"));

    QVERIFY(!form.validate());
    QCOMPARE(roleOf(form, "age", ElicitationFormModel::ErrorRole).toString(),
             QStringLiteral("Not a whole number"));
    QCOMPARE(roleOf(form, "name", ElicitationFormModel::ErrorRole).toString(),
             QStringLiteral("Required"));
    QCOMPARE(roleOf(form, "tags", ElicitationFormModel::ErrorRole).toString(),
             QStringLiteral("Choose at least one"));

    // After it, each change updates that field's error in place.
    changed.clear();
    QVERIFY(form.setValue(age, QStringLiteral("200")));
    QCOMPARE(roleOf(form, "age", ElicitationFormModel::ErrorRole).toString(),
             QStringLiteral("Between 0 and 150"));
    QVERIFY(form.setValue(age, QStringLiteral("42")));
    QCOMPARE(roleOf(form, "age", ElicitationFormModel::ErrorRole).toString(), QString());
    QVERIFY(!changed.isEmpty());
    for (const QList<QVariant> &args : changed) {
        QCOMPARE(args.at(0).toModelIndex().row(), age);
        QCOMPARE(args.at(1).toModelIndex().row(), age);
    }
    QCOMPARE(reset.size(), 0);
    QVERIFY(!form.setValue(-1, QStringLiteral("x")));
    QVERIFY(!form.setValue(form.rowCount(), QStringLiteral("x")));
}

void tst_ElicitationFormModel::resultHasJsonTypes()
{
    ElicitationFormModel form;
    form.setSchemaJson(json(kEveryType));
    QVERIFY(form.result().isEmpty()); // required fields unanswered: nothing to send
    fillValid(form);
    QVERIFY(form.validate());
    QCOMPARE(compact(form.content()),
             QStringLiteral("{\"age\":36,\"born\":\"1815-12-10\",\"code\":\"ABC\",\"colour\":"
                            "\"green\",\"email\":\"ada@example.org\",\"hex\":\"#0f0\",\"hexes\":["
                            "\"#f00\"],\"meeting\":\"2025-11-25T14:30:00+01:00\",\"name\":\"Ada\","
                            "\"ok\":true,\"ratio\":0.25,\"site\":\"https://example.org/ada\","
                            "\"size\":\"m\",\"tags\":[\"a\",\"c\"]}"));
    // result() is what QML hands to answerElicitation(): the same document.
    QCOMPARE(QJsonObject::fromVariantMap(form.result()), form.content());

    // Optional fields cleared are left out, not sent as "".
    form.setValue(rowOf(form, "email"), QString());
    form.setValue(rowOf(form, "hexes"), QVariantList());
    QVERIFY(form.validate());
    QVERIFY(!form.content().contains("email"));
    QVERIFY(!form.content().contains("hexes"));
    QCOMPARE(form.content().value("age").toInteger(), 36);
}

void tst_ElicitationFormModel::multiSelectCounts()
{
    ElicitationFormModel form;
    form.setSchemaJson(json(R"({"type": "object", "properties": {
        "none": {"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 0},
        "two": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "minItems": 2}},
        "required": ["none"]})"));
    QVERIFY(form.validate());
    // minItems 0: an empty choice is an answer, even when required.
    QCOMPARE(roleOf(form, "none", ElicitationFormModel::ErrorRole).toString(), QString());
    // Optional but with minItems 2: nothing chosen is fine, one is not.
    QCOMPARE(roleOf(form, "two", ElicitationFormModel::ErrorRole).toString(), QString());
    form.setValue(rowOf(form, "two"), QVariantList {QStringLiteral("a")});
    QCOMPARE(roleOf(form, "two", ElicitationFormModel::ErrorRole).toString(),
             QStringLiteral("Choose at least 2"));
    form.setValue(rowOf(form, "two"), QVariantList {QStringLiteral("a"), QStringLiteral("c")});
    QVERIFY(form.validate());
    QCOMPARE(compact(form.content()), QStringLiteral("{\"none\":[],\"two\":[\"a\",\"c\"]}"));
}

void tst_ElicitationFormModel::optionsChosenOneByOne()
{
    // What the check boxes do: each click adds or takes out one option, the others stay.
    ElicitationFormModel form;
    QAbstractItemModelTester tester(&form, QAbstractItemModelTester::FailureReportingMode::Fatal);
    form.setSchemaJson(json(R"({"type": "object", "properties": {
        "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}}, "name": {"type": "string"}}})"));
    const int tags = rowOf(form, "tags");
    QVERIFY(form.setOptionChosen(tags, QStringLiteral("a"), true));
    QVERIFY(form.setOptionChosen(tags, QStringLiteral("c"), true));
    QVERIFY(form.setOptionChosen(tags, QStringLiteral("c"), true)); // already chosen: once
    QCOMPARE(roleOf(form, "tags", ElicitationFormModel::ValueRole).toStringList(),
             (QStringList {"a", "c"}));
    QVERIFY(form.setOptionChosen(tags, QStringLiteral("a"), false));
    QCOMPARE(roleOf(form, "tags", ElicitationFormModel::ValueRole).toStringList(),
             (QStringList {"c"}));
    QVERIFY(!form.setOptionChosen(tags, QStringLiteral("z"), true)); // not offered
    QVERIFY(!form.setOptionChosen(rowOf(form, "name"), QStringLiteral("a"), true));
    QVERIFY(!form.setOptionChosen(99, QStringLiteral("a"), true));
    QCOMPARE(compact(form.content()), QStringLiteral("{\"tags\":[\"c\"]}"));
}

void tst_ElicitationFormModel::fieldsInTheServersOrder()
{
    ElicitationFormModel form;
    QAbstractItemModelTester tester(&form, QAbstractItemModelTester::FailureReportingMode::Fatal);
    auto names = [&form] {
        QStringList out;
        for (int i = 0; i < form.rowCount(); ++i)
            out << form.index(i).data(ElicitationFormModel::NameRole).toString();
        return out;
    };
    const QJsonObject schema = json(R"({"type": "object", "properties": {
        "zeta": {"type": "string"}, "alpha": {"type": "string"}, "mid": {"type": "boolean"}}})");
    form.setSchemaJson(schema);
    QCOMPARE(names(), (QStringList {"alpha", "mid", "zeta"})); // no order known: by name
    QVERIFY(form.setValue(rowOf(form, "zeta"), QStringLiteral("kept")));
    form.setPropertyOrder({"zeta", "mid", "alpha"});
    QCOMPARE(names(), (QStringList {"zeta", "mid", "alpha"}));
    QCOMPARE(roleOf(form, "zeta", ElicitationFormModel::ValueRole).toString(),
             QStringLiteral("kept"));
    // The order first, then the schema (as the card sets them): the same.
    ElicitationFormModel second;
    second.setPropertyOrder({"mid", "zeta"});
    second.setSchemaJson(schema);
    QStringList got;
    for (int i = 0; i < second.rowCount(); ++i)
        got << second.index(i).data(ElicitationFormModel::NameRole).toString();
    QCOMPARE(got, (QStringList {"mid", "zeta", "alpha"})); // names it lacks go last
}

void tst_ElicitationFormModel::hostileSchemas_data()
{
    QTest::addColumn<QByteArray>("schema");
    QTest::addColumn<QString>("error"); // a part of the form-level error

    QTest::newRow("not an object schema")
            << QByteArray(R"({"type": "array"})") << "not an object schema";
    QTest::newRow("properties a string")
            << QByteArray(R"({"type": "object", "properties": "name"})")
            << "\"properties\" are a string, not an object";
    QTest::newRow("field not an object")
            << QByteArray(R"({"properties": {"a": 5}})") << "field \"a\" is a number";
    QTest::newRow("no type") << QByteArray(R"({"properties": {"a": {"title": "A"}}})")
                             << "field \"a\" has no \"type\"";
    QTest::newRow("type not a string")
            << QByteArray(R"({"properties": {"a": {"type": ["string", "null"]}}})")
            << "field \"a\" has a \"type\" that is an array";
    QTest::newRow("unknown type") << QByteArray(R"({"properties": {"a": {"type": "file"}}})")
                                  << "field \"a\" has the unknown type \"file\"";
    QTest::newRow("nested object") << QByteArray(R"({"properties": {"addr": {"type": "object",
                             "properties": {"street": {"type": "string"}}}}})")
                                   << "field \"addr\" is a nested object";
    QTest::newRow("array of objects")
            << QByteArray(
                       R"({"properties": {"l": {"type": "array", "items": {"type": "object"}}}})")
            << "field \"l\" is an array of something other than a choice of strings";
    QTest::newRow("array without items")
            << QByteArray(R"({"properties": {"l": {"type": "array"}}})")
            << "field \"l\" is an array without \"items\"";
    QTest::newRow("array of free strings") << QByteArray(
            R"({"properties": {"l": {"type": "array", "items": {"type": "string"}}}})")
                                           << "whose items list no choices";
    QTest::newRow("enum of numbers")
            << QByteArray(R"({"properties": {"e": {"type": "string", "enum": [1, 2]}}})")
            << "field \"e\" has an option that is a number, not a string";
    QTest::newRow("enum a string")
            << QByteArray(R"({"properties": {"e": {"type": "string", "enum": "a,b"}}})")
            << "has an \"enum\" that is a string, not an array";
    QTest::newRow("empty enum") << QByteArray(
            R"({"properties": {"e": {"type": "string", "enum": []}}})")
                                << "offers no options";
    QTest::newRow("oneOf of strings")
            << QByteArray(R"({"properties": {"e": {"type": "string", "oneOf": ["a"]}}})")
            << "has an option that is a string, not an object with \"const\"";
    QTest::newRow("minLength a string")
            << QByteArray(R"({"properties": {"s": {"type": "string", "minLength": "3"}}})")
            << "field \"s\" has a \"minLength\" that is not a whole number";
    QTest::newRow("negative maxLength")
            << QByteArray(R"({"properties": {"s": {"type": "string", "maxLength": -1}}})")
            << "has a \"maxLength\" that is not a whole number of 0 or more";
    QTest::newRow("minLength above maxLength")
            << QByteArray(R"({"properties": {"s": {"type": "string", "minLength": 5,
                             "maxLength": 2}}})")
            << "has a minLength (5) above its maxLength (2)";
    QTest::newRow("minimum a string")
            << QByteArray(R"({"properties": {"n": {"type": "number", "minimum": "0"}}})")
            << "has a \"minimum\" that is a string, not a number";
    QTest::newRow("minimum above maximum")
            << QByteArray(R"({"properties": {"n": {"type": "integer", "minimum": 9,
                             "maximum": 1}}})")
            << "has a minimum (9) above its maximum (1)";
    QTest::newRow("unknown format")
            << QByteArray(R"({"properties": {"s": {"type": "string", "format": "password"}}})")
            << "has the unknown format \"password\"";
    QTest::newRow("bad pattern") << QByteArray(
            R"({"properties": {"s": {"type": "string", "pattern": "(["}}})")
                                 << "has a pattern that is not a valid regular expression";
    QTest::newRow("title a number")
            << QByteArray(R"({"properties": {"s": {"type": "string", "title": 5}}})")
            << "has a \"title\" that is a number, not a string";
    QTest::newRow("required not a list")
            << QByteArray(R"({"properties": {"s": {"type": "string"}}, "required": "s"})")
            << "\"required\" is a string, not a list of names";
    QTest::newRow("required holds numbers")
            << QByteArray(R"({"properties": {"s": {"type": "string"}}, "required": [1]})")
            << "\"required\" holds a number, not a name";

    // Sizes: more fields, options or characters than a form can show.
    QJsonObject many;
    for (int i = 0; i < 65; ++i)
        many.insert(QStringLiteral("f%1").arg(i), QJsonObject {{"type", "string"}});
    QTest::newRow("65 fields")
            << QJsonDocument(QJsonObject {{"type", "object"}, {"properties", many}}).toJson()
            << "The form asks for 65 fields; at most 64 are allowed.";
    QJsonArray huge;
    for (int i = 0; i < 100000; ++i)
        huge.append(QStringLiteral("option %1").arg(i));
    QTest::newRow("huge enum")
            << QJsonDocument(QJsonObject {{"properties",
                                           QJsonObject {{"e",
                                                         QJsonObject {{"type", "string"},
                                                                      {"enum", huge}}}}}})
                       .toJson()
            << "field \"e\" offers 100000 options; at most 256 are allowed";
    QTest::newRow("huge multi-select")
            << QJsonDocument(
                       QJsonObject {{"properties",
                                     QJsonObject {{"m",
                                                   QJsonObject {{"type", "array"},
                                                                {"items",
                                                                 QJsonObject {{"enum", huge}}}}}}}})
                       .toJson()
            << "field \"m\" offers 100000 options";
    QTest::newRow("long name")
            << QJsonDocument(QJsonObject {{"properties",
                                           QJsonObject {{QString(200, 'n'),
                                                         QJsonObject {{"type", "string"}}}}}})
                       .toJson()
            << "has a name longer than 128 characters";
    QTest::newRow("long option")
            << QJsonDocument(
                       QJsonObject {
                               {"properties",
                                QJsonObject {{"e",
                                              QJsonObject {{"type", "string"},
                                                           {"enum",
                                                            QJsonArray {QString(5000, 'o')}}}}}}})
                       .toJson()
            << "has an option longer than 500 characters";
}

void tst_ElicitationFormModel::hostileSchemas()
{
    QFETCH(QByteArray, schema);
    QFETCH(QString, error);

    ElicitationFormModel form;
    QAbstractItemModelTester tester(&form, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy changed(&form, &ElicitationFormModel::schemaChanged);
    form.setSchemaJson(json(schema));
    QCOMPARE(changed.size(), 1);
    QVERIFY2(form.error().contains(error), qPrintable(form.error()));
    QCOMPARE(form.rowCount(), 0);
    QVERIFY(!form.validate());
    QVERIFY(form.result().isEmpty());
    QVERIFY(!form.setValue(0, QStringLiteral("x")));
    // The same through the QML property.
    ElicitationFormModel viaQml;
    viaQml.setSchema(json(schema).toVariantMap());
    QCOMPARE(viaQml.error(), form.error());
}

void tst_ElicitationFormModel::labelsCapped()
{
    ElicitationFormModel form;
    QJsonObject field {{"type", "string"},
                       {"title", QString(10000, 't')},
                       {"description", QString(100000, 'd')},
                       {"enum", QJsonArray {"a"}},
                       {"enumNames", QJsonArray {QString(5000, 'l')}}};
    form.setSchemaJson(QJsonObject {{"properties", QJsonObject {{"e", field}}}});
    QVERIFY2(form.error().isEmpty(), qPrintable(form.error()));
    using R = ElicitationFormModel;
    QCOMPARE(roleOf(form, "e", R::TitleRole).toString().size(), 200);
    QVERIFY(roleOf(form, "e", R::TitleRole).toString().endsWith(QChar(0x2026)));
    QCOMPARE(roleOf(form, "e", R::DescriptionRole).toString().size(), 2000);
    const QVariantMap option = roleOf(form, "e", R::OptionsRole).toList().value(0).toMap();
    QCOMPARE(option.value("value").toString(), QStringLiteral("a"));
    QCOMPARE(option.value("label").toString().size(), 200);
}

void tst_ElicitationFormModel::newSchemaReplacesTheForm()
{
    ElicitationFormModel form;
    QAbstractItemModelTester tester(&form, QAbstractItemModelTester::FailureReportingMode::QtTest);
    form.setSchemaJson(json(kEveryType));
    QVERIFY(!form.validate());
    form.setSchemaJson(json(R"({"properties": {"x": {"type": "boolean"}}})"));
    QCOMPARE(form.rowCount(), 1);
    // A fresh form shows no errors before it is validated.
    QCOMPARE(roleOf(form, "x", ElicitationFormModel::ErrorRole).toString(), QString());
    QCOMPARE(form.schema().value("properties").toMap().keys(), QStringList {"x"});
    QVERIFY(form.validate());
    QCOMPARE(compact(form.content()), QStringLiteral("{\"x\":false}"));
}

QTEST_GUILESS_MAIN(tst_ElicitationFormModel)
#include "tst_elicitationformmodel.moc"
