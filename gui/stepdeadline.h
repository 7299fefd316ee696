#pragma once

#include <QJsonObject>
#include <QLatin1String>

/// When a question a turn waits for (a tool call's approval, a sampling request, an
/// elicitation) times out, as its event tells it: `deadline` (UTC ISO 8601) and the timeout
/// itself under a key of its own (`approval_timeout_ms`, `timeout_ms`). Both come from a peer and
/// are bounded: a timeout must be a number in 0..kMaxTimeoutMs, a deadline no earlier than
/// kMaxEarlyMs before the event and no later than kMaxTimeoutMs after it; anything else is
/// ignored. When both are usable the sooner wins (a countdown never outlasts what the server
/// said); a deadline already past counts as the event's own time (nothing left, never negative).
class StepDeadline
{
public:
    /// The longest wait a countdown shows (a day); a longer or unparseable one is none.
    static constexpr qint64 kMaxTimeoutMs = 24LL * 60 * 60 * 1000;
    /// How far before its event a deadline may lie (clock steps, a slow event): later is now.
    static constexpr qint64 kMaxEarlyMs = 60LL * 1000;

    /// The deadline in ms since the epoch, or 0 when the event gives none that is usable.
    /// `at`: the event's time (ms since the epoch).
    [[nodiscard]] static qint64 read(const QJsonObject &data, QLatin1String timeoutKey, qint64 at);
};
