#include "agentoptions.h"

#include "agentsettings.h"
#include "configreader.h"
#include "mcptypes.h"

namespace {

const QList<QPair<QString, ApprovalPolicy::Decision>> &decisionChoices()
{
    using D = ApprovalPolicy::Decision;
    static const QList<QPair<QString, D>> choices {{QStringLiteral("allow"), D::Allow},
                                                   {QStringLiteral("auto"), D::Allow},
                                                   {QStringLiteral("ask"), D::Ask},
                                                   {QStringLiteral("required"), D::Ask},
                                                   {QStringLiteral("deny"), D::Deny}};
    return choices;
}

const QStringList &decisionNames()
{
    static const QStringList names {QStringLiteral("allow"), QStringLiteral("ask"),
                                    QStringLiteral("deny")};
    return names;
}

void readRules(ConfigReader &reader, const QJsonObject &section, const QString &at, const char *key,
               QHash<QString, ApprovalPolicy::Decision> *rules)
{
    const auto object = reader.object(section, at, QLatin1String(key));
    if (!object)
        return;
    const QString pointer = JsonPositions::child(at, QLatin1String(key));
    for (auto it = object->begin(); it != object->end(); ++it) {
        if (const auto d = reader.choice(it.value(), JsonPositions::child(pointer, it.key()),
                                         decisionChoices(), decisionNames()))
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

ApprovalPolicy ApprovalPolicy::read(ConfigReader &reader, const QJsonObject &root)
{
    ApprovalPolicy policy;
    const auto section = reader.object(root, QString(), QStringLiteral("approval"));
    if (!section)
        return policy;
    const QString at = QStringLiteral("/approval");
    for (const char *key : {"default", "sampling"}) {
        const QJsonValue v = section->value(QLatin1String(key));
        if (v.isUndefined())
            continue;
        const auto d = reader.choice(v, JsonPositions::child(at, QLatin1String(key)),
                                     decisionChoices(), decisionNames());
        if (d && qstrcmp(key, "default") == 0)
            policy.defaultDecision = *d;
        else if (d)
            policy.sampling = *d;
    }
    readRules(reader, *section, at, "servers", &policy.servers);
    readRules(reader, *section, at, "tools", &policy.tools);
    return policy;
}

ApprovalPolicy ApprovalPolicy::fromJson(const QJsonObject &section)
{
    ConfigReader reader;
    ApprovalPolicy policy = read(reader, QJsonObject {{QStringLiteral("approval"), section}});
    if (!reader.errors().isEmpty())
        policy.defaultDecision = Decision::Deny; // a rule we cannot read: allow nothing
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
    ConfigReader reader;
    AgentOptions options;
    AgentSettings::read(reader, root).applyTo(&options);
    return options;
}

QString AgentOptions::defaultSystemPrompt()
{
    return QStringLiteral(
            "You are a helpful assistant running inside MCP Host. You can call the tools offered "
            "to you; call a tool when it helps to answer, then answer the user from its results. "
            "If a tool call is denied or fails, say so instead of guessing.");
}
