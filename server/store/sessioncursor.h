#pragma once

#include <QDateTime>
#include <QString>

#include <optional>

/// The opaque cursor of a session list page: the sort key (last activity, then id, both
/// descending) of the last session of the page. Every store uses this one encoding, so a cursor
/// stays valid across instances.
namespace SessionCursor {
struct Key
{
    qint64 updatedMs = 0; ///< ms since the epoch (UTC)
    QString id;
};
[[nodiscard]] QString encode(const Key &key);
/// nullopt for a cursor that this server did not make (the API answers 400).
[[nodiscard]] std::optional<Key> decode(const QString &cursor);
/// True when a session with (updatedMs, id) sorts after `key` (belongs to the next page).
[[nodiscard]] bool after(const Key &key, qint64 updatedMs, const QString &id);
} // namespace SessionCursor
