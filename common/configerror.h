#pragma once

#include <QString>

/// A problem in a config file (or on the command line), with where it is: 1-based line and
/// column, 0 when unknown.
struct ConfigError
{
    QString file;
    int line = 0;
    int column = 0;
    QString message;

    /// "file:line:column: message" (the parts that are known).
    [[nodiscard]] QString toString() const;
};
