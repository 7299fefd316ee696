#include "hostcore.h"

#include "approvalrules.h"
#include "chatmodel.h"
#include "chatservice.h"
#include "hoststateservice.h"
#include "logging.h"
#include "serverregistry.h"
#include "serverrequestrouter.h"
#include "serverservice.h"
#include "sessionservice.h"
#include "sessionstore.h"
#include "storefactory.h"

#include <QTimer>

#include <memory>

HostCore::HostCore(QObject *parent)
    : QObject(parent)
{ }

HostCore::~HostCore() = default;

bool HostCore::init(const Options &options, QString *error)
{
    return init(HostConfig::load(options.configPath), options, error);
}

bool HostCore::init(HostConfig config, const Options &options, QString *error)
{
    m_config = std::move(config);
    if (!m_config.ok()) {
        *error = m_config.errorText();
        return false;
    }

    ProviderConfig provider = m_config.provider;
    provider.applyEnvironment();
    provider = ProviderConfig::merge(provider, options.cli);
    m_model = createChatModel(provider.resolved(), this, error);
    if (!m_model)
        return false;

    m_config.agent.applyTo(&m_agentOptions);
    if (options.maxIterations)
        m_agentOptions.maxIterations = *options.maxIterations;

    // What clients changed at run time, over the config: refused whole when it is bad.
    const QString statePath = m_config.stateFile.value_or(HostState::defaultPath());
    auto state = HostState::load(statePath, error);
    if (!state)
        return false;
    QList<ServerConfig> servers = m_config.servers;
    HostStateService::applyServerChoices(*state, &servers);

    ServerConnection::Options serverOptions;
    serverOptions.autoRestart = options.autoRestart;
    serverOptions.roots = m_config.roots;
    m_registry = new ServerRegistry(servers, serverOptions, this);
    m_rules = new ApprovalRules(m_agentOptions.approval, this);
    m_state = new HostStateService(statePath, std::move(*state), m_config.servers, m_rules,
                                   m_registry, this);
    m_router = new ServerRequestRouter(this);
    m_router->install(m_registry); // before startAll: it decides the declared capabilities

    const QString storeSpec
            = !options.store.isEmpty() ? options.store : m_config.store.value_or(QString());
    m_store = StoreFactory::create(storeSpec, m_config.sessions.fullDurability.value_or(false),
                                   this, error);
    if (!m_store)
        return false;
    SessionService::Options sessionOptions;
    // The command line over the config; both were range-checked when read.
    const auto ttl = options.sessions.idleTtlSeconds ? options.sessions.idleTtlSeconds
                                                     : m_config.sessions.idleTtlSeconds;
    const bool persistent = StoreFactory::isPersistent(storeSpec);
    // Memory sessions end after an hour idle unless configured; stored ones stay until a
    // retention bound says otherwise.
    if (ttl)
        sessionOptions.retention.maxAgeMs = qint64(*ttl * 1000);
    else if (!persistent)
        sessionOptions.retention.maxAgeMs = qint64(3600) * 1000;
    sessionOptions.retention.maxSessions = m_config.sessions.retentionMaxSessions.value_or(0);
    sessionOptions.maxSessions = m_config.sessions.effectiveMaxSessions(persistent);
    sessionOptions.retentionCheckMs
            = int(std::clamp<qint64>(sessionOptions.retention.maxAgeMs / 4, 200, 60000));
    m_sessionService = new SessionService(m_store, sessionOptions, this);
    m_chat = new ChatService(m_sessionService, m_model, m_registry, m_router, m_agentOptions, this);
    m_chat->setApprovalRules(m_rules);
    m_control = StoreFactory::createTurnControl(storeSpec, this);
    m_chat->setTurnControl(m_control);
    m_sessionService->setBeforeDelete([chat = m_chat](const QString &id) { chat->cancel(id); });
    // A session's "for this session" answers end with it.
    connect(m_sessionService, &SessionService::sessionRemoved, m_rules,
            [rules = m_rules](const QString &id) { rules->forgetSession(id); });
    // A rule remembered or revoked by any client decides the approvals that wait now.
    connect(m_rules, &ApprovalRules::rememberedChanged, m_chat,
            [chat = m_chat] { chat->reconsiderApprovals(); });
    m_serverService = new ServerService(m_registry, this);
    qCInfo(lcServer).noquote() << "model:" << m_model->displayName()
                               << "- MCP servers:" << m_config.servers.size() << "- config:"
                               << (m_config.path.isEmpty() ? QStringLiteral("(none)")
                                                           : m_config.path);
    return true;
}

void HostCore::open(std::function<void(const QString &error)> done)
{
    if (m_control)
        m_control->start();
    m_store->open([done](StoreResult<bool> opened) {
        done(opened.ok() ? QString() : opened.error().message);
    });
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
    auto once = [called = std::make_shared<bool>(false), done = std::move(done)] {
        if (!std::exchange(*called, true))
            done();
    };
    // The turns first, so their last steps (cancelled) reach the store; then the servers.
    m_chat->cancelAll([this, once] {
        connect(m_registry, &ServerRegistry::allStopped, this, once, Qt::SingleShotConnection);
        // Servers that ignore the polite shutdown are killed by their transports; never hang.
        QTimer::singleShot(10000, this, once);
        m_registry->stopAll();
    });
}
