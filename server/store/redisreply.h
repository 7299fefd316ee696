#pragma once

#include <QByteArray>
#include <QString>

#include <vector>

/// One reply of Redis, copied out of the parser (RESP2: nil, integer, bulk or status string,
/// error, array), or `Unavailable` when no reply came (the connection is down, it was lost
/// before the reply, or Redis did not answer in time). Readers check types and sizes: Redis is
/// a network peer.
struct RedisReply
{
    enum class Type { Unavailable, Nil, Integer, String, Status, Error, Array };
    Type type = Type::Unavailable;
    qint64 integer = 0;
    QByteArray str; ///< String, Status, Error; Unavailable: why, for people
    std::vector<RedisReply> elements; ///< Array

    [[nodiscard]] static RedisReply unavailable(const QString &why);
    [[nodiscard]] bool isUnavailable() const { return type == Type::Unavailable; }
    [[nodiscard]] bool isError() const { return type == Type::Error; }
    [[nodiscard]] bool isString() const { return type == Type::String || type == Type::Status; }
    [[nodiscard]] bool isArray() const { return type == Type::Array; }
    [[nodiscard]] std::size_t size() const { return elements.size(); }
    /// Element `i` of an array when it is a string, else nullptr.
    [[nodiscard]] const QByteArray *stringAt(std::size_t i) const;
    /// For logs and errors: the type and, for errors, the message (cut to 200 bytes).
    [[nodiscard]] QString describe() const;
};
