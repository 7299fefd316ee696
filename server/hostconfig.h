#pragma once

#include "agentsettings.h"
#include "configerror.h"
#include "mcptypes.h"
#include "providerfactory.h"
#include "serverconfig.h"
#include "valuerange.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QStringList>

#include <optional>

class ConfigReader;

/// The host's configuration file, read once into typed sections: `mcpServers` (the de-facto
/// format), `roots`, `provider`, `agent` + `approval`, `sessions`, `server` and `state_file`. Every
/// wrong type, out-of-range value and unknown choice is an error with file, line, column and what
/// would be valid; unknown keys are ignored (other hosts add their own). A value that is not
/// in the file is not set (std::optional), so a layer above it (the command line) knows.
/// Found, in order, at --config, $MCPHOST_CONFIG, the user's config folder
/// (mcp-host/config.json), then the example config.
struct HostConfig
{
    /// The `server` section, and the command line's layer over it (the same type, checked by
    /// the same ranges).
    struct Server
    {
        std::optional<QHostAddress> listen;
        std::optional<quint16> port;
        std::optional<int> maxConnections; ///< concurrent SSE streams
        std::optional<double> heartbeatSeconds;
        std::optional<QStringList> allowedOrigins;
        std::optional<qint64> maxBodyBytes;
        std::optional<qint64> maxStreamBacklogBytes;
        std::optional<int> maxOpenConnections; ///< HTTP connections of any kind
        std::optional<double> requestTimeoutSeconds; ///< to receive a whole request
        std::optional<double> idleTimeoutSeconds; ///< a connection without a request
        std::optional<qint64> maxHeaderBytes;
        std::optional<int> maxHeaderCount;
        std::optional<QString> token;

        static constexpr ValueRange kPort {0, 65535, true, ""};
        static constexpr ValueRange kMaxConnections {1, 100000, true, ""};
        static constexpr ValueRange kHeartbeatSeconds {0.1, 3600, false, "seconds"};
        static constexpr ValueRange kMaxBodyBytes {1024, 1024.0 * 1024 * 1024, true, "bytes"};
        static constexpr ValueRange kMaxStreamBacklogBytes {4096, 1024.0 * 1024 * 1024, true,
                                                            "bytes"};
        static constexpr ValueRange kMaxOpenConnections {1, 100000, true, ""};
        static constexpr ValueRange kRequestTimeoutSeconds {1, 3600, false, "seconds"};
        static constexpr ValueRange kIdleTimeoutSeconds {1, 86400, false, "seconds"};
        static constexpr ValueRange kMaxHeaderBytes {1024, 1024.0 * 1024, true, "bytes"};
        static constexpr ValueRange kMaxHeaderCount {8, 1000, true, ""};

        static constexpr int kDefaultMaxOpenConnections = 256;
        static constexpr double kDefaultRequestTimeoutSeconds = 30;
        static constexpr double kDefaultIdleTimeoutSeconds = 60;
        static constexpr qint64 kDefaultMaxHeaderBytes = 32768;
        static constexpr int kDefaultMaxHeaderCount = 100;

        /// An IP address to listen on, or why not.
        [[nodiscard]] static std::optional<QHostAddress> parseListen(const QString &text,
                                                                     QString *why);
        /// `higher` wins wherever it is set; allowed origins are the union of both.
        [[nodiscard]] static Server merged(const Server &lower, const Server &higher);

        [[nodiscard]] int effectiveMaxOpenConnections() const
        {
            return maxOpenConnections.value_or(kDefaultMaxOpenConnections);
        }
        [[nodiscard]] int effectiveRequestTimeoutMs() const
        {
            return int(requestTimeoutSeconds.value_or(kDefaultRequestTimeoutSeconds) * 1000);
        }
        [[nodiscard]] int effectiveIdleTimeoutMs() const
        {
            return int(idleTimeoutSeconds.value_or(kDefaultIdleTimeoutSeconds) * 1000);
        }
        [[nodiscard]] qint64 effectiveMaxHeaderBytes() const
        {
            return maxHeaderBytes.value_or(kDefaultMaxHeaderBytes);
        }
        [[nodiscard]] int effectiveMaxHeaderCount() const
        {
            return maxHeaderCount.value_or(kDefaultMaxHeaderCount);
        }
    };

    /// The `sessions` section (and --session-ttl over it).
    struct Sessions
    {
        /// Retention by age: a session unused for longer is removed (memory default: 1 hour;
        /// stored sessions: kept).
        std::optional<double> idleTtlSeconds;
        std::optional<int> maxSessions;
        /// Retention by count: only the most recently used ones are kept.
        std::optional<int> retentionMaxSessions;
        /// `durability`: "normal" (a committed step survives the process being killed) or
        /// "full" (it also survives an OS crash or a power cut: SQLite fsyncs every commit).
        std::optional<bool> fullDurability;
        /// `import_max_bytes`: the largest session document an import reads (HTTP and CLI).
        std::optional<qint64> importMaxBytes;

        static constexpr ValueRange kIdleTtlSeconds {1, 3650.0 * 86400, false, "seconds"};
        static constexpr ValueRange kMaxSessions {1, 10000000, true, ""};
        static constexpr int kDefaultMaxSessions = 1000; ///< in memory
        static constexpr int kDefaultMaxStoredSessions = 1000000; ///< SQLite, Redis
        static constexpr ValueRange kImportMaxBytes {1024, 1024.0 * 1024 * 1024, true, "bytes"};
        static constexpr qint64 kDefaultImportMaxBytes = qint64(64) * 1024 * 1024;

        [[nodiscard]] qint64 effectiveImportMaxBytes() const
        {
            return importMaxBytes.value_or(kDefaultImportMaxBytes);
        }

        [[nodiscard]] int effectiveMaxSessions(bool persistent = false) const
        {
            return maxSessions.value_or(persistent ? kDefaultMaxStoredSessions
                                                   : kDefaultMaxSessions);
        }
    };

    /// The largest config file read (it is read whole).
    static constexpr qint64 kMaxFileBytes = qint64(16) * 1024 * 1024;

    QString path; ///< the file read ("" when none was found)
    QList<ServerConfig> servers;
    QList<Mcp::Root> roots;
    ProviderConfig provider; ///< the file's layer (environment and command line go over it)
    AgentSettings agent; ///< `agent` and `approval`
    Sessions sessions;
    Server server;
    /// `store`: where sessions live (StoreFactory: "memory", "sqlite", "sqlite:PATH",
    /// "redis://host:port/db"); nullopt: the default.
    std::optional<QString> store;
    /// `state_file`: where the host keeps what clients change at run time (remembered approval
    /// rules, enabled/disabled servers; HostState). Relative to the config's folder; unset:
    /// HostState::defaultPath().
    std::optional<QString> stateFile;
    static constexpr qsizetype kMaxStateFilePathChars = 4096;
    QJsonObject root; ///< the whole document (for sections other parts add later)
    QList<ConfigError> errors;

    [[nodiscard]] bool ok() const { return errors.isEmpty(); }
    /// Every error, one per line.
    [[nodiscard]] QString errorText() const;

    /// Loads `explicitPath`, or the first existing default location.
    [[nodiscard]] static HostConfig load(const QString &explicitPath = {});
    /// Reads a config document from `text` (`fileName` for messages, `baseDir` for relative
    /// paths).
    [[nodiscard]] static HostConfig parse(const QByteArray &text, const QString &fileName,
                                          const QString &baseDir);
    /// The default locations, in the order they are tried.
    [[nodiscard]] static QStringList searchPath();
};
