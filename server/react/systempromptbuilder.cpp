#include "systempromptbuilder.h"

#include <QStringList>

QString SystemPromptBuilder::build(const QString &configured,
                                   const QList<ToolInvoker::ServerInstructions> &servers)
{
    QStringList parts;
    if (!configured.isEmpty())
        parts << configured;
    for (const ToolInvoker::ServerInstructions &s : servers) {
        if (!s.text.isEmpty())
            parts << QStringLiteral("Instructions from the MCP server \"%1\":\n%2")
                             .arg(s.server, s.text);
    }
    return parts.join(QStringLiteral("\n\n"));
}
