#include "hoststateservice.h"

#include "logging.h"
#include "serverregistry.h"

HostStateService::HostStateService(QString path, HostState state,
                                   const QList<ServerConfig> &configs, ApprovalRules *rules,
                                   ServerRegistry *registry, QObject *parent)
    : QObject(parent)
    , m_path(std::move(path))
    , m_state(std::move(state))
    , m_rules(rules)
    , m_registry(registry)
{
    for (const ServerConfig &c : configs)
        m_configEnabled.insert(c.name, !c.disabled);
    m_rules->loadRemembered(m_state.toolRules, m_state.serverRules);
    connect(m_rules, &ApprovalRules::rememberedChanged, this, &HostStateService::save);
}

HostStateService::~HostStateService() = default;

void HostStateService::applyServerChoices(const HostState &state, QList<ServerConfig> *configs)
{
    for (ServerConfig &c : *configs) {
        const auto it = state.serverEnabled.constFind(c.name);
        if (it != state.serverEnabled.cend())
            c.disabled = !*it;
    }
}

void HostStateService::save()
{
    m_state.toolRules = m_rules->rememberedTools();
    m_state.serverRules = m_rules->rememberedServers();
    QString error;
    if (m_state.save(m_path, &error)) {
        m_saveError.clear();
        return;
    }
    m_saveError = error;
    qCWarning(lcServer).noquote() << "the host's state was not saved:" << error;
}

std::optional<HostStateService::Failure> HostStateService::checkServer(const QString &server) const
{
    if (!m_registry->connection(server))
        return Failure {Error::UnknownServer,
                        QStringLiteral("no MCP server named \"%1\" is configured").arg(server)};
    return std::nullopt;
}

HostStateService::RuleResult HostStateService::addRule(ApprovalRules::RuleScope scope,
                                                       const QString &server, const QString &tool,
                                                       ApprovalPolicy::Decision decision)
{
    const bool tools = scope == ApprovalRules::RuleScope::Tool;
    if (tools && tool.isEmpty())
        return Failure {Error::BadRule, QStringLiteral("a \"tool\" rule needs a tool")};
    if (!tools && !tool.isEmpty())
        return Failure {Error::BadRule, QStringLiteral("a \"server\" rule has no tool")};
    if (const auto f = checkServer(server))
        return *f;
    if (m_rules->rememberedTools().size() + m_rules->rememberedServers().size()
                >= HostState::kMaxEntries
        && !(tools ? m_rules->rememberedTools().contains(ApprovalRules::toolKey(server, tool))
                   : m_rules->rememberedServers().contains(server)))
        return Failure {Error::BadRule,
                        QStringLiteral("the host remembers at most %1 rules; revoke some first")
                                .arg(HostState::kMaxEntries)};
    return m_rules->setRemembered(scope, server, tool, decision);
}

std::optional<HostStateService::Failure>
HostStateService::removeRule(ApprovalRules::RuleScope scope, const QString &server,
                             const QString &tool)
{
    const QString key = scope == ApprovalRules::RuleScope::Tool
            ? ApprovalRules::toolKey(server, tool)
            : server;
    const auto error = m_rules->removeRemembered(scope, server, tool);
    if (!error)
        return std::nullopt;
    if (*error == ApprovalRules::RemoveError::ConfigRule)
        return Failure {Error::ConfigRule,
                        QStringLiteral("the rule for %1 comes from the config file's \"approval\" "
                                       "section; change it there")
                                .arg(key)};
    return Failure {Error::NoSuchRule, QStringLiteral("no remembered rule for %1").arg(key)};
}

std::optional<HostStateService::Failure> HostStateService::setServerEnabled(const QString &name,
                                                                            bool enabled)
{
    if (const auto f = checkServer(name))
        return f;
    m_registry->connection(name)->setEnabled(enabled);
    // Only a choice that differs from the config is kept, so a later config edit still counts.
    if (m_configEnabled.value(name, true) == enabled)
        m_state.serverEnabled.remove(name);
    else
        m_state.serverEnabled.insert(name, enabled);
    qCInfo(lcServer).noquote() << "server" << name << (enabled ? "enabled" : "disabled");
    save();
    return std::nullopt;
}
