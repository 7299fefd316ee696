#include "chatservice.h"

#include "reactagent.h"
#include "session.h"
#include "sessionmanager.h"
#include "streamevent.h"

namespace {
constexpr int kKeptSamples = 1000;

void keep(QList<double> &samples, double value)
{
    samples.append(value);
    if (samples.size() > kKeptSamples)
        samples.removeFirst();
}
} // namespace

ChatService::ChatService(SessionManager *sessions, ChatModel *model, ServerRegistry *registry,
                         ServerRequestRouter *router, AgentOptions options, QObject *parent)
    : QObject(parent)
    , m_sessions(sessions)
    , m_model(model)
    , m_registry(registry)
    , m_router(router)
    , m_options(std::move(options))
{ }

ChatService::~ChatService() = default;

QString ChatService::errorMessage(Error error) const
{
    switch (error) {
    case Error::UnknownSession:
        return QStringLiteral("no session with this id (it may have expired or been deleted)");
    case Error::Busy:
        return QStringLiteral(
                "a turn is already running on this session; wait for it or cancel it");
    case Error::EmptyMessage:
        return QStringLiteral("the message is empty");
    case Error::NoTurn:
        return QStringLiteral("no turn is running on this session");
    case Error::UnknownRequest:
        return QStringLiteral("nothing with this id is waiting for an answer");
    case Error::BadAction:
        return QStringLiteral("action must be \"accept\", \"decline\" or \"cancel\"");
    case Error::TooManySessions:
        return m_sessions->errorMessage(SessionManager::CreateError::Full);
    case Error::BadScope:
        return QStringLiteral("a sampling request can be approved \"once\" or for the "
                              "\"session\" only");
    }
    return {};
}

ChatService::StartResult ChatService::send(const QString &sessionId, const QString &message,
                                           const TurnOptions &turn)
{
    if (message.trimmed().isEmpty())
        return Error::EmptyMessage;
    Session *session = nullptr;
    if (sessionId.isEmpty()) {
        session = m_sessions->create();
        if (!session)
            return Error::TooManySessions; // a new id is never taken: only the cap refuses it
    } else {
        session = m_sessions->get(sessionId);
        if (!session)
            return Error::UnknownSession;
    }
    if (session->isBusy() || m_agents.value(session->id()))
        return Error::Busy;

    AgentOptions options = m_options;
    options.waitForApproval = m_options.waitForApproval && turn.waitForApproval;
    auto *agent = new ReactAgent(session, m_model, m_registry, options, this);
    agent->setRequestRouter(m_router);
    agent->setApprovalRules(m_rules);
    const QString id = session->id();
    QPointer<Session> guard(session);
    const auto subscription
            = connect(session, &Session::eventAppended, this, &ChatService::observe);
    connect(agent, &ReactAgent::finished, this, [this, agent, id, subscription] {
        disconnect(subscription);
        m_agents.remove(id);
        m_modelCallStart.remove(id);
        ++m_stats.turnsFinished;
        Q_EMIT turnFinished(id, agent->turnId(), agent);
        agent->deleteLater();
    });
    m_agents.insert(id, agent);
    if (!agent->start(message)) {
        disconnect(subscription);
        m_agents.remove(id);
        agent->deleteLater();
        return Error::Busy;
    }
    ++m_stats.turnsStarted;
    return Started {id, agent->turnId()};
}

void ChatService::observe(const StreamEvent &event)
{
    // Model call latency: from `thinking` to the end of that call (its first tool call, the
    // answer or an error); tool latency comes with each observation.
    switch (event.type) {
    case StreamEventType::Thinking:
        m_modelCallStart[event.sessionId].start();
        break;
    case StreamEventType::ToolCall:
    case StreamEventType::FinalResponse:
    case StreamEventType::Error: {
        auto it = m_modelCallStart.find(event.sessionId);
        if (it != m_modelCallStart.end() && it->isValid()) {
            const double ms = double(it->nsecsElapsed()) / 1e6;
            it->invalidate();
            keep(m_stats.modelCallMs, ms);
            ++m_stats.modelCalls;
            m_stats.modelCallMsSum += ms;
        }
        break;
    }
    case StreamEventType::Observing: {
        const double ms = event.data.value(QStringLiteral("duration_ms")).toDouble();
        keep(m_stats.toolCallMs, ms);
        ++m_stats.toolCalls;
        m_stats.toolCallMsSum += ms;
        break;
    }
    default:
        break;
    }
}

ReactAgent *ChatService::runningAgent(const QString &sessionId) const
{
    return m_agents.value(sessionId);
}

std::optional<ChatService::Error> ChatService::cancel(const QString &sessionId)
{
    if (!m_sessions->get(sessionId))
        return Error::UnknownSession;
    ReactAgent *agent = runningAgent(sessionId);
    if (!agent || !agent->isRunning())
        return Error::NoTurn;
    agent->cancel();
    return std::nullopt;
}

std::optional<ChatService::Error> ChatService::approve(const QString &sessionId,
                                                       const QString &callId, bool approved,
                                                       ApprovalScope scope)
{
    if (!m_sessions->get(sessionId))
        return Error::UnknownSession;
    ReactAgent *agent = runningAgent(sessionId);
    if (!agent)
        return Error::NoTurn;
    const auto pending = agent->pendingApproval(callId);
    if (!pending)
        return Error::UnknownRequest;
    if (pending->sampling && scope != ApprovalScope::Once && scope != ApprovalScope::Session)
        return Error::BadScope;
    if (!m_rules)
        scope = ApprovalScope::Once;
    using D = ApprovalPolicy::Decision;
    const D decision = approved ? D::Allow : D::Deny;
    switch (scope) {
    case ApprovalScope::Once:
        break;
    case ApprovalScope::Session:
        m_rules->rememberForSession(sessionId, pending->server, pending->tool, approved);
        break;
    case ApprovalScope::Tool:
        m_rules->setRemembered(ApprovalRules::RuleScope::Tool, pending->server, pending->tool,
                               decision);
        break;
    case ApprovalScope::Server:
        m_rules->setRemembered(ApprovalRules::RuleScope::Server, pending->server, {}, decision);
        break;
    }
    if (!agent->approve(callId, approved))
        return Error::UnknownRequest;
    if (scope != ApprovalScope::Once)
        reconsiderApprovals(scope == ApprovalScope::Session ? sessionId : QString());
    return std::nullopt;
}

void ChatService::reconsiderApprovals(const QString &sessionId)
{
    const auto agents = m_agents;
    for (auto it = agents.cbegin(); it != agents.cend(); ++it) {
        if (it.value() && (sessionId.isEmpty() || it.key() == sessionId))
            it.value()->reconsiderApprovals();
    }
}

std::optional<ChatService::Error> ChatService::elicit(const QString &sessionId,
                                                      const QString &requestId,
                                                      const QString &action,
                                                      const QJsonObject &content)
{
    if (!m_sessions->get(sessionId))
        return Error::UnknownSession;
    if (action != QLatin1String("accept") && action != QLatin1String("decline")
        && action != QLatin1String("cancel"))
        return Error::BadAction;
    ReactAgent *agent = runningAgent(sessionId);
    if (!agent)
        return Error::NoTurn;
    if (!agent->answerElicitation(requestId, action, content))
        return Error::UnknownRequest;
    return std::nullopt;
}

void ChatService::cancelAll()
{
    const auto agents = m_agents.values();
    for (const QPointer<ReactAgent> &a : agents) {
        if (a && a->isRunning())
            a->cancel();
    }
}
