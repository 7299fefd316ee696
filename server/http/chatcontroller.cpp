#include "chatcontroller.h"

#include "apijson.h"
#include "apirouter.h"
#include "coreerrors.h"
#include "httpresponses.h"
#include "jsonfields.h"
#include "latereply.h"
#include "responsewriter.h"
#include "sessionservice.h"
#include "sseconnectionmanager.h"
#include "streamevent.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QUrlQuery>

using Headers = ApiRequest::Headers;

ChatController::ChatController(ChatService *chat, SessionService *sessions, ServerService *servers,
                               SseConnectionManager *connections, QObject *parent)
    : QObject(parent)
    , m_chat(chat)
    , m_sessions(sessions)
    , m_servers(servers)
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
    if (m_connections->isFull())
        return HttpResponses::sendError(responder, fullError(), ctx.cors);
    QPointer<ChatController> self(this);
    // The session is looked up in the store first: the writer knows if the client left.
    QPointer<ResponseWriter> writer = new ResponseWriter(std::move(responder), this);
    const auto headers = ctx.cors;
    const auto open
            = [self, writer, headers, afterSeq](const SessionRecord &session, bool created) {
                  const bool busy = !session.runningTurnId.isEmpty();
                  StreamEvent start = StreamEvent::make(
                          StreamEventType::SessionStart,
                          {{QStringLiteral("created"), created},
                           {QStringLiteral("message_count"), session.messageCount},
                           {QStringLiteral("last_seq"), session.lastSeq},
                           {QStringLiteral("model"), self->m_chat->modelName()},
                           {QStringLiteral("tools"), ApiJson::toolNames(self->m_servers)}},
                          busy ? session.runningTurnId : QString());
                  start.sessionId = session.id;
                  start.seq = session.lastSeq;
                  start.ts = QDateTime::currentDateTimeUtc();
                  self->m_connections->attach(writer, session.id, afterSeq, start, headers);
              };
    const auto found = [self, writer, headers, open](StoreResult<SessionRecord> s, bool created) {
        if (!self || !writer)
            return;
        if (!s.ok() || self->m_connections->isFull()) {
            HttpResponses::sendError(*writer,
                                     s.ok() ? self->fullError() : CoreErrors::fromStore(s.error()),
                                     headers);
            return writer->deleteLater();
        }
        open(s.value(), created);
    };
    if (sessionId.isEmpty())
        m_sessions->create({},
                           [found](StoreResult<SessionRecord> s) { found(std::move(s), true); });
    else
        m_sessions->summary(sessionId,
                            [found](StoreResult<SessionRecord> s) { found(std::move(s), false); });
}

ApiError ChatController::fullError() const
{
    return {ApiError::Code::TooManyConnections,
            QStringLiteral("the server holds its maximum of %1 streams; try again shortly")
                    .arg(m_connections->options().maxConnections),
            5};
}

void ChatController::startTurn(
        ApiRequest &ctx, QHttpServerResponder &&responder, bool approvalField,
        std::function<void(const ChatService::Started &, LateReply *)> started)
{
    const auto body = ctx.jsonBody(responder);
    if (!body)
        return;
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
    if (const auto e = f.error())
        return HttpResponses::sendError(responder, *e, ctx.cors);
    QPointer<LateReply> reply = new LateReply(std::move(responder), ctx.cors, this);
    QPointer<ChatController> self(this);
    m_chat->send(sessionId, message, turn,
                 [self, reply, started](const ChatService::StartResult &result) {
                     if (!self || !reply)
                         return;
                     if (const auto *e = std::get_if<ChatService::Error>(&result))
                         return reply->error(CoreErrors::fromChat(*self->m_chat, *e));
                     started(std::get<ChatService::Started>(result), reply);
                 });
}

void ChatController::send(ApiRequest &ctx, QHttpServerResponder &&responder)
{
    startTurn(ctx, std::move(responder), false,
              [](const ChatService::Started &started, LateReply *reply) {
                  reply->json(202,
                              QJsonDocument(QJsonObject {
                                      {QStringLiteral("session_id"), started.sessionId},
                                      {QStringLiteral("turn_id"), started.turnId}}));
              });
}

void ChatController::chatSync(ApiRequest &ctx, QHttpServerResponder &&responder)
{
    startTurn(
            ctx, std::move(responder), true,
            [this](const ChatService::Started &started, LateReply *reply) {
                // The turn's steps as they are committed; its events start after this call.
                auto steps = std::make_shared<QJsonArray>();
                auto failure = std::make_shared<QJsonObject>();
                connect(m_sessions, &SessionService::eventAppended, reply,
                        [started, steps, failure](const QString &sid, const StreamEvent &e) {
                            if (sid != started.sessionId || e.turnId != started.turnId)
                                return;
                            steps->append(e.toJson());
                            if (e.type == StreamEventType::Error)
                                *failure = e.data;
                        });
                connect(m_chat, &ChatService::turnFinished, reply,
                        [reply, started, steps, failure](const QString &sid, const QString &turnId,
                                                         const ChatService::TurnResult &result) {
                            if (sid != started.sessionId || turnId != started.turnId)
                                return;
                            QJsonObject out {{QStringLiteral("session_id"), sid},
                                             {QStringLiteral("turn_id"), turnId},
                                             {QStringLiteral("response"), result.answer},
                                             {QStringLiteral("iterations"), result.iterations},
                                             {QStringLiteral("stop_reason"), result.stopReason},
                                             {QStringLiteral("steps"), *steps}};
                            int status = 200;
                            if (!failure->isEmpty() && result.stopReason.isEmpty()) {
                                out.insert(
                                        QStringLiteral("error"),
                                        QJsonObject {{QStringLiteral("code"),
                                                      failure->value(QStringLiteral("code"))},
                                                     {QStringLiteral("message"),
                                                      failure->value(QStringLiteral("message"))}});
                                status = 502; // the model failed; the steps show how far
                            }
                            reply->json(status, QJsonDocument(out));
                        });
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
    QPointer<LateReply> reply = new LateReply(std::move(r), ctx.cors, this);
    QPointer<ChatController> self(this);
    m_chat->cancel(sessionId, [self, reply, sessionId](std::optional<ChatService::Error> e) {
        if (!self || !reply)
            return;
        if (e)
            return reply->error(CoreErrors::fromChat(*self->m_chat, *e));
        reply->json(202,
                    QJsonDocument(QJsonObject {{QStringLiteral("session_id"), sessionId},
                                               {QStringLiteral("cancelling"), true}}));
    });
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
    const QString scopeName = f.string("scope", false);
    const auto scope = scopeName.isEmpty() ? ApprovalScope::Once : approvalScopeFromName(scopeName);
    if (!scope)
        f.fail(QStringLiteral(
                "field \"scope\" must be \"once\", \"session\", \"tool\" or \"server\""));
    if (const auto e = f.error())
        return HttpResponses::sendError(r, *e, ctx.cors);
    QPointer<LateReply> reply = new LateReply(std::move(r), ctx.cors, this);
    QPointer<ChatController> self(this);
    const ApprovalScope given = *scope;
    m_chat->approve(
            sessionId, callId, approved, given,
            [self, reply, sessionId, callId, approved, given](std::optional<ChatService::Error> e) {
                if (!self || !reply)
                    return;
                if (e)
                    return reply->error(CoreErrors::fromChat(*self->m_chat, *e));
                reply->json(200,
                            QJsonDocument(QJsonObject {
                                    {QStringLiteral("session_id"), sessionId},
                                    {QStringLiteral("call_id"), callId},
                                    {QStringLiteral("approved"), approved},
                                    {QStringLiteral("scope"), approvalScopeName(given)}}));
            });
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
    QPointer<LateReply> reply = new LateReply(std::move(r), ctx.cors, this);
    QPointer<ChatController> self(this);
    m_chat->elicit(
            sessionId, requestId, action, content,
            [self, reply, sessionId, requestId, action](std::optional<ChatService::Error> e) {
                if (!self || !reply)
                    return;
                if (e)
                    return reply->error(CoreErrors::fromChat(*self->m_chat, *e));
                reply->json(200,
                            QJsonDocument(QJsonObject {{QStringLiteral("session_id"), sessionId},
                                                       {QStringLiteral("request_id"), requestId},
                                                       {QStringLiteral("action"), action}}));
            });
}
