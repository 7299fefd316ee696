#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

// The server has its own ApiError (server/http/apierror.h: the error at the API edge, typed by
// an enum). Both end up in one program (mcp-hostd links mcphost_common; the app may run the
// server in-process), so the client's lives in a namespace: a distinct type to the linker (no
// clash of their inline members), `ApiError` to everyone who includes this header. A file that
// needs both headers defines MCPHOST_NO_CLIENT_APIERROR_ALIAS and says McpHostClient::ApiError.
namespace McpHostClient {

/// A failed API call: the server's error (`httpStatus` and its `error.code` / `error.message`)
/// or a failure on our side.
///
/// `code` is the server's error code, or one of ours: "network_error" (no answer: refused,
/// reset, DNS …; `network` is true), "timeout" (no complete answer within the transfer
/// timeout), "bad_response" (not the JSON the API promises), "too_large" (an answer, a line or
/// an event over its bound).
struct ApiError
{
    int httpStatus = 0; ///< 0 when no HTTP answer arrived
    QString code;
    QString message; ///< for people; names the problem
    bool network = false; ///< true when no HTTP answer arrived (network_error, timeout)

    /// "unknown_session: no session with id …" (or the code alone).
    [[nodiscard]] QString toString() const;
    /// No HTTP answer arrived: code network_error, `message` saying why.
    [[nodiscard]] static ApiError networkError(const QString &message);
    /// Reads `{"error":{"code","message"}}` from an error body; a body that is not that (a
    /// proxy's HTML page, say) gives `fallbackCode` and a message naming the status.
    [[nodiscard]] static ApiError fromBody(int httpStatus, const QByteArray &body,
                                           const QString &fallbackCode
                                           = QStringLiteral("bad_response"));
};

} // namespace McpHostClient

#ifndef MCPHOST_NO_CLIENT_APIERROR_ALIAS
using ApiError = McpHostClient::ApiError;
#endif

/// One session as `GET /api/v3/sessions` lists it.
struct SessionSummary
{
    QString id, title, turnId; ///< turnId: the running turn, empty when idle
    QDateTime created, updated;
    qint64 lastSeq = 0;
    int messageCount = 0, turnCount = 0, connections = 0;
    bool busy = false;

    /// nullopt when `session_id` is missing or not a string.
    static std::optional<SessionSummary> fromJson(const QJsonObject &);
};

/// One tool, as `GET /api/v3/tools` or `GET /api/v3/servers/{name}` lists it.
struct ToolInfo
{
    QString name; ///< the name the model sees (`server__tool` when two servers share one)
    QString server, tool, title, description;
    QJsonObject inputSchema, annotations;

    /// nullopt when `name` (or, in a server's list, `tool`) is missing.
    static std::optional<ToolInfo> fromJson(const QJsonObject &);
};

/// One configured MCP server (`GET /api/v3/servers` item, or `GET /api/v3/servers/{name}`).
struct ServerInfo
{
    QString name, state, transport, reason, protocolVersion, serverName, serverVersion;
    int toolCount = 0, restarts = 0;
    bool enabled = true;
    QStringList stderrTail;
    QList<ToolInfo> tools; ///< only from getServer
    QStringList toolNames; ///< `tool_names` of the list
    QJsonObject capabilities; ///< only from getServer

    /// nullopt when `name` is missing.
    static std::optional<ServerInfo> fromJson(const QJsonObject &);
};

/// An approval rule (`GET /api/v3/approvals` `rules` item; body of `POST /api/v3/approvals/rules`).
struct ApprovalRule
{
    QString scope; ///< "tool" | "server"
    QString server, tool; ///< tool empty for a server rule
    QString decision; ///< "allow" | "ask" | "deny"
    QString source; ///< "config" | "remembered"

    /// nullopt when scope, server or decision is missing.
    static std::optional<ApprovalRule> fromJson(const QJsonObject &);
    /// `{scope, server, tool?, decision}` (the request body; `source` is the server's).
    QJsonObject toJson() const;
};

Q_DECLARE_METATYPE(McpHostClient::ApiError)
