#include "logging.h"

Q_LOGGING_CATEGORY(lcCommon, "mcphost.common", QtInfoMsg)
