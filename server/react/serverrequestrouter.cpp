#include "serverrequestrouter.h"

#include "jsonrpcsession.h"
#include "logging.h"
#include "reactagent.h"
#include "serverregistry.h"

namespace {
const QString kToolsCall = QStringLiteral("tools/call");
}

ServerRequestRouter::ServerRequestRouter(QObject *parent)
    : QObject(parent)
{ }

ServerRequestRouter::~ServerRequestRouter() = default;

void ServerRequestRouter::install(ServerRegistry *registry)
{
    registry->setSamplingHandler(this);
    registry->setElicitationHandler(this);
}

void ServerRequestRouter::attach(ReactAgent *agent)
{
    if (!m_agents.contains(agent))
        m_agents.append(agent);
}

void ServerRequestRouter::detach(ReactAgent *agent)
{
    m_agents.removeAll(agent);
    m_agents.removeAll(nullptr);
}

ReactAgent *ServerRequestRouter::attached(const QObject *owner) const
{
    // The call's context is the agent, or an object the agent owns (a helper of its turn).
    for (const QObject *o = owner; o; o = o->parent()) {
        for (const QPointer<ReactAgent> &agent : m_agents) {
            if (agent && static_cast<const QObject *>(agent.data()) == o)
                return agent;
        }
    }
    return nullptr;
}

ReactAgent *ServerRequestRouter::agentFor(const QString &server, const RpcRequestCause &cause,
                                          QString *why) const
{
    switch (cause.kind) {
    case RpcRequestCause::Kind::Unrelated:
        *why = QStringLiteral("it arrived on the server's standalone stream, which belongs to no "
                              "tool call");
        return nullptr;
    case RpcRequestCause::Kind::Exact: {
        const RpcRequestCause::Request *request
                = cause.requests.isEmpty() ? nullptr : &cause.requests.first();
        if (!request) {
            *why = QStringLiteral("the request it arrived with has already ended");
            return nullptr;
        }
        ReactAgent *agent
                = request->method == kToolsCall ? attached(request->owner.data()) : nullptr;
        if (!agent)
            *why = QStringLiteral("it belongs to a %1 request, not to a tool call of a running "
                                  "turn")
                           .arg(request->method);
        return agent;
    }
    case RpcRequestCause::Kind::Inferred: {
        // One channel for every request: it can only be placed when the tool calls running on
        // this server all belong to one turn.
        QList<const QObject *> owners;
        for (const RpcRequestCause::Request &r : cause.requests) {
            if (r.method == kToolsCall && !owners.contains(r.owner.data()))
                owners.append(r.owner.data());
        }
        if (owners.isEmpty()) {
            *why = QStringLiteral("no tool call is running on %1").arg(server);
            return nullptr;
        }
        if (owners.size() > 1) {
            *why = QStringLiteral("tool calls of %1 sessions are running on %2 and its transport "
                                  "cannot tell which one the request belongs to")
                           .arg(owners.size())
                           .arg(server);
            return nullptr;
        }
        ReactAgent *agent = attached(owners.first());
        if (!agent)
            *why = QStringLiteral("the tool call running on %1 belongs to no running turn")
                           .arg(server);
        return agent;
    }
    }
    return nullptr;
}

void ServerRequestRouter::createMessage(const QString &server, const QJsonObject &params,
                                        RpcResponder responder)
{
    QString why;
    if (ReactAgent *agent = agentFor(server, responder.cause(), &why)) {
        agent->handleSampling(server, params, std::move(responder));
        return;
    }
    qCWarning(lcAgent).noquote() << "sampling request from" << server << "refused:" << why;
    responder.fail(JsonRpc::InvalidRequest,
                   QStringLiteral("sampling request refused: %1").arg(why));
}

void ServerRequestRouter::elicit(const QString &server, const QJsonObject &params,
                                 RpcResponder responder)
{
    QString why;
    if (ReactAgent *agent = agentFor(server, responder.cause(), &why)) {
        agent->handleElicitation(server, params, std::move(responder));
        return;
    }
    qCWarning(lcAgent).noquote() << "elicitation request from" << server << "refused:" << why;
    responder.fail(JsonRpc::InvalidRequest,
                   QStringLiteral("elicitation request refused: %1").arg(why));
}
