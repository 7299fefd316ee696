#pragma once

#include "serverconnection.h"

#include <QHash>
#include <QObject>

#include <optional>

/// All configured MCP servers: starts them concurrently, isolates their failures, and offers
/// one aggregated tool catalog. Tool names are unique across servers: a name that two servers
/// share is qualified as `<server>__<tool>` for both; characters that model APIs reject are
/// replaced by '_'.
class ServerRegistry : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerRegistry)

public:
    struct CatalogEntry
    {
        QString name; ///< the unique, model-facing name
        QString server; ///< the config name of the server
        Mcp::Tool tool; ///< the tool as the server describes it (tool.name is its own name)
    };

    ServerRegistry(const QList<ServerConfig> &configs, const ServerConnection::Options &options,
                   QObject *parent = nullptr);
    ~ServerRegistry() override;

    void startAll();
    /// Stops every server; allStopped() follows.
    void stopAll();

    [[nodiscard]] QList<ServerConnection *> connections() const { return m_connections; }
    [[nodiscard]] ServerConnection *connection(const QString &name) const;
    /// True when every enabled server is ready or failed (not starting or restarting).
    [[nodiscard]] bool isSettled() const;

    [[nodiscard]] const QList<CatalogEntry> &catalog() const { return m_catalog; }
    [[nodiscard]] std::optional<CatalogEntry> findTool(const QString &name) const;

    void setRoots(const QList<Mcp::Root> &roots);
    void setSamplingHandler(Mcp::SamplingHandler *handler);
    void setElicitationHandler(Mcp::ElicitationHandler *handler);

Q_SIGNALS:
    void catalogChanged();
    void serverStateChanged(const QString &server, ServerConnection::State state);
    /// Every enabled server has reached ready or failed (emitted each time it becomes true).
    void settled();
    void allStopped();

private:
    void rebuildCatalog();
    void checkSettled();

    QList<ServerConnection *> m_connections;
    QList<CatalogEntry> m_catalog;
    QHash<QString, int> m_catalogIndex;
    int m_stopping = 0;
    bool m_wasSettled = false;
};
