#include "messagecodec.h"

#include <QJsonArray>

namespace {
const char *const kRoles[] = {"system", "user", "assistant", "tool"};
}

namespace MessageCodec {

QJsonObject toJson(const ChatMessage &m)
{
    QJsonObject o {{QStringLiteral("role"), QLatin1String(kRoles[int(m.role)])},
                   {QStringLiteral("content"), m.text}};
    if (!m.toolCalls.isEmpty()) {
        QJsonArray calls;
        for (const ToolCall &c : m.toolCalls)
            calls.append(QJsonObject {{QStringLiteral("id"), c.id},
                                      {QStringLiteral("name"), c.name},
                                      {QStringLiteral("arguments"), c.arguments}});
        o.insert(QStringLiteral("tool_calls"), calls);
    }
    if (m.role == ChatMessage::Role::Tool) {
        o.insert(QStringLiteral("tool_call_id"), m.toolCallId);
        o.insert(QStringLiteral("name"), m.toolName);
        o.insert(QStringLiteral("is_error"), m.isError);
    }
    return o;
}

std::optional<ChatMessage> fromJson(const QJsonObject &o, QString *why)
{
    const auto fail = [why](const QString &text) -> std::optional<ChatMessage> {
        if (why)
            *why = text;
        return std::nullopt;
    };
    ChatMessage m;
    const QString role = o.value(QStringLiteral("role")).toString();
    int index = -1;
    for (int i = 0; i < 4; ++i) {
        if (role == QLatin1String(kRoles[i]))
            index = i;
    }
    if (index < 0)
        return fail(QStringLiteral("role must be \"system\", \"user\", \"assistant\" or \"tool\""));
    m.role = ChatMessage::Role(index);
    const QJsonValue content = o.value(QStringLiteral("content"));
    if (!content.isString())
        return fail(QStringLiteral("content must be a string"));
    m.text = content.toString();
    const QJsonValue calls = o.value(QStringLiteral("tool_calls"));
    if (!calls.isUndefined()) {
        if (!calls.isArray())
            return fail(QStringLiteral("tool_calls must be an array"));
        for (const QJsonValue &v : calls.toArray()) {
            const QJsonObject c = v.toObject();
            if (!v.isObject() || !c.value(QStringLiteral("id")).isString()
                || !c.value(QStringLiteral("name")).isString()
                || !c.value(QStringLiteral("arguments")).isObject())
                return fail(QStringLiteral(
                        "each tool call needs id and name (strings) and arguments (an object)"));
            m.toolCalls.append({c.value(QStringLiteral("id")).toString(),
                                c.value(QStringLiteral("name")).toString(),
                                c.value(QStringLiteral("arguments")).toObject()});
        }
    }
    if (m.role == ChatMessage::Role::Tool) {
        if (!o.value(QStringLiteral("tool_call_id")).isString()
            || !o.value(QStringLiteral("name")).isString())
            return fail(QStringLiteral("a tool message needs tool_call_id and name (strings)"));
        m.toolCallId = o.value(QStringLiteral("tool_call_id")).toString();
        m.toolName = o.value(QStringLiteral("name")).toString();
        m.isError = o.value(QStringLiteral("is_error")).toBool();
    }
    return m;
}

} // namespace MessageCodec
