#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcMcp)
Q_DECLARE_LOGGING_CATEGORY(lcMcpWire)
Q_DECLARE_LOGGING_CATEGORY(lcMcpServerLog)
