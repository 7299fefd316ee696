#pragma once

class ApiRouter;
class ServerRegistry;

/// The MCP side of the API: the tool catalog, the servers with their state, and restarting a
/// server.
class ToolController
{
public:
    explicit ToolController(ServerRegistry *registry)
        : m_registry(registry)
    { }

    void registerRoutes(ApiRouter &router);

private:
    ServerRegistry *m_registry;
};
