#include "valuerange.h"

#include <cmath>

namespace {
QString number(double v)
{
    return QString::number(v, 'g', 15);
}
} // namespace

QString ValueRange::describe() const
{
    QString text = QStringLiteral("between %1 and %2").arg(number(min), number(max));
    if (*unit)
        text += QLatin1Char(' ') + QLatin1String(unit);
    return text;
}

std::optional<QString> ValueRange::problem(double value) const
{
    // Written so that NaN fails as well.
    const bool inRange = value >= min && value <= max;
    const bool whole = !integer || std::floor(value) == value;
    if (inRange && whole)
        return std::nullopt;
    return QStringLiteral("must be %1%2, got %3")
            .arg(integer ? QStringLiteral("a whole number ") : QString(), describe(),
                 number(value));
}

std::optional<double> ValueRange::parse(const QString &text, QString *why) const
{
    bool ok = false;
    const double value = text.trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(value)) {
        *why = QStringLiteral("must be a number %1, got \"%2\"").arg(describe(), text);
        return std::nullopt;
    }
    if (const auto p = problem(value)) {
        *why = *p;
        return std::nullopt;
    }
    return value;
}
