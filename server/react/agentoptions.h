#pragma once

#include <QHash>
#include <QJsonObject>
#include <QString>

#include <optional>

class ConfigReader;

namespace Mcp {
struct Tool;
}

/// Who decides whether a tool runs: the config's `approval` section.
///
/// @code
///   {"approval": {"default": "allow", "sampling": "ask",
///                 "servers": {"fs": "ask"}, "tools": {"fs/write_file": "deny"}}}
/// @endcode
/// A tool rule (key "<server>/<tool>", or the tool's model-facing name) beats a server rule,
/// which beats the default. Without a rule, a tool whose annotations say `destructiveHint: true`
/// needs approval (or is denied, if the default is deny). `sampling` decides MCP sampling
/// requests (default: ask).
struct ApprovalPolicy
{
    enum class Decision { Allow, Ask, Deny };

    Decision defaultDecision = Decision::Allow;
    Decision sampling = Decision::Ask;
    QHash<QString, Decision> servers;
    QHash<QString, Decision> tools;

    /// Reads the `approval` section of `root`; an unknown decision ("nope") is an error, never
    /// ignored (an ignored rule would let the tool run without approval).
    [[nodiscard]] static ApprovalPolicy read(ConfigReader &reader, const QJsonObject &root);
    /// The section alone, for tests and callers without a file: errors are dropped, so a bad
    /// rule denies (the safe side) instead of allowing.
    [[nodiscard]] static ApprovalPolicy fromJson(const QJsonObject &section);
    [[nodiscard]] static std::optional<Decision> decisionFromName(const QString &name);
    [[nodiscard]] static QString decisionName(Decision decision);

    /// The decision for `tool` of `server`, offered to the model as `catalogName`.
    [[nodiscard]] Decision decide(const QString &server, const Mcp::Tool &tool,
                                  const QString &catalogName = {}) const;
};

/// How a ReactAgent runs a turn.
struct AgentOptions
{
    int maxIterations = 5; ///< model calls per turn; the last one is made without tools
    qint64 toolResultLimitBytes = 16384; ///< tool result text sent to the model (UTF-8 bytes)
    qint64 eventContentLimitBytes
            = qint64(1024) * 1024; ///< text of one content block in `observing`
    int approvalTimeoutMs = 5 * 60 * 1000; ///< unanswered approval -> denied
    int elicitationTimeoutMs = 10 * 60 * 1000; ///< unanswered elicitation -> cancel
    int toolTimeoutMs = -1; ///< per tool call; -1: the server's configured timeout
    int loopGuardRepeats = 3; ///< the same tool + arguments this often in a turn: stop
    /// The text the model may stream in one turn (every partial_response, and reasoning; UTF-8
    /// bytes). Past it the turn ends with `error` code "model_output_too_large".
    qint64 maxTurnTextBytes = qint64(2) * 1024 * 1024;
    /// The arguments of one tool call while they stream (JSON text, UTF-8 bytes); past it, as
    /// above.
    qint64 maxToolArgumentBytes = qint64(1024) * 1024;
    /// The context sent to the model is trimmed from the oldest turns beyond this (estimated
    /// tokens; 0: no trimming). The default suits small local models as well as hosted ones.
    qint64 contextBudgetTokens = 32000;
    QString systemPrompt = defaultSystemPrompt();
    ApprovalPolicy approval;
    /// False for a turn that must not wait for the user: a tool call or sampling request the
    /// policy would ask about is denied at once (POST /chat `"approval": "deny"`). Only ever
    /// tightens the policy.
    bool waitForApproval = true;

    /// Tool calls one model answer may ask for (each with up to maxToolArgumentBytes).
    static constexpr int kMaxToolCallsPerAnswer = 128;

    /// From the config document: {"agent": {"max_iterations", "tool_result_limit_bytes",
    /// "approval_timeout_ms", "context_budget_tokens", "system_prompt", …}, "approval": {…}}.
    /// Errors are dropped here; the host reads the config through HostConfig (AgentSettings),
    /// which reports them.
    [[nodiscard]] static AgentOptions fromJson(const QJsonObject &root);
    [[nodiscard]] static QString defaultSystemPrompt();
};
