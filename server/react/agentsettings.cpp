#include "agentsettings.h"

#include "configreader.h"

AgentSettings AgentSettings::read(ConfigReader &reader, const QJsonObject &root)
{
    AgentSettings s;
    s.approval = ApprovalPolicy::read(reader, root);
    const auto agent = reader.object(root, QString(), QStringLiteral("agent"));
    if (!agent)
        return s;
    const QString at = QStringLiteral("/agent");
    const auto integer = [&](const char *key, const ValueRange &range) {
        return reader.integer(*agent, at, QLatin1String(key), range);
    };
    if (const auto v = integer("max_iterations", kMaxIterations))
        s.maxIterations = int(*v);
    s.toolResultLimitBytes = integer("tool_result_limit_bytes", kToolResultLimitBytes);
    s.eventContentLimitBytes = integer("event_content_limit_bytes", kEventContentLimitBytes);
    if (const auto v = integer("approval_timeout_ms", kApprovalTimeoutMs))
        s.approvalTimeoutMs = int(*v);

    const bool bothElicitation = agent->contains(QLatin1String("elicitation_timeout_ms"))
            && agent->contains(QLatin1String("elicitation_timeout_seconds"));
    if (bothElicitation) {
        reader.error(JsonPositions::child(at, QStringLiteral("elicitation_timeout_ms")),
                     QStringLiteral("set agent.elicitation_timeout_seconds or "
                                    "agent.elicitation_timeout_ms, not both"));
    } else if (const auto v = integer("elicitation_timeout_ms", kElicitationTimeoutMs)) {
        s.elicitationTimeoutMs = int(*v);
    } else if (const auto v
               = reader.number(*agent, at, QStringLiteral("elicitation_timeout_seconds"),
                               kElicitationTimeoutSeconds)) {
        s.elicitationTimeoutMs = int(*v * 1000);
    }

    // -1 (the server's own timeout) is the one value outside the range.
    if (agent->value(QLatin1String("tool_timeout_ms")) == QJsonValue(-1))
        s.toolTimeoutMs = -1;
    else if (const auto v = integer("tool_timeout_ms", kToolTimeoutMs))
        s.toolTimeoutMs = int(*v);

    s.contextBudgetTokens = integer("context_budget_tokens", kContextBudgetTokens);
    s.maxTurnTextBytes = integer("max_turn_text_bytes", kMaxTurnTextBytes);
    s.maxToolArgumentBytes = integer("max_tool_argument_bytes", kMaxToolArgumentBytes);
    if (const auto prompt = reader.string(*agent, at, QStringLiteral("system_prompt"))) {
        if (prompt->size() > kMaxSystemPromptChars)
            reader.error(JsonPositions::child(at, QStringLiteral("system_prompt")),
                         QStringLiteral("agent.system_prompt must be at most %1 characters, "
                                        "got %2")
                                 .arg(kMaxSystemPromptChars)
                                 .arg(prompt->size()));
        else
            s.systemPrompt = *prompt;
    }
    return s;
}

void AgentSettings::applyTo(AgentOptions *options) const
{
    if (maxIterations)
        options->maxIterations = *maxIterations;
    if (toolResultLimitBytes)
        options->toolResultLimitBytes = *toolResultLimitBytes;
    if (eventContentLimitBytes)
        options->eventContentLimitBytes = *eventContentLimitBytes;
    if (approvalTimeoutMs)
        options->approvalTimeoutMs = *approvalTimeoutMs;
    if (elicitationTimeoutMs)
        options->elicitationTimeoutMs = *elicitationTimeoutMs;
    if (toolTimeoutMs)
        options->toolTimeoutMs = *toolTimeoutMs;
    if (contextBudgetTokens)
        options->contextBudgetTokens = *contextBudgetTokens;
    if (systemPrompt)
        options->systemPrompt = *systemPrompt;
    options->approval = approval;
    options->maxTurnTextBytes = effectiveMaxTurnTextBytes();
    options->maxToolArgumentBytes = effectiveMaxToolArgumentBytes();
}
