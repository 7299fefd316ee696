#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>

/// Where each value of a JSON text is: one pass over the text that records, for every member
/// and array element, the line and column of its key and of its value, addressed by JSON
/// Pointer (RFC 6901: "/mcpServers/fs/timeout", "/roots/0", "~1" for '/' in a key).
/// Only meaningful for text that QJsonDocument accepted; for a repeated key the last one is
/// kept, as QJsonDocument keeps the last value.
class JsonPositions
{
public:
    struct Position
    {
        int line = 0; ///< 1-based; 0: unknown
        int column = 0; ///< 1-based, in characters
    };

    [[nodiscard]] static JsonPositions scan(const QByteArray &text);
    /// The line and column of byte `offset` of `text` (for QJsonParseError::offset).
    [[nodiscard]] static Position atOffset(const QByteArray &text, qsizetype offset);

    /// Where the member's key starts (for array elements and the root: where the value starts).
    [[nodiscard]] Position key(const QString &pointer) const;
    /// Where the value starts.
    [[nodiscard]] Position value(const QString &pointer) const;

    [[nodiscard]] static QString child(const QString &pointer, const QString &key);
    [[nodiscard]] static QString child(const QString &pointer, qsizetype index);

private:
    struct Entry
    {
        Position key;
        Position value;
    };
    QHash<QString, Entry> m_entries;

    friend class JsonPositionScanner;
};
