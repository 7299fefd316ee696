#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QStringView>

/// Compact JSON text of Qt's JSON values, written straight into a byte array: the same
/// document QJsonDocument::toJson(Compact) gives (equal when parsed back; control characters
/// are written as \u00XX, non-finite numbers as null), at about a third of its cost. For the
/// hot paths that serialize every event (the Redis store's appends).
namespace CompactJson {

/// Appends `text` as a JSON string (quotes, backslashes and control characters escaped).
void appendString(QByteArray *out, QStringView text);
void appendValue(QByteArray *out, const QJsonValue &value);
/// The same for an element read in place (QJsonObject/QJsonArray iterators): no copy of it.
void appendValue(QByteArray *out, QJsonValueConstRef value);
void appendObject(QByteArray *out, const QJsonObject &object);
void appendArray(QByteArray *out, const QJsonArray &array);

[[nodiscard]] QByteArray object(const QJsonObject &object);

} // namespace CompactJson
