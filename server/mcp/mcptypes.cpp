#include "mcptypes.h"

#include <QJsonDocument>

namespace Mcp {

const QStringList &supportedProtocolVersions()
{
    static const QStringList versions {kLatestProtocolVersion, QStringLiteral("2025-06-18"),
                                       QStringLiteral("2025-03-26"), QStringLiteral("2024-11-05")};
    return versions;
}

Tool Tool::fromJson(const QJsonObject &object)
{
    Tool t;
    t.name = object.value(QStringLiteral("name")).toString();
    t.title = object.value(QStringLiteral("title")).toString();
    t.description = object.value(QStringLiteral("description")).toString();
    t.inputSchema = object.value(QStringLiteral("inputSchema")).toObject();
    if (t.inputSchema.isEmpty())
        t.inputSchema = {{QStringLiteral("type"), QStringLiteral("object")}};
    t.outputSchema = object.value(QStringLiteral("outputSchema")).toObject();
    t.annotations = object.value(QStringLiteral("annotations")).toObject();
    if (t.title.isEmpty())
        t.title = t.annotations.value(QStringLiteral("title")).toString();
    return t;
}

QJsonObject Tool::toJson() const
{
    QJsonObject o {{QStringLiteral("name"), name}, {QStringLiteral("inputSchema"), inputSchema}};
    if (!title.isEmpty())
        o.insert(QStringLiteral("title"), title);
    if (!description.isEmpty())
        o.insert(QStringLiteral("description"), description);
    if (!outputSchema.isEmpty())
        o.insert(QStringLiteral("outputSchema"), outputSchema);
    if (!annotations.isEmpty())
        o.insert(QStringLiteral("annotations"), annotations);
    return o;
}

bool Tool::isDestructive() const
{
    // Per the spec, destructiveHint defaults to true only when readOnlyHint is false; the host
    // treats only an explicit true as destructive so plain tools are not all gated.
    return annotations.value(QStringLiteral("destructiveHint")).toBool(false)
            && !annotations.value(QStringLiteral("readOnlyHint")).toBool(false);
}

ToolResult ToolResult::fromJson(const QJsonObject &object)
{
    ToolResult r;
    r.raw = object;
    r.content = object.value(QStringLiteral("content")).toArray();
    if (object.value(QStringLiteral("structuredContent")).isObject())
        r.structuredContent = object.value(QStringLiteral("structuredContent")).toObject();
    r.isError = object.value(QStringLiteral("isError")).toBool(false);
    return r;
}

ToolResult ToolResult::failure(const QString &message, int rpcErrorCode)
{
    ToolResult r;
    r.isError = true;
    r.rpcErrorCode = rpcErrorCode;
    r.content.append(QJsonObject {{QStringLiteral("type"), QStringLiteral("text")},
                                  {QStringLiteral("text"), message}});
    r.raw = {{QStringLiteral("content"), r.content}, {QStringLiteral("isError"), true}};
    return r;
}

QString ToolResult::text() const
{
    QStringList parts;
    for (const QJsonValue &v : content) {
        const QJsonObject block = v.toObject();
        const QString type = block.value(QStringLiteral("type")).toString();
        if (type == QLatin1String("text")) {
            parts << block.value(QStringLiteral("text")).toString();
        } else if (type == QLatin1String("image") || type == QLatin1String("audio")) {
            parts << QStringLiteral("[%1: %2]")
                             .arg(type, block.value(QStringLiteral("mimeType")).toString());
        } else if (type == QLatin1String("resource_link")) {
            parts << QStringLiteral("[resource link: %1]")
                             .arg(block.value(QStringLiteral("uri")).toString());
        } else if (type == QLatin1String("resource")) {
            const QJsonObject res = block.value(QStringLiteral("resource")).toObject();
            if (res.contains(QStringLiteral("text")))
                parts << res.value(QStringLiteral("text")).toString();
            else
                parts << QStringLiteral("[resource: %1]")
                                 .arg(res.value(QStringLiteral("uri")).toString());
        }
    }
    if (parts.isEmpty() && structuredContent)
        parts << QString::fromUtf8(
                QJsonDocument(*structuredContent).toJson(QJsonDocument::Compact));
    return parts.join(QLatin1Char('\n'));
}

QJsonObject Root::toJson() const
{
    QJsonObject o {{QStringLiteral("uri"), uri.toString()}};
    if (!name.isEmpty())
        o.insert(QStringLiteral("name"), name);
    return o;
}

} // namespace Mcp
