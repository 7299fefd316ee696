#pragma once

#include "chatmodel.h"
#include "offlinetoolcatalog.h"

#include <memory>

/// The built-in offline model: deterministic, no network, and honest about what it is.
///
/// It answers from simple rules, streaming its text in a few deltas through the event loop:
/// - after tool results, it reports them ("<tool> returned: …", or that the tool failed);
/// - asked which tools it has ("what tools do you have?", "list your tools"), it lists them;
/// - when the user's last message names a tool (whole word; `_`, `-` and space variants) or
///   clearly matches one tool's name and description words (stemmed, a few synonyms such as
///   add/sum; a tool whose required arguments the message fills scores higher; no tie), it calls
///   that tool, with arguments from a JSON object in the message, else `key=value` pairs typed
///   per the schema, then schema defaults, then required values it can infer (numbers in order,
///   a single enum value, or the rest of the message for a single required string); if a
///   required argument is still missing it says which one instead of calling;
/// - otherwise it explains that it is the offline model, lists the tools, and tells how to
///   configure a real model.
class OfflineModel : public ChatModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OfflineModel)

public:
    explicit OfflineModel(QObject *parent = nullptr);
    ~OfflineModel() override;

    [[nodiscard]] QString displayName() const override;
    [[nodiscard]] QString providerName() const override { return QStringLiteral("offline"); }
    [[nodiscard]] QString modelName() const override { return QStringLiteral("offline"); }
    ChatStream *start(const ChatRequest &request) override;

    /// What the model will answer to `request`: the text and at most one tool call.
    struct Plan
    {
        QString text;
        std::optional<ToolCall> toolCall;
        StopReason stopReason = StopReason::EndTurn;
    };
    [[nodiscard]] static Plan plan(const ChatRequest &request);
    /// The same with a catalog prepared for request.tools (start() keeps one per tool list).
    [[nodiscard]] static Plan plan(const ChatRequest &request, const OfflineToolCatalog &catalog);

    /// The arguments it would pass to a tool with `schema` for `message` (tests use it).
    /// `rest` is the text after the tool's name; `missing` gets required names not filled.
    [[nodiscard]] static QJsonObject fillArguments(const QString &message, const QString &rest,
                                                   const QJsonObject &schema,
                                                   QStringList *missing = nullptr);

private:
    /// The catalog for `tools`, rebuilt only when the tool list changed.
    const OfflineToolCatalog &catalogFor(const QList<ToolDefinition> &tools);

    std::unique_ptr<OfflineToolCatalog> m_catalog;
};
