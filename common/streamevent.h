#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QMetaType>
#include <QString>

#include <optional>

/// The types of the events a session streams (docs/api.md, "Event types"), among them
/// `elicitation` (a question from an MCP server to the user) and `sampling` (an MCP server asks
/// to use the session's model and the user must approve it).
enum class StreamEventType {
    SessionStart, ///< first event of every connection
    Thinking, ///< a Think step starts (one model call)
    PartialResponse, ///< model text as it streams
    ToolCall, ///< the model asked for a tool
    Acting, ///< the tool is running (and its MCP progress)
    Observing, ///< the tool's result
    FinalResponse, ///< the turn's answer
    Error, ///< anything that went wrong
    SessionEnd, ///< the session is over
    Elicitation, ///< an MCP server asks the user (answered through answerElicitation)
    Sampling, ///< an MCP server asks to use the model (answered through approve)
    StreamReset, ///< the stream cannot resume where asked (events trimmed or lost): reload
};

/// The wire name ("tool_call", …) of a type.
[[nodiscard]] QString streamEventTypeName(StreamEventType type);
/// The same, without a QString: lower-case ASCII and underscores (never needs a JSON escape).
[[nodiscard]] QLatin1String streamEventTypeLatin1(StreamEventType type);
/// The type of a wire name; nullopt for an unknown name.
[[nodiscard]] std::optional<StreamEventType> streamEventTypeFromName(const QString &name);

/// One event of a session's stream.
///
/// On the wire (SSE `data:`, JSON lines) it is one flat object: the common fields `type`,
/// `session_id`, `turn_id` (null outside a turn), `seq`, `ts` (UTC ISO-8601 with milliseconds,
/// "…Z"), followed by the type's own fields, which live in `data`. A data field never
/// overrides a common one.
struct StreamEvent
{
    StreamEventType type = StreamEventType::Error;
    QString sessionId;
    QString turnId; ///< empty: outside a turn (null on the wire)
    qint64 seq = 0; ///< per session, strictly increasing from 1; 0: not yet appended
    QDateTime ts; ///< UTC
    QJsonObject data; ///< the type's fields (iteration, call_id, …)

    /// A new event of `type` with `data`; seq and ts are assigned when a session appends it.
    [[nodiscard]] static StreamEvent make(StreamEventType type, const QJsonObject &data = {},
                                          const QString &turnId = {});

    [[nodiscard]] QString typeName() const { return streamEventTypeName(type); }
    /// The flat wire object.
    [[nodiscard]] QJsonObject toJson() const;
    /// Parses the flat wire object; nullopt when `type` is unknown or `seq` is missing.
    [[nodiscard]] static std::optional<StreamEvent> fromJson(const QJsonObject &object);
    /// The same, taking the object over (no copy of its fields when it is not shared).
    [[nodiscard]] static std::optional<StreamEvent> fromJson(QJsonObject &&object);

    /// "2026-01-02T03:04:05.678Z"
    [[nodiscard]] static QString formatTimestamp(const QDateTime &time);
    [[nodiscard]] static QDateTime parseTimestamp(const QString &text);
    /// The UTC time `ms` milliseconds after the epoch (on every Qt version).
    [[nodiscard]] static QDateTime utcFromMSecs(qint64 ms);
};

Q_DECLARE_METATYPE(StreamEvent)
Q_DECLARE_METATYPE(StreamEventType)
