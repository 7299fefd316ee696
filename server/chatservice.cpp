#include "chatservice.h"

#include "chatmodel.h"
#include "reactagent.h"
#include "session.h"
#include "sessionservice.h"
#include "streamevent.h"

#include <QTimer>

namespace {
constexpr int kKeptSamples = 1000;

void keep(QList<double> &samples, double value)
{
    samples.append(value);
    if (samples.size() > kKeptSamples)
        samples.removeFirst();
}
} // namespace

ChatService::ChatService(SessionService *sessions, ChatModel *model, ServerRegistry *registry,
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
        return m_sessions->fullMessage();
    case Error::StoreUnavailable:
        return QStringLiteral("the session store cannot be reached now; try again shortly");
    case Error::BadScope:
        return QStringLiteral("a sampling request can be approved \"once\" or for the "
                              "\"session\" only");
    case Error::TurnUnreachable:
        return QStringLiteral("the instance that runs this session's turn did not answer in "
                              "time; try again shortly (if it stopped, its turn is closed as "
                              "interrupted within the lease time)");
    case Error::TooLarge:
        return QStringLiteral("the answer is too large to pass to the instance that runs this "
                              "session's turn (at most 1 MiB)");
    }
    return {};
}

ChatService::Error ChatService::fromStore(const StoreError &error)
{
    switch (error.code) {
    case StoreError::Code::NotFound:
        return Error::UnknownSession;
    case StoreError::Code::Busy:
    case StoreError::Code::Conflict:
        return Error::Busy;
    case StoreError::Code::Full:
        return Error::TooManySessions;
    case StoreError::Code::Unavailable:
    case StoreError::Code::Fenced:
    case StoreError::Code::Invalid:
    case StoreError::Code::Io:
        break;
    }
    return Error::StoreUnavailable;
}

void ChatService::send(const QString &sessionId, const QString &message, const TurnOptions &turn,
                       StartDone done)
{
    const auto answer = [this, done](const StartResult &result) {
        QMetaObject::invokeMethod(
                this, [done, result] { done(result); }, Qt::QueuedConnection);
    };
    if (message.trimmed().isEmpty())
        return answer(Error::EmptyMessage);
    if (!sessionId.isEmpty() && (m_agents.value(sessionId) || m_loading.contains(sessionId)))
        return answer(Error::Busy);
    QPointer<ChatService> self(this);
    const auto load = [self, message, turn, done](const QString &id) {
        self->m_loading.insert(id);
        self->m_sessions->detail(id, [self, id, message, turn, done](StoreResult<SessionData> r) {
            if (!self)
                return;
            self->m_loading.remove(id);
            if (!r.ok())
                return done(fromStore(r.error()));
            if (self->m_agents.value(id))
                return done(Error::Busy);
            self->startOn(new Session(self->m_sessions->store(), std::move(r.value()), self),
                          message, turn, done);
        });
    };
    if (!sessionId.isEmpty())
        return load(sessionId);
    m_sessions->create({}, [self, load, done](StoreResult<SessionRecord> created) {
        if (!self)
            return;
        if (!created.ok())
            return done(created.error().code == StoreError::Code::Full
                                ? Error::TooManySessions
                                : fromStore(created.error()));
        load(created.value().id);
    });
}

void ChatService::startOn(Session *session, const QString &message, const TurnOptions &turn,
                          StartDone done)
{
    AgentOptions options = m_options;
    options.waitForApproval = m_options.waitForApproval && turn.waitForApproval;
    auto *agent = new ReactAgent(session, m_model, m_registry, options, this);
    agent->setRequestRouter(m_router);
    agent->setApprovalRules(m_rules);
    session->setParent(agent); // the live session goes with its turn
    const QString id = session->id();
    connect(session, &Session::eventAppended, this, &ChatService::observe);
    connect(agent, &ReactAgent::refused, this, [this, agent, id, done](const StoreError &error) {
        if (m_agents.value(id) == agent)
            m_agents.remove(id);
        agent->deleteLater();
        done(fromStore(error));
    });
    connect(agent, &ReactAgent::started, this, [this, agent, id, done] {
        ++m_stats.turnsStarted;
        done(Started {id, agent->turnId()});
    });
    connect(agent, &ReactAgent::finished, this, [this, agent, id] {
        if (m_agents.value(id) == agent)
            m_agents.remove(id);
        m_modelCallStart.remove(id);
        ++m_stats.turnsFinished;
        const TurnResult result {agent->answer(), agent->iteration(), agent->stopReason(),
                                 agent->state() == ReactAgent::State::Answered};
        Q_EMIT turnFinished(id, agent->turnId(), result);
        agent->deleteLater();
    });
    m_agents.insert(id, agent);
    if (!agent->start(message)) {
        m_agents.remove(id);
        agent->deleteLater();
        QMetaObject::invokeMethod(
                this, [done] { done(Error::Busy); }, Qt::QueuedConnection);
    }
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

QString ChatService::modelName() const
{
    return m_model->displayName();
}

ReactAgent *ChatService::runningAgent(const QString &sessionId) const
{
    return m_agents.value(sessionId);
}

void ChatService::cancel(const QString &sessionId, ErrorDone done)
{
    ReactAgent *agent = runningAgent(sessionId);
    if (agent && agent->isRunning()) {
        agent->cancel();
        return done(std::nullopt);
    }
    TurnCommand command;
    command.kind = TurnCommand::Kind::Cancel;
    command.sessionId = sessionId;
    forward(command, [done](std::optional<Error> e, const TurnCommandReply &) { done(e); });
}

void ChatService::cancel(const QString &sessionId)
{
    if (ReactAgent *agent = runningAgent(sessionId); agent && agent->isRunning())
        agent->cancel();
}

std::optional<ChatService::Error> ChatService::approve(const QString &sessionId,
                                                       const QString &callId, bool approved,
                                                       ApprovalScope scope)
{
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
    // The call first: a remembered rule decides every other waiting call, not this one.
    if (!agent->approve(callId, approved))
        return Error::UnknownRequest;
    remember(sessionId, pending->server, pending->tool, approved, scope);
    // A remembered rule reaches every running turn through rememberedChanged (HostCore).
    if (scope == ApprovalScope::Session)
        reconsiderApprovals(sessionId);
    return std::nullopt;
}

void ChatService::approve(const QString &sessionId, const QString &callId, bool approved,
                          ApprovalScope scope, ErrorDone done)
{
    const auto local = approve(sessionId, callId, approved, scope);
    if (local != Error::NoTurn)
        return done(local);
    TurnCommand command;
    command.kind = TurnCommand::Kind::Approve;
    command.sessionId = sessionId;
    command.requestId = callId;
    command.approved = approved;
    command.scope = approvalScopeName(scope);
    QPointer<ChatService> self(this);
    forward(command,
            [self, sessionId, approved, scope, done](std::optional<Error> e,
                                                     const TurnCommandReply &reply) {
                // The instance that ran it remembered the answer; so does this one, as it
                // would have had the turn been here.
                if (self && !e && self->m_rules && !reply.server.isEmpty()
                    && !(scope == ApprovalScope::Tool && reply.tool.isEmpty()))
                    self->remember(sessionId, reply.server, reply.tool, approved, scope);
                done(e);
            });
}

void ChatService::remember(const QString &sessionId, const QString &server, const QString &tool,
                           bool approved, ApprovalScope scope)
{
    using D = ApprovalPolicy::Decision;
    const D decision = approved ? D::Allow : D::Deny;
    switch (scope) {
    case ApprovalScope::Once:
        break;
    case ApprovalScope::Session:
        m_rules->rememberForSession(sessionId, server, tool, approved);
        break;
    case ApprovalScope::Tool:
        m_rules->setRemembered(ApprovalRules::RuleScope::Tool, server, tool, decision);
        break;
    case ApprovalScope::Server:
        m_rules->setRemembered(ApprovalRules::RuleScope::Server, server, {}, decision);
        break;
    }
}

void ChatService::elicit(const QString &sessionId, const QString &requestId, const QString &action,
                         const QJsonObject &content, ErrorDone done)
{
    const auto local = elicit(sessionId, requestId, action, content);
    if (local != Error::NoTurn)
        return done(local);
    TurnCommand command;
    command.kind = TurnCommand::Kind::Elicit;
    command.sessionId = sessionId;
    command.requestId = requestId;
    command.action = action;
    command.content = content;
    forward(command, [done](std::optional<Error> e, const TurnCommandReply &) { done(e); });
}

void ChatService::setTurnControl(TurnControl *control)
{
    m_control = control;
    if (!control)
        return;
    QPointer<ChatService> self(this);
    control->setHandler([self](const TurnCommand &command) {
        return self ? self->applyHere(command)
                    : TurnCommandReply {TurnCommandReply::Outcome::NotHere, {}, {}};
    });
}

namespace {
std::optional<ChatService::Error> errorOf(TurnCommandReply::Outcome outcome)
{
    using O = TurnCommandReply::Outcome;
    using E = ChatService::Error;
    switch (outcome) {
    case O::Ok:
        return std::nullopt;
    case O::NotHere:
    case O::NoTurn:
        return E::NoTurn;
    case O::UnknownRequest:
        return E::UnknownRequest;
    case O::BadAction:
        return E::BadAction;
    case O::BadScope:
        return E::BadScope;
    case O::TooLarge:
        return E::TooLarge;
    case O::Unreachable:
        return E::TurnUnreachable;
    case O::Unavailable:
        break;
    }
    return E::StoreUnavailable;
}

TurnCommandReply::Outcome outcomeOf(std::optional<ChatService::Error> error)
{
    using O = TurnCommandReply::Outcome;
    using E = ChatService::Error;
    if (!error)
        return O::Ok;
    switch (*error) {
    case E::UnknownRequest:
        return O::UnknownRequest;
    case E::BadAction:
        return O::BadAction;
    case E::BadScope:
        return O::BadScope;
    default:
        break;
    }
    return O::NoTurn;
}
} // namespace

void ChatService::forward(TurnCommand command, ForwardDone done)
{
    QPointer<ChatService> self(this);
    m_sessions->summary(command.sessionId, [self, command, done](StoreResult<SessionRecord> found) {
        if (!self)
            return;
        if (!found.ok())
            return done(fromStore(found.error()), {});
        // No turn in the store, or no other instance to ask: none runs.
        if (found.value().runningTurnId.isEmpty() || !self->m_control)
            return done(Error::NoTurn, {});
        TurnCommand c = command;
        c.turnId = found.value().runningTurnId;
        self->m_control->send(c, [self, c, done](const TurnCommandReply &reply) {
            if (!self)
                return;
            if (reply.outcome != TurnCommandReply::Outcome::Unreachable)
                return done(errorOf(reply.outcome), reply);
            // No answer: the turn may have ended meanwhile (then there is none to answer).
            self->m_sessions->summary(c.sessionId, [done, c](StoreResult<SessionRecord> again) {
                if (again.ok() && again.value().runningTurnId != c.turnId)
                    return done(Error::NoTurn, {});
                done(Error::TurnUnreachable, {});
            });
        });
    });
}

TurnCommandReply ChatService::applyHere(const TurnCommand &command)
{
    using O = TurnCommandReply::Outcome;
    ReactAgent *agent = runningAgent(command.sessionId);
    if (!agent || agent->turnId() != command.turnId)
        return {O::NotHere, {}, {}};
    switch (command.kind) {
    case TurnCommand::Kind::Cancel:
        if (!agent->isRunning())
            return {O::NoTurn, {}, {}};
        agent->cancel();
        return {O::Ok, {}, {}};
    case TurnCommand::Kind::Approve: {
        const auto pending = agent->pendingApproval(command.requestId);
        const auto scope = approvalScopeFromName(command.scope);
        TurnCommandReply reply {
                outcomeOf(approve(command.sessionId, command.requestId, command.approved,
                                  scope.value_or(ApprovalScope::Once))),
                {},
                {}};
        if (reply.outcome == O::Ok && pending) {
            reply.server = pending->server;
            reply.tool = pending->tool;
        }
        return reply;
    }
    case TurnCommand::Kind::Elicit:
        return {outcomeOf(elicit(command.sessionId, command.requestId, command.action,
                                 command.content)),
                {},
                {}};
    }
    return {O::NotHere, {}, {}};
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

void ChatService::cancelAll(std::function<void()> done)
{
    const auto agents = m_agents.values();
    auto left = std::make_shared<int>(0);
    auto once = std::make_shared<std::function<void()>>(std::move(done));
    const auto finish = [once] {
        if (*once)
            std::exchange(*once, {})();
    };
    for (const QPointer<ReactAgent> &a : agents) {
        if (!a || !a->isRunning())
            continue;
        ++*left;
        connect(a, &ReactAgent::finished, this, [left, finish] {
            if (--*left == 0)
                finish();
        });
        a->cancel();
    }
    if (*left == 0)
        return QMetaObject::invokeMethod(this, finish, Qt::QueuedConnection), void();
    QTimer::singleShot(kShutdownWaitMs, this, finish);
}
