#include "logging.h"

Q_LOGGING_CATEGORY(lcAgent, "mcphost.server.agent", QtInfoMsg)
