#include "jsonrpcsession.h"

#include "logging.h"
#include "transport.h"

#include <limits>

// --- RpcResponder ---------------------------------------------------------------------------

RpcResponder::RpcResponder(JsonRpcSession *session, QJsonValue id, RpcRequestCause cause,
                           QByteArray requestText)
    : m_session(session)
    , m_id(std::move(id))
    , m_cause(std::move(cause))
    , m_requestText(std::move(requestText))
    , m_answered(false)
{ }

RpcResponder::RpcResponder(RpcResponder &&other) noexcept
    : m_session(std::move(other.m_session))
    , m_id(std::move(other.m_id))
    , m_cause(std::move(other.m_cause))
    , m_requestText(std::move(other.m_requestText))
    , m_answered(other.m_answered)
{
    other.m_answered = true;
}

RpcResponder &RpcResponder::operator=(RpcResponder &&other) noexcept
{
    if (this != &other) {
        if (!m_answered)
            fail(JsonRpc::InternalError, QStringLiteral("the host dropped the request"));
        m_session = std::move(other.m_session);
        m_id = std::move(other.m_id);
        m_cause = std::move(other.m_cause);
        m_requestText = std::move(other.m_requestText);
        m_answered = other.m_answered;
        other.m_answered = true;
    }
    return *this;
}

RpcResponder::~RpcResponder()
{
    if (!m_answered)
        fail(JsonRpc::InternalError, QStringLiteral("the host dropped the request unanswered"));
}

void RpcResponder::reply(const QJsonObject &result)
{
    if (m_answered)
        return;
    m_answered = true;
    if (m_session)
        m_session->sendResponse(m_id, result);
}

void RpcResponder::fail(int code, const QString &message, const QJsonValue &data)
{
    if (m_answered)
        return;
    m_answered = true;
    if (m_session)
        m_session->sendError(m_id, {code, message, data});
}

void RpcResponder::onCancelled(std::function<void(const QString &reason)> handler)
{
    if (!m_answered && m_session)
        m_session->setCancelHandler(m_id, std::move(handler));
}

// --- JsonRpcSession -------------------------------------------------------------------------

JsonRpcSession::JsonRpcSession(Transport *transport, QObject *parent)
    : QObject(parent)
    , m_transport(transport)
{
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::CoarseTimer);
    connect(&m_timer, &QTimer::timeout, this, &JsonRpcSession::checkTimeouts);
    connect(transport, &Transport::messageReceived, this, &JsonRpcSession::onMessage);
    connect(transport, &Transport::closed, this, &JsonRpcSession::onTransportClosed);
    setRequestHandler(QStringLiteral("ping"), [](const JsonRpc::Message &, RpcResponder responder) {
        responder.reply({});
    });
}

JsonRpcSession::~JsonRpcSession()
{
    // Nobody is left to hear the answers; drop the handlers without calling them.
    m_pending.clear();
}

qint64 JsonRpcSession::request(const QString &method, const QJsonObject &params,
                               ReplyHandler handler, const RequestOptions &options,
                               QObject *context)
{
    const qint64 id = ++m_nextId;
    QJsonObject p = params;
    if (options.onProgress) {
        QJsonObject meta = p.value(QStringLiteral("_meta")).toObject();
        meta.insert(QStringLiteral("progressToken"), id);
        p.insert(QStringLiteral("_meta"), meta);
    }

    Pending pending;
    pending.method = method;
    pending.handler = std::move(handler);
    pending.onProgress = options.onProgress;
    pending.context = context;
    pending.hasContext = context != nullptr;
    pending.timeoutMs = options.timeoutMs;
    pending.maxTimeoutMs = options.maxTimeoutMs;
    pending.deadline = options.timeoutMs > 0 ? QDeadlineTimer(options.timeoutMs)
                                             : QDeadlineTimer(QDeadlineTimer::Forever);
    pending.hardDeadline = options.maxTimeoutMs > 0
            ? QDeadlineTimer(std::max(options.maxTimeoutMs, options.timeoutMs))
            : QDeadlineTimer(QDeadlineTimer::Forever);
    // Without a per-request timeout the hard maximum still applies.
    if (pending.deadline.isForever())
        pending.deadline = pending.hardDeadline;
    m_pending.emplace(id, std::move(pending));
    armTimer();

    if (!m_transport) {
        finish(id,
               {{},
                JsonRpc::Error {JsonRpc::ConnectionClosed, QStringLiteral("not connected"), {}}});
        return id;
    }
    m_transport->send(JsonRpc::Message::request(id, method, p));
    return id;
}

void JsonRpcSession::notify(const QString &method, const QJsonObject &params)
{
    if (m_transport)
        m_transport->send(JsonRpc::Message::notification(method, params));
}

void JsonRpcSession::cancel(qint64 id, const QString &reason)
{
    const auto it = m_pending.constFind(id);
    if (it == m_pending.constEnd())
        return;
    // The spec: the client must not cancel initialize.
    if (it->method != QLatin1String("initialize"))
        notify(QStringLiteral("notifications/cancelled"),
               {{QStringLiteral("requestId"), id}, {QStringLiteral("reason"), reason}});
    finish(id, {{}, JsonRpc::Error {JsonRpc::RequestCancelled, reason, {}}});
}

void JsonRpcSession::failAll(int code, const QString &message)
{
    const QList<qint64> ids = m_pending.keys();
    for (qint64 id : ids)
        finish(id, {{}, JsonRpc::Error {code, message, {}}});
}

void JsonRpcSession::setRequestHandler(const QString &method, RequestHandler handler)
{
    if (handler)
        m_handlers.emplace(method, std::move(handler));
    else
        m_handlers.remove(method);
}

void JsonRpcSession::setCancelHandler(const QJsonValue &id,
                                      std::function<void(const QString &)> handler)
{
    const QString key = JsonRpc::Message::idKey(id);
    if (m_incomingPending.contains(key) && !m_incomingCancelled.contains(key))
        m_cancelHandlers.emplace(key, std::move(handler));
}

void JsonRpcSession::sendResponse(const QJsonValue &id, const QJsonObject &result)
{
    resumeAfter(JsonRpc::Message::idKey(id));
    m_cancelHandlers.remove(JsonRpc::Message::idKey(id));
    m_incomingPending.remove(JsonRpc::Message::idKey(id));
    if (m_incomingCancelled.remove(JsonRpc::Message::idKey(id)))
        return; // the server cancelled it: no answer, as the spec asks
    if (m_transport)
        m_transport->send(JsonRpc::Message::response(id, result));
}

void JsonRpcSession::sendError(const QJsonValue &id, const JsonRpc::Error &error)
{
    resumeAfter(JsonRpc::Message::idKey(id));
    m_cancelHandlers.remove(JsonRpc::Message::idKey(id));
    m_incomingPending.remove(JsonRpc::Message::idKey(id));
    if (m_incomingCancelled.remove(JsonRpc::Message::idKey(id)))
        return;
    if (m_transport)
        m_transport->send(JsonRpc::Message::errorResponse(id, error));
}

void JsonRpcSession::onMessage(const JsonRpc::Message &message, const MessageOrigin &origin)
{
    switch (message.kind()) {
    case JsonRpc::Message::Kind::Response:
    case JsonRpc::Message::Kind::ErrorResponse: {
        // Our ids are integers: a string id ("1"), a fraction (1.5) or a number we never sent
        // matches nothing.
        const QJsonValue &id = message.id();
        const double d = id.isDouble() ? id.toDouble() : -1;
        const auto key = qint64(d);
        if (!id.isDouble() || double(key) != d || !m_pending.contains(key)) {
            // A response after a timeout or cancel: the spec says to ignore it.
            qCDebug(lcMcp) << "ignoring a late or unknown response, id" << id;
            return;
        }
        if (message.kind() == JsonRpc::Message::Kind::Response)
            finish(key, {message.result(), std::nullopt});
        else
            finish(key, {{}, message.error()});
        return;
    }
    case JsonRpc::Message::Kind::Notification: {
        const QString &method = message.method();
        if (method == QLatin1String("notifications/progress")) {
            handleProgress(message.params());
            return;
        }
        if (method == QLatin1String("notifications/cancelled")) {
            // Only requests still being handled can be cancelled; an answered one is gone.
            const QString key
                    = JsonRpc::Message::idKey(message.params().value(QStringLiteral("requestId")));
            if (m_incomingPending.contains(key)) {
                m_incomingCancelled.insert(key, true);
                resumeAfter(key); // the call it held waits for the server again, not for us
                if (const auto handler = m_cancelHandlers.take(key))
                    handler(message.params().value(QStringLiteral("reason")).toString());
            }
        }
        Q_EMIT notificationReceived(method, message.params());
        return;
    }
    case JsonRpc::Message::Kind::Request:
        handleIncomingRequest(message, origin);
        return;
    case JsonRpc::Message::Kind::Invalid:
        return;
    }
}

RpcRequestCause JsonRpcSession::causeOf(const MessageOrigin &origin) const
{
    RpcRequestCause cause;
    const auto add = [&cause](qint64 id, const Pending &p) {
        cause.requests.append({id, p.method, p.context});
    };
    switch (origin.channel) {
    case MessageOrigin::Channel::RequestStream: {
        cause.kind = RpcRequestCause::Kind::Exact;
        const double d = origin.requestId.toDouble(-1);
        const auto it = m_pending.constFind(qint64(d));
        if (origin.requestId.isDouble() && it != m_pending.constEnd())
            add(it.key(), it.value());
        break;
    }
    case MessageOrigin::Channel::ServerStream:
        cause.kind = RpcRequestCause::Kind::Unrelated;
        break;
    case MessageOrigin::Channel::Shared:
        cause.kind = RpcRequestCause::Kind::Inferred;
        for (auto it = m_pending.cbegin(); it != m_pending.cend(); ++it)
            add(it.key(), it.value());
        break;
    }
    return cause;
}

void JsonRpcSession::pauseFor(const QString &incomingKey, const RpcRequestCause &cause)
{
    QList<qint64> held;
    for (const RpcRequestCause::Request &r : cause.requests) {
        auto it = m_pending.find(r.id);
        if (it == m_pending.end())
            continue;
        if (it->waitingOnUs++ == 0)
            it->waitingSince.start();
        held.append(r.id);
    }
    if (!held.isEmpty())
        m_pausedBy.insert(incomingKey, held);
}

void JsonRpcSession::resumeAfter(const QString &incomingKey)
{
    const QList<qint64> held = m_pausedBy.take(incomingKey);
    for (qint64 id : held) {
        auto it = m_pending.find(id);
        if (it == m_pending.end() || --it->waitingOnUs > 0)
            continue;
        // The time the user took does not count: the request's timeout starts over, and the
        // hard maximum moves by the time waited.
        const qint64 waited = it->waitingSince.elapsed();
        if (!it->hardDeadline.isForever())
            it->hardDeadline = QDeadlineTimer(it->hardDeadline.remainingTime() + waited);
        it->deadline = it->timeoutMs > 0 ? QDeadlineTimer(it->timeoutMs) : it->hardDeadline;
        if (it->hardDeadline.deadline() < it->deadline.deadline())
            it->deadline = it->hardDeadline;
    }
    if (!held.isEmpty())
        armTimer();
}

void JsonRpcSession::handleIncomingRequest(const JsonRpc::Message &message,
                                           const MessageOrigin &origin)
{
    const auto it = m_handlers.constFind(message.method());
    if (it == m_handlers.constEnd()) {
        sendError(message.id(),
                  {JsonRpc::MethodNotFound,
                   QStringLiteral("the host does not support %1").arg(message.method()),
                   {}});
        return;
    }
    // Copy: the handler may replace handlers while it runs.
    const RequestHandler handler = it.value();
    m_incomingPending.insert(message.idKey());
    RpcRequestCause cause = causeOf(origin);
    pauseFor(message.idKey(), cause);
    handler(message, RpcResponder(this, message.id(), std::move(cause), message.text()));
}

void JsonRpcSession::handleProgress(const QJsonObject &params)
{
    const QJsonValue token = params.value(QStringLiteral("progressToken"));
    // Our tokens are the integer request ids: a string token names none of them.
    const qint64 id = token.isDouble() ? qint64(token.toDouble()) : -1;
    auto it = m_pending.find(id);
    if (!token.isDouble() || it == m_pending.end() || !it->onProgress)
        return;
    // Progress shows the request is alive: restart its timeout, never past the hard maximum.
    if (it->timeoutMs > 0) {
        it->deadline = QDeadlineTimer(it->timeoutMs);
        if (it->hardDeadline.deadline() < it->deadline.deadline())
            it->deadline = it->hardDeadline;
        armTimer();
    }
    RpcProgress progress;
    progress.progress = params.value(QStringLiteral("progress")).toDouble();
    if (params.contains(QStringLiteral("total")))
        progress.total = params.value(QStringLiteral("total")).toDouble();
    progress.message = params.value(QStringLiteral("message")).toString();
    const ProgressHandler handler = it->onProgress;
    handler(progress);
}

void JsonRpcSession::onTransportClosed(const QString &reason)
{
    failAll(JsonRpc::ConnectionClosed,
            QStringLiteral("the connection to the server closed (%1)").arg(reason));
}

void JsonRpcSession::finish(qint64 id, const RpcReply &reply)
{
    auto it = m_pending.find(id);
    if (it == m_pending.end())
        return;
    Pending pending = std::move(it.value());
    m_pending.erase(it);
    if (pending.hasContext && !pending.context)
        return;
    if (pending.handler)
        pending.handler(reply);
}

void JsonRpcSession::armTimer()
{
    qint64 nearest = std::numeric_limits<qint64>::max();
    for (const Pending &p : std::as_const(m_pending)) {
        if (!p.deadline.isForever() && p.waitingOnUs == 0)
            nearest = std::min(nearest, p.deadline.remainingTime());
    }
    if (nearest == std::numeric_limits<qint64>::max()) {
        m_timer.stop();
        return;
    }
    const int ms = int(std::max<qint64>(0, nearest)) + 1;
    if (!m_timer.isActive() || m_timer.remainingTime() > ms)
        m_timer.start(ms);
}

void JsonRpcSession::checkTimeouts()
{
    QList<qint64> expired;
    for (auto it = m_pending.cbegin(); it != m_pending.cend(); ++it) {
        if (it->deadline.hasExpired() && it->waitingOnUs == 0)
            expired.append(it.key());
    }
    for (qint64 id : expired) {
        auto it = m_pending.find(id);
        if (it == m_pending.end())
            continue;
        const QString method = it->method;
        const bool hard = it->hardDeadline.hasExpired();
        const QString why = hard
                ? QStringLiteral("%1 timed out: no result within the maximum of %2 ms")
                          .arg(method)
                          .arg(it->maxTimeoutMs)
                : QStringLiteral("%1 timed out after %2 ms without a response")
                          .arg(method)
                          .arg(it->timeoutMs);
        qCWarning(lcMcp).noquote() << why;
        // The spec: initialize is never cancelled (the connection is closed instead).
        if (method != QLatin1String("initialize"))
            notify(QStringLiteral("notifications/cancelled"),
                   {{QStringLiteral("requestId"), id}, {QStringLiteral("reason"), why}});
        finish(id, {{}, JsonRpc::Error {JsonRpc::RequestTimeout, why, {}}});
    }
    armTimer();
}
