#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

/// A file that holds a secret and that only its owner may read or write (mode 0600), as ssh
/// treats a key: a file others can read is refused with a message that says how to fix it.
/// Used for `mcp-host --token-file` (the same check as `mcp-hostd --token-file`) and for the
/// token store's fallback file.
namespace PrivateFile {

/// The whole file, at most `maxBytes`; nullopt with a message naming `label` (e.g.
/// "--token-file /x") when it is missing, too large, or readable by others.
[[nodiscard]] std::optional<QByteArray> read(const QString &path, qint64 maxBytes,
                                             const QString &label, QString *error);
/// Writes atomically (QSaveFile) with mode 0600 from the first byte; false with a message.
[[nodiscard]] bool write(const QString &path, const QByteArray &data, QString *error);
/// The first line of a private file, trimmed; empty lines are refused.
[[nodiscard]] std::optional<QString> readToken(const QString &path, const QString &label,
                                               QString *error);

} // namespace PrivateFile
