#pragma once

#include "sessionservice.h"

#include <QJsonArray>
#include <QJsonObject>

struct ChatMessage;
class ServerRegistry;

/// The JSON shapes of the API's answers (docs/api.md), built from the core's types in one place.
namespace ApiJson {

/// A stored message: role, content, tool calls, tool results.
[[nodiscard]] QJsonObject message(const ChatMessage &message);
/// A session's summary (`GET /api/v3/sessions`); `connections`: its open streams.
[[nodiscard]] QJsonObject sessionSummary(const SessionService::Summary &session, int connections);
/// `{"servers":[…]}`: each MCP server's name, state, transport, tools and reason.
[[nodiscard]] QJsonObject servers(const ServerRegistry *registry);
/// `{"tools":[…]}`: the tool catalog with schemas.
[[nodiscard]] QJsonObject tools(const ServerRegistry *registry);
/// The qualified names of the catalog (the stream's `session_start`).
[[nodiscard]] QJsonArray toolNames(const ServerRegistry *registry);

} // namespace ApiJson
