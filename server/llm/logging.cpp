#include "logging.h"

Q_LOGGING_CATEGORY(lcLlm, "mcphost.llm")
