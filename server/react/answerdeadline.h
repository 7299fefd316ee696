#pragma once

#include <QJsonObject>
#include <QLatin1String>

/// The time left to answer a question the turn waits for (a tool call's approval, a sampling
/// request, an elicitation), as its event tells it: `deadline` (UTC ISO 8601, the form of `ts`)
/// and the timeout itself under `timeoutKey`, so a client can count down and a client whose
/// clock is off can count from the event's `ts` instead.
struct AnswerDeadline
{
    /// Adds both fields to `data` for an answer due `timeoutMs` from now (negative: now).
    static void addTo(QJsonObject *data, QLatin1String timeoutKey, int timeoutMs);
};
