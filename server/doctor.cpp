#include "doctor.h"

#include "serverregistry.h"
#include "transport.h"

#include <QJsonArray>
#include <QTimer>

Doctor::Doctor(HostConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{ }

Doctor::~Doctor() = default;

void Doctor::run(std::function<void(const QJsonObject &, int)> done)
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
    connect(m_registry, &ServerRegistry::settled, this, &Doctor::collect, Qt::SingleShotConnection);
    m_registry->startAll();
}

void Doctor::collect()
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

void Doctor::finish()
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

QString Doctor::formatText(const QJsonObject &report)
{
    QString out;
    const QString path = report.value(QStringLiteral("config")).toString();
    out += QStringLiteral("config: %1\n")
                   .arg(path.isEmpty() ? QStringLiteral("(none found)") : path);
    for (const QJsonValue &e : report.value(QStringLiteral("config_errors")).toArray())
        out += QStringLiteral("error: %1\n").arg(e.toString());
    const QJsonArray servers = report.value(QStringLiteral("servers")).toArray();
    if (servers.isEmpty() && !report.contains(QStringLiteral("config_errors")))
        out += QStringLiteral("no MCP servers configured\n");
    for (const QJsonValue &v : servers) {
        const QJsonObject s = v.toObject();
        const QString state = s.value(QStringLiteral("state")).toString();
        out += QStringLiteral("\n%1: %2 (%3)\n")
                       .arg(s.value(QStringLiteral("name")).toString(), state.toUpper(),
                            s.value(QStringLiteral("transport")).toString());
        if (state == QLatin1String("ready")) {
            const QJsonObject server = s.value(QStringLiteral("server")).toObject();
            out += QStringLiteral("  server:       %1 %2\n")
                           .arg(server.value(QStringLiteral("name")).toString(),
                                server.value(QStringLiteral("version")).toString());
            out += QStringLiteral("  protocol:     %1\n")
                           .arg(s.value(QStringLiteral("protocol_version")).toString());
            out += QStringLiteral("  capabilities: %1\n")
                           .arg(s.value(QStringLiteral("capabilities"))
                                        .toObject()
                                        .keys()
                                        .join(QStringLiteral(", ")));
            auto count = [&s](const char *key) {
                const QJsonValue v = s.value(QLatin1String(key));
                return v.isUndefined() ? QStringLiteral("-")
                        : v.isDouble() ? QString::number(v.toInt())
                                       : v.toString();
            };
            out += QStringLiteral("  tools:        %1\n").arg(count("tools"));
            out += QStringLiteral("  resources:    %1 (+%2 templates)\n")
                           .arg(count("resources"), count("resource_templates"));
            out += QStringLiteral("  prompts:      %1\n").arg(count("prompts"));
        } else if (state == QLatin1String("failed")) {
            out += QStringLiteral("  reason:       %1\n")
                           .arg(s.value(QStringLiteral("reason")).toString());
            const QJsonArray tail = s.value(QStringLiteral("stderr_tail")).toArray();
            if (!tail.isEmpty()) {
                out += QStringLiteral("  stderr (last %1 lines):\n").arg(tail.size());
                for (const QJsonValue &line : tail)
                    out += QStringLiteral("    %1\n").arg(line.toString());
            }
        }
    }
    if (report.contains(QStringLiteral("config_errors")))
        out += QStringLiteral("\nthe config has errors: no server was started\n");
    else if (report.value(QStringLiteral("ok")).toBool())
        out += QStringLiteral("\nall enabled servers are ready\n");
    else
        out += QStringLiteral("\nsome servers failed\n");
    return out;
}
