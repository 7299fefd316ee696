#pragma once

#include <QObject>
#include <QQmlEngine>
#include <QString>

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

Q_SIGNALS:
    /// The user clicked the message (or the tray icon after one): show that call.
    void activated(const QString &sessionId, const QString &callId);

private:
    void ensureTray();

    QSystemTrayIcon *m_tray = nullptr;
    QString m_sessionId;
    QString m_callId;
};
