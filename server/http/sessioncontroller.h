#pragma once

class ApiRouter;
class ChatService;
class QHttpServerResponder;
class QObject;
struct ApiRequest;
class SessionService;
class SseConnectionManager;

/// The sessions: list (pages sorted by last activity, a cursor, a title filter), create (with
/// an optional id of the caller's), read with the messages and turns, rename (PATCH
/// {"title"}), delete (cancelling a running turn first; the answer says what was removed).
/// Every answer comes when the store has answered (LateReply).
class SessionController
{
public:
    /// `owner` parents the answers that wait for the store.
    SessionController(ChatService *chat, SessionService *sessions,
                      const SseConnectionManager *connections, QObject *owner)
        : m_chat(chat)
        , m_sessions(sessions)
        , m_connections(connections)
        , m_owner(owner)
    { }

    void registerRoutes(ApiRouter &router);

private:
    void list(ApiRequest &ctx, QHttpServerResponder &&r);
    void create(ApiRequest &ctx, QHttpServerResponder &&r);
    void get(ApiRequest &ctx, QHttpServerResponder &&r);
    void rename(ApiRequest &ctx, QHttpServerResponder &&r);
    void remove(ApiRequest &ctx, QHttpServerResponder &&r);

    ChatService *m_chat;
    SessionService *m_sessions;
    const SseConnectionManager *m_connections;
    QObject *m_owner;
};
