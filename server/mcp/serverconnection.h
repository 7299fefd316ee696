#pragma once

#include "mcpclient.h"
#include "serverconfig.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>

/// One configured MCP server over its whole life: creates the transport the config asks for
/// (falling back from Streamable HTTP to legacy HTTP+SSE when initialize gets 400/404/405),
/// tracks its state, and restarts it with backoff (1, 2, 4 … 30 s) when it crashes.
class ServerConnection : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerConnection)

public:
    enum class State { Disabled, Stopped, Starting, Ready, Failed, Restarting };
    Q_ENUM(State)

    struct Options
    {
        bool autoRestart = true;
        int initialBackoffMs = 1000;
        int maxBackoffMs = 30000;
        int stableAfterMs = 30000; ///< ready this long: the backoff starts over
        int initializeTimeoutMs = 30000;
        int maxRequestTimeoutMs = 600000;
        QList<Mcp::Root> roots;
        /// Makes the transport instead of the built-in choice (in-process servers, tests);
        /// called for every (re)connection; the connection takes ownership.
        std::function<Transport *(const ServerConfig &config, ServerConfig::Kind kind)>
                transportFactory;
    };

    ServerConnection(ServerConfig config, Options options, QObject *parent = nullptr);
    ~ServerConnection() override;

    void start();
    /// Stops the server gracefully; stopped() follows (at once if it is not running).
    void stop();
    /// Stops and starts again (the API's restart).
    void restart();
    /// Disables the server (stops it; state Disabled, no tools) or enables it (starts it).
    void setEnabled(bool enabled);
    [[nodiscard]] bool isEnabled() const { return m_state != State::Disabled; }

    [[nodiscard]] const ServerConfig &config() const { return m_config; }
    [[nodiscard]] const QString &name() const { return m_config.name; }
    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] static QString stateName(State state);
    /// Why the server failed or is restarting ("command not found: npx", exit code …).
    [[nodiscard]] const QString &reason() const { return m_reason; }
    /// The server's recent stderr (stdio) for diagnostics.
    [[nodiscard]] QStringList stderrTail() const;
    [[nodiscard]] McpClient *client() const
    {
        return m_state == State::Ready ? m_client.data() : nullptr;
    }
    [[nodiscard]] QList<Mcp::Tool> tools() const;
    [[nodiscard]] int restartCount() const { return m_restarts; }
    [[nodiscard]] int nextRetryMs() const { return m_nextRetryMs; }
    /// The transport in use ("stdio", "streamable-http", "sse"), after any fallback.
    [[nodiscard]] QString transportName() const { return m_transportName; }

    void setRoots(const QList<Mcp::Root> &roots);
    void setSamplingHandler(Mcp::SamplingHandler *handler) { m_sampling = handler; }
    void setElicitationHandler(Mcp::ElicitationHandler *handler) { m_elicitation = handler; }

Q_SIGNALS:
    void stateChanged(ServerConnection::State state);
    void toolsChanged();
    void stopped();
    void logMessage(const QString &level, const QString &logger, const QJsonValue &data);

private:
    void connectWith(ServerConfig::Kind kind);
    void setState(State state, const QString &reason = {});
    void onClientClosed(const QString &reason);
    void scheduleRetry(const QString &reason);
    Transport *createTransport(ServerConfig::Kind kind);

    ServerConfig m_config;
    Options m_options;
    QPointer<McpClient> m_client;
    State m_state = State::Stopped;
    QString m_reason;
    QString m_transportName;
    QStringList m_lastTail;
    QTimer m_retryTimer;
    QElapsedTimer m_readySince;
    int m_backoffStep = 0;
    int m_nextRetryMs = 0;
    int m_restarts = 0;
    bool m_stopping = false;
    bool m_restartAfterStop = false;
    Mcp::SamplingHandler *m_sampling = nullptr;
    Mcp::ElicitationHandler *m_elicitation = nullptr;
};
