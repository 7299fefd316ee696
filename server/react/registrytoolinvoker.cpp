#include "registrytoolinvoker.h"

#include "mcpclient.h"
#include "serverregistry.h"

RegistryToolInvoker::RegistryToolInvoker(ServerRegistry *registry)
    : m_registry(registry)
{ }

QList<ToolDefinition> RegistryToolInvoker::toolDefinitions() const
{
    QList<ToolDefinition> out;
    if (!m_registry)
        return out;
    for (const ServerRegistry::CatalogEntry &entry : m_registry->catalog()) {
        QJsonObject schema = entry.tool.inputSchema;
        if (schema.isEmpty())
            schema = {{QStringLiteral("type"), QStringLiteral("object")}};
        const QString description
                = entry.tool.description.isEmpty() ? entry.tool.title : entry.tool.description;
        out.append({entry.name, description, schema});
    }
    return out;
}

std::optional<ToolInvoker::ResolvedTool> RegistryToolInvoker::resolve(const QString &name) const
{
    if (!m_registry)
        return std::nullopt;
    const auto entry = m_registry->findTool(name);
    if (!entry)
        return std::nullopt;
    return ResolvedTool {entry->server, entry->tool};
}

std::optional<qint64> RegistryToolInvoker::call(const QString &server, const QString &tool,
                                                const QJsonObject &arguments,
                                                ResultHandler onResult, ProgressHandler onProgress,
                                                int timeoutMs, QObject *context, QString *whyNot)
{
    ServerConnection *connection = m_registry ? m_registry->connection(server) : nullptr;
    McpClient *client = connection ? connection->client() : nullptr;
    if (!client) {
        if (whyNot)
            *whyNot = QStringLiteral("The server %1 is not ready%2.")
                              .arg(server,
                                   connection && !connection->reason().isEmpty()
                                           ? QStringLiteral(": ") + connection->reason()
                                           : QString());
        return std::nullopt;
    }
    return client->callTool(tool, arguments, std::move(onResult), std::move(onProgress), timeoutMs,
                            context);
}

void RegistryToolInvoker::cancel(const QString &server, qint64 requestId, const QString &reason)
{
    ServerConnection *connection = m_registry ? m_registry->connection(server) : nullptr;
    if (connection && connection->client())
        connection->client()->cancelRequest(requestId, reason);
}

QList<ToolInvoker::ServerInstructions> RegistryToolInvoker::instructions() const
{
    QList<ServerInstructions> out;
    if (!m_registry)
        return out;
    for (ServerConnection *c : m_registry->connections()) {
        const McpClient *client = c->client();
        const QString text = client ? client->serverInfo().instructions.trimmed() : QString();
        if (!text.isEmpty())
            out.append({c->name(), text});
    }
    return out;
}
