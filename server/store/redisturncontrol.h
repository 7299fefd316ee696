#pragma once

#include "redisconnection.h"
#include "turncontrol.h"

#include <QHash>

/// TurnControl over Redis pub/sub, for instances on one Redis store (RedisSessionStore).
/// - Channel `<prefix>control`: every instance subscribes it; a request names the turn
///   (session and turn id) and the asking instance; only the instance whose local turn it is
///   answers (the others, and a stale owner whose turn id is not the one asked for, ignore it).
/// - Channel `<prefix>control:<instance id>`: the answers to that instance's requests, by
///   request id; one that comes late (after the wait) or for no request is dropped.
/// The asker waits replyTimeoutMs for the answer (Unreachable then), answers Unavailable at once
/// while its subscription is down or the PUBLISH fails, and keeps at most kMaxWaiting requests
/// waiting. Messages are ControlMessage JSON, bounded and checked before use.
class RedisTurnControl : public TurnControl
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RedisTurnControl)

public:
    static constexpr int kMaxWaiting = 1000;
    struct Options
    {
        RedisConnection::Options redis;
        QByteArray prefix = QByteArrayLiteral("mcphost:");
        int replyTimeoutMs = 3000;
    };

    explicit RedisTurnControl(const Options &options, QObject *parent = nullptr);
    ~RedisTurnControl() override;

    void start() override;
    void send(const TurnCommand &command, Done done) override;
    [[nodiscard]] QString instanceId() const { return m_id; }

private:
    void onMessage(const QByteArray &channel, const QByteArray &payload);
    void onRequest(const QByteArray &payload);
    void onReply(const QByteArray &payload);
    void finish(const QString &rid, const TurnCommandReply &reply);
    void answerLater(Done done, TurnCommandReply::Outcome outcome);

    Options m_options;
    QString m_id;
    QByteArray m_requests; ///< the channel of requests
    QByteArray m_replies; ///< this instance's reply channel
    RedisConnection *m_publisher;
    RedisConnection *m_subscriber;
    QHash<QString, Done> m_waiting; ///< request id -> who waits for its answer
    quint64 m_next = 0;
};
