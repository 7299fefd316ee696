#include "approvalrules.h"

#include "logging.h"
#include "mcptypes.h"

#include <algorithm>

std::optional<ApprovalScope> approvalScopeFromName(const QString &name)
{
    if (name == QLatin1String("once"))
        return ApprovalScope::Once;
    if (name == QLatin1String("session"))
        return ApprovalScope::Session;
    if (name == QLatin1String("tool"))
        return ApprovalScope::Tool;
    if (name == QLatin1String("server"))
        return ApprovalScope::Server;
    return std::nullopt;
}

QString approvalScopeName(ApprovalScope scope)
{
    switch (scope) {
    case ApprovalScope::Once:
        return QStringLiteral("once");
    case ApprovalScope::Session:
        return QStringLiteral("session");
    case ApprovalScope::Tool:
        return QStringLiteral("tool");
    case ApprovalScope::Server:
        return QStringLiteral("server");
    }
    return {};
}

ApprovalRules::ApprovalRules(ApprovalPolicy config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
    rebuild();
}

ApprovalRules::~ApprovalRules() = default;

void ApprovalRules::rebuild()
{
    m_effective = m_config;
    for (auto it = m_tools.cbegin(); it != m_tools.cend(); ++it)
        m_effective.tools.insert(it.key(), it.value());
    for (auto it = m_servers.cbegin(); it != m_servers.cend(); ++it)
        m_effective.servers.insert(it.key(), it.value());
}

ApprovalRules::Decision ApprovalRules::decideTool(const QString &sessionId, const QString &server,
                                                  const Mcp::Tool &tool,
                                                  const QString &catalogName) const
{
    const Decision d = m_effective.decide(server, tool, catalogName);
    if (d != Decision::Ask)
        return d;
    const auto session = m_sessionTools.constFind(sessionId);
    if (session == m_sessionTools.cend())
        return d;
    const auto answer = session->constFind(toolKey(server, tool.name));
    if (answer == session->cend())
        return d;
    return *answer ? Decision::Allow : Decision::Deny;
}

ApprovalRules::Decision ApprovalRules::decideSampling(const QString &sessionId,
                                                      const QString &server) const
{
    const Decision d = m_effective.sampling;
    if (d != Decision::Ask)
        return d;
    const auto session = m_sessionSampling.constFind(sessionId);
    if (session == m_sessionSampling.cend())
        return d;
    const auto answer = session->constFind(server);
    if (answer == session->cend())
        return d;
    return *answer ? Decision::Allow : Decision::Deny;
}

void ApprovalRules::rememberForSession(const QString &sessionId, const QString &server,
                                       const QString &tool, bool approved)
{
    auto &answers = tool.isEmpty() ? m_sessionSampling[sessionId] : m_sessionTools[sessionId];
    const QString key = tool.isEmpty() ? server : toolKey(server, tool);
    if (!answers.contains(key) && answers.size() >= kMaxSessionAnswers)
        return; // bounded; the call itself is still answered
    answers.insert(key, approved);
    qCInfo(lcAgent).noquote() << "session" << sessionId << (approved ? "allows" : "denies")
                              << (tool.isEmpty() ? server + QStringLiteral(" sampling") : key);
}

void ApprovalRules::forgetSession(const QString &sessionId)
{
    m_sessionTools.remove(sessionId);
    m_sessionSampling.remove(sessionId);
}

QList<ApprovalRules::Rule> ApprovalRules::rules() const
{
    QList<Rule> out;
    const auto add = [&out](const QHash<QString, Decision> &tools,
                            const QHash<QString, Decision> &servers, Source source) {
        QList<Rule> part;
        for (auto it = tools.cbegin(); it != tools.cend(); ++it) {
            const qsizetype slash = it.key().indexOf(QLatin1Char('/'));
            Rule r;
            r.scope = RuleScope::Tool;
            r.server = slash < 0 ? QString() : it.key().left(slash);
            r.tool = slash < 0 ? it.key() : it.key().mid(slash + 1);
            r.decision = it.value();
            r.source = source;
            part.append(r);
        }
        for (auto it = servers.cbegin(); it != servers.cend(); ++it)
            part.append({RuleScope::Server, it.key(), QString(), it.value(), source});
        std::sort(part.begin(), part.end(), [](const Rule &a, const Rule &b) {
            return std::tie(a.scope, a.server, a.tool) < std::tie(b.scope, b.server, b.tool);
        });
        out += part;
    };
    add(m_config.tools, m_config.servers, Source::Config);
    add(m_tools, m_servers, Source::Remembered);
    return out;
}

ApprovalRules::Rule ApprovalRules::setRemembered(RuleScope scope, const QString &server,
                                                 const QString &tool, Decision decision)
{
    if (scope == RuleScope::Tool)
        m_tools.insert(toolKey(server, tool), decision);
    else
        m_servers.insert(server, decision);
    rebuild();
    qCInfo(lcAgent).noquote() << "remembered rule:"
                              << (scope == RuleScope::Tool ? toolKey(server, tool) : server)
                              << ApprovalPolicy::decisionName(decision);
    Q_EMIT rememberedChanged();
    return {scope, server, scope == RuleScope::Tool ? tool : QString(), decision,
            Source::Remembered};
}

std::optional<ApprovalRules::RemoveError>
ApprovalRules::removeRemembered(RuleScope scope, const QString &server, const QString &tool)
{
    const bool tools = scope == RuleScope::Tool;
    const QString key = tools ? toolKey(server, tool) : server;
    QHash<QString, Decision> &remembered = tools ? m_tools : m_servers;
    if (!remembered.remove(key)) {
        const bool inConfig = tools ? m_config.tools.contains(key) : m_config.servers.contains(key);
        return inConfig ? RemoveError::ConfigRule : RemoveError::NotFound;
    }
    rebuild();
    qCInfo(lcAgent).noquote() << "remembered rule revoked:" << key;
    Q_EMIT rememberedChanged();
    return std::nullopt;
}

void ApprovalRules::loadRemembered(const QHash<QString, Decision> &tools,
                                   const QHash<QString, Decision> &servers)
{
    m_tools = tools;
    m_servers = servers;
    rebuild();
}
