#pragma once

#include "hostcore.h"
#include "httpapiserver.h"

#include <QObject>

class QSocketNotifier;

/// `mcp-hostd` (serve): the headless server. Builds the host from its config, serves the HTTP
/// API and the test page, and shuts down gracefully on SIGINT/SIGTERM: streams get
/// `session_end` (reason "shutdown"), running turns are cancelled, MCP servers are stopped.
class ServeCommand : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServeCommand)

public:
    struct Options
    {
        HostCore::Options host;
        /// The command line's layer over the config's `server` section (what is set wins;
        /// allowed origins add up); the token also comes from --token-file or MCPHOST_TOKEN.
        HostConfig::Server cli;
    };

    explicit ServeCommand(Options options, QObject *parent = nullptr);
    ~ServeCommand() override;

    /// Starts; returns false (with a message) when the server cannot start. `stopped` gets the
    /// exit code once a shutdown completes.
    /// `ready` once the store is open and the port listens; a failure after this returns
    /// (the store, the port) is printed and ends with stopped(1).
    bool start(QString *error, std::function<void(int exitCode)> stopped,
               std::function<void()> ready = {});
    /// The HTTP options a `server` section (merged with the command line) stands for.
    /// The HTTP options of a config's `server` section (merged with the command line) and the
    /// import cap of its `sessions` section.
    [[nodiscard]] static HttpApiServer::Options
    httpOptions(const HostConfig::Server &server, const HostConfig::Sessions &sessions = {});
    void shutdown();

    /// Makes SIGINT and SIGTERM call shutdown() on the event loop (self-pipe).
    void installSignalHandlers();

    [[nodiscard]] HostCore *core() const { return m_core; }
    [[nodiscard]] HttpApiServer *http() const { return m_http; }

private:
    Options m_options;
    HostCore *m_core = nullptr;
    HttpApiServer *m_http = nullptr;
    QSocketNotifier *m_signalNotifier = nullptr;
    std::function<void(int)> m_stopped;
    std::function<void()> m_ready;
    bool m_stopping = false;
};
