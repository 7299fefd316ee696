#include "contexttrimmer.h"

#include "logging.h"

#include <QJsonDocument>

namespace ContextTrimmer {

namespace {
constexpr qint64 kMessageOverhead = 4;
}

qint64 estimateTokens(const ChatMessage &message)
{
    qint64 chars = message.text.size() + message.toolName.size();
    for (const ToolCall &call : message.toolCalls) {
        chars += call.name.size();
        chars += QJsonDocument(call.arguments).toJson(QJsonDocument::Compact).size();
    }
    return kMessageOverhead + (chars + 3) / 4;
}

qint64 estimateTokens(const QList<ChatMessage> &messages)
{
    qint64 total = 0;
    for (const ChatMessage &message : messages)
        total += estimateTokens(message);
    return total;
}

QList<ChatMessage> trim(const QList<ChatMessage> &messages, qint64 budgetTokens, int *droppedTurns)
{
    if (droppedTurns)
        *droppedTurns = 0;
    if (budgetTokens <= 0 || estimateTokens(messages) <= budgetTokens)
        return messages;

    // The leading system messages, then the start index of every turn.
    qsizetype firstNonSystem = 0;
    while (firstNonSystem < messages.size()
           && messages.at(firstNonSystem).role == ChatMessage::Role::System)
        ++firstNonSystem;
    QList<qsizetype> turnStarts;
    for (qsizetype i = firstNonSystem; i < messages.size(); ++i) {
        if (messages.at(i).role == ChatMessage::Role::User || i == firstNonSystem)
            turnStarts.append(i);
    }
    if (turnStarts.size() < 2)
        return messages; // only the current turn: nothing may go

    const QList<ChatMessage> system = messages.mid(0, firstNonSystem);
    qint64 total = estimateTokens(messages);
    qsizetype keepFrom = turnStarts.first();
    int dropped = 0;
    // Drop whole turns while over budget, never the last one.
    for (qsizetype t = 0; t + 1 < turnStarts.size() && total > budgetTokens; ++t) {
        total -= estimateTokens(
                messages.mid(turnStarts.at(t), turnStarts.at(t + 1) - turnStarts.at(t)));
        keepFrom = turnStarts.at(t + 1);
        ++dropped;
    }
    if (droppedTurns)
        *droppedTurns = dropped;
    qCDebug(lcSessions) << "context trimmed:" << dropped << "turns dropped, estimate" << total
                        << "of" << budgetTokens;
    return system + messages.mid(keepFrom);
}

} // namespace ContextTrimmer
