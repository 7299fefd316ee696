#pragma once

#include <QString>

#include <optional>

/// The valid range of one number of the configuration (a duration, a size, a count). The same
/// check serves the config file and the command line, so both say the same thing:
/// "must be between 1 and 3600 seconds, got 0".
struct ValueRange
{
    double min = 0;
    double max = 0;
    bool integer = true; ///< whole numbers only
    const char *unit = ""; ///< "seconds", "bytes", …: shown in the message

    /// Why `value` is not valid (the part after the setting's name), or nothing.
    [[nodiscard]] std::optional<QString> problem(double value) const;
    /// `text` as a number of this range (for command-line values); nothing with `why` set when
    /// it is not a number or out of range.
    [[nodiscard]] std::optional<double> parse(const QString &text, QString *why) const;
    /// "between 1 and 3600 seconds".
    [[nodiscard]] QString describe() const;
};
