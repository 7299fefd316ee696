#pragma once

#include "mcptypes.h"

#include <QList>
#include <QObject>
#include <QPointer>

class ReactAgent;
class ServerRegistry;

/// Hands the requests MCP servers send to the host (sampling/createMessage, elicitation/create)
/// to the turn that caused them.
///
/// The registry has one handler for all servers, while answers belong to a session: install one
/// router on the registry (before startAll(), so the capabilities are declared), and every
/// running ReactAgent attaches itself. A request from server S goes to the newest attached agent
/// with a tool call running on S, else to the newest attached agent; with none, it is refused.
class ServerRequestRouter : public QObject,
                            public Mcp::SamplingHandler,
                            public Mcp::ElicitationHandler
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerRequestRouter)

public:
    explicit ServerRequestRouter(QObject *parent = nullptr);
    ~ServerRequestRouter() override;

    /// Sets this router as the registry's sampling and elicitation handler.
    void install(ServerRegistry *registry);

    void attach(ReactAgent *agent);
    void detach(ReactAgent *agent);

    void createMessage(const QString &server, const QJsonObject &params,
                       RpcResponder responder) override;
    void elicit(const QString &server, const QJsonObject &params, RpcResponder responder) override;

private:
    [[nodiscard]] ReactAgent *agentFor(const QString &server) const;

    QList<QPointer<ReactAgent>> m_agents;
};
