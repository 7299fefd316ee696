// Theme: dark from a dark palette (window darker than its text), and a palette change flips it
// with every colour token.
#include <theme.h>

#include <QGuiApplication>
#include <QPalette>
#include <QSignalSpy>
#include <QStyleHints>
#include <QTest>

namespace {
QPalette paletteOf(const char *window, const char *text)
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(QLatin1String(window)));
    p.setColor(QPalette::WindowText, QColor(QLatin1String(text)));
    p.setColor(QPalette::Base, QColor(QLatin1String(window)));
    p.setColor(QPalette::Text, QColor(QLatin1String(text)));
    return p;
}

bool readable(const QColor &fg, const QColor &bg)
{
    // WCAG relative luminance contrast, at least 4.5:1 for body text.
    auto lum = [](const QColor &c) {
        auto ch = [](qreal v) {
            return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
        };
        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF());
    };
    const qreal a = lum(fg) + 0.05;
    const qreal b = lum(bg) + 0.05;
    return qMax(a, b) / qMin(a, b) >= 4.5;
}
} // namespace

class tst_Theme : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void followsThePalette()
    {
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
        if (QGuiApplication::styleHints()->colorScheme() != Qt::ColorScheme::Unknown)
            QSKIP("the platform states a colour scheme, which wins over the palette");
#endif
        QGuiApplication::setPalette(paletteOf("#ffffff", "#000000"));
        Theme theme;
        QVERIFY(!theme.dark());
        const QColor lightBackground = theme.background();
        QVERIFY(readable(theme.text(), theme.background()));
        QVERIFY(readable(theme.mutedText(), theme.background()));

        QSignalSpy changed(&theme, &Theme::changed);
        QGuiApplication::setPalette(paletteOf("#202124", "#e8eaed"));
        QTRY_VERIFY(theme.dark());
        QVERIFY(changed.count() >= 1);
        QVERIFY(theme.background() != lightBackground);
        QVERIFY(theme.background().lightness() < theme.text().lightness());
        QVERIFY(readable(theme.text(), theme.background()));
        QVERIFY(readable(theme.mutedText(), theme.surface()));

        // And back.
        QGuiApplication::setPalette(paletteOf("#fafafa", "#111111"));
        QTRY_VERIFY(!theme.dark());
        QCOMPARE(theme.background(), lightBackground);
    }

    void darkFromTheStart()
    {
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
        if (QGuiApplication::styleHints()->colorScheme() != Qt::ColorScheme::Unknown)
            QSKIP("the platform states a colour scheme, which wins over the palette");
#endif
        QGuiApplication::setPalette(paletteOf("#101010", "#f0f0f0"));
        Theme theme;
        QVERIFY(theme.dark());
        QVERIFY(theme.background().lightness() < 80);
    }
};

QTEST_MAIN(tst_Theme)
#include "tst_theme.moc"
