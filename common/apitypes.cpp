#include "apitypes.h"

#include "streamevent.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace {

QString str(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toString();
}

// JSON numbers arrive as doubles; out-of-range or fractional values become 0 rather than
// undefined behaviour in the cast.
qint64 int64(const QJsonObject &o, const char *key)
{
    const double v = o.value(QLatin1String(key)).toDouble();
    if (!(v >= 0 && v <= 9.0e15))
        return 0;
    return qint64(v);
}

int int32(const QJsonObject &o, const char *key)
{
    const qint64 v = int64(o, key);
    return v > 0x7fffffff ? 0x7fffffff : int(v);
}

QStringList strings(const QJsonValue &value)
{
    QStringList out;
    const QJsonArray array = value.toArray();
    out.reserve(array.size());
    for (const QJsonValue &v : array) {
        if (v.isString())
            out << v.toString();
    }
    return out;
}

} // namespace

QString ApiError::toString() const
{
    if (message.isEmpty())
        return code;
    if (code.isEmpty())
        return message;
    return code + QStringLiteral(": ") + message;
}

ApiError ApiError::networkError(const QString &message)
{
    ApiError e;
    e.code = QStringLiteral("network_error");
    e.message = message;
    e.network = true;
    return e;
}

ApiError ApiError::fromBody(int httpStatus, const QByteArray &body, const QString &fallbackCode)
{
    ApiError e;
    e.httpStatus = httpStatus;
    QJsonParseError parseError {};
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    const QJsonObject error = doc.object().value(QStringLiteral("error")).toObject();
    const QJsonValue code = error.value(QStringLiteral("code"));
    if (parseError.error == QJsonParseError::NoError && code.isString()
        && !code.toString().isEmpty()) {
        // Bound what a hostile server can put into a message shown to people.
        e.code = code.toString().left(200);
        e.message = error.value(QStringLiteral("message")).toString().left(4000);
        return e;
    }
    e.code = fallbackCode;
    e.message = QStringLiteral("HTTP %1 without an API error body").arg(httpStatus);
    return e;
}

std::optional<SessionSummary> SessionSummary::fromJson(const QJsonObject &o)
{
    const QJsonValue id = o.value(QStringLiteral("session_id"));
    if (!id.isString() || id.toString().isEmpty())
        return std::nullopt;
    SessionSummary s;
    s.id = id.toString();
    s.title = str(o, "title");
    s.turnId = str(o, "turn_id");
    s.created = StreamEvent::parseTimestamp(str(o, "created"));
    s.updated = StreamEvent::parseTimestamp(str(o, "updated"));
    s.lastSeq = int64(o, "last_seq");
    s.messageCount = int32(o, "message_count");
    s.turnCount = int32(o, "turn_count");
    s.connections = int32(o, "connections");
    s.busy = o.value(QStringLiteral("busy")).toBool();
    return s;
}

std::optional<ToolInfo> ToolInfo::fromJson(const QJsonObject &o)
{
    ToolInfo t;
    t.name = str(o, "name");
    t.tool = str(o, "tool");
    if (t.name.isEmpty())
        t.name = t.tool;
    if (t.tool.isEmpty())
        t.tool = t.name;
    if (t.name.isEmpty())
        return std::nullopt;
    t.server = str(o, "server");
    t.title = str(o, "title");
    t.description = str(o, "description");
    t.inputSchema = o.value(QStringLiteral("input_schema")).toObject();
    t.annotations = o.value(QStringLiteral("annotations")).toObject();
    return t;
}

std::optional<ServerInfo> ServerInfo::fromJson(const QJsonObject &o)
{
    ServerInfo s;
    s.name = str(o, "name");
    if (s.name.isEmpty())
        return std::nullopt;
    s.state = str(o, "state");
    s.transport = str(o, "transport");
    s.reason = str(o, "reason");
    s.protocolVersion = str(o, "protocol_version");
    const QJsonObject info = o.value(QStringLiteral("server")).toObject();
    s.serverName = str(info, "name");
    s.serverVersion = str(info, "version");
    s.restarts = int32(o, "restarts");
    const QJsonValue enabled = o.value(QStringLiteral("enabled"));
    s.enabled = enabled.isBool() ? enabled.toBool() : s.state != QLatin1String("disabled");
    s.stderrTail = strings(o.value(QStringLiteral("stderr_tail")));
    s.toolNames = strings(o.value(QStringLiteral("tool_names")));
    s.capabilities = o.value(QStringLiteral("capabilities")).toObject();
    // The list has the count in `tools`, GET /api/v3/servers/{name} the tools themselves.
    const QJsonValue tools = o.value(QStringLiteral("tools"));
    if (tools.isArray()) {
        const QJsonArray array = tools.toArray();
        for (const QJsonValue &v : array) {
            if (auto tool = ToolInfo::fromJson(v.toObject())) {
                if (tool->server.isEmpty())
                    tool->server = s.name;
                s.tools << *tool;
            }
        }
        s.toolCount = int(s.tools.size());
    } else {
        s.toolCount = int32(o, "tools");
    }
    if (o.contains(QStringLiteral("tool_count")))
        s.toolCount = int32(o, "tool_count");
    if (s.toolNames.isEmpty()) {
        for (const ToolInfo &t : std::as_const(s.tools))
            s.toolNames << t.tool;
    }
    return s;
}

std::optional<ApprovalRule> ApprovalRule::fromJson(const QJsonObject &o)
{
    ApprovalRule r;
    r.scope = str(o, "scope");
    r.server = str(o, "server");
    r.tool = str(o, "tool");
    r.decision = str(o, "decision");
    r.source = str(o, "source");
    if (r.scope.isEmpty() || r.server.isEmpty() || r.decision.isEmpty())
        return std::nullopt;
    return r;
}

QJsonObject ApprovalRule::toJson() const
{
    QJsonObject o {{QStringLiteral("scope"), scope},
                   {QStringLiteral("server"), server},
                   {QStringLiteral("decision"), decision}};
    if (!tool.isEmpty())
        o.insert(QStringLiteral("tool"), tool);
    return o;
}
