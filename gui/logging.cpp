#include "logging.h"

Q_LOGGING_CATEGORY(lcGui, "mcphost.gui", QtInfoMsg)
