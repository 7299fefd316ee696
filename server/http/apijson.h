#pragma once

#include "sessionservice.h"

#include <QJsonArray>
#include <QJsonObject>

#include "serverservice.h"

struct ChatMessage;

/// The JSON shapes of the API's answers (docs/api.md), built from the core's types in one place.
namespace ApiJson {

/// A stored message: role, content, tool calls, tool results.
[[nodiscard]] QJsonObject message(const ChatMessage &message);
/// A session's summary (`GET /api/v3/sessions`); `connections`: its open streams.
[[nodiscard]] QJsonObject sessionSummary(const SessionRecord &session, int connections);
/// `{"servers":[…]}`: each MCP server's name, state, transport, tools and reason.
[[nodiscard]] QJsonObject servers(const ServerService *servers);
/// One item of `servers`: name, state, enabled, transport, tools (count), tool_count,
/// tool_names, restarts, reason, protocol_version, server {name, version}, stderr_tail.
[[nodiscard]] QJsonObject server(const ServerService::Server &server);
/// `GET /api/v3/servers/{name}`: the item plus `tools` (the catalog entries of the server,
/// as in `tools()`) and `capabilities`.
[[nodiscard]] QJsonObject serverDetail(const ServerService::Server &server,
                                       const ServerService *servers);
/// The stderr lines an item carries at most, and the characters of one line.
constexpr int kStderrTailLines = 50;
constexpr int kStderrLineChars = 1000;
/// `{"tools":[…]}`: the tool catalog with schemas.
[[nodiscard]] QJsonObject tools(const ServerService *servers);
/// The qualified names of the catalog (the stream's `session_start`).
[[nodiscard]] QJsonArray toolNames(const ServerService *servers);

} // namespace ApiJson
