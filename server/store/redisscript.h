#pragma once

#include <QByteArray>
#include <QCryptographicHash>

/// A Lua script run with EVALSHA: its body and SHA-1 (what Redis names it by).
struct RedisScript
{
    const char *name = "";
    QByteArray body;
    QByteArray sha;

    static RedisScript make(const char *name, const char *body)
    {
        RedisScript s;
        s.name = name;
        s.body = QByteArray(body);
        s.sha = QCryptographicHash::hash(s.body, QCryptographicHash::Sha1).toHex();
        return s;
    }
};
