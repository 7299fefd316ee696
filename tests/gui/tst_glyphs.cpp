// Every symbol the views show (the non-ASCII characters of qml/*.qml and *.js: card symbols,
// arrows, bullets) has a glyph in DejaVu Sans, the one font a minimal Debian desktop
// (fonts-dejavu-core) is sure to have; a missing glyph renders as a box.
#include <QDir>
#include <QFile>
#include <QFont>
#include <QFontDatabase>
#include <QFontInfo>
#include <QFontMetrics>
#include <QGuiApplication>
#include <QTest>

class TstGlyphs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everySymbolIsInDejaVuSans();
};

void TstGlyphs::everySymbolIsInDejaVuSans()
{
    const QFont font(QStringLiteral("DejaVu Sans"));
    if (QFontInfo(font).family() != QLatin1String("DejaVu Sans"))
        QSKIP("DejaVu Sans is not installed (fonts-dejavu-core)");
    const QFontMetrics metrics(font);
    const QDir dir(QStringLiteral(MCPHOST_SOURCE_DIR "/qml"));
    const QStringList files = dir.entryList({QStringLiteral("*.qml"), QStringLiteral("*.js")});
    QVERIFY(files.size() > 10);
    QStringList missing;
    int symbols = 0;
    for (const QString &name : files) {
        QFile file(dir.filePath(name));
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(name));
        const QString text = QString::fromUtf8(file.readAll());
        for (const uint c : text.toUcs4()) {
            if (c < 0x80)
                continue;
            ++symbols;
            if (!metrics.inFontUcs4(c))
                missing << QStringLiteral("%1 U+%2 (%3)")
                                   .arg(QString::fromUcs4(reinterpret_cast<const char32_t *>(&c),
                                                          1))
                                   .arg(c, 4, 16, QLatin1Char('0'))
                                   .arg(name);
        }
    }
    QVERIFY(symbols > 0);
    missing.removeDuplicates();
    QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QStringLiteral(", "))));
}

QTEST_MAIN(TstGlyphs)
#include "tst_glyphs.moc"
