#pragma once

#include "chatmodel.h"
#include "jsonrpcsession.h"
#include "mcptypes.h"

#include <QList>
#include <QString>

#include <functional>
#include <optional>

class QObject;

/// What a turn needs from the MCP side, and nothing more: the tools to offer the model, which
/// server and tool a model-facing name means, running and cancelling a call, and the servers'
/// instructions. RegistryToolInvoker implements it over the ServerRegistry; tests may give the
/// agent another.
class ToolInvoker
{
public:
    struct ResolvedTool
    {
        QString server; ///< the config name of the server
        Mcp::Tool tool; ///< tool.name is the server's own name
    };
    struct ServerInstructions
    {
        QString server;
        QString text; ///< the `instructions` of the server's initialize result, trimmed
    };
    using ResultHandler = std::function<void(const Mcp::ToolResult &)>;
    using ProgressHandler = std::function<void(const RpcProgress &)>;

    virtual ~ToolInvoker() = default;

    /// The tools offered to the model (by their model-facing names).
    [[nodiscard]] virtual QList<ToolDefinition> toolDefinitions() const = 0;
    [[nodiscard]] virtual std::optional<ResolvedTool> resolve(const QString &name) const = 0;
    /// Starts `tool` on `server`; `onResult` runs once unless `context` is destroyed first.
    /// Returns the request id (for cancel()), or nothing with `whyNot` set when the server
    /// cannot take calls.
    virtual std::optional<qint64> call(const QString &server, const QString &tool,
                                       const QJsonObject &arguments, ResultHandler onResult,
                                       ProgressHandler onProgress, int timeoutMs, QObject *context,
                                       QString *whyNot)
            = 0;
    /// Cancels a running call (MCP `notifications/cancelled`); its handler is not called.
    virtual void cancel(const QString &server, qint64 requestId, const QString &reason) = 0;
    /// The non-empty instructions of the servers that are ready.
    [[nodiscard]] virtual QList<ServerInstructions> instructions() const = 0;
};
