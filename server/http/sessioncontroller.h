#pragma once

class ApiRouter;
class ChatService;
class SessionService;
class SseConnectionManager;

/// The sessions: list, create (with an optional id of the caller's), read with the messages,
/// delete (cancelling a running turn first).
class SessionController
{
public:
    SessionController(ChatService *chat, SessionService *sessions,
                      const SseConnectionManager *connections)
        : m_chat(chat)
        , m_sessions(sessions)
        , m_connections(connections)
    { }

    void registerRoutes(ApiRouter &router);

private:
    ChatService *m_chat;
    SessionService *m_sessions;
    const SseConnectionManager *m_connections;
};
