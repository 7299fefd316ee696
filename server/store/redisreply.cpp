#include "redisreply.h"

RedisReply RedisReply::unavailable(const QString &why)
{
    RedisReply r;
    r.type = Type::Unavailable;
    r.str = why.toUtf8();
    return r;
}

const QByteArray *RedisReply::stringAt(std::size_t i) const
{
    if (type != Type::Array || i >= elements.size() || !elements[i].isString())
        return nullptr;
    return &elements[i].str;
}

QString RedisReply::describe() const
{
    switch (type) {
    case Type::Unavailable:
        return QStringLiteral("no reply (%1)").arg(QString::fromUtf8(str));
    case Type::Nil:
        return QStringLiteral("nil");
    case Type::Integer:
        return QStringLiteral("integer %1").arg(integer);
    case Type::String:
    case Type::Status:
        return QStringLiteral("string of %1 bytes").arg(str.size());
    case Type::Error:
        return QStringLiteral("error \"%1\"").arg(QString::fromUtf8(str.left(200)));
    case Type::Array:
        return QStringLiteral("array of %1").arg(elements.size());
    }
    return {};
}
