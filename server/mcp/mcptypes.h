#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <functional>
#include <optional>

class RpcResponder;

namespace Mcp {

/// The revision the host speaks, and the older ones it accepts when a server answers so.
inline const QString kLatestProtocolVersion = QStringLiteral("2025-11-25");
[[nodiscard]] const QStringList &supportedProtocolVersions();

/// A tool as the server describes it (tools/list).
struct Tool
{
    QString name;
    QString title;
    QString description;
    QJsonObject inputSchema;
    QJsonObject outputSchema;
    QJsonObject annotations;

    [[nodiscard]] static Tool fromJson(const QJsonObject &object);
    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] bool isDestructive() const;
};

/// The result of tools/call (or a failure to get one: isError with the reason as text).
struct ToolResult
{
    QJsonArray content; ///< MCP content blocks: text, image, audio, resource_link, resource
    std::optional<QJsonObject> structuredContent;
    bool isError = false;
    QJsonObject raw;
    /// Set when no result came back at all (JSON-RPC error, timeout, cancel, closed connection).
    std::optional<int> rpcErrorCode;

    [[nodiscard]] static ToolResult fromJson(const QJsonObject &object);
    [[nodiscard]] static ToolResult failure(const QString &message, int rpcErrorCode);
    /// The text blocks joined, with a short placeholder for each non-text block.
    [[nodiscard]] QString text() const;
};

/// A workspace folder offered to servers through roots/list.
struct Root
{
    QUrl uri; ///< a file:// URL
    QString name;
    [[nodiscard]] QJsonObject toJson() const;
};

/// Who the server is (initialize result).
struct ServerInfo
{
    QString name;
    QString title;
    QString version;
    QString protocolVersion;
    QJsonObject capabilities;
    QString instructions;
};

/// Answers sampling/createMessage requests from servers (the agent implements it).
class SamplingHandler
{
public:
    virtual ~SamplingHandler() = default;
    /// `server` names the asking server; answer through `responder` (reply or fail), now or later.
    virtual void createMessage(const QString &server, const QJsonObject &params,
                               RpcResponder responder)
            = 0;
};

/// Answers elicitation/create requests from servers (the agent and the UI implement it).
class ElicitationHandler
{
public:
    virtual ~ElicitationHandler() = default;
    virtual void elicit(const QString &server, const QJsonObject &params, RpcResponder responder)
            = 0;
};

} // namespace Mcp
