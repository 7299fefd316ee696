#include "resultmapper.h"

#include "mcptypes.h"

#include <QJsonDocument>

QString ResultMapper::truncateForModel(const QString &text, qint64 limitBytes, bool *truncated)
{
    const QByteArray utf8 = text.toUtf8();
    if (truncated)
        *truncated = false;
    if (limitBytes <= 0 || utf8.size() <= limitBytes)
        return text;
    qsizetype cut = limitBytes;
    // Do not split a UTF-8 sequence: back up to the start of a character.
    while (cut > 0 && (uchar(utf8.at(cut)) & 0xC0) == 0x80)
        --cut;
    if (truncated)
        *truncated = true;
    return QString::fromUtf8(utf8.left(cut))
            + QStringLiteral("\n[truncated: %1 of %2 bytes shown]").arg(cut).arg(utf8.size());
}

QJsonArray ResultMapper::textBlocks(const QString &text)
{
    return {QJsonObject {{QStringLiteral("type"), QStringLiteral("text")},
                         {QStringLiteral("text"), text}}};
}

QString ResultMapper::modelText(const Mcp::ToolResult &result, qint64 limitBytes, bool *truncated)
{
    QString text = result.text();
    if (text.isEmpty() && result.structuredContent)
        text = QString::fromUtf8(
                QJsonDocument(*result.structuredContent).toJson(QJsonDocument::Compact));
    return truncateForModel(text, limitBytes, truncated);
}

QJsonArray ResultMapper::eventContent(const Mcp::ToolResult &result, qint64 limitBytes)
{
    QJsonArray content = result.content;
    if (content.isEmpty() && result.structuredContent)
        content = textBlocks(QString::fromUtf8(
                QJsonDocument(*result.structuredContent).toJson(QJsonDocument::Compact)));
    for (qsizetype i = 0; i < content.size(); ++i) {
        QJsonObject block = content.at(i).toObject();
        if (block.value(QStringLiteral("type")).toString() != QLatin1String("text"))
            continue;
        bool truncated = false;
        const QString text = truncateForModel(block.value(QStringLiteral("text")).toString(),
                                              limitBytes, &truncated);
        if (truncated) {
            block.insert(QStringLiteral("text"), text);
            block.insert(QStringLiteral("truncated"), true);
            content.replace(i, block);
        }
    }
    return content;
}

QList<ChatMessage> ResultMapper::samplingMessages(const QJsonObject &params)
{
    QList<ChatMessage> out;
    for (const auto &v : params.value(QStringLiteral("messages")).toArray()) {
        const QJsonObject m = v.toObject();
        const QJsonValue content = m.value(QStringLiteral("content"));
        const QJsonArray blocks
                = content.isArray() ? content.toArray() : QJsonArray {content.toObject()};
        QStringList texts;
        for (const auto &b : blocks) {
            if (b.toObject().value(QStringLiteral("type")).toString() == QLatin1String("text"))
                texts << b.toObject().value(QStringLiteral("text")).toString();
        }
        const QString text = texts.join(QLatin1Char('\n'));
        out.append(m.value(QStringLiteral("role")).toString() == QLatin1String("assistant")
                           ? ChatMessage::assistant(text)
                           : ChatMessage::user(text));
    }
    return out;
}

QJsonObject ResultMapper::samplingResult(const QString &text, StopReason reason,
                                         const ChatModel &model)
{
    return {{QStringLiteral("role"), QStringLiteral("assistant")},
            {QStringLiteral("content"),
             QJsonObject {{QStringLiteral("type"), QStringLiteral("text")},
                          {QStringLiteral("text"), text}}},
            {QStringLiteral("model"),
             model.modelName().isEmpty() ? model.displayName() : model.modelName()},
            {QStringLiteral("stopReason"),
             reason == StopReason::MaxTokens ? QStringLiteral("maxTokens")
                                             : QStringLiteral("endTurn")}};
}

QString ResultMapper::modelErrorMessage(const LlmError &error, const AgentOptions &options)
{
    if (error.kind != LlmError::Kind::OutputTooLarge)
        return error.message;
    switch (error.bound) {
    case LlmError::Bound::Text:
        return QStringLiteral("the model's answer exceeded %1 (agent.max_turn_text_bytes)")
                .arg(byteSizeText(options.maxTurnTextBytes));
    case LlmError::Bound::ToolArguments:
        return QStringLiteral("the arguments of a tool call exceeded %1 "
                              "(agent.max_tool_argument_bytes)")
                .arg(byteSizeText(options.maxToolArgumentBytes));
    case LlmError::Bound::ToolCalls:
        return QStringLiteral("the model asked for more than %1 tool calls in one answer")
                .arg(AgentOptions::kMaxToolCallsPerAnswer);
    case LlmError::Bound::Event:
    case LlmError::Bound::None:
        break;
    }
    return error.message;
}

QJsonObject ResultMapper::errorEventData(const LlmError &error, const AgentOptions &options)
{
    return {{QStringLiteral("code"), error.code()},
            {QStringLiteral("message"), modelErrorMessage(error, options)},
            {QStringLiteral("retryable"), error.retryable}};
}
