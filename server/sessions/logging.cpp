#include "logging.h"

Q_LOGGING_CATEGORY(lcSessions, "mcphost.server.sessions", QtInfoMsg)
