#pragma once

#include "agentoptions.h"
#include "chatmodel.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace Mcp {
struct ToolResult;
}

/// Turns what the agent receives into what it passes on: MCP tool results into the text sent
/// to the model and the content of `observing` events, MCP sampling requests into model
/// messages and model answers into sampling results, and model errors into `error` events.
/// Stateless; every function is pure.
class ResultMapper
{
public:
    /// `text` cut to at most `limitBytes` of UTF-8 (at a character boundary) plus a marker
    /// saying how much was left out; unchanged when it fits (or `limitBytes` <= 0).
    [[nodiscard]] static QString truncateForModel(const QString &text, qint64 limitBytes,
                                                  bool *truncated = nullptr);
    /// One MCP text content block.
    [[nodiscard]] static QJsonArray textBlocks(const QString &text);
    /// The result as the model reads it: its text (or its structured content as JSON), cut
    /// to `limitBytes`.
    [[nodiscard]] static QString modelText(const Mcp::ToolResult &result, qint64 limitBytes,
                                           bool *truncated = nullptr);
    /// The result's content blocks for `observing` (structured content as a text block when
    /// there are none); text blocks over `limitBytes` are cut and marked `"truncated": true`.
    [[nodiscard]] static QJsonArray eventContent(const Mcp::ToolResult &result, qint64 limitBytes);

    /// The text messages of a sampling/createMessage request (`messages`; non-text blocks are
    /// left out), as chat messages.
    [[nodiscard]] static QList<ChatMessage> samplingMessages(const QJsonObject &params);
    /// The sampling/createMessage result for a model's answer.
    [[nodiscard]] static QJsonObject samplingResult(const QString &text, StopReason reason,
                                                    const ChatModel &model);

    /// The `error` event's message for a failed model call: a passed bound names its setting.
    [[nodiscard]] static QString modelErrorMessage(const LlmError &error,
                                                   const AgentOptions &options);
    /// The `error` event's data: {code, message, retryable}.
    [[nodiscard]] static QJsonObject errorEventData(const LlmError &error,
                                                    const AgentOptions &options);
};
