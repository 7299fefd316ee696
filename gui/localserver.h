#pragma once

#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>

class HostCore;
class HttpApiServer;

/// The desktop app's local mode: the host (HostCore) and its HTTP API (HttpApiServer) in this
/// process, on 127.0.0.1, a free port and a fresh random token. The app talks to it over HTTP
/// and SSE exactly as to a remote server, so local and remote behave the same. The config is
/// the user's (HostConfig's search path: MCPHOST_CONFIG, ~/.config/mcp-host/config.json) or
/// else the example; the model is the config's or the environment's, else the built-in
/// offline model (as `mcp-hostd` chooses).
class LocalServer : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LocalServer)

public:
    struct Options
    {
        QString configPath; ///< empty: HostConfig's search path
        QString provider; ///< empty: config, environment, else automatic
        QString model;
        QString baseUrl; ///< empty: the provider's default (or the environment's)
        QString apiKey; ///< empty: the config's or the environment's; never logged
    };

    explicit LocalServer(QObject *parent = nullptr);
    ~LocalServer() override;

    /// Builds the host, listens, and starts the MCP servers; false with a message for people
    /// when the config is broken or no port can be had. Listening does not block.
    bool start(const Options &options, QString *error);
    /// Ends the sessions (streams get `session_end`), stops the MCP servers and the listener,
    /// then calls `done` (at once when not running).
    void stop(std::function<void()> done = {});

    [[nodiscard]] bool isRunning() const { return m_http != nullptr; }
    /// http://127.0.0.1:<port> (empty when not running).
    [[nodiscard]] QUrl url() const;
    [[nodiscard]] quint16 port() const;
    /// The bearer token of this run (empty when not running). Never logged.
    [[nodiscard]] QString token() const { return m_token; }
    /// The config file the host read ("" when none was found).
    [[nodiscard]] QString configPath() const;
    [[nodiscard]] HostCore *core() const { return m_core; }

    /// 32 bytes from the system's random source, base64url without padding (43 characters).
    [[nodiscard]] static QString generateToken();

Q_SIGNALS:
    void stopped();
    /// The session store did not open (the reason for people).
    void storeFailed(const QString &why);

private:
    HostCore *m_core = nullptr;
    HttpApiServer *m_http = nullptr;
    QString m_token;
    bool m_stopping = false;
};
