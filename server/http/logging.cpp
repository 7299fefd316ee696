#include "logging.h"

Q_LOGGING_CATEGORY(lcHttp, "mcphost.server.http", QtInfoMsg)
