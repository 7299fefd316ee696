#pragma once

#include "agentoptions.h"

#include <QHash>
#include <QJsonObject>
#include <QString>

#include <optional>

/// What a host keeps between runs beside its config: the approval rules clients remembered and
/// the MCP servers they enabled or disabled. One JSON file, written whole and atomically
/// (QSaveFile), readable by its owner only (0600):
///
/// @code
///   {"version": 1,
///    "approval": {"tools": {"fs/write_file": "deny"}, "servers": {"fetch": "allow"}},
///    "servers": {"fs": {"enabled": false}}}
/// @endcode
///
/// load() is strict: a file that is too large, not JSON, of another version, writable by other
/// users, or with one bad entry is refused with a message naming the file and what is wrong
/// (a rule dropped silently could let a tool run that the user denied). A missing file is an
/// empty state.
struct HostState
{
    QHash<QString, ApprovalPolicy::Decision> toolRules; ///< "<server>/<tool>" -> decision
    QHash<QString, ApprovalPolicy::Decision> serverRules; ///< server -> decision
    QHash<QString, bool> serverEnabled; ///< server -> enabled (only where it differs from config)

    static constexpr qint64 kMaxFileBytes = qint64(1024) * 1024;
    static constexpr int kMaxEntries = 10000; ///< rules and server entries together
    static constexpr qsizetype kMaxNameChars = 256; ///< a server or tool name
    static constexpr int kVersion = 1;

    /// `<user config folder>/mcp-host/state.json`, next to the default config, so the
    /// desktop app, `mcp-hostd serve` and `mcp-hostd ask` of one user share it.
    [[nodiscard]] static QString defaultPath();
    /// The state in `path` (empty when the file does not exist), or nullopt with `*error`.
    [[nodiscard]] static std::optional<HostState> load(const QString &path, QString *error);
    /// The state from a document; nullopt with the reason (no file name) in `*why`.
    [[nodiscard]] static std::optional<HostState> fromJson(const QJsonObject &root, QString *why);
    [[nodiscard]] QJsonObject toJson() const;
    /// Writes the file atomically with mode 0600 (creating its folder, 0700); false with
    /// `*error` on failure.
    bool save(const QString &path, QString *error) const;
};
