#include "configerror.h"

QString ConfigError::toString() const
{
    QString where = file.isEmpty() ? QStringLiteral("config") : file;
    if (line > 0)
        where += QLatin1Char(':') + QString::number(line);
    if (column > 0)
        where += QLatin1Char(':') + QString::number(column);
    return where + QStringLiteral(": ") + message;
}
