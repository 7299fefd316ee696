#include "logging.h"

Q_LOGGING_CATEGORY(lcMcp, "mcphost.mcp", QtInfoMsg)
// Every JSON-RPC message in and out; off unless asked for (it can hold user data).
Q_LOGGING_CATEGORY(lcMcpWire, "mcphost.mcp.wire", QtWarningMsg)
// What servers write to stderr and send as notifications/message.
Q_LOGGING_CATEGORY(lcMcpServerLog, "mcphost.mcp.serverlog", QtWarningMsg)
