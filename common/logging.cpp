#include "logging.h"

Q_LOGGING_CATEGORY(lcCommon, "mcphost.common", QtInfoMsg)
Q_LOGGING_CATEGORY(lcApiClient, "mcphost.common.api", QtInfoMsg)
