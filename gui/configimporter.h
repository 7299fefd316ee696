#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

/// Brings the MCP servers of another host into a config document: Claude Desktop's
/// `claude_desktop_config.json` (`mcpServers`) and VS Code's `mcp.json` (`servers`, each with
/// `type` stdio / http / sse; `inputs` are not asked for, and said so). Every imported entry is
/// checked as mcp-hostd would check it; entries that fail are left out with the reason. A name
/// that is already configured is never overwritten: the note says so. Nothing is written here.
class ConfigImporter
{
public:
    static constexpr qint64 kMaxFileBytes = qint64(1024) * 1024;
    static constexpr int kMaxServers = 256;
    static constexpr int kMaxNameChars = 100;

    struct Result
    {
        QJsonObject merged; ///< the current document with the new servers in `mcpServers`
        QStringList added; ///< the names added
        QStringList notes; ///< collisions, skipped entries, ignored parts (one sentence each)
        QString error; ///< why nothing was imported ("" when the file was read)
        [[nodiscard]] bool ok() const { return error.isEmpty(); }
    };

    /// Merges the servers in `text` (the file's bytes; `fileName` for messages) into `current`.
    [[nodiscard]] static Result merge(const QJsonObject &current, const QByteArray &text,
                                      const QString &fileName);
    /// The same for a file (read up to kMaxFileBytes).
    [[nodiscard]] static Result mergeFile(const QJsonObject &current, const QString &path);
};
