// JsonPositions: where each member and element of a JSON text is, by JSON Pointer, so that a
// config error names the right line and column (not the first text that looks like the key).

#include "jsonpositions.h"

#include <QTest>

class tst_JsonPositions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void positions_data();
    void positions();
    void atOffset();
};

void tst_JsonPositions::positions_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<int>("keyLine");
    QTest::addColumn<int>("keyColumn");
    QTest::addColumn<int>("valueLine");
    QTest::addColumn<int>("valueColumn");

    QTest::newRow("root") << QByteArray("  {}") << "" << 1 << 3 << 1 << 3;
    QTest::newRow("member") << QByteArray("{\"a\": 1}") << "/a" << 1 << 2 << 1 << 7;
    QTest::newRow("nested on its own lines")
            << QByteArray("{\n  \"s\": {\n    \"port\":\n      \"x\"\n  }\n}") << "/s/port" << 3
            << 5 << 4 << 7;
    QTest::newRow("array element")
            << QByteArray("{\"r\": [1,\n  {\"p\": true}]}") << "/r/1/p" << 2 << 4 << 2 << 9;
    // The same key text earlier in the file, inside another object: not the one meant.
    QTest::newRow("same key elsewhere") << QByteArray("{\"x\": {\"b\": 1},\n \"m\": {\"b\": 2}}")
                                        << "/m/b" << 2 << 8 << 2 << 13;
    QTest::newRow("key with a slash")
            << QByteArray("{\"t\": {\"fs/w\": 1}}") << "/t/fs~1w" << 1 << 8 << 1 << 16;
    QTest::newRow("key with a tilde") << QByteArray("{\"a~b\": 1}") << "/a~0b" << 1 << 2 << 1 << 9;
    QTest::newRow("escaped key") << QByteArray(R"({"a\"b": 1})") << "/a\"b" << 1 << 2 << 1 << 10;
    QTest::newRow("strings holding brackets and commas")
            << QByteArray(R"({"a": "{[,]}\"", "b": 2})") << "/b" << 1 << 18 << 1 << 23;
    // Columns count characters, not bytes.
    QTest::newRow("after non-ASCII")
            << QByteArray("{\"ä\": \"ö\", \"b\": 2}") << "/b" << 1 << 12 << 1 << 17;
    QTest::newRow("repeated key: the last, as QJsonDocument keeps")
            << QByteArray("{\"a\": 1,\n \"a\": 2}") << "/a" << 2 << 2 << 2 << 7;
    QTest::newRow("unknown pointer") << QByteArray("{}") << "/nope" << 0 << 0 << 0 << 0;
}

void tst_JsonPositions::positions()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, pointer);
    QFETCH(int, keyLine);
    QFETCH(int, keyColumn);
    QFETCH(int, valueLine);
    QFETCH(int, valueColumn);
    const JsonPositions p = JsonPositions::scan(json);
    QCOMPARE(p.key(pointer).line, keyLine);
    QCOMPARE(p.key(pointer).column, keyColumn);
    QCOMPARE(p.value(pointer).line, valueLine);
    QCOMPARE(p.value(pointer).column, valueColumn);
}

void tst_JsonPositions::atOffset()
{
    const QByteArray text = "ab\ncä\nd";
    QCOMPARE(JsonPositions::atOffset(text, 0).line, 1);
    QCOMPARE(JsonPositions::atOffset(text, 0).column, 1);
    QCOMPARE(JsonPositions::atOffset(text, 4).line, 2);
    QCOMPARE(JsonPositions::atOffset(text, 4).column, 2);
    QCOMPARE(JsonPositions::atOffset(text, text.indexOf('d')).line, 3);
    QCOMPARE(JsonPositions::atOffset(text, text.indexOf('d')).column, 1);
}

QTEST_GUILESS_MAIN(tst_JsonPositions)
#include "tst_jsonpositions.moc"
