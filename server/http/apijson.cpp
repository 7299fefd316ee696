#include "apijson.h"

#include "chatmodel.h"
#include "serverregistry.h"
#include "streamevent.h"

namespace ApiJson {

QJsonObject message(const ChatMessage &m)
{
    static const char *roles[] = {"system", "user", "assistant", "tool"};
    QJsonObject o {{QStringLiteral("role"), QLatin1String(roles[int(m.role)])},
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

QJsonObject sessionSummary(const SessionService::Summary &s, int connections)
{
    return {{QStringLiteral("session_id"), s.id},
            {QStringLiteral("created"), StreamEvent::formatTimestamp(s.created)},
            {QStringLiteral("updated"), StreamEvent::formatTimestamp(s.updated)},
            {QStringLiteral("message_count"), s.messageCount},
            {QStringLiteral("last_seq"), s.lastSeq},
            {QStringLiteral("busy"), s.busy},
            {QStringLiteral("turn_id"), s.busy ? QJsonValue(s.turnId) : QJsonValue()},
            {QStringLiteral("connections"), connections}};
}

QJsonObject servers(const ServerRegistry *registry)
{
    QJsonArray servers;
    for (ServerConnection *c : registry->connections()) {
        QJsonObject o {{QStringLiteral("name"), c->name()},
                       {QStringLiteral("state"), ServerConnection::stateName(c->state())},
                       {QStringLiteral("transport"),
                        c->transportName().isEmpty() ? c->config().kindName() : c->transportName()},
                       {QStringLiteral("tools"), int(c->tools().size())},
                       {QStringLiteral("restarts"), c->restartCount()}};
        if (!c->reason().isEmpty())
            o.insert(QStringLiteral("reason"), c->reason());
        if (McpClient *client = c->client()) {
            o.insert(QStringLiteral("protocol_version"), client->serverInfo().protocolVersion);
            o.insert(QStringLiteral("server"),
                     QJsonObject {{QStringLiteral("name"), client->serverInfo().name},
                                  {QStringLiteral("version"), client->serverInfo().version}});
        }
        servers.append(o);
    }
    return {{QStringLiteral("servers"), servers}};
}

QJsonObject tools(const ServerRegistry *registry)
{
    QJsonArray tools;
    for (const auto &entry : registry->catalog()) {
        QJsonObject t {{QStringLiteral("name"), entry.name},
                       {QStringLiteral("server"), entry.server},
                       {QStringLiteral("tool"), entry.tool.name},
                       {QStringLiteral("description"), entry.tool.description},
                       {QStringLiteral("input_schema"), entry.tool.inputSchema}};
        if (!entry.tool.title.isEmpty())
            t.insert(QStringLiteral("title"), entry.tool.title);
        if (!entry.tool.annotations.isEmpty())
            t.insert(QStringLiteral("annotations"), entry.tool.annotations);
        tools.append(t);
    }
    return {{QStringLiteral("tools"), tools}};
}

QJsonArray toolNames(const ServerRegistry *registry)
{
    QJsonArray tools;
    for (const auto &entry : registry->catalog())
        tools.append(entry.name);
    return tools;
}

} // namespace ApiJson
