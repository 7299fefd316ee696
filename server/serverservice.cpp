#include "serverservice.h"

#include "serverregistry.h"

ServerService::ServerService(ServerRegistry *registry, QObject *parent)
    : QObject(parent)
    , m_registry(registry)
{
    connect(m_registry, &ServerRegistry::settled, this, &ServerService::settled);
}

ServerService::~ServerService() = default;

ServerService::Server ServerService::snapshot(const ServerConnection *c)
{
    Server s;
    s.name = c->name();
    s.state = ServerConnection::stateName(c->state());
    s.ready = c->state() == ServerConnection::State::Ready;
    s.failed = c->state() == ServerConnection::State::Failed;
    s.disabled = c->state() == ServerConnection::State::Disabled;
    s.transport = c->transportName().isEmpty() ? c->config().kindName() : c->transportName();
    s.reason = c->reason();
    s.toolCount = int(c->tools().size());
    s.restarts = c->restartCount();
    if (const McpClient *client = c->client())
        s.info = client->serverInfo();
    return s;
}

QList<ServerService::Server> ServerService::servers() const
{
    QList<Server> out;
    for (const ServerConnection *c : m_registry->connections())
        out.append(snapshot(c));
    return out;
}

std::optional<ServerService::Server> ServerService::server(const QString &name) const
{
    const ServerConnection *c = m_registry->connection(name);
    if (!c)
        return std::nullopt;
    return snapshot(c);
}

QList<ServerService::Tool> ServerService::tools() const
{
    QList<Tool> out;
    const auto &catalog = m_registry->catalog();
    out.reserve(catalog.size());
    for (const auto &entry : catalog)
        out.append(Tool {entry.name, entry.server, entry.tool});
    return out;
}

QStringList ServerService::toolNames() const
{
    QStringList out;
    for (const auto &entry : m_registry->catalog())
        out.append(entry.name);
    return out;
}

int ServerService::toolCount() const
{
    return int(m_registry->catalog().size());
}

bool ServerService::isSettled() const
{
    return m_registry->isSettled();
}

std::variant<ServerService::Server, ServerService::Error>
ServerService::restart(const QString &name)
{
    ServerConnection *c = m_registry->connection(name);
    if (!c)
        return Error::UnknownServer;
    if (c->state() == ServerConnection::State::Disabled)
        return Error::Disabled;
    c->restart();
    return snapshot(c);
}

QString ServerService::errorMessage(Error error, const QString &name)
{
    switch (error) {
    case Error::UnknownServer:
        return QStringLiteral("no MCP server named \"%1\" is configured").arg(name);
    case Error::Disabled:
        return QStringLiteral("server \"%1\" is disabled in the config").arg(name);
    }
    return {};
}
