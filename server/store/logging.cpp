#include "logging.h"

Q_LOGGING_CATEGORY(lcStore, "mcphost.server.store", QtInfoMsg)
