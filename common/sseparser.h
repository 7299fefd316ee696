#pragma once

#include <QByteArray>
#include <QList>

#include <functional>
#include <optional>

/// One dispatched Server-Sent Event.
struct SseEvent
{
    QByteArray id; ///< the last event id in effect when this event was dispatched
    bool hasId = false; ///< true when this event's own block carried an `id` field
    QByteArray type = "message"; ///< the `event` field, or "message"
    QByteArray data; ///< the `data` lines joined with LF (no trailing LF)
    std::optional<int> retry; ///< a `retry` field (milliseconds) seen in this event's block
};

/// Incremental parser for the text/event-stream format (WHATWG HTML, "Server-sent events").
///
/// Feed it bytes as they arrive, split anywhere: LF, CRLF and CR line ends (a CR at the end of
/// one read and the LF at the start of the next count once), multi-line `data`, comments,
/// `id`, `event`, `retry`, and a UTF-8 BOM at the very start. A block with no `data` field is
/// not dispatched (as in browsers) but its `id` and `retry` still take effect.
class SseParser
{
public:
    /// Parses the next bytes; returns the events completed by them.
    QList<SseEvent> feed(QByteArrayView bytes);

    /// Called for each comment line (the text after ':', one leading space removed).
    void setCommentHandler(std::function<void(QByteArrayView)> handler)
    {
        m_onComment = std::move(handler);
    }

    /// The last event id seen (the value to send as Last-Event-ID on reconnection).
    [[nodiscard]] const QByteArray &lastEventId() const { return m_lastEventId; }
    /// The reconnection time the stream asked for, if any.
    [[nodiscard]] std::optional<int> retryMs() const { return m_retry; }
    /// Bytes held for the unfinished line and the unfinished event's data (what a caller
    /// bounds against a peer that never ends a line or an event).
    [[nodiscard]] qsizetype bufferedBytes() const { return m_pending.size() + m_data.size(); }
    /// Forget the partial event and line; keeps lastEventId and retry (for a new connection).
    void resetConnection();

private:
    void processLine(QByteArrayView line, QList<SseEvent> &out);
    void dispatch(QList<SseEvent> &out);

    QByteArray m_pending; // bytes of an unfinished line
    QByteArray m_data;
    QByteArray m_type;
    QByteArray m_lastEventId;
    std::optional<int> m_retry;
    std::optional<int> m_blockRetry;
    bool m_blockHasId = false;
    bool m_hasData = false;
    bool m_started = false; // BOM check done
    bool m_skipLf = false; // the previous chunk ended in CR
    std::function<void(QByteArrayView)> m_onComment;
};
