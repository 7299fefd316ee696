#include "redislogging.h"

Q_LOGGING_CATEGORY(lcRedis, "mcphost.server.store.redis", QtInfoMsg)
