#include "serverrequesthandler.h"

#include "answerdeadline.h"
#include "chatmodel.h"
#include "elicitationschema.h"
#include "logging.h"
#include "resultmapper.h"

#include <QJsonArray>
#include <QTimer>
#include <QUuid>

namespace {

QString shortId(const char *prefix)
{
    return QLatin1String(prefix) + QUuid::createUuid().toString(QUuid::Id128).left(12);
}

const QString kRequestId = QStringLiteral("request_id");
const QString kServer = QStringLiteral("server");

} // namespace

struct ServerRequestHandler::Sampling
{
    QString server;
    QJsonObject params;
    RpcResponder responder;
    QTimer *timer = nullptr;
    QPointer<ChatStream> stream;
};

struct ServerRequestHandler::Elicitation
{
    QString server;
    RpcResponder responder;
    QTimer *timer = nullptr;
};

ServerRequestHandler::ServerRequestHandler(ChatModel *model, AgentOptions options, QObject *parent)
    : QObject(parent)
    , m_model(model)
    , m_options(std::move(options))
{ }

ServerRequestHandler::~ServerRequestHandler()
{
    abortAll();
}

void ServerRequestHandler::stopSampling(Sampling &s, QObject *receiver)
{
    delete s.timer;
    s.timer = nullptr;
    if (ChatStream *stream = s.stream.data()) {
        s.stream.clear();
        stream->disconnect(receiver);
        stream->cancel();
        stream->deleteLater();
    }
}

void ServerRequestHandler::abortAll()
{
    const auto samplings = m_samplings;
    m_samplings.clear();
    for (const auto &s : samplings) {
        stopSampling(*s, this);
        if (!s->responder.isAnswered())
            s->responder.fail(JsonRpc::RequestCancelled, QStringLiteral("the turn ended"));
    }
    const auto elicitations = m_elicitations;
    m_elicitations.clear();
    for (const auto &e : elicitations) {
        delete e->timer;
        if (!e->responder.isAnswered())
            e->responder.reply({{QStringLiteral("action"), QStringLiteral("cancel")}});
    }
}

void ServerRequestHandler::handleSampling(const QString &server, const QJsonObject &params,
                                          RpcResponder responder)
{
    const ApprovalPolicy::Decision decision
            = m_decide ? m_decide(server) : m_options.approval.sampling;
    if (decision == ApprovalPolicy::Decision::Deny || !m_model) {
        responder.fail(-1, QStringLiteral("the host's approval policy denies sampling"));
        return;
    }
    if (decision == ApprovalPolicy::Decision::Ask && !m_options.waitForApproval) {
        responder.fail(-1,
                       QStringLiteral("sampling needs the user's approval, and this turn "
                                      "does not wait for approvals"));
        return;
    }
    auto s = std::make_shared<Sampling>();
    s->server = server;
    s->params = params;
    s->responder = std::move(responder);
    const QString id = shortId("smp_");
    const QPointer<ServerRequestHandler> self(this);
    s->responder.onCancelled([self, id](const QString &reason) {
        if (self)
            self->samplingWithdrawn(id, reason);
    });
    m_samplings.insert(id, s);
    const bool ask = decision == ApprovalPolicy::Decision::Ask;
    QJsonObject announced {
            {kRequestId, id},
            {kServer, server},
            {QStringLiteral("messages"), params.value(QStringLiteral("messages"))},
            {QStringLiteral("max_tokens"), params.value(QStringLiteral("maxTokens"))},
            {QStringLiteral("approval"),
             ask ? QStringLiteral("required") : QStringLiteral("auto")}};
    if (ask) // the timer below starts with the same timeout
        AnswerDeadline::addTo(&announced, QLatin1String("approval_timeout_ms"),
                              m_options.approvalTimeoutMs);
    Q_EMIT eventReady(StreamEventType::Sampling, announced);
    if (!m_samplings.contains(id))
        return; // a subscriber ended the turn
    if (!ask) {
        runSampling(id);
        return;
    }
    s->timer = new QTimer(this);
    s->timer->setSingleShot(true);
    s->timer->setTimerType(Qt::PreciseTimer); // not before the deadline the event told
    connect(s->timer, &QTimer::timeout, this, [this, id] { answerSampling(id, false); });
    s->timer->start(std::max(0, m_options.approvalTimeoutMs));
}

std::optional<QString> ServerRequestHandler::waitingSamplingServer(const QString &id) const
{
    const auto s = m_samplings.value(id);
    if (!s || s->stream || !s->timer)
        return std::nullopt;
    return s->server;
}

void ServerRequestHandler::reconsider()
{
    if (!m_decide)
        return;
    const QList<QString> ids = m_samplings.keys();
    for (const QString &id : ids) {
        const auto server = waitingSamplingServer(id);
        if (!server)
            continue;
        const ApprovalPolicy::Decision d = m_decide(*server);
        if (d != ApprovalPolicy::Decision::Ask)
            answerSampling(id, d == ApprovalPolicy::Decision::Allow);
    }
}

bool ServerRequestHandler::approve(const QString &id, bool approved)
{
    if (!m_samplings.contains(id))
        return false;
    answerSampling(id, approved);
    return true;
}

void ServerRequestHandler::answerSampling(const QString &id, bool approved)
{
    const auto s = m_samplings.value(id);
    if (!s || s->stream)
        return;
    if (s->timer)
        s->timer->stop();
    if (approved) {
        runSampling(id);
        return;
    }
    m_samplings.remove(id);
    if (s->timer)
        s->timer->deleteLater(); // it may be the sender of the current signal
    s->timer = nullptr;
    s->responder.fail(-1, QStringLiteral("the user declined the sampling request"));
}

void ServerRequestHandler::runSampling(const QString &id)
{
    const auto s = m_samplings.value(id);
    if (!s || !m_model)
        return;
    ChatRequest request;
    const QString system = s->params.value(QStringLiteral("systemPrompt")).toString();
    if (!system.isEmpty())
        request.messages.append(ChatMessage::system(system));
    request.messages += ResultMapper::samplingMessages(s->params);
    request.maxTokens = s->params.value(QStringLiteral("maxTokens")).toInt(0);
    request.toolChoice = ToolChoice::None;
    request.limits.maxTextBytes = m_options.maxTurnTextBytes;
    s->stream = m_model->start(request);
    connect(s->stream, &ChatStream::finished, this, [this, id](StopReason reason) {
        const auto s = m_samplings.take(id);
        if (!s)
            return;
        s->stream->deleteLater();
        delete s->timer;
        s->timer = nullptr;
        s->responder.reply(ResultMapper::samplingResult(s->stream->text(), reason, *m_model));
    });
    connect(s->stream, &ChatStream::errorOccurred, this, [this, id](const LlmError &error) {
        const auto s = m_samplings.take(id);
        if (!s)
            return;
        s->stream->deleteLater();
        delete s->timer;
        s->timer = nullptr;
        s->responder.fail(JsonRpc::InternalError,
                          ResultMapper::modelErrorMessage(error, m_options));
    });
}

void ServerRequestHandler::samplingWithdrawn(const QString &id, const QString &reason)
{
    const auto s = m_samplings.take(id);
    if (!s)
        return;
    qCInfo(lcAgent) << "sampling request" << id << "withdrawn by" << s->server << reason;
    stopSampling(*s, this);
    // The session layer does not send an answer to a cancelled request.
    s->responder.fail(JsonRpc::RequestCancelled, QStringLiteral("cancelled by the server"));
    QJsonObject data {{kRequestId, id},
                      {kServer, s->server},
                      {QStringLiteral("status"), QStringLiteral("cancelled")}};
    if (!reason.isEmpty())
        data.insert(QStringLiteral("reason"), reason);
    Q_EMIT eventReady(StreamEventType::Sampling, data);
}

void ServerRequestHandler::handleElicitation(const QString &server, const QJsonObject &params,
                                             RpcResponder responder)
{
    auto e = std::make_shared<Elicitation>();
    e->server = server;
    e->responder = std::move(responder);
    const QString id = shortId("eli_");
    const QPointer<ServerRequestHandler> self(this);
    e->responder.onCancelled([self, id](const QString &reason) {
        if (self)
            self->elicitationWithdrawn(id, reason);
    });
    m_elicitations.insert(id, e);
    QJsonObject data {{kRequestId, id},
                      {kServer, server},
                      {QStringLiteral("message"), params.value(QStringLiteral("message"))}};
    if (params.value(QStringLiteral("mode")).toString() == QLatin1String("url"))
        data.insert(QStringLiteral("url"), params.value(QStringLiteral("url")));
    else {
        const QJsonValue schema = params.value(QStringLiteral("requestedSchema"));
        data.insert(QStringLiteral("schema"), schema);
        // The fields in the order the server wrote them (the parsed object sorts its keys).
        const QStringList order = ElicitationSchema::propertyOrder(
                e->responder.requestText(),
                schema.toObject().value(QStringLiteral("properties")).toObject());
        if (!order.isEmpty())
            data.insert(QStringLiteral("property_order"), QJsonArray::fromStringList(order));
    }
    AnswerDeadline::addTo(&data, QLatin1String("timeout_ms"), m_options.elicitationTimeoutMs);
    Q_EMIT eventReady(StreamEventType::Elicitation, data);
    if (!m_elicitations.contains(id))
        return;
    e->timer = new QTimer(this);
    e->timer->setSingleShot(true);
    e->timer->setTimerType(Qt::PreciseTimer); // not before the deadline the event told
    connect(e->timer, &QTimer::timeout, this,
            [this, id] { answerElicitation(id, QStringLiteral("cancel")); });
    e->timer->start(std::max(0, m_options.elicitationTimeoutMs));
}

bool ServerRequestHandler::answerElicitation(const QString &id, const QString &action,
                                             const QJsonObject &content)
{
    if (action != QLatin1String("accept") && action != QLatin1String("decline")
        && action != QLatin1String("cancel"))
        return false;
    const auto e = m_elicitations.take(id);
    if (!e)
        return false;
    if (e->timer)
        e->timer->deleteLater(); // it may be the sender of the current signal
    e->timer = nullptr;
    QJsonObject result {{QStringLiteral("action"), action}};
    if (action == QLatin1String("accept"))
        result.insert(QStringLiteral("content"), content);
    e->responder.reply(result);
    return true;
}

void ServerRequestHandler::elicitationWithdrawn(const QString &id, const QString &reason)
{
    const auto e = m_elicitations.take(id);
    if (!e)
        return;
    qCInfo(lcAgent) << "elicitation" << id << "withdrawn by" << e->server << reason;
    delete e->timer;
    e->timer = nullptr;
    e->responder.reply({{QStringLiteral("action"), QStringLiteral("cancel")}}); // not sent
    QJsonObject data {{kRequestId, id},
                      {kServer, e->server},
                      {QStringLiteral("status"), QStringLiteral("cancelled")}};
    if (!reason.isEmpty())
        data.insert(QStringLiteral("reason"), reason);
    Q_EMIT eventReady(StreamEventType::Elicitation, data);
}
