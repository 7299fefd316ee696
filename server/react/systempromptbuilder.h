#pragma once

#include "toolinvoker.h"

#include <QList>
#include <QString>

/// Builds the system prompt of a model call: the configured prompt, then the instructions each
/// ready MCP server gave at initialize (they tell the model how to use that server's tools).
class SystemPromptBuilder
{
public:
    [[nodiscard]] static QString build(const QString &configured,
                                       const QList<ToolInvoker::ServerInstructions> &servers);
};
