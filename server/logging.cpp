#include "logging.h"

#include <QStringList>

Q_LOGGING_CATEGORY(lcServer, "mcphost.server", QtInfoMsg)

bool applyLogLevel(const QString &level)
{
    // Qt's rule names; "error" is the user-facing name of "critical".
    static const QStringList levels {QStringLiteral("debug"), QStringLiteral("info"),
                                     QStringLiteral("warning"), QStringLiteral("critical")};
    const QString wanted = level.toLower() == QLatin1String("error") ? QStringLiteral("critical")
                                                                     : level.toLower();
    const int index = int(levels.indexOf(wanted));
    if (index < 0)
        return false;
    QStringList rules;
    for (int i = 0; i < index; ++i)
        rules << QStringLiteral("mcphost.*.%1=false").arg(levels[i]);
    for (int i = index; i < levels.size(); ++i)
        rules << QStringLiteral("mcphost.*.%1=true").arg(levels[i]);
    // The wire log stays off unless asked for by name (QT_LOGGING_RULES): it carries user data.
    rules << QStringLiteral("mcphost.mcp.wire.debug=false");
    QLoggingCategory::setFilterRules(rules.join(QLatin1Char('\n')));
    return true;
}
