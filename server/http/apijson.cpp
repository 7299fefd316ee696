#include "apijson.h"

#include "chatmodel.h"
#include "serverregistry.h"
#include "session.h"
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

QJsonObject sessionSummary(const Session *s, int connections)
{
    return {{QStringLiteral("session_id"), s->id()},
            {QStringLiteral("title"), s->title()},
            {QStringLiteral("turn_count"), s->turnCount()},
            {QStringLiteral("created"), StreamEvent::formatTimestamp(s->created())},
            {QStringLiteral("updated"), StreamEvent::formatTimestamp(s->updated())},
            {QStringLiteral("message_count"), int(s->messages().size())},
            {QStringLiteral("last_seq"), s->lastSeq()},
            {QStringLiteral("busy"), s->isBusy()},
            {QStringLiteral("turn_id"), s->isBusy() ? QJsonValue(s->turnId()) : QJsonValue()},
            {QStringLiteral("connections"), connections}};
}

namespace {

QJsonObject toolJson(const ServerRegistry::CatalogEntry &entry)
{
    return {{QStringLiteral("name"), entry.name},
            {QStringLiteral("server"), entry.server},
            {QStringLiteral("tool"), entry.tool.name},
            {QStringLiteral("title"), entry.tool.title},
            {QStringLiteral("description"), entry.tool.description},
            {QStringLiteral("input_schema"), entry.tool.inputSchema},
            {QStringLiteral("annotations"), entry.tool.annotations}};
}

} // namespace

QJsonObject server(const ServerConnection *c)
{
    const QList<Mcp::Tool> tools = c->tools();
    QJsonArray names;
    for (const Mcp::Tool &t : tools)
        names.append(t.name);
    QJsonArray tail;
    const QStringList lines = c->stderrTail();
    for (const QString &line : lines.mid(std::max<qsizetype>(0, lines.size() - kStderrTailLines)))
        tail.append(line.size() > kStderrLineChars ? line.left(kStderrLineChars - 1) + QChar(0x2026)
                                                   : line);
    QJsonObject o {{QStringLiteral("name"), c->name()},
                   {QStringLiteral("state"), ServerConnection::stateName(c->state())},
                   {QStringLiteral("enabled"), c->isEnabled()},
                   {QStringLiteral("transport"),
                    c->transportName().isEmpty() ? c->config().kindName() : c->transportName()},
                   {QStringLiteral("tools"), int(tools.size())},
                   {QStringLiteral("tool_count"), int(tools.size())},
                   {QStringLiteral("tool_names"), names},
                   {QStringLiteral("restarts"), c->restartCount()},
                   {QStringLiteral("stderr_tail"), tail}};
    if (!c->reason().isEmpty())
        o.insert(QStringLiteral("reason"), c->reason());
    if (McpClient *client = c->client()) {
        o.insert(QStringLiteral("protocol_version"), client->serverInfo().protocolVersion);
        o.insert(QStringLiteral("server"),
                 QJsonObject {{QStringLiteral("name"), client->serverInfo().name},
                              {QStringLiteral("version"), client->serverInfo().version}});
    }
    return o;
}

QJsonObject serverDetail(const ServerConnection *c, const ServerRegistry *registry)
{
    QJsonObject o = server(c);
    QJsonArray tools;
    for (const auto &entry : registry->catalog()) {
        if (entry.server == c->name())
            tools.append(toolJson(entry));
    }
    o.insert(QStringLiteral("tools"), tools);
    McpClient *client = c->client();
    o.insert(QStringLiteral("capabilities"),
             client ? client->serverInfo().capabilities : QJsonObject());
    return o;
}

QJsonObject servers(const ServerRegistry *registry)
{
    QJsonArray servers;
    for (ServerConnection *c : registry->connections())
        servers.append(server(c));
    return {{QStringLiteral("servers"), servers}};
}

QJsonObject tools(const ServerRegistry *registry)
{
    QJsonArray tools;
    for (const auto &entry : registry->catalog())
        tools.append(toolJson(entry));
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
