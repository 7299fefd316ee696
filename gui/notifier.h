#pragma once

#include <QObject>
#include <QQmlEngine>
#include <QString>

#include <functional>

class QSystemTrayIcon;

/// Tells the user that an approval waits while the window is not in front: a tray icon message
/// (where the desktop has a tray). Clicking it emits activated(), which brings the step into
/// view. Never the only way in: the approval card waits in the timeline all the same.
class Notifier : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Notifier is App.notifier")
    Q_DISABLE_COPY_MOVE(Notifier)
    Q_PROPERTY(bool available READ available CONSTANT)

public:
    explicit Notifier(QObject *parent = nullptr);
    ~Notifier() override;

    /// Whether a tray is there to show messages in.
    [[nodiscard]] bool available() const;

    /// Shows `text` (bounded; one line) when no window of the app is active; returns whether
    /// a message was shown.
    Q_INVOKABLE bool notifyApproval(const QString &sessionId, const QString &callId,
                                    const QString &text);

    /// Whether a window of the app is in front (default: the application state is active).
    using ActiveCheck = std::function<bool()>;
    /// Shows a message (title, one-line text); false when it could not (default: the tray).
    using Presenter = std::function<bool(const QString &title, const QString &text)>;
    /// Replace the window check and the presenter (tests: a fake focus and a recorded message).
    void setActiveCheck(ActiveCheck check);
    void setPresenter(Presenter presenter);

    /// The longest message text; longer ones end in "…".
    static constexpr int kMaxMessageChars = 200;

public Q_SLOTS:
    /// The user clicked the last message (the tray's messageClicked): emits activated() for it.
    void messageClicked();

Q_SIGNALS:
    /// The user clicked the message (or the tray icon after one): show that call.
    void activated(const QString &sessionId, const QString &callId);

private:
    void ensureTray();
    bool showInTray(const QString &title, const QString &text);

    ActiveCheck m_activeCheck;
    Presenter m_presenter;
    QSystemTrayIcon *m_tray = nullptr;
    QString m_sessionId;
    QString m_callId;
};
