#pragma once

#include "apitypes.h"
#include "localserver.h"

#include <QJsonObject>
#include <QObject>
#include <QQmlEngine>
#include <QString>
#include <QUrl>

#include <functional>
#include <optional>

class ApiClient;
class QTimer;
class TokenStore;

/// Which server the app talks to and whether it answers (QML: `App.connection`). Local mode
/// starts the in-process server (LocalServer); remote mode uses a URL and a bearer token (from
/// the command line, the environment, the connection dialog or the token store). Either way
/// everything goes through the one ApiClient it owns, over HTTP. While connected it asks
/// /health every few seconds, so a server that is gone is said plainly in statusText.
class ConnectionController : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("ConnectionController is App.connection")
    Q_DISABLE_COPY_MOVE(ConnectionController)
    Q_PROPERTY(QString mode READ mode NOTIFY modeChanged)
    Q_PROPERTY(QString state READ state NOTIFY stateChanged)
    Q_PROPERTY(QString statusText READ statusText NOTIFY stateChanged)
    Q_PROPERTY(QString serverUrl READ serverUrlText NOTIFY serverUrlChanged)
    Q_PROPERTY(QString tokenStorage READ tokenStorage NOTIFY tokenStorageChanged)
    Q_PROPERTY(QString tokenWarning READ tokenWarning NOTIFY tokenStorageChanged)
    Q_PROPERTY(QString model READ model NOTIFY stateChanged)

public:
    /// `local` and `tokens` are used, not owned.
    ConnectionController(LocalServer *local, TokenStore *tokens, QObject *parent = nullptr);
    ~ConnectionController() override;

    [[nodiscard]] QString mode() const { return m_mode; }
    /// "starting", "connected", "reconnecting", "disconnected", "failed"
    [[nodiscard]] QString state() const { return m_state; }
    [[nodiscard]] QString statusText() const { return m_statusText; }
    [[nodiscard]] QUrl serverUrl() const { return m_url; }
    [[nodiscard]] QString serverUrlText() const { return m_url.toString(); }
    /// "keychain", "file" or "none" (local mode keeps no token: each start makes a new one).
    [[nodiscard]] QString tokenStorage() const;
    [[nodiscard]] QString tokenWarning() const;
    /// The model the server reports (/health), for the status line.
    [[nodiscard]] QString model() const { return m_model; }

    /// The client every part of the app calls the server through.
    [[nodiscard]] ApiClient *api() const { return m_api; }
    /// The bearer token in use (for the event stream; never shown, never logged).
    [[nodiscard]] QString token() const { return m_token; }
    /// Options for the local server (config path, provider, model) set by main or tests.
    void setLocalOptions(const LocalServer::Options &options) { m_localOptions = options; }
    void setHealthInterval(int ms);

    /// Connects to `url` with `token`; an empty token is looked up in the token store. With
    /// `remember` the token is kept there (keychain, else the 0600 file).
    Q_INVOKABLE void connectRemote(const QString &url, const QString &token, bool remember);
    /// Starts (or returns to) the in-process server.
    Q_INVOKABLE void useLocal();
    /// Stops the local server, if it runs; `done` once it is down.
    void shutdown(std::function<void()> done);

Q_SIGNALS:
    void modeChanged();
    void stateChanged();
    void serverUrlChanged();
    void tokenStorageChanged();
    /// A server answered with this URL and token: the views reload from it.
    void connected();
    /// The connection changed to another server (or the same one restarted): old session
    /// state is void.
    void endpointChanged();

private:
    void setState(const QString &state, const QString &text);
    void setEndpoint(const QString &mode, const QUrl &url, const QString &token);
    void verify();
    void poll();
    void onHealth(const QJsonObject &health, const std::optional<ApiError> &error, bool first);
    [[nodiscard]] QString describe(const ApiError &error) const;

    LocalServer *m_local;
    TokenStore *m_tokens;
    ApiClient *m_api;
    QTimer *m_healthTimer;
    QString m_mode = QStringLiteral("local");
    QString m_state = QStringLiteral("disconnected");
    QString m_statusText;
    QString m_model;
    QUrl m_url;
    QString m_token;
    LocalServer::Options m_localOptions;
    int m_failedPolls = 0;
    quint64 m_generation = 0;
};
