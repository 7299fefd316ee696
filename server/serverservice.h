#pragma once

#include "mcptypes.h"

#include <QList>
#include <QObject>
#include <QStringList>

#include <optional>
#include <variant>

class ServerConnection;
class ServerRegistry;

/// The MCP servers and their tools as the API (HTTP, CLI, the desktop app's local mode) sees
/// them: value-type snapshots of each server and of the tool catalog, and restart. Nothing
/// outside the core holds a ServerConnection.
class ServerService : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerService)

public:
    /// One configured server, as it is now.
    struct Server
    {
        QString name;
        QString state; ///< "disabled", "stopped", "starting", "ready", "failed", "restarting"
        bool ready = false;
        bool failed = false;
        bool disabled = false; ///< disabled in the config
        QString transport; ///< in use ("stdio", "streamable-http", "sse"), else the configured kind
        QString reason; ///< why it failed or restarts (empty otherwise)
        int toolCount = 0;
        int restarts = 0;
        std::optional<Mcp::ServerInfo> info; ///< what it said at initialize (while ready)
    };
    /// One tool of the catalog.
    struct Tool
    {
        QString name; ///< the unique, model-facing name
        QString server; ///< the config name of its server
        Mcp::Tool tool; ///< as the server describes it (tool.name is its own name)
    };
    enum class Error {
        UnknownServer, ///< no server with that name is configured
        Disabled, ///< the server is disabled in the config
    };

    /// `registry` is not owned and must outlive the service.
    explicit ServerService(ServerRegistry *registry, QObject *parent = nullptr);
    ~ServerService() override;

    [[nodiscard]] QList<Server> servers() const;
    [[nodiscard]] std::optional<Server> server(const QString &name) const;
    [[nodiscard]] QList<Tool> tools() const;
    [[nodiscard]] QStringList toolNames() const;
    [[nodiscard]] int toolCount() const;
    /// True when every enabled server is ready or failed (not starting or restarting).
    [[nodiscard]] bool isSettled() const;
    /// Stops and starts the server again; its state right after.
    std::variant<Server, Error> restart(const QString &name);
    /// The message for people, naming the server.
    [[nodiscard]] static QString errorMessage(Error error, const QString &name);

Q_SIGNALS:
    /// Every enabled server has reached ready or failed (each time it becomes true).
    void settled();

private:
    [[nodiscard]] static Server snapshot(const ServerConnection *connection);

    ServerRegistry *m_registry;
};
