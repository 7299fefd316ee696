#include "sessioncursor.h"

#include <QByteArray>

namespace SessionCursor {

namespace {
constexpr int kMaxCursorChars = 512;
constexpr auto kOptions = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;
} // namespace

QString encode(const Key &key)
{
    const QByteArray raw = QByteArray::number(key.updatedMs) + ':' + key.id.toUtf8();
    return QString::fromLatin1(raw.toBase64(kOptions));
}

std::optional<Key> decode(const QString &cursor)
{
    if (cursor.isEmpty() || cursor.size() > kMaxCursorChars)
        return std::nullopt;
    const auto decoded = QByteArray::fromBase64Encoding(
            cursor.toLatin1(), kOptions | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    const QByteArray &raw = *decoded;
    const qsizetype colon = raw.indexOf(':');
    if (colon <= 0)
        return std::nullopt;
    bool ok = false;
    const qint64 ms = raw.left(colon).toLongLong(&ok);
    const QString id = QString::fromUtf8(raw.mid(colon + 1));
    if (!ok || id.isEmpty())
        return std::nullopt;
    return Key {ms, id};
}

bool after(const Key &key, qint64 updatedMs, const QString &id)
{
    return updatedMs < key.updatedMs || (updatedMs == key.updatedMs && id < key.id);
}

} // namespace SessionCursor
