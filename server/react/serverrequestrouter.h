#pragma once

#include "mcptypes.h"

#include <QList>
#include <QObject>
#include <QPointer>

class ReactAgent;
class ServerRegistry;
struct RpcRequestCause;

/// Hands the requests MCP servers send to the host (sampling/createMessage, elicitation/create)
/// to the turn whose tool call caused them, and to no other.
///
/// The registry has one handler for all servers, while answers belong to a session: install one
/// router on the registry (before startAll(), so the capabilities are declared), and every
/// running ReactAgent attaches itself. The cause comes from the transport (RpcRequestCause):
/// a request on the response stream of a tools/call goes to the agent that made that call; on a
/// shared channel (stdio, legacy SSE) it goes to the one agent with tool calls running on that
/// server. Where the cause is unknown or ambiguous (the standalone GET stream, calls of two
/// agents in flight, none at all), the request is refused with a JSON-RPC error naming why, and
/// the log says so; it is never guessed.
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

    /// The agent a request with `cause` from `server` belongs to, or nullptr with *why set.
    [[nodiscard]] ReactAgent *agentFor(const QString &server, const RpcRequestCause &cause,
                                       QString *why) const;

private:
    [[nodiscard]] ReactAgent *attached(const QObject *owner) const;

    QList<QPointer<ReactAgent>> m_agents;
};
