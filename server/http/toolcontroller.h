#pragma once

class ApiRouter;
class ServerService;

/// The MCP side of the API: the tool catalog, the servers with their state, and restarting a
/// server.
class ToolController
{
public:
    explicit ToolController(ServerService *servers)
        : m_servers(servers)
    { }

    void registerRoutes(ApiRouter &router);

private:
    ServerService *m_servers;
};
