#pragma once

class ApiRouter;
class HostStateService;
class QHttpServerResponder;
class ServerRegistry;
struct ApiRequest;

/// One MCP server over the API: `GET /api/v3/servers/{name}` (state, stderr tail, tools with
/// annotations, capabilities) and `POST /api/v3/servers/{name}/enable|disable` (kept in the
/// state file). The list and restart stay in ToolController.
class ServerController
{
public:
    ServerController(ServerRegistry *registry, HostStateService *state)
        : m_registry(registry)
        , m_state(state)
    { }

    void registerRoutes(ApiRouter &router);

private:
    void detail(ApiRequest &ctx, QHttpServerResponder &r);
    void setEnabled(ApiRequest &ctx, QHttpServerResponder &r, bool enabled);

    ServerRegistry *m_registry;
    HostStateService *m_state;
};
