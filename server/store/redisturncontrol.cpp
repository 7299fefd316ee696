#include "redisturncontrol.h"

#include "controlmessage.h"
#include "rediskeys.h"
#include "redislogging.h"

#include <QPointer>
#include <QRandomGenerator>
#include <QTimer>

RedisTurnControl::RedisTurnControl(const Options &options, QObject *parent)
    : TurnControl(parent)
    , m_options(options)
    , m_id(QString::number(QRandomGenerator::global()->generate64(), 36))
    , m_requests(RedisKeys(options.prefix).controlChannel())
    , m_replies(RedisKeys(options.prefix).replyChannel(m_id))
    , m_publisher(new RedisConnection(options.redis, this))
    , m_subscriber(new RedisConnection(options.redis, this))
{
    m_subscriber->subscribe({m_requests, m_replies});
    connect(m_subscriber, &RedisConnection::message, this, &RedisTurnControl::onMessage);
}

RedisTurnControl::~RedisTurnControl() = default;

void RedisTurnControl::start()
{
    m_publisher->start();
    m_subscriber->start();
}

void RedisTurnControl::answerLater(Done done, TurnCommandReply::Outcome outcome)
{
    QMetaObject::invokeMethod(
            this,
            [done, outcome] {
                done(TurnCommandReply {outcome, {}, {}});
            },
            Qt::QueuedConnection);
}

void RedisTurnControl::send(const TurnCommand &command, Done done)
{
    using Outcome = TurnCommandReply::Outcome;
    // Without the subscription the answer could not arrive.
    if (!m_subscriber->isReady() || m_waiting.size() >= kMaxWaiting)
        return answerLater(std::move(done), Outcome::Unavailable);
    const QString rid = m_id + QLatin1Char('-') + QString::number(++m_next, 36);
    const QByteArray message = ControlMessage::encode(ControlMessage::Request {rid, m_id, command});
    if (message.size() > ControlMessage::kMaxBytes)
        return answerLater(std::move(done), Outcome::TooLarge);
    m_waiting.insert(rid, std::move(done));
    QPointer<RedisTurnControl> self(this);
    m_publisher->command({"PUBLISH", m_requests, message}, [self, rid](const RedisReply &reply) {
        if (self && (reply.isUnavailable() || reply.isError()))
            self->finish(rid, {Outcome::Unavailable, {}, {}});
    });
    QTimer::singleShot(m_options.replyTimeoutMs, this, [this, rid] {
        if (m_waiting.contains(rid))
            qCWarning(lcRedis) << "no instance answered control request" << rid << "within"
                               << m_options.replyTimeoutMs << "ms";
        finish(rid, {Outcome::Unreachable, {}, {}});
    });
}

void RedisTurnControl::finish(const QString &rid, const TurnCommandReply &reply)
{
    const Done done = m_waiting.take(rid);
    if (done)
        done(reply);
}

void RedisTurnControl::onMessage(const QByteArray &channel, const QByteArray &payload)
{
    if (channel == m_requests)
        onRequest(payload);
    else if (channel == m_replies)
        onReply(payload);
}

void RedisTurnControl::onRequest(const QByteArray &payload)
{
    QString why;
    const auto request = ControlMessage::decodeRequest(payload, &why);
    if (!request) {
        qCWarning(lcRedis).noquote() << "ignoring" << why << "on" << m_requests;
        return;
    }
    if (request->from == m_id)
        return; // its own: the turn is not here, or it would not have asked
    const TurnCommandReply reply = handle(request->command);
    if (reply.outcome == TurnCommandReply::Outcome::NotHere)
        return;
    qCInfo(lcRedis) << "answered a control request of instance" << request->from << "for turn"
                    << request->command.turnId;
    m_publisher->command({"PUBLISH", RedisKeys(m_options.prefix).replyChannel(request->from),
                          ControlMessage::encode(ControlMessage::Reply {request->rid, reply})},
                         [](const RedisReply &) {});
}

void RedisTurnControl::onReply(const QByteArray &payload)
{
    QString why;
    const auto reply = ControlMessage::decodeReply(payload, &why);
    if (!reply) {
        qCWarning(lcRedis).noquote() << "ignoring" << why << "on" << m_replies;
        return;
    }
    finish(reply->rid, reply->reply);
}
