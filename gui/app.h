#pragma once

#include "approvalrulesmodel.h"
#include "connectioncontroller.h"
#include "conversationcontroller.h"
#include "localserver.h"
#include "notifier.h"
#include "serversmodel.h"
#include "sessionarchivecontroller.h"
#include "sessionfiltermodel.h"
#include "sessionsmodel.h"
#include "settingscontroller.h"
#include "theme.h"
#include "timelinemodel.h"

#include <QObject>
#include <QQmlEngine>
#include <QString>

#include <memory>

class TokenKeyStore;
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
    Q_PROPERTY(SessionsModel *sessions READ sessions CONSTANT)
    Q_PROPERTY(SessionFilterModel *sessionFilter READ sessionFilter CONSTANT)
    Q_PROPERTY(ServersModel *servers READ servers CONSTANT)
    Q_PROPERTY(ApprovalRulesModel *approvalRules READ approvalRules CONSTANT)
    Q_PROPERTY(SettingsController *settings READ settings CONSTANT)
    Q_PROPERTY(SessionArchiveController *archive READ archive CONSTANT)

public:
    /// `tokenDir` empty: the tokens' fallback file lives in the app's config folder.
    /// No default for `parent`: Qt 6.4's QML constructs a default-constructible singleton itself
    /// and ignores create(), which would give the views a second, unconnected App.
    explicit App(QObject *parent, const QString &tokenDir = {});
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
    [[nodiscard]] SessionsModel *sessions() const { return m_sessions; }
    [[nodiscard]] SessionFilterModel *sessionFilter() const { return m_sessionFilter; }
    [[nodiscard]] ServersModel *servers() const { return m_servers; }
    [[nodiscard]] ApprovalRulesModel *approvalRules() const { return m_approvalRules; }
    [[nodiscard]] SettingsController *settings() const { return m_settings; }
    [[nodiscard]] SessionArchiveController *archive() const { return m_archive; }
    [[nodiscard]] LocalServer *localServer() const { return m_local; }
    [[nodiscard]] TokenStore *tokenStore() const { return m_tokens; }

    /// Starts the local server at launch with `commandLine`'s options and, for what they leave
    /// open, the saved Settings: provider, model, base URL, API key and max iterations (the
    /// model, base URL and key only when the command line names no other provider: they belong
    /// to the saved one).
    void startLocal(const LocalServer::Options &commandLine);

Q_SIGNALS:
    /// Bring this tool call into view (the user clicked a notification about it).
    void revealCall(const QString &sessionId, const QString &callId);

private:
    /// Restarts the local server with the settings' provider, model, base URL and key.
    void applySettings();

    LocalServer *m_local;
    TokenStore *m_tokens;
    ConnectionController *m_connection;
    ConversationController *m_conversation;
    TimelineModel *m_timeline;
    Theme *m_theme;
    Notifier *m_notifier;
    SessionsModel *m_sessions;
    SessionFilterModel *m_sessionFilter;
    ServersModel *m_servers;
    ApprovalRulesModel *m_approvalRules;
    SettingsController *m_settings;
    SessionArchiveController *m_archive;
    std::unique_ptr<TokenKeyStore> m_keys; // the settings' API key, beside the tokens
};
