#pragma once

#include "chatmodel.h"

#include <QList>

/// Keeps the context sent to the model within a budget.
///
/// The messages are read as: leading system messages, then turns, each starting at a user
/// message (the user message, the assistant messages with their tool calls, the tool results,
/// the answer). Trimming drops whole turns, oldest first, until the estimate fits: a tool call
/// and its results are never separated, the system messages and the last turn (the current
/// user message and what followed it) are always kept, even if they alone exceed the budget.
namespace ContextTrimmer {

/// A token estimate: characters / 4 (text, tool call names and arguments), plus a few tokens
/// of overhead per message. Good enough for a budget; not a tokenizer.
[[nodiscard]] qint64 estimateTokens(const ChatMessage &message);
[[nodiscard]] qint64 estimateTokens(const QList<ChatMessage> &messages);

/// `messages` with the oldest turns dropped until estimateTokens() <= budgetTokens.
/// budgetTokens <= 0: no limit.
[[nodiscard]] QList<ChatMessage> trim(const QList<ChatMessage> &messages, qint64 budgetTokens,
                                      int *droppedTurns = nullptr);

} // namespace ContextTrimmer
