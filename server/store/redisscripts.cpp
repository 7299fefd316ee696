#include "redisscripts.h"

#include <QList>

// The scripts are Lua text, one line per string literal: clang-format would fold them.
// clang-format off
namespace RedisScripts {

namespace {

// A write of a turn: the session's current fence and a live lease holding it, unless fence 0
// (a write outside a turn). Expects KEYS[1] = session hash, KEYS[lk] = lease.
#define FENCE_CHECK(lk, fenceArg)                                                              \
    "local fence = tonumber(ARGV[" fenceArg "])\n"                                             \
    "if fence ~= 0 then\n"                                                                     \
    "  if tonumber(redis.call('HGET', KEYS[1], 'fence') or '0') ~= fence\n"                    \
    "     or redis.call('GET', KEYS[" lk "]) ~= ARGV[" fenceArg "] then\n"                     \
    "    return {'FENCED'}\n"                                                                  \
    "  end\n"                                                                                  \
    "end\n"

// A retried write (its reply was lost with the connection) that was applied already.
#define SEEN(writerArg, opArg)                                                                 \
    "local opid = ARGV[" writerArg "] .. ':' .. ARGV[" opArg "]\n"                             \
    "local seen = tonumber(redis.call('HGET', KEYS[1], 'op:' .. ARGV[" writerArg "]) or '0')"  \
    " >= tonumber(ARGV[" opArg "])\n"

#define TOUCH(indexKey, tsArg, skArg)                                                          \
    "local oldsk = redis.call('HGET', KEYS[1], 'sk')\n"                                        \
    "if oldsk then redis.call('ZREM', KEYS[" indexKey "], oldsk) end\n"                        \
    "redis.call('ZADD', KEYS[" indexKey "], 0, ARGV[" skArg "])\n"                             \
    "redis.call('HSET', KEYS[1], 'sk', ARGV[" skArg "], 'updated', ARGV[" tsArg "])\n"

} // namespace

// KEYS: session, index. ARGV: id, title, renamed, created, updated, turns, messages, sk
const RedisScript &create()
{
    static const RedisScript s = RedisScript::make("create",
            "if redis.call('EXISTS', KEYS[1]) == 1 then return {'CONFLICT'} end\n"
            "redis.call('HSET', KEYS[1], 'id', ARGV[1], 'title', ARGV[2], 'renamed', ARGV[3],\n"
            "  'created', ARGV[4], 'updated', ARGV[5], 'turns', ARGV[6], 'messages', ARGV[7],\n"
            "  'seq', 0, 'fence', 0, 'running', '', 'sk', ARGV[8])\n"
            "redis.call('ZADD', KEYS[2], 0, ARGV[8])\n"
            "return {'OK', redis.call('HGETALL', KEYS[1])}\n");
    return s;
}

// KEYS: session, index. ARGV: title, updated, sk
const RedisScript &rename()
{
    static const RedisScript s = RedisScript::make("rename",
            "if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOTFOUND'} end\n"
            "redis.call('HSET', KEYS[1], 'title', ARGV[1], 'renamed', '1')\n"
            TOUCH("2", "2", "3")
            "return {'OK', redis.call('HGETALL', KEYS[1])}\n");
    return s;
}

// KEYS: session, lease, turns, running, index.
// ARGV: turn id, ttl ms, expiry ms, started ms, sk, session id
const RedisScript &beginTurn()
{
    static const RedisScript s = RedisScript::make("begin",
            "if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOTFOUND'} end\n"
            "local running = redis.call('HGET', KEYS[1], 'running')\n"
            "if running and running ~= '' then return {'BUSY', running} end\n"
            "local fence = redis.call('HINCRBY', KEYS[1], 'fence', 1)\n"
            "redis.call('SET', KEYS[2], fence, 'PX', ARGV[2])\n"
            "local n = redis.call('HINCRBY', KEYS[1], 'turns', 1)\n"
            "redis.call('HSET', KEYS[1], 'running', ARGV[1])\n"
            "redis.call('HSET', KEYS[3], 'b:' .. ARGV[1], n .. ':' .. ARGV[4])\n"
            "redis.call('ZADD', KEYS[4], ARGV[3], ARGV[6])\n"
            TOUCH("5", "4", "5")
            "return {'OK', fence}\n");
    return s;
}

// KEYS: session, lease, running. ARGV: fence, ttl ms, expiry ms, session id
const RedisScript &renew()
{
    static const RedisScript s = RedisScript::make("renew",
            "if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOTFOUND'} end\n"
            FENCE_CHECK("2", "1")
            "if fence == 0 then return {'OK'} end\n"
            "redis.call('PEXPIRE', KEYS[2], ARGV[2])\n"
            "redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])\n"
            "return {'OK'}\n");
    return s;
}

// KEYS: session, lease, turns, running.
// ARGV: fence, turn id, end JSON, session id, writer, op
const RedisScript &endTurn()
{
    static const RedisScript s = RedisScript::make("end",
            "if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOTFOUND'} end\n"
            SEEN("5", "6")
            "if seen then return {'OK'} end\n"
            FENCE_CHECK("2", "1")
            "local running = redis.call('HGET', KEYS[1], 'running')\n"
            "if running == ARGV[2] then\n"
            "  redis.call('HSET', KEYS[1], 'running', '')\n"
            "  redis.call('DEL', KEYS[2])\n"
            "  redis.call('ZREM', KEYS[4], ARGV[4])\n"
            "end\n"
            "if fence ~= 0 or running == ARGV[2] then redis.call('HINCRBY', KEYS[1], 'fence', 1) end\n"
            "if redis.call('HEXISTS', KEYS[3], 'b:' .. ARGV[2]) == 1 then\n"
            "  redis.call('HSET', KEYS[3], 'e:' .. ARGV[2], ARGV[3])\n"
            "end\n"
            "redis.call('HSET', KEYS[1], 'op:' .. ARGV[5], ARGV[6])\n"
            "return {'OK'}\n");
    return s;
}

// A batch of appends (group commit): one fence check, consecutive seqs, one XADD `<seq>-1`
// each (the first one also names the op, field `o`), the record, the index and the turns'
// first/last seqs once, one PUBLISH of a notice of the batch ("B:<writer>:<first seq>:<n>:<id
// length>:<id>"; the other instances read the events from the stream). A retried batch that was
// applied answers the first seq it got.
// KEYS: session, events, index, lease.
// ARGV: fence, ts ms, sk, channel, writer, op, session id, n, then n times: turn id, event JSON
const RedisScript &append()
{
    static const RedisScript s = RedisScript::make("append",
            "if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOTFOUND'} end\n"
            SEEN("5", "6")
            "if seen then\n"
            "  local rows = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1000)\n"
            "  for _, r in ipairs(rows) do\n"
            "    local f = r[2]\n"
            "    for i = 1, #f, 2 do\n"
            "      if f[i] == 'o' and f[i + 1] == opid then\n"
            "        return {'OK', tonumber(string.match(r[1], '^(%d+)'))}\n"
            "      end\n"
            "    end\n"
            "  end\n"
            "  return {'LOST'}\n"
            "end\n"
            FENCE_CHECK("4", "1")
            "local n = tonumber(ARGV[8])\n"
            "local last = redis.call('HINCRBY', KEYS[1], 'seq', n)\n"
            "local first = last - n + 1\n"
            "local turns = {}\n"
            "redis.call('XADD', KEYS[2], first .. '-1', 'e', ARGV[10], 'o', opid)\n"
            "for k = 1, n do\n"
            "  local seq, turn = first + k - 1, ARGV[7 + 2 * k]\n"
            "  if k > 1 then redis.call('XADD', KEYS[2], seq .. '-1', 'e', ARGV[8 + 2 * k]) end\n"
            "  if turn ~= '' then\n"
            "    if turns[turn] then turns[turn][2] = seq else turns[turn] = {seq, seq} end\n"
            "  end\n"
            "end\n"
            TOUCH("3", "2", "3")
            "redis.call('HSET', KEYS[1], 'op:' .. ARGV[5], ARGV[6])\n"
            "for turn, s in pairs(turns) do\n"
            "  redis.call('HSETNX', KEYS[1], 'tf:' .. turn, s[1])\n"
            "  redis.call('HSET', KEYS[1], 'tl:' .. turn, s[2])\n"
            "end\n"
            "redis.call('PUBLISH', ARGV[4], 'B:' .. ARGV[5] .. ':' .. first .. ':' .. n .. ':'"
            " .. #ARGV[7] .. ':' .. ARGV[7])\n"
            "return {'OK', first}\n");
    return s;
}

// KEYS: session, messages, index, lease.
// ARGV: fence, message JSON, ts ms, sk, title from it ("" when not a user message), writer, op
const RedisScript &appendMessage()
{
    static const RedisScript s = RedisScript::make("message",
            "if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOTFOUND'} end\n"
            SEEN("6", "7")
            "if seen then return {'OK'} end\n"
            FENCE_CHECK("4", "1")
            "local n = redis.call('RPUSH', KEYS[2], ARGV[2])\n"
            "redis.call('HSET', KEYS[1], 'messages', n, 'op:' .. ARGV[6], ARGV[7])\n"
            "if ARGV[5] ~= '' and redis.call('HGET', KEYS[1], 'renamed') ~= '1'\n"
            "   and (redis.call('HGET', KEYS[1], 'title') or '') == '' then\n"
            "  redis.call('HSET', KEYS[1], 'title', ARGV[5])\n"
            "end\n"
            TOUCH("3", "3", "4")
            "return {'OK'}\n");
    return s;
}

// KEYS: session, events. ARGV: first id, count
const RedisScript &read()
{
    static const RedisScript s = RedisScript::make("read",
            "if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOTFOUND'} end\n"
            "local last = redis.call('HGET', KEYS[1], 'seq') or '0'\n"
            "local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)\n"
            "local firstId = ''\n"
            "if first[1] then firstId = first[1][1] end\n"
            "return {'OK', last, firstId,\n"
            "        redis.call('XRANGE', KEYS[2], ARGV[1], '+', 'COUNT', ARGV[2])}\n");
    return s;
}

// KEYS: session, messages, turns
const RedisScript &load()
{
    static const RedisScript s = RedisScript::make("load",
            "if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOTFOUND'} end\n"
            "return {'OK', redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1),\n"
            "        redis.call('HGETALL', KEYS[3])}\n");
    return s;
}

// KEYS: index. ARGV: max member ("+" or "(<member>"), count, key prefix
// Returns {'OK', {member, hash fields}…}
const RedisScript &list()
{
    static const RedisScript s = RedisScript::make("list",
            "local members = redis.call('ZREVRANGEBYLEX', KEYS[1], ARGV[1], '-', 'LIMIT', 0,"
            " ARGV[2])\n"
            "local out = {}\n"
            "for _, m in ipairs(members) do\n"
            "  local id = string.sub(m, 18)\n"
            "  out[#out + 1] = {m, redis.call('HGETALL', ARGV[3] .. 's:' .. id)}\n"
            "end\n"
            "return {'OK', out}\n");
    return s;
}

// KEYS: session, messages, events, turns, lease, index, running.
// ARGV: id, channel, "1": only when no turn runs
const RedisScript &remove()
{
    static const RedisScript s = RedisScript::make("remove",
            "if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOTFOUND'} end\n"
            "if ARGV[3] == '1' and (redis.call('HGET', KEYS[1], 'running') or '') ~= '' then\n"
            "  return {'RUNNING'}\n"
            "end\n"
            "local m = redis.call('LLEN', KEYS[2])\n"
            "local e = redis.call('XLEN', KEYS[3])\n"
            "local t = tonumber(redis.call('HGET', KEYS[1], 'turns') or '0')\n"
            "local sk = redis.call('HGET', KEYS[1], 'sk')\n"
            "if sk then redis.call('ZREM', KEYS[6], sk) end\n"
            "redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])\n"
            "redis.call('ZREM', KEYS[7], ARGV[1])\n"
            "redis.call('PUBLISH', ARGV[2], 'd:' .. ARGV[1])\n"
            "return {'OK', m, e, t}\n");
    return s;
}

// Closes a turn whose lease expired: exactly once across instances (the first script to run
// finds the turn running and no lease; the others find it closed).
// KEYS: session, lease, turns, running, events, index.
// ARGV: id, turn id, event JSON, ts ms, sk, channel, end JSON
const RedisScript &reap()
{
    static const RedisScript s = RedisScript::make("reap",
            "if redis.call('EXISTS', KEYS[1]) == 0 then\n"
            "  redis.call('ZREM', KEYS[4], ARGV[1])\n"
            "  return {'GONE'}\n"
            "end\n"
            "local running = redis.call('HGET', KEYS[1], 'running') or ''\n"
            "if running == '' then\n"
            "  redis.call('ZREM', KEYS[4], ARGV[1])\n"
            "  return {'NONE'}\n"
            "end\n"
            "if running ~= ARGV[2] then return {'CHANGED'} end\n"
            "if redis.call('EXISTS', KEYS[2]) == 1 then return {'LIVE'} end\n"
            "redis.call('HINCRBY', KEYS[1], 'fence', 1)\n"
            "local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)\n"
            "redis.call('XADD', KEYS[5], seq .. '-1', 'e', ARGV[3], 'o', 'reaper')\n"
            "redis.call('HSETNX', KEYS[1], 'tf:' .. ARGV[2], seq)\n"
            "redis.call('HSET', KEYS[1], 'tl:' .. ARGV[2], seq, 'running', '')\n"
            "redis.call('HSET', KEYS[3], 'e:' .. ARGV[2], ARGV[7])\n"
            "redis.call('ZREM', KEYS[4], ARGV[1])\n"
            TOUCH("6", "4", "5")
            "redis.call('PUBLISH', ARGV[6], 'e:' .. seq .. ':' .. ARGV[3])\n"
            "return {'OK', seq}\n");
    return s;
}

// KEYS: session, messages, events, turns, index.
// ARGV: id, title, renamed, created, updated, sk, last seq, n messages, n turn fields,
//       n hash fields, n events, then the messages, turn field/value pairs, session hash
//       field/value pairs, event seq/JSON pairs
const RedisScript &import()
{
    static const RedisScript s = RedisScript::make("import",
            "if redis.call('EXISTS', KEYS[1]) == 1 then return {'CONFLICT'} end\n"
            "local nm, nt, nh, ne = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]),"
            " tonumber(ARGV[11])\n"
            "local i = 12\n"
            "for k = 1, nm do redis.call('RPUSH', KEYS[2], ARGV[i]); i = i + 1 end\n"
            "local turns = 0\n"
            "for k = 1, nt do\n"
            "  redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1])\n"
            "  if string.sub(ARGV[i], 1, 2) == 'b:' then turns = turns + 1 end\n"
            "  i = i + 2\n"
            "end\n"
            "for k = 1, nh do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]); i = i + 2 end\n"
            "for k = 1, ne do\n"
            "  redis.call('XADD', KEYS[3], ARGV[i] .. '-1', 'e', ARGV[i + 1], 'o', 'import')\n"
            "  i = i + 2\n"
            "end\n"
            "redis.call('HSET', KEYS[1], 'id', ARGV[1], 'title', ARGV[2], 'renamed', ARGV[3],\n"
            "  'created', ARGV[4], 'updated', ARGV[5], 'turns', turns, 'messages', nm,\n"
            "  'seq', ARGV[7], 'fence', 0, 'running', '', 'sk', ARGV[6])\n"
            "redis.call('ZADD', KEYS[5], 0, ARGV[6])\n"
            "return {'OK', redis.call('HGETALL', KEYS[1])}\n");
    return s;
}

QList<RedisScript> all()
{
    return {create(), rename(), beginTurn(), renew(), endTurn(), append(), appendMessage(),
            read(), load(), list(), remove(), reap(), import()};
}

} // namespace RedisScripts
// clang-format on
