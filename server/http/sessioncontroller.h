#pragma once

class ApiRouter;
class ChatService;
class QHttpServerResponder;
struct ApiRequest;
class SessionManager;
class SseConnectionManager;

/// The sessions: list, create (with an optional id of the caller's), read with the messages,
/// rename (PATCH {"title"}), delete (cancelling a running turn first).
class SessionController
{
public:
    SessionController(ChatService *chat, SessionManager *sessions,
                      const SseConnectionManager *connections)
        : m_chat(chat)
        , m_sessions(sessions)
        , m_connections(connections)
    { }

    void registerRoutes(ApiRouter &router);

private:
    void rename(ApiRequest &ctx, QHttpServerResponder &r);

    ChatService *m_chat;
    SessionManager *m_sessions;
    const SseConnectionManager *m_connections;
};
