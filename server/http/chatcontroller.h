#pragma once

#include "chatservice.h"

#include <QHttpServerResponder>
#include <QObject>

#include <optional>

class ApiRouter;
struct ApiRequest;
class ServerRegistry;
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
    ChatController(ChatService *chat, SessionService *sessions, ServerRegistry *registry,
                   SseConnectionManager *connections, QObject *parent = nullptr);

    void registerRoutes(ApiRouter &router);

private:
    void stream(ApiRequest &ctx, QHttpServerResponder &&responder);
    /// Validates a `{session_id?, message}` body and starts the turn; on failure the error is
    /// written and nullopt returned.
    /// `approvalField`: the body may carry "approval": "wait" | "deny" (POST /chat).
    std::optional<ChatService::Started> startTurn(ApiRequest &ctx, QHttpServerResponder &responder,
                                                  bool approvalField = false);
    void send(ApiRequest &ctx, QHttpServerResponder &&responder);
    void chatSync(ApiRequest &ctx, QHttpServerResponder &&responder);
    void cancel(ApiRequest &ctx, QHttpServerResponder &&responder);
    void approve(ApiRequest &ctx, QHttpServerResponder &&responder);
    void elicit(ApiRequest &ctx, QHttpServerResponder &&responder);

    ChatService *m_chat;
    SessionService *m_sessions;
    ServerRegistry *m_registry;
    SseConnectionManager *m_connections;
};
