#pragma once

#include <QColor>
#include <QObject>
#include <QQmlEngine>

/// The colours and the size scale the views draw with (QML: `App.theme`). `dark` follows the
/// application palette (a window colour darker than its text) and, on Qt 6.5+, the system's
/// colour scheme where it states one; every token changes with it, so views bind to the tokens
/// and never pick colours themselves.
class Theme : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Theme is App.theme")
    Q_DISABLE_COPY_MOVE(Theme)
    Q_PROPERTY(bool dark READ dark NOTIFY changed)
    Q_PROPERTY(QColor background READ background NOTIFY changed)
    Q_PROPERTY(QColor surface READ surface NOTIFY changed)
    Q_PROPERTY(QColor border READ border NOTIFY changed)
    Q_PROPERTY(QColor text READ text NOTIFY changed)
    Q_PROPERTY(QColor mutedText READ mutedText NOTIFY changed)
    Q_PROPERTY(QColor accent READ accent NOTIFY changed)
    Q_PROPERTY(QColor danger READ danger NOTIFY changed)
    Q_PROPERTY(QColor warning READ warning NOTIFY changed)
    Q_PROPERTY(QColor success READ success NOTIFY changed)
    Q_PROPERTY(QColor codeBackground READ codeBackground NOTIFY changed)
    Q_PROPERTY(qreal scale READ scale NOTIFY changed)

public:
    explicit Theme(QObject *parent = nullptr);
    ~Theme() override;

    [[nodiscard]] bool dark() const { return m_dark; }
    [[nodiscard]] QColor background() const;
    [[nodiscard]] QColor surface() const;
    [[nodiscard]] QColor border() const;
    [[nodiscard]] QColor text() const;
    [[nodiscard]] QColor mutedText() const;
    [[nodiscard]] QColor accent() const;
    [[nodiscard]] QColor danger() const;
    [[nodiscard]] QColor warning() const;
    [[nodiscard]] QColor success() const;
    [[nodiscard]] QColor codeBackground() const;
    /// The application font's size over the 13 px the views are laid out for (at least 1).
    [[nodiscard]] qreal scale() const { return m_scale; }

    /// Reads the palette (and colour scheme) again; called on every palette change.
    void update();

Q_SIGNALS:
    void changed();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    bool m_dark = false;
    qreal m_scale = 1.0;
};
