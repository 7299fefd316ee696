#pragma once

#include <QByteArray>
#include <QByteArrayView>

/// Writes text/event-stream frames. Data with line breaks becomes several `data:` lines, so
/// any payload round-trips through SseParser, with CRLF and CR line breaks coming back as LF.
/// `type`, `id` and comment text must not contain line breaks (they are written as they are).
namespace SseEncoder {

/// `id: <id>\nevent: <type>\ndata: …\n\n`; empty id or type are left out.
[[nodiscard]] QByteArray event(QByteArrayView data, QByteArrayView type = {},
                               QByteArrayView id = {});
/// Appends the frame to `out` (no temporary allocations on the hot path).
void appendEvent(QByteArray &out, QByteArrayView data, QByteArrayView type = {},
                 QByteArrayView id = {});
/// `: <text>\n\n`, e.g. a heartbeat.
[[nodiscard]] QByteArray comment(QByteArrayView text);
/// `retry: <ms>\n\n`.
[[nodiscard]] QByteArray retry(int milliseconds);

} // namespace SseEncoder
