#include "apijson.h"

#include "messagecodec.h"

#include "chatmodel.h"
#include "serverservice.h"
#include "streamevent.h"

namespace ApiJson {

QJsonObject message(const ChatMessage &m)
{
    return MessageCodec::toJson(m);
}

QJsonObject sessionSummary(const SessionRecord &s, int connections)
{
    const bool busy = !s.runningTurnId.isEmpty();
    return {{QStringLiteral("session_id"), s.id},
            {QStringLiteral("title"), s.title},
            {QStringLiteral("turn_count"), s.turnCount},
            {QStringLiteral("created"), StreamEvent::formatTimestamp(s.created)},
            {QStringLiteral("updated"), StreamEvent::formatTimestamp(s.updated)},
            {QStringLiteral("message_count"), s.messageCount},
            {QStringLiteral("last_seq"), s.lastSeq},
            {QStringLiteral("busy"), busy},
            {QStringLiteral("turn_id"), busy ? QJsonValue(s.runningTurnId) : QJsonValue()},
            {QStringLiteral("connections"), connections}};
}
namespace {

QJsonObject toolJson(const ServerService::Tool &entry)
{
    // title ("" when none) and annotations ({} when none) are always there (docs/api.md).
    return {{QStringLiteral("name"), entry.name},
            {QStringLiteral("server"), entry.server},
            {QStringLiteral("tool"), entry.tool.name},
            {QStringLiteral("title"), entry.tool.title},
            {QStringLiteral("description"), entry.tool.description},
            {QStringLiteral("input_schema"), entry.tool.inputSchema},
            {QStringLiteral("annotations"), entry.tool.annotations}};
}

} // namespace

QJsonObject server(const ServerService::Server &c)
{
    QJsonArray tail;
    const QStringList &lines = c.stderrTail;
    for (const QString &line : lines.mid(std::max<qsizetype>(0, lines.size() - kStderrTailLines)))
        tail.append(line.size() > kStderrLineChars ? line.left(kStderrLineChars - 1) + QChar(0x2026)
                                                   : line);
    QJsonObject o {{QStringLiteral("name"), c.name},
                   {QStringLiteral("state"), c.state},
                   {QStringLiteral("enabled"), c.enabled},
                   {QStringLiteral("transport"), c.transport},
                   {QStringLiteral("tools"), c.toolCount},
                   {QStringLiteral("tool_count"), c.toolCount},
                   {QStringLiteral("tool_names"), QJsonArray::fromStringList(c.toolNames)},
                   {QStringLiteral("restarts"), c.restarts},
                   {QStringLiteral("stderr_tail"), tail}};
    if (!c.reason.isEmpty())
        o.insert(QStringLiteral("reason"), c.reason);
    if (c.info) {
        o.insert(QStringLiteral("protocol_version"), c.info->protocolVersion);
        o.insert(QStringLiteral("server"),
                 QJsonObject {{QStringLiteral("name"), c.info->name},
                              {QStringLiteral("version"), c.info->version}});
    }
    return o;
}

QJsonObject serverDetail(const ServerService::Server &c, const ServerService *servers)
{
    QJsonObject o = server(c);
    QJsonArray tools;
    const QList<ServerService::Tool> catalog = servers->tools();
    for (const auto &entry : catalog) {
        if (entry.server == c.name)
            tools.append(toolJson(entry));
    }
    o.insert(QStringLiteral("tools"), tools);
    o.insert(QStringLiteral("capabilities"), c.info ? c.info->capabilities : QJsonObject());
    return o;
}

QJsonObject servers(const ServerService *service)
{
    QJsonArray servers;
    const QList<ServerService::Server> all = service->servers();
    for (const ServerService::Server &c : all)
        servers.append(server(c));
    return {{QStringLiteral("servers"), servers}};
}

QJsonObject tools(const ServerService *servers)
{
    QJsonArray tools;
    const QList<ServerService::Tool> catalog = servers->tools();
    for (const auto &entry : catalog)
        tools.append(toolJson(entry));
    return {{QStringLiteral("tools"), tools}};
}

QJsonArray toolNames(const ServerService *servers)
{
    return QJsonArray::fromStringList(servers->toolNames());
}

} // namespace ApiJson
