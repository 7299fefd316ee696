#include "notifier.h"

#include <QApplication>
#include <QPainter>
#include <QPixmap>
#include <QSystemTrayIcon>

namespace {
constexpr int kMaxMessageChars = 200;

QIcon trayIcon()
{
    if (!QApplication::windowIcon().isNull())
        return QApplication::windowIcon();
    QPixmap pixmap(32, 32);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setBrush(QColor(QStringLiteral("#2b63d9")));
    painter.setPen(Qt::NoPen);
    painter.drawEllipse(2, 2, 28, 28);
    return QIcon(pixmap);
}
} // namespace

Notifier::Notifier(QObject *parent)
    : QObject(parent)
{ }

Notifier::~Notifier() = default;

bool Notifier::available() const
{
    // The tray is a Widgets feature: only under a QApplication.
    return qobject_cast<QApplication *>(QCoreApplication::instance())
            && QSystemTrayIcon::isSystemTrayAvailable();
}

void Notifier::ensureTray()
{
    if (m_tray)
        return;
    m_tray = new QSystemTrayIcon(trayIcon(), this);
    m_tray->setToolTip(QStringLiteral("MCP Host"));
    connect(m_tray, &QSystemTrayIcon::messageClicked, this,
            [this] { Q_EMIT activated(m_sessionId, m_callId); });
    connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason) {
        if (!m_callId.isEmpty())
            Q_EMIT activated(m_sessionId, m_callId);
    });
}

bool Notifier::notifyApproval(const QString &sessionId, const QString &callId, const QString &text)
{
    if (QGuiApplication::applicationState() == Qt::ApplicationActive || !available())
        return false;
    ensureTray();
    m_sessionId = sessionId;
    m_callId = callId;
    QString line = text.simplified();
    if (line.size() > kMaxMessageChars)
        line = line.left(kMaxMessageChars - 1) + QChar(0x2026);
    m_tray->show();
    m_tray->showMessage(QStringLiteral("Approval needed"), line, QSystemTrayIcon::Information,
                        30000);
    return true;
}
