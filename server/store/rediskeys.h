#pragma once

#include <QByteArray>
#include <QString>

/// Where RedisSessionStore keeps things (every key starts with the prefix, "mcphost:"):
/// - `<p>epoch`            a random id written at open; gone or changed: Redis lost its data
/// - `<p>s:<id>`           hash: the session record, `seq` (its last seq), `fence` (grows with
///                         each lease), `running` (turn id or ""), `sk` (its index member),
///                         `tf:<turn>` / `tl:<turn>` (a turn's first/last seq), `op:<writer>`
///                         (the last write of an instance applied, so a retried write is not
///                         applied twice)
/// - `<p>m:<id>`           list: the messages (MessageCodec JSON)
/// - `<p>t:<id>`           hash: `b:<turn>` = "<n>:<started ms>", `e:<turn>` = end JSON
/// - `<p>e:<id>`           stream: the event log, entry id `<seq>-1`, fields `e` (the event's
///                         wire JSON with seq 0: the id holds it) and `o` (the writer's op id)
/// - `<p>l:<id>`           string with a TTL: the current lease's fence
/// - `<p>index`            sorted set (all scores 0, ordered by member): "<updated ms, 16
///                         digits>:<id>" for every session, so a reverse range by member is the
///                         list newest first, ties by id descending, and ZCARD the count
/// - `<p>running`          sorted set: sessions with a running turn, scored by lease expiry
/// - channel `<p>events`   pub/sub: "e:<seq>:<event JSON>" (one event), "B:<writer>:<first seq>:
///                         <n>:<id length>:<id>:<n event JSONs joined by newlines>" (a batch
///                         of appends) and "d:<id>" (deleted)
/// - channel `<p>control`  pub/sub: cancel/approve/elicit requests for a turn that runs on
///                         another instance (RedisTurnControl, ControlMessage)
/// - channel `<p>control:<instance>`  pub/sub: the answers to that instance's requests
class RedisKeys
{
public:
    explicit RedisKeys(const QByteArray &prefix = QByteArrayLiteral("mcphost:"))
        : m_prefix(prefix)
    { }

    [[nodiscard]] QByteArray prefix() const { return m_prefix; }
    [[nodiscard]] QByteArray epoch() const { return m_prefix + "epoch"; }
    [[nodiscard]] QByteArray index() const { return m_prefix + "index"; }
    [[nodiscard]] QByteArray running() const { return m_prefix + "running"; }
    [[nodiscard]] QByteArray channel() const { return m_prefix + "events"; }
    [[nodiscard]] QByteArray controlChannel() const { return m_prefix + "control"; }
    [[nodiscard]] QByteArray replyChannel(const QString &instance) const
    {
        return m_prefix + "control:" + instance.toLatin1();
    }
    [[nodiscard]] QByteArray session(const QString &id) const { return key("s:", id); }
    [[nodiscard]] QByteArray messages(const QString &id) const { return key("m:", id); }
    [[nodiscard]] QByteArray turns(const QString &id) const { return key("t:", id); }
    [[nodiscard]] QByteArray events(const QString &id) const { return key("e:", id); }
    [[nodiscard]] QByteArray lease(const QString &id) const { return key("l:", id); }

    /// The index member of a session: sorts by updated, then id (both as the list wants).
    [[nodiscard]] static QByteArray sortKey(qint64 updatedMs, const QString &id);
    /// The id part of an index member ("" when it is not one).
    [[nodiscard]] static QString idOfSortKey(const QByteArray &member);

private:
    [[nodiscard]] QByteArray key(const char *kind, const QString &id) const
    {
        return m_prefix + kind + id.toUtf8();
    }
    QByteArray m_prefix;
};
