#pragma once

#include "connectioncontroller.h"
#include "conversationcontroller.h"
#include "notifier.h"
#include "theme.h"
#include "timelinemodel.h"

#include <QObject>
#include <QQmlEngine>
#include <QString>

class LocalServer;
class TokenStore;

/// The application object the views see as the `App` singleton: it owns the connection, the
/// conversation, the models and the controllers of one window, and wires them together (a new
/// endpoint reaches the conversation's stream; a waiting approval reaches the notifier).
/// main.cpp creates it before the QML engine; QML reaches it through create() (no context
/// properties). Tests construct one themselves.
class App : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_DISABLE_COPY_MOVE(App)
    Q_PROPERTY(QString version READ version CONSTANT)
    Q_PROPERTY(ConnectionController *connection READ connection CONSTANT)
    Q_PROPERTY(ConversationController *conversation READ conversation CONSTANT)
    Q_PROPERTY(TimelineModel *timeline READ timeline CONSTANT)
    Q_PROPERTY(Theme *theme READ theme CONSTANT)
    Q_PROPERTY(Notifier *notifier READ notifier CONSTANT)

public:
    /// `tokenDir` empty: the tokens' fallback file lives in the app's config folder.
    explicit App(QObject *parent = nullptr, const QString &tokenDir = {});
    ~App() override;

    /// The instance main.cpp (or a test) made; QML's singleton factory returns it.
    [[nodiscard]] static App *instance();
    static App *create(QQmlEngine *qmlEngine, QJSEngine *jsEngine);

    [[nodiscard]] QString version() const;
    [[nodiscard]] ConnectionController *connection() const { return m_connection; }
    [[nodiscard]] ConversationController *conversation() const { return m_conversation; }
    [[nodiscard]] TimelineModel *timeline() const { return m_timeline; }
    [[nodiscard]] Theme *theme() const { return m_theme; }
    [[nodiscard]] Notifier *notifier() const { return m_notifier; }
    [[nodiscard]] LocalServer *localServer() const { return m_local; }
    [[nodiscard]] TokenStore *tokenStore() const { return m_tokens; }

Q_SIGNALS:
    /// Bring this tool call into view (the user clicked a notification about it).
    void revealCall(const QString &sessionId, const QString &callId);

private:
    LocalServer *m_local;
    TokenStore *m_tokens;
    ConnectionController *m_connection;
    ConversationController *m_conversation;
    TimelineModel *m_timeline;
    Theme *m_theme;
    Notifier *m_notifier;
};
