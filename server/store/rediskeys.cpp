#include "rediskeys.h"

namespace {
constexpr int kTimeDigits = 16;
}

QByteArray RedisKeys::sortKey(qint64 updatedMs, const QString &id)
{
    QByteArray ms = QByteArray::number(qMax<qint64>(0, updatedMs));
    return ms.rightJustified(kTimeDigits, '0') + ':' + id.toUtf8();
}

QString RedisKeys::idOfSortKey(const QByteArray &member)
{
    if (member.size() <= kTimeDigits + 1 || member.at(kTimeDigits) != ':')
        return {};
    return QString::fromUtf8(member.mid(kTimeDigits + 1));
}
