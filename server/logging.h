#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcServer)

/// Applies a --log-level value (debug, info, warning, error) to every mcphost category;
/// returns false for an unknown level.
bool applyLogLevel(const QString &level);
