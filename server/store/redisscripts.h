#pragma once

#include "redisscript.h"

/// The Lua scripts of RedisSessionStore (keys: RedisKeys). Each one is atomic in Redis, so a
/// write checks the lease's fence and commits in one step: an instance that lost its lease
/// (paused, partitioned) cannot write after a newer lease exists or the old one expired.
/// Replies: an array whose first element is a status word ("OK", "NOTFOUND", "FENCED", …).
namespace RedisScripts {
const RedisScript &create();
const RedisScript &rename();
const RedisScript &beginTurn();
const RedisScript &renew();
const RedisScript &endTurn();
const RedisScript &append();
const RedisScript &appendMessage();
const RedisScript &read();
const RedisScript &load();
const RedisScript &list();
const RedisScript &remove();
const RedisScript &reap();
const RedisScript &import();
/// All of them (the connection loads them at every connect).
QList<RedisScript> all();
} // namespace RedisScripts
