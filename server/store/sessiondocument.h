#pragma once

#include "storetypes.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <optional>

/// A session as one versioned JSON document, for export and import:
///
///     {"format": "mcp-host-session", "version": 1, "exported": ts,
///      "session": {id, title, renamed, created, updated, turn_count},
///      "messages": [MessageCodec], "turns": [{id, state, started, ended, iterations, first_seq,
///      last_seq}], "events": [the wire events, StreamEvent::toJson]}
///
/// fromBytes() reads a document from anyone (a file, an HTTP body) and trusts none of it: the
/// size is checked before parsing, every count is bounded, every field's type is checked, seqs
/// run 1..n without hole or double, every event belongs to the session and to a listed turn,
/// every timestamp is valid. A refusal names the JSON path of the bad field
/// ("events[12].seq: duplicate seq 5"). The archive it gives carries the caller's new id: no
/// event keeps the source's id.
///
/// Round trip: toBytes(fromBytes(toBytes(x))) equals toBytes(x) apart from the id and the
/// "exported" time.
namespace SessionDocument {

constexpr int kVersion = 1;
constexpr const char *kFormat = "mcp-host-session";

/// Bounds on a document to import.
struct Limits
{
    qint64 maxBytes = 64 * 1024 * 1024; ///< the whole document (sessions.max_import_bytes)
    int maxMessages = 100000;
    int maxTurns = 10000;
    int maxEvents = 1000000;
};

/// Why a document was refused.
struct Error
{
    enum class Code {
        TooLarge, ///< over Limits::maxBytes (not parsed at all)
        Malformed, ///< not JSON (truncated, bad syntax, bad UTF-8) or not an object
        Unsupported, ///< another format, or a version newer than this build reads
        Invalid, ///< a field is missing, has the wrong type or breaks a rule
    };
    Code code = Code::Invalid;
    QString path; ///< the JSON path of the bad field ("events[12].seq"); "" for the whole
    QString message; ///< for people: what is wrong

    /// "events[12].seq: duplicate seq 5" (the message alone when the path is empty)
    [[nodiscard]] QString text() const;
};

/// The document of `archive`, exported at `exported` (now when invalid).
[[nodiscard]] QJsonObject toJson(const SessionArchive &archive, const QDateTime &exported = {});
/// The same as compact (or indented) UTF-8 JSON text.
[[nodiscard]] QByteArray toBytes(const SessionArchive &archive, const QDateTime &exported = {},
                                 bool indented = false);

/// The archive of a document, renamed to `newId` (the caller checked it); nullopt with the
/// reason in `*error` when the document is refused.
[[nodiscard]] std::optional<SessionArchive> fromBytes(const QByteArray &document,
                                                      const QString &newId, Error *error,
                                                      const Limits &limits = {});

} // namespace SessionDocument
