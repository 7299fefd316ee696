#include "theme.h"

#include <QEvent>
#include <QFontInfo>
#include <QGuiApplication>
#include <QPalette>
#include <QStyleHints>

namespace {
QColor pick(bool dark, const char *light, const char *darkColour)
{
    return QColor(QLatin1String(dark ? darkColour : light));
}
} // namespace

Theme::Theme(QObject *parent)
    : QObject(parent)
{
    if (qApp)
        qApp->installEventFilter(this);
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    connect(QGuiApplication::styleHints(), &QStyleHints::colorSchemeChanged, this, &Theme::update);
#endif
    update();
}

Theme::~Theme() = default;

bool Theme::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == qApp
        && (event->type() == QEvent::ApplicationPaletteChange
            || event->type() == QEvent::ApplicationFontChange))
        update();
    return QObject::eventFilter(watched, event);
}

void Theme::update()
{
    const QPalette palette = QGuiApplication::palette();
    bool dark = palette.color(QPalette::Window).lightness()
            < palette.color(QPalette::WindowText).lightness();
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    // Where the system states a scheme, it wins over a palette that has not followed it yet.
    switch (QGuiApplication::styleHints()->colorScheme()) {
    case Qt::ColorScheme::Dark:
        dark = true;
        break;
    case Qt::ColorScheme::Light:
        dark = false;
        break;
    default:
        break;
    }
#endif
    const int pixels = QFontInfo(QGuiApplication::font()).pixelSize();
    const qreal scale = qMax(1.0, pixels / 13.0);
    if (dark == m_dark && qFuzzyCompare(scale, m_scale))
        return;
    m_dark = dark;
    m_scale = scale;
    Q_EMIT changed();
}

// The two sets: light is paper-like, dark keeps the same hues a little brighter so that
// danger/warning/success read the same on both.
QColor Theme::background() const
{
    return pick(m_dark, "#f7f7f8", "#1b1c1f");
}
QColor Theme::surface() const
{
    return pick(m_dark, "#ffffff", "#25272b");
}
QColor Theme::border() const
{
    return pick(m_dark, "#d6d8dc", "#3b3e44");
}
QColor Theme::text() const
{
    return pick(m_dark, "#1d1f23", "#e8e9eb");
}
QColor Theme::mutedText() const
{
    return pick(m_dark, "#5f636b", "#a2a6ad");
}
QColor Theme::accent() const
{
    return pick(m_dark, "#2b63d9", "#6c9cff");
}
QColor Theme::danger() const
{
    return pick(m_dark, "#c62828", "#ff6b6b");
}
QColor Theme::warning() const
{
    return pick(m_dark, "#a15c00", "#f0b04a");
}
QColor Theme::success() const
{
    return pick(m_dark, "#2e7d32", "#66c96b");
}
QColor Theme::codeBackground() const
{
    return pick(m_dark, "#eff1f4", "#15161a");
}
