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

    // Every unit that needs care, at every place of strings of 0 to 40 units (the fast path
    // takes 16 units a step): the same string read back, and the same bytes as QJsonDocument
    // writes for it where that writes no \u escape of its own style.
    void everyUnitAtEveryPlace()
    {
        const QList<QString> units {QString(QChar(0x01)),
                                    QString(QChar(0x1f)),
                                    QString(QChar(0x20)),
                                    QStringLiteral("\""),
                                    QStringLiteral("\\"),
                                    QString(QChar(0x7f)),
                                    QString(QChar(0x80)),
                                    QString(QChar(0xff)),
                                    QString(QChar(0x100)),
                                    QString(QChar(0x7ff)),
                                    QString(QChar(0x800)),
                                    QString(QChar(0xffff)),
                                    QString::fromUtf8("\xf0\x9f\x8e\x89")};
        for (int length = 0; length <= 40; ++length) {
            for (const QString &unit : units) {
                for (int at = 0; at <= length; ++at) {
                    QString text(length, QLatin1Char('a'));
                    for (int i = 0; i < length; ++i)
                        text[i] = QLatin1Char(char('a' + i % 26));
                    text.insert(at, unit);
                    QByteArray ours;
                    CompactJson::appendString(&ours, text);
                    const QByteArray wrapped = "{\"k\":" + ours + "}";
                    QCOMPARE(readBack(wrapped).value("k").toString(), text);
                    if (unit.at(0).unicode() >= 0x20)
                        QCOMPARE(wrapped,
                                 QJsonDocument(QJsonObject {{"k", text}})
                                         .toJson(QJsonDocument::Compact));
                }
            }
        }
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
