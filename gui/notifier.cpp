#include "notifier.h"

#include <QApplication>
#include <QPainter>
#include <QPixmap>
#include <QSystemTrayIcon>

namespace {

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
    , m_activeCheck([] { return QGuiApplication::applicationState() == Qt::ApplicationActive; })
    , m_presenter(
              [this](const QString &title, const QString &text) { return showInTray(title, text); })
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
    connect(m_tray, &QSystemTrayIcon::messageClicked, this, &Notifier::messageClicked);
    connect(m_tray, &QSystemTrayIcon::activated, this, &Notifier::messageClicked);
}

void Notifier::setActiveCheck(ActiveCheck check)
{
    if (check)
        m_activeCheck = std::move(check);
}

void Notifier::setPresenter(Presenter presenter)
{
    if (presenter)
        m_presenter = std::move(presenter);
}

void Notifier::messageClicked()
{
    if (!m_callId.isEmpty())
        Q_EMIT activated(m_sessionId, m_callId);
}

bool Notifier::showInTray(const QString &title, const QString &text)
{
    if (!available())
        return false;
    ensureTray();
    m_tray->show();
    m_tray->showMessage(title, text, QSystemTrayIcon::Information, 30000);
    return true;
}

bool Notifier::notifyApproval(const QString &sessionId, const QString &callId, const QString &text)
{
    if (m_activeCheck())
        return false;
    QString line = text.simplified();
    if (line.size() > kMaxMessageChars)
        line = line.left(kMaxMessageChars - 1) + QChar(0x2026);
    if (!m_presenter(QStringLiteral("Approval needed"), line))
        return false;
    m_sessionId = sessionId;
    m_callId = callId;
    return true;
}
