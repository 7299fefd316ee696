#include "serverrequestrouter.h"

#include "jsonrpcsession.h"
#include "logging.h"
#include "reactagent.h"
#include "serverregistry.h"

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

ReactAgent *ServerRequestRouter::agentFor(const QString &server) const
{
    for (auto it = m_agents.crbegin(); it != m_agents.crend(); ++it) {
        if (*it && (*it)->hasRunningToolOn(server))
            return *it;
    }
    for (auto it = m_agents.crbegin(); it != m_agents.crend(); ++it) {
        if (*it)
            return *it;
    }
    return nullptr;
}

void ServerRequestRouter::createMessage(const QString &server, const QJsonObject &params,
                                        RpcResponder responder)
{
    if (ReactAgent *agent = agentFor(server)) {
        agent->handleSampling(server, params, std::move(responder));
        return;
    }
    qCInfo(lcAgent) << "sampling request from" << server << "refused: no turn is running";
    responder.fail(JsonRpc::InvalidRequest,
                   QStringLiteral("sampling is only available while a turn is running"));
}

void ServerRequestRouter::elicit(const QString &server, const QJsonObject &params,
                                 RpcResponder responder)
{
    if (ReactAgent *agent = agentFor(server)) {
        agent->handleElicitation(server, params, std::move(responder));
        return;
    }
    qCInfo(lcAgent) << "elicitation request from" << server << "refused: no turn is running";
    responder.fail(JsonRpc::InvalidRequest,
                   QStringLiteral("elicitation is only available while a turn is running"));
}
