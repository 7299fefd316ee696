#include "chatcontroller.h"

#include "apijson.h"
#include "apirouter.h"
#include "chatmodel.h"
#include "coreerrors.h"
#include "httpresponses.h"
#include "jsonfields.h"
#include "reactagent.h"
#include "responsewriter.h"
#include "sessionservice.h"
#include "sseconnectionmanager.h"
#include "streamevent.h"

#include <QJsonDocument>
#include <QUrlQuery>

using Headers = ApiRequest::Headers;

namespace {
/// Holds a `POST /chat` answer until its turn ends; the client may be gone by then.
class PendingChat : public QObject
{
public:
    PendingChat(QHttpServerResponder &&responder, QObject *parent)
        : QObject(parent)
        , writer(std::move(responder))
    { }
    ResponseWriter writer;
};
} // namespace

ChatController::ChatController(ChatService *chat, SessionService *sessions,
                               ServerRegistry *registry, SseConnectionManager *connections,
                               QObject *parent)
    : QObject(parent)
    , m_chat(chat)
    , m_sessions(sessions)
    , m_registry(registry)
    , m_connections(connections)
{ }

void ChatController::registerRoutes(ApiRouter &router)
{
    using Method = ApiRouter::Method;
    auto bind = [this](void (ChatController::*handler)(ApiRequest &, QHttpServerResponder &&)) {
        return [this, handler](ApiRequest &ctx, QHttpServerResponder &&r) {
            (this->*handler)(ctx, std::move(r));
        };
    };
    // The stream creates a session when none is named, and holds a connection slot.
    router.addRoute(Method::Get, QStringLiteral("/api/v3/chat/stream"), true,
                    bind(&ChatController::stream), ApiRouter::Effect::ChangesState);
    router.addRoute(Method::Post, QStringLiteral("/api/v3/chat/send"), true,
                    bind(&ChatController::send));
    router.addRoute(Method::Post, QStringLiteral("/chat"), true, bind(&ChatController::chatSync));
    router.addRoute(Method::Post, QStringLiteral("/api/v3/chat/cancel"), true,
                    bind(&ChatController::cancel));
    router.addRoute(Method::Post, QStringLiteral("/api/v3/chat/approve"), true,
                    bind(&ChatController::approve));
    router.addRoute(Method::Post, QStringLiteral("/api/v3/chat/elicit"), true,
                    bind(&ChatController::elicit));
}

void ChatController::stream(ApiRequest &ctx, QHttpServerResponder &&responder)
{
    const QUrlQuery query = ctx.request.query();
    const QString sessionId
            = query.queryItemValue(QStringLiteral("session_id"), QUrl::FullyDecoded);
    QByteArray last = ctx.request.value("Last-Event-ID");
    if (last.isEmpty())
        last = query.queryItemValue(QStringLiteral("last_event_id"), QUrl::FullyDecoded).toUtf8();
    qint64 afterSeq = 0;
    if (!last.trimmed().isEmpty()) {
        bool ok = false;
        afterSeq = last.trimmed().toLongLong(&ok);
        if (!ok || afterSeq < 0)
            return HttpResponses::sendError(
                    responder,
                    {ApiError::Code::InvalidLastEventId,
                     QStringLiteral("Last-Event-ID must be an event id (a number) seen on this "
                                    "stream")},
                    ctx.cors);
    }
    if (m_connections->isFull()) {
        return HttpResponses::sendError(
                responder,
                {ApiError::Code::TooManyConnections,
                 QStringLiteral("the server holds its maximum of %1 streams; try again shortly")
                         .arg(m_connections->options().maxConnections),
                 5},
                ctx.cors);
    }
    SessionService::Summary session;
    bool created = false;
    if (sessionId.isEmpty()) {
        const auto result = m_sessions->create();
        if (const auto *e = std::get_if<SessionService::CreateError>(&result))
            return HttpResponses::sendError(responder, CoreErrors::fromSessions(*m_sessions, *e),
                                            ctx.cors);
        session = std::get<SessionService::Summary>(result);
        created = true;
    } else {
        const auto found = m_sessions->summary(sessionId);
        if (!found)
            return HttpResponses::sendError(
                    responder, CoreErrors::fromChat(*m_chat, ChatService::Error::UnknownSession),
                    ctx.cors);
        session = *found;
    }
    StreamEvent start
            = StreamEvent::make(StreamEventType::SessionStart,
                                {{QStringLiteral("created"), created},
                                 {QStringLiteral("message_count"), session.messageCount},
                                 {QStringLiteral("last_seq"), session.lastSeq},
                                 {QStringLiteral("model"), m_chat->model()->displayName()},
                                 {QStringLiteral("tools"), ApiJson::toolNames(m_registry)}},
                                session.busy ? session.turnId : QString());
    start.sessionId = session.id;
    start.seq = session.lastSeq;
    start.ts = QDateTime::currentDateTimeUtc();
    m_connections->attach(std::move(responder), session.id, afterSeq, start, ctx.cors);
}

std::optional<ChatService::Started>
ChatController::startTurn(ApiRequest &ctx, QHttpServerResponder &responder, bool approvalField)
{
    const auto body = ctx.jsonBody(responder);
    if (!body)
        return std::nullopt;
    JsonFields f(*body);
    const QString sessionId = f.string("session_id", false);
    const QString message = f.string("message", true);
    ChatService::TurnOptions turn;
    if (approvalField) {
        // The caller may tighten the policy for this turn: "deny" instead of waiting.
        const QString approval = f.string("approval", false);
        if (!approval.isEmpty() && approval != QLatin1String("wait")
            && approval != QLatin1String("deny"))
            f.fail(QStringLiteral("field \"approval\" must be \"wait\" or \"deny\""));
        turn.waitForApproval = approval != QLatin1String("deny");
    }
    if (const auto e = f.error()) {
        HttpResponses::sendError(responder, *e, ctx.cors);
        return std::nullopt;
    }
    const auto result = m_chat->send(sessionId, message, turn);
    if (const auto *e = std::get_if<ChatService::Error>(&result)) {
        HttpResponses::sendError(responder, CoreErrors::fromChat(*m_chat, *e), ctx.cors);
        return std::nullopt;
    }
    return std::get<ChatService::Started>(result);
}

void ChatController::send(ApiRequest &ctx, QHttpServerResponder &&responder)
{
    const auto started = startTurn(ctx, responder);
    if (!started)
        return;
    HttpResponses::sendJson(
            responder, 202,
            QJsonDocument(QJsonObject {{QStringLiteral("session_id"), started->sessionId},
                                       {QStringLiteral("turn_id"), started->turnId}}),
            ctx.cors);
}

void ChatController::chatSync(ApiRequest &ctx, QHttpServerResponder &&responder)
{
    const auto maybeStarted = startTurn(ctx, responder, true);
    if (!maybeStarted)
        return;
    const ChatService::Started &started = *maybeStarted;
    auto *pending = new PendingChat(std::move(responder), this);
    const Headers cors = ctx.cors;
    connect(m_chat, &ChatService::turnFinished, pending,
            [this, pending, started, cors](const QString &sid, const QString &turnId,
                                           ReactAgent *agent) {
                if (sid != started.sessionId || turnId != started.turnId)
                    return;
                QJsonArray steps;
                QJsonObject failure;
                const QList<StreamEvent> events = m_sessions->events(sid);
                for (const StreamEvent &e : events) {
                    if (e.turnId != turnId)
                        continue;
                    steps.append(e.toJson());
                    if (e.type == StreamEventType::Error)
                        failure = e.data;
                }
                QJsonObject out {{QStringLiteral("session_id"), sid},
                                 {QStringLiteral("turn_id"), turnId},
                                 {QStringLiteral("response"), agent->answer()},
                                 {QStringLiteral("iterations"), agent->iteration()},
                                 {QStringLiteral("stop_reason"), agent->stopReason()},
                                 {QStringLiteral("steps"), steps}};
                int status = 200;
                if (!failure.isEmpty() && agent->stopReason().isEmpty()) {
                    out.insert(QStringLiteral("error"),
                               QJsonObject {{QStringLiteral("code"),
                                             failure.value(QStringLiteral("code"))},
                                            {QStringLiteral("message"),
                                             failure.value(QStringLiteral("message"))}});
                    status = 502; // the model (upstream) failed; the steps show how far it got
                }
                HttpResponses::sendJson(pending->writer, status, QJsonDocument(out), cors);
                pending->deleteLater();
            });
}

void ChatController::cancel(ApiRequest &ctx, QHttpServerResponder &&r)
{
    const auto body = ctx.jsonBody(r);
    if (!body)
        return;
    JsonFields f(*body);
    const QString sessionId = f.string("session_id", true);
    if (const auto e = f.error())
        return HttpResponses::sendError(r, *e, ctx.cors);
    if (const auto e = m_chat->cancel(sessionId))
        return HttpResponses::sendError(r, CoreErrors::fromChat(*m_chat, *e), ctx.cors);
    HttpResponses::sendJson(r, 202,
                            QJsonDocument(QJsonObject {{QStringLiteral("session_id"), sessionId},
                                                       {QStringLiteral("cancelling"), true}}),
                            ctx.cors);
}

void ChatController::approve(ApiRequest &ctx, QHttpServerResponder &&r)
{
    const auto body = ctx.jsonBody(r);
    if (!body)
        return;
    JsonFields f(*body);
    const QString sessionId = f.string("session_id", true);
    const QString callId = f.string("call_id", true);
    const bool approved = f.boolean("approved");
    if (const auto e = f.error())
        return HttpResponses::sendError(r, *e, ctx.cors);
    if (const auto e = m_chat->approve(sessionId, callId, approved))
        return HttpResponses::sendError(r, CoreErrors::fromChat(*m_chat, *e), ctx.cors);
    HttpResponses::sendJson(r, 200,
                            QJsonDocument(QJsonObject {{QStringLiteral("session_id"), sessionId},
                                                       {QStringLiteral("call_id"), callId},
                                                       {QStringLiteral("approved"), approved}}),
                            ctx.cors);
}

void ChatController::elicit(ApiRequest &ctx, QHttpServerResponder &&r)
{
    const auto body = ctx.jsonBody(r);
    if (!body)
        return;
    JsonFields f(*body);
    const QString sessionId = f.string("session_id", true);
    const QString requestId = f.string("request_id", true);
    const QString action = f.string("action", true);
    const QJsonObject content = f.object("content");
    if (const auto e = f.error())
        return HttpResponses::sendError(r, *e, ctx.cors);
    if (const auto e = m_chat->elicit(sessionId, requestId, action, content))
        return HttpResponses::sendError(r, CoreErrors::fromChat(*m_chat, *e), ctx.cors);
    HttpResponses::sendJson(r, 200,
                            QJsonDocument(QJsonObject {{QStringLiteral("session_id"), sessionId},
                                                       {QStringLiteral("request_id"), requestId},
                                                       {QStringLiteral("action"), action}}),
                            ctx.cors);
}
