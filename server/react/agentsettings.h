#pragma once

#include "agentoptions.h"
#include "valuerange.h"

#include <optional>

class ConfigReader;

/// The config's `agent` and `approval` sections as written: each value set or not (never
/// guessed by comparing with a default), range-checked when read.
///
/// @code
///   {"agent": {"max_iterations": 5, "tool_result_limit_bytes": 16384, …}, "approval": {…}}
/// @endcode
struct AgentSettings
{
    std::optional<int> maxIterations;
    std::optional<qint64> toolResultLimitBytes;
    std::optional<qint64> eventContentLimitBytes;
    std::optional<int> approvalTimeoutMs;
    std::optional<int> elicitationTimeoutMs; ///< elicitation_timeout_seconds or …_ms
    std::optional<int> toolTimeoutMs; ///< -1: the server's configured timeout
    std::optional<qint64> contextBudgetTokens; ///< 0: no trimming
    std::optional<QString> systemPrompt;
    std::optional<qint64> maxTurnTextBytes; ///< model text of one turn
    std::optional<qint64> maxToolArgumentBytes; ///< arguments of one tool call
    ApprovalPolicy approval;

    static constexpr ValueRange kMaxIterations {1, 100, true, ""};
    static constexpr ValueRange kToolResultLimitBytes {64, 16.0 * 1024 * 1024, true, "bytes"};
    static constexpr ValueRange kEventContentLimitBytes {1024, 64.0 * 1024 * 1024, true, "bytes"};
    static constexpr ValueRange kApprovalTimeoutMs {100, 86400000, true, "milliseconds"};
    static constexpr ValueRange kElicitationTimeoutMs {100, 86400000, true, "milliseconds"};
    static constexpr ValueRange kElicitationTimeoutSeconds {1, 86400, false, "seconds"};
    static constexpr ValueRange kToolTimeoutMs {100, 86400000, true, "milliseconds (or -1)"};
    static constexpr ValueRange kContextBudgetTokens {0, 100000000, true, "tokens"};
    static constexpr ValueRange kMaxTurnTextBytes {1024, 256.0 * 1024 * 1024, true, "bytes"};
    static constexpr ValueRange kMaxToolArgumentBytes {1024, 64.0 * 1024 * 1024, true, "bytes"};
    static constexpr qsizetype kMaxSystemPromptChars = qsizetype(1024) * 1024;

    static constexpr qint64 kDefaultMaxTurnTextBytes = qint64(2) * 1024 * 1024;
    static constexpr qint64 kDefaultMaxToolArgumentBytes = qint64(1024) * 1024;
    static constexpr int kDefaultElicitationTimeoutMs = 600 * 1000;

    /// Reads `agent` and `approval` of the config document `root`.
    [[nodiscard]] static AgentSettings read(ConfigReader &reader, const QJsonObject &root);
    /// Writes what is set into `options` (the rest keeps its value).
    void applyTo(AgentOptions *options) const;

    [[nodiscard]] qint64 effectiveMaxTurnTextBytes() const
    {
        return maxTurnTextBytes.value_or(kDefaultMaxTurnTextBytes);
    }
    [[nodiscard]] qint64 effectiveMaxToolArgumentBytes() const
    {
        return maxToolArgumentBytes.value_or(kDefaultMaxToolArgumentBytes);
    }
    [[nodiscard]] int effectiveElicitationTimeoutMs() const
    {
        return elicitationTimeoutMs.value_or(kDefaultElicitationTimeoutMs);
    }
};
