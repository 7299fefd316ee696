#include "hostcore.h"

#include "chatmodel.h"
#include "chatservice.h"
#include "logging.h"
#include "serverregistry.h"
#include "serverrequestrouter.h"
#include "sessionmanager.h"
#include "sessionstore.h"

#include <QTimer>

#include <memory>

HostCore::HostCore(QObject *parent)
    : QObject(parent)
{ }

HostCore::~HostCore() = default;

bool HostCore::init(const Options &options, QString *error)
{
    m_config = HostConfig::load(options.configPath);
    if (!m_config.ok()) {
        QStringList lines;
        for (const ConfigError &e : std::as_const(m_config.errors))
            lines << e.toString();
        *error = lines.join(QLatin1Char('\n'));
        return false;
    }

    ProviderConfig provider = ProviderConfig::fromJson(m_config.root);
    provider.applyEnvironment();
    provider = ProviderConfig::merge(provider, options.cli);
    m_model = createChatModel(provider.resolved(), this, error);
    if (!m_model)
        return false;

    m_agentOptions = AgentOptions::fromJson(m_config.root);

    ServerConnection::Options serverOptions;
    serverOptions.autoRestart = options.autoRestart;
    serverOptions.roots = m_config.roots;
    m_registry = new ServerRegistry(m_config.servers, serverOptions, this);
    m_router = new ServerRequestRouter(this);
    m_router->install(m_registry); // before startAll: it decides the declared capabilities

    m_store = new MemorySessionStore(this);
    SessionManager::Options sessionOptions;
    const QJsonObject sessionsSection = m_config.root.value(QStringLiteral("sessions")).toObject();
    if (sessionsSection.contains(QStringLiteral("idle_ttl_seconds")))
        sessionOptions.idleTtlMs = qint64(
                sessionsSection.value(QStringLiteral("idle_ttl_seconds")).toDouble() * 1000);
    if (options.sessionTtlMs > 0)
        sessionOptions.idleTtlMs = options.sessionTtlMs;
    sessionOptions.checkIntervalMs
            = int(std::clamp<qint64>(sessionOptions.idleTtlMs / 4, 200, 60000));
    m_sessions = new SessionManager(m_store, sessionOptions, this);
    m_chat = new ChatService(m_sessions, m_model, m_registry, m_router, m_agentOptions, this);
    qCInfo(lcServer).noquote() << "model:" << m_model->displayName()
                               << "- MCP servers:" << m_config.servers.size() << "- config:"
                               << (m_config.path.isEmpty() ? QStringLiteral("(none)")
                                                           : m_config.path);
    return true;
}

void HostCore::start()
{
    m_registry->startAll();
}

void HostCore::shutdown(std::function<void()> done)
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    m_chat->cancelAll();
    m_sessions->shutdown();
    auto once = [called = std::make_shared<bool>(false), done] {
        if (!std::exchange(*called, true))
            done();
    };
    connect(m_registry, &ServerRegistry::allStopped, this, once, Qt::SingleShotConnection);
    // Servers that ignore the polite shutdown are killed by their transports; never hang here.
    QTimer::singleShot(10000, this, once);
    m_registry->stopAll();
}
