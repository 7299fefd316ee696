#pragma once

#include <QElapsedTimer>
#include <QJsonObject>

class ApiRouter;
class ChatService;
class ServerRegistry;
class SessionService;
class SseConnectionManager;

/// `/health` (the status for everyone; the details with the token) and `/metrics` (Prometheus
/// text: streams, sessions, turns, requests, tool and model call latencies, servers up).
class HealthController
{
public:
    HealthController(ChatService *chat, SessionService *sessions, ServerRegistry *registry,
                     const SseConnectionManager *connections, const ApiRouter *router);

    void registerRoutes(ApiRouter &router);

private:
    [[nodiscard]] QJsonObject health(bool authorized) const;
    [[nodiscard]] QByteArray metrics() const;

    ChatService *m_chat;
    SessionService *m_sessions;
    ServerRegistry *m_registry;
    const SseConnectionManager *m_connections;
    const ApiRouter *m_router;
    QElapsedTimer m_uptime;
};
