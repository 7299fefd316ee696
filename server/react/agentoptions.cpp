#include "agentoptions.h"

#include "mcptypes.h"

namespace {

void readRules(const QJsonObject &object, QHash<QString, ApprovalPolicy::Decision> *rules)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (const auto d = ApprovalPolicy::decisionFromName(it.value().toString()))
            rules->insert(it.key(), *d);
    }
}

} // namespace

std::optional<ApprovalPolicy::Decision> ApprovalPolicy::decisionFromName(const QString &name)
{
    const QString n = name.trimmed().toLower();
    if (n == QLatin1String("allow") || n == QLatin1String("auto"))
        return Decision::Allow;
    if (n == QLatin1String("ask") || n == QLatin1String("required"))
        return Decision::Ask;
    if (n == QLatin1String("deny"))
        return Decision::Deny;
    return std::nullopt;
}

QString ApprovalPolicy::decisionName(Decision decision)
{
    switch (decision) {
    case Decision::Allow:
        return QStringLiteral("allow");
    case Decision::Ask:
        return QStringLiteral("ask");
    case Decision::Deny:
        return QStringLiteral("deny");
    }
    return {};
}

ApprovalPolicy ApprovalPolicy::fromJson(const QJsonObject &section)
{
    ApprovalPolicy policy;
    if (const auto d = decisionFromName(section.value(QLatin1String("default")).toString()))
        policy.defaultDecision = *d;
    if (const auto d = decisionFromName(section.value(QLatin1String("sampling")).toString()))
        policy.sampling = *d;
    readRules(section.value(QLatin1String("servers")).toObject(), &policy.servers);
    readRules(section.value(QLatin1String("tools")).toObject(), &policy.tools);
    return policy;
}

ApprovalPolicy::Decision ApprovalPolicy::decide(const QString &server, const Mcp::Tool &tool,
                                                const QString &catalogName) const
{
    const QString qualified = server + QLatin1Char('/') + tool.name;
    if (const auto it = tools.constFind(qualified); it != tools.cend())
        return *it;
    if (!catalogName.isEmpty()) {
        if (const auto it = tools.constFind(catalogName); it != tools.cend())
            return *it;
    }
    if (const auto it = servers.constFind(server); it != servers.cend())
        return *it;
    if (tool.isDestructive())
        return std::max(defaultDecision, Decision::Ask);
    return defaultDecision;
}

AgentOptions AgentOptions::fromJson(const QJsonObject &root)
{
    AgentOptions options;
    const QJsonObject agent = root.value(QLatin1String("agent")).toObject();
    auto intOf = [&agent](const char *key, auto fallback) {
        const QJsonValue v = agent.value(QLatin1String(key));
        return v.isDouble() ? decltype(fallback)(v.toDouble()) : fallback;
    };
    options.maxIterations = std::max(1, intOf("max_iterations", options.maxIterations));
    options.toolResultLimitBytes = intOf("tool_result_limit_bytes", options.toolResultLimitBytes);
    options.eventContentLimitBytes
            = intOf("event_content_limit_bytes", options.eventContentLimitBytes);
    options.approvalTimeoutMs = intOf("approval_timeout_ms", options.approvalTimeoutMs);
    options.elicitationTimeoutMs = intOf("elicitation_timeout_ms", options.elicitationTimeoutMs);
    options.toolTimeoutMs = intOf("tool_timeout_ms", options.toolTimeoutMs);
    options.contextBudgetTokens = intOf("context_budget_tokens", options.contextBudgetTokens);
    if (agent.value(QLatin1String("system_prompt")).isString())
        options.systemPrompt = agent.value(QLatin1String("system_prompt")).toString();
    options.approval = ApprovalPolicy::fromJson(root.value(QLatin1String("approval")).toObject());
    return options;
}

QString AgentOptions::defaultSystemPrompt()
{
    return QStringLiteral(
            "You are a helpful assistant running inside MCP Host. You can call the tools offered "
            "to you; call a tool when it helps to answer, then answer the user from its results. "
            "If a tool call is denied or fails, say so instead of guessing.");
}
