#pragma once

#include "mcptypes.h"
#include "serverconfig.h"

#include <QJsonObject>
#include <QStringList>

/// The host's configuration file: the `mcpServers` section (the de-facto format) plus the
/// host's own sections (`roots`, and later ones). Found, in order, at --config,
/// $MCPHOST_CONFIG, the user's config folder (mcp-host/config.json), then the example config.
struct HostConfig
{
    QString path; ///< the file read ("" when none was found)
    QList<ServerConfig> servers;
    QList<Mcp::Root> roots;
    QJsonObject root; ///< the whole document
    QList<ConfigError> errors;

    [[nodiscard]] bool ok() const { return errors.isEmpty(); }

    /// Loads `explicitPath`, or the first existing default location.
    [[nodiscard]] static HostConfig load(const QString &explicitPath = {});
    /// The default locations, in the order they are tried.
    [[nodiscard]] static QStringList searchPath();
};
