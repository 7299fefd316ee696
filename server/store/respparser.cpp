#include "respparser.h"

#include <cstring>

#include <hiredis/hiredis.h> // HIREDIS_MAJOR
#include <hiredis/read.h>

#include <new>

// hiredis's parser builds the reply through these functions: we build RedisReply nodes
// directly and count what a reply costs, refusing (nullptr: the parser fails with "out of
// memory") anything past the bounds. A child lives in its parent's pre-sized element vector,
// so its address is stable while its own children are parsed.
namespace {

RespParser::Budget *budgetOf(const redisReadTask *task)
{
    return static_cast<RespParser::Budget *>(task->privdata);
}

RedisReply *place(const redisReadTask *task)
{
    if (!task->parent)
        return new (std::nothrow) RedisReply;
    auto *parent = static_cast<RedisReply *>(task->parent->obj);
    if (!parent || task->idx < 0 || std::size_t(task->idx) >= parent->elements.size())
        return nullptr;
    return &parent->elements[std::size_t(task->idx)];
}

bool spend(const redisReadTask *task, qint64 bytes, qint64 elements)
{
    RespParser::Budget *b = budgetOf(task);
    if (!b)
        return false;
    b->bytes += bytes;
    b->elements += elements;
    return b->bytes <= RespParser::kMaxReplyBytes && b->elements <= RespParser::kMaxReplyElements;
}

void *createString(const redisReadTask *task, char *str, size_t len)
{
    if (!spend(task, qint64(len), 1))
        return nullptr;
    RedisReply *r = place(task);
    if (!r)
        return nullptr;
    switch (task->type) {
    case REDIS_REPLY_ERROR:
        r->type = RedisReply::Type::Error;
        break;
    case REDIS_REPLY_STATUS:
        r->type = RedisReply::Type::Status;
        break;
    default:
        r->type = RedisReply::Type::String;
        break;
    }
    r->str = QByteArray(str, qsizetype(len));
    return r;
}

// hiredis 0.14 (Debian 12) passes the count as int, 1.x (Debian 13) as size_t.
#if HIREDIS_MAJOR >= 1
void *createArray(const redisReadTask *task, size_t count)
{
    const qint64 elements = count > size_t(RespParser::kMaxReplyElements)
            ? qint64(RespParser::kMaxReplyElements) + 1
            : qint64(count);
#else
void *createArray(const redisReadTask *task, int count)
{
    const qint64 elements = count;
#endif
    if (elements < 0 || !spend(task, 0, qint64(elements) + 1))
        return nullptr;
    RedisReply *r = place(task);
    if (!r)
        return nullptr;
    r->type = RedisReply::Type::Array;
    r->elements.resize(std::size_t(elements));
    return r;
}

void *createInteger(const redisReadTask *task, long long value)
{
    if (!spend(task, 0, 1))
        return nullptr;
    RedisReply *r = place(task);
    if (!r)
        return nullptr;
    r->type = RedisReply::Type::Integer;
    r->integer = value;
    return r;
}

void *createNil(const redisReadTask *task)
{
    if (!spend(task, 0, 1))
        return nullptr;
    RedisReply *r = place(task);
    if (!r)
        return nullptr;
    r->type = RedisReply::Type::Nil;
    return r;
}

#if HIREDIS_MAJOR >= 1
// RESP3 types: our connections speak RESP2 (no HELLO 3), so these come only from a peer that
// does not follow it; a double keeps its text, a boolean becomes 0 or 1.
void *createDouble(const redisReadTask *task, double, char *str, size_t len)
{
    return createString(task, str, len);
}

void *createBool(const redisReadTask *task, int value)
{
    return createInteger(task, value ? 1 : 0);
}
#endif

void freeObject(void *obj)
{
    // Only roots are freed (hiredis frees the reply it was building when it fails).
    delete static_cast<RedisReply *>(obj);
}

#if HIREDIS_MAJOR >= 1
redisReplyObjectFunctions kFunctions = {createString, createArray, createInteger, createDouble,
                                        createNil,    createBool,  freeObject};
#else
redisReplyObjectFunctions kFunctions
        = {createString, createArray, createInteger, createNil, freeObject};
#endif

} // namespace

RespParser::RespParser()
    : m_reader(redisReaderCreateWithFunctions(&kFunctions))
{
    if (m_reader)
        m_reader->privdata = &m_budget;
    else
        m_error = QStringLiteral("out of memory");
}

RespParser::~RespParser()
{
    if (m_reader)
        redisReaderFree(m_reader);
}

bool RespParser::feed(const QByteArray &bytes)
{
    if (failed())
        return false;
    const qint64 waiting = qint64(m_reader->len - m_reader->pos);
    if (waiting + bytes.size() > kMaxBufferedBytes) {
        m_error = QStringLiteral("a reply larger than %1 bytes").arg(kMaxBufferedBytes);
        return false;
    }
    if (redisReaderFeed(m_reader, bytes.constData(), size_t(bytes.size())) != REDIS_OK) {
        m_error = QString::fromUtf8(m_reader->errstr);
        return false;
    }
    return true;
}

std::optional<RedisReply> RespParser::next()
{
    if (failed())
        return std::nullopt;
    void *obj = nullptr;
    if (redisReaderGetReply(m_reader, &obj) != REDIS_OK) {
        m_error = QStringLiteral("bad reply (%1)").arg(QString::fromUtf8(m_reader->errstr));
        return std::nullopt;
    }
    if (!obj)
        return std::nullopt;
    m_budget = {};
    auto *root = static_cast<RedisReply *>(obj);
    RedisReply reply = std::move(*root);
    delete root;
    return reply;
}

namespace {
/// Writes `v` (>= 0) in decimal at `out`; returns the end.
char *writeDecimal(char *out, qsizetype v)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = char('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n > 0)
        *out++ = digits[--n];
    return out;
}
} // namespace

QByteArray RespParser::format(const QList<QByteArray> &args)
{
    // One allocation, filled through a pointer: this runs for every command, and the append
    // batches carry a few hundred arguments.
    qsizetype size = 1 + 20 + 2;
    for (const QByteArray &a : args)
        size += 1 + 20 + 2 + a.size() + 2;
    QByteArray out(size, Qt::Uninitialized);
    char *w = out.data();
    *w++ = '*';
    w = writeDecimal(w, args.size());
    *w++ = '\r';
    *w++ = '\n';
    for (const QByteArray &a : args) {
        *w++ = '$';
        w = writeDecimal(w, a.size());
        *w++ = '\r';
        *w++ = '\n';
        if (!a.isEmpty())
            std::memcpy(w, a.constData(), size_t(a.size()));
        w += a.size();
        *w++ = '\r';
        *w++ = '\n';
    }
    out.truncate(w - out.constData());
    return out;
}
