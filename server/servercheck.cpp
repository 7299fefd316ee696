#include "servercheck.h"

#include "serverregistry.h"
#include "transport.h"

#include <QJsonArray>
#include <QTimer>

ServerCheck::ServerCheck(HostConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{ }

ServerCheck::~ServerCheck() = default;

void ServerCheck::run(std::function<void(const QJsonObject &, int)> done)
{
    m_done = std::move(done);
    m_report.insert(QStringLiteral("config"), m_config.path);
    if (!m_config.ok()) {
        QJsonArray errors;
        for (const ConfigError &e : std::as_const(m_config.errors))
            errors.append(e.toString());
        m_report.insert(QStringLiteral("config_errors"), errors);
        m_report.insert(QStringLiteral("ok"), false);
        QTimer::singleShot(0, this, [this] { m_done(m_report, 2); });
        return;
    }
    ServerConnection::Options options;
    options.autoRestart = false;
    options.roots = m_config.roots;
    m_registry = new ServerRegistry(m_config.servers, options, this);
    connect(m_registry, &ServerRegistry::settled, this, &ServerCheck::collect,
            Qt::SingleShotConnection);
    m_registry->startAll();
}

void ServerCheck::collect()
{
    // Count resources and prompts of every ready server, all concurrently.
    for (ServerConnection *c : m_registry->connections()) {
        McpClient *client = c->client();
        if (!client)
            continue;
        auto count = [this, name = c->name()](const char *key) {
            ++m_outstanding;
            return [this, name, key](const QJsonArray &items, const RpcReply &last) {
                m_details[name].insert(QLatin1String(key),
                                       last.ok() ? QJsonValue(items.size())
                                                 : QJsonValue(last.errorMessage()));
                if (--m_outstanding == 0)
                    finish();
            };
        };
        if (client->hasCapability(QStringLiteral("resources"))) {
            client->listResources(count("resources"));
            client->listResourceTemplates(count("resource_templates"));
        }
        if (client->hasCapability(QStringLiteral("prompts")))
            client->listPrompts(count("prompts"));
    }
    if (m_outstanding == 0)
        finish();
}

void ServerCheck::finish()
{
    QJsonArray servers;
    bool allReady = true;
    for (ServerConnection *c : m_registry->connections()) {
        QJsonObject s = m_details.value(c->name());
        s.insert(QStringLiteral("name"), c->name());
        s.insert(QStringLiteral("state"), ServerConnection::stateName(c->state()));
        s.insert(QStringLiteral("transport"),
                 c->transportName().isEmpty() ? c->config().kindName() : c->transportName());
        if (McpClient *client = c->client()) {
            const Mcp::ServerInfo &info = client->serverInfo();
            s.insert(QStringLiteral("server"),
                     QJsonObject {{QStringLiteral("name"), info.name},
                                  {QStringLiteral("version"), info.version}});
            s.insert(QStringLiteral("protocol_version"), info.protocolVersion);
            s.insert(QStringLiteral("capabilities"), info.capabilities);
            s.insert(QStringLiteral("tools"), int(client->tools().size()));
            QJsonArray names;
            for (const Mcp::Tool &t : client->tools())
                names.append(t.name);
            s.insert(QStringLiteral("tool_names"), names);
            if (!info.instructions.isEmpty())
                s.insert(QStringLiteral("instructions"), info.instructions);
        } else if (c->state() == ServerConnection::State::Failed) {
            allReady = false;
            s.insert(QStringLiteral("reason"), c->reason());
            s.insert(QStringLiteral("stderr_tail"),
                     QJsonArray::fromStringList(c->stderrTail().mid(
                             std::max<qsizetype>(0, c->stderrTail().size() - 20))));
        }
        servers.append(s);
    }
    m_report.insert(QStringLiteral("servers"), servers);
    m_report.insert(QStringLiteral("ok"), allReady);
    connect(
            m_registry, &ServerRegistry::allStopped, this,
            [this, allReady] { m_done(m_report, allReady ? 0 : 1); }, Qt::SingleShotConnection);
    m_registry->stopAll();
}
