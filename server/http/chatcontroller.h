#pragma once

#include "apierror.h"
#include "chatservice.h"

#include <QHttpServerResponder>
#include <QObject>

#include <functional>
#include <optional>

class ApiRouter;
class LateReply;
struct ApiRequest;
class ServerService;
class SessionService;
class SseConnectionManager;

/// The chat: the event stream of a session (creating one when no session_id is given), starting
/// a turn (`/api/v3/chat/send` answers at once, `POST /chat` when the turn ends), cancelling,
/// and the user's answers to approvals and elicitations. A `POST /chat` responder is held until
/// its turn ends; nothing blocks.
class ChatController : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChatController)

public:
    ChatController(ChatService *chat, SessionService *sessions, ServerService *servers,
                   SseConnectionManager *connections, QObject *parent = nullptr);

    void registerRoutes(ApiRouter &router);

private:
    void stream(ApiRequest &ctx, QHttpServerResponder &&responder);
    /// Validates a `{session_id?, message}` body and starts the turn: `started` gets the turn
    /// and the reply to answer with; a refusal is answered here.
    /// `approvalField`: the body may carry "approval": "wait" | "deny" (POST /chat).
    void startTurn(ApiRequest &ctx, QHttpServerResponder &&responder, bool approvalField,
                   std::function<void(const ChatService::Started &, LateReply *)> started);
    /// 503 too_many_connections.
    [[nodiscard]] ApiError fullError() const;
    void send(ApiRequest &ctx, QHttpServerResponder &&responder);
    void chatSync(ApiRequest &ctx, QHttpServerResponder &&responder);
    void cancel(ApiRequest &ctx, QHttpServerResponder &&responder);
    void approve(ApiRequest &ctx, QHttpServerResponder &&responder);
    void elicit(ApiRequest &ctx, QHttpServerResponder &&responder);

    ChatService *m_chat;
    SessionService *m_sessions;
    ServerService *m_servers;
    SseConnectionManager *m_connections;
};
