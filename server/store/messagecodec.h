#pragma once

#include "chatmodel.h"

#include <QJsonObject>

#include <optional>

/// A ChatMessage as the stores and the session document keep it: {role, content, tool_calls
/// [{id, name, arguments}], tool_call_id, name, is_error}; the API shows the same shape.
namespace MessageCodec {
[[nodiscard]] QJsonObject toJson(const ChatMessage &message);
/// nullopt (and `*why` names the field) when a field is missing or has the wrong type.
[[nodiscard]] std::optional<ChatMessage> fromJson(const QJsonObject &object,
                                                  QString *why = nullptr);
} // namespace MessageCodec
