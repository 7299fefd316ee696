// CompactJson against QJsonDocument: the same document, read back, for every kind of value,
// strings that need escapes, numbers at the edges, nesting.
#include "compactjson.h"

#include <QJsonDocument>
#include <QTest>

#include <cmath>
#include <limits>

class TestCompactJson : public QObject
{
    Q_OBJECT

    static QJsonObject readBack(const QByteArray &json)
    {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
        if (error.error != QJsonParseError::NoError)
            qWarning() << "not JSON:" << error.errorString() << json.left(200);
        return doc.object();
    }

private Q_SLOTS:
    void sameDocument_data()
    {
        QTest::addColumn<QJsonObject>("object");
        QTest::newRow("empty") << QJsonObject();
        QTest::newRow("scalars") << QJsonObject {{"null", QJsonValue::Null},
                                                 {"yes", true},
                                                 {"no", false},
                                                 {"zero", 0},
                                                 {"int", 42},
                                                 {"negative", -17},
                                                 {"big", qint64(1) << 60},
                                                 {"min", std::numeric_limits<qint64>::min() + 1},
                                                 {"half", 0.5},
                                                 {"tenth", 0.1},
                                                 {"tiny", 5e-324},
                                                 {"huge", 1.7976931348623157e308},
                                                 {"integral double", 3.0},
                                                 {"past int64", 1e19}};
        QTest::newRow("strings") << QJsonObject {
                {"ascii", "plain text"},
                {"quote\"key", "a \"quoted\" word"},
                {"backslash", "C:\\path\\to"},
                {"controls", QString::fromUtf8("tab\tnew\nline\r\x01\x1f end")},
                {"utf8", QString::fromUtf8("Grüße, 你好, emoji 🎉")},
                {"empty", ""},
                {"slash", "a/b"},
                {"del", QString(QChar(0x7f))}};
        QTest::newRow("nested") << QJsonObject {
                {"array",
                 QJsonArray {1, "two", 3.5, true, QJsonValue::Null, QJsonArray {},
                             QJsonObject {{"k", "v"}}}},
                {"object", QJsonObject {{"inner", QJsonObject {{"deeper", QJsonArray {1, 2}}}}}},
                {"emptyObject", QJsonObject {}}};
    }
    void sameDocument()
    {
        QFETCH(QJsonObject, object);
        const QByteArray ours = CompactJson::object(object);
        QCOMPARE(readBack(ours), object);
        QCOMPARE(readBack(ours), readBack(QJsonDocument(object).toJson(QJsonDocument::Compact)));
        QVERIFY2(!ours.contains('\n'), ours.constData()); // one line, as the stores need
    }

    void nonFiniteNumbersAreNull()
    {
        const QJsonObject object {{"nan", std::nan("")},
                                  {"inf", std::numeric_limits<double>::infinity()}};
        const QJsonObject back = readBack(CompactJson::object(object));
        QVERIFY(back.value("nan").isNull());
        QVERIFY(back.value("inf").isNull());
    }

    void stringsAreEscaped()
    {
        QByteArray out;
        CompactJson::appendString(&out, QStringLiteral("say \"hi\"\\\n"));
        QCOMPARE(out, QByteArray("\"say \\\"hi\\\"\\\\\\u000a\""));
        out.clear();
        CompactJson::appendString(&out, QString::fromUtf8("é"));
        QCOMPARE(out, QByteArray("\"\xc3\xa9\""));
    }
};

QTEST_GUILESS_MAIN(TestCompactJson)
#include "tst_compactjson.moc"
