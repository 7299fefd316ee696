#pragma once

#include "redisreply.h"

#include <QByteArray>
#include <QList>

#include <optional>

struct redisReader;

/// Parses the byte stream of a Redis connection into replies, with hiredis's parser and bounds
/// of our own (a reply of at most kMaxReplyBytes of strings and kMaxReplyElements elements, at
/// most kMaxBufferedBytes waiting to be parsed): past a bound, or on a protocol error, the
/// parser fails and stays failed (the connection is dropped).
class RespParser
{
public:
    static constexpr qint64 kMaxReplyBytes = 256LL * 1024 * 1024;
    static constexpr qint64 kMaxReplyElements = 2 * 1024 * 1024;
    static constexpr qint64 kMaxBufferedBytes = 300LL * 1024 * 1024;

    RespParser();
    ~RespParser();
    RespParser(const RespParser &) = delete;
    RespParser &operator=(const RespParser &) = delete;

    /// Adds bytes; false (see error()) on a bound or a parser failure.
    bool feed(const QByteArray &bytes);
    /// The next complete reply; nullopt when none is complete yet or on failure (see failed()).
    std::optional<RedisReply> next();
    [[nodiscard]] bool failed() const { return !m_error.isEmpty(); }
    [[nodiscard]] QString error() const { return m_error; }

    /// "*N\r\n$len\r\narg\r\n…": one command in RESP.
    [[nodiscard]] static QByteArray format(const QList<QByteArray> &args);

    struct Budget
    {
        qint64 bytes = 0;
        qint64 elements = 0;
    };

private:
    redisReader *m_reader = nullptr;
    Budget m_budget;
    QString m_error;
};
