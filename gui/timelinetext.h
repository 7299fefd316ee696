#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

/// The short texts the timeline makes from events: a tool call's one-line argument summary,
/// a sampling request's question, durations and counts for fold lines and copies.
class TimelineText
{
public:
    /// `key: value, …` on one line, values and the whole capped (with an ellipsis).
    [[nodiscard]] static QString argsSummary(const QJsonObject &args);
    /// The text of a sampling request's last message (what the server wants answered).
    [[nodiscard]] static QString lastMessageText(const QJsonArray &messages);
    /// "12.4 s".
    [[nodiscard]] static QString seconds(qint64 ms);
    /// "1 tool call", "3 tool calls".
    [[nodiscard]] static QString countOf(int n, const char *one, const char *many);
};
