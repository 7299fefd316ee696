#include "reactagent.h"

#include "approvalrules.h"
#include "contexttrimmer.h"
#include "logging.h"
#include "registrytoolinvoker.h"
#include "resultmapper.h"
#include "serverrequesthandler.h"
#include "serverrequestrouter.h"
#include "session.h"
#include "systempromptbuilder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>
#include <QUuid>

namespace {

const QString kIteration = QStringLiteral("iteration");
const QString kCallId = QStringLiteral("call_id");
const QString kTool = QStringLiteral("tool");

} // namespace

ReactAgent::ReactAgent(Session *session, ChatModel *model, ServerRegistry *registry,
                       AgentOptions options, QObject *parent)
    : ReactAgent(session, model, static_cast<ToolInvoker *>(nullptr), std::move(options), parent)
{
    m_ownTools = std::make_unique<RegistryToolInvoker>(registry);
    m_tools = m_ownTools.get();
}

ReactAgent::ReactAgent(Session *session, ChatModel *model, ToolInvoker *tools, AgentOptions options,
                       QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_model(model)
    , m_tools(tools)
    , m_options(std::move(options))
    , m_requests(new ServerRequestHandler(model, m_options, this))
{
    connect(m_requests, &ServerRequestHandler::eventReady, this,
            [this](StreamEventType type, const QJsonObject &data) { emitEvent(type, data); });
}

ReactAgent::~ReactAgent()
{
    // Destroyed mid-turn (its owner went away): stop quietly, no events.
    if (isRunning()) {
        if (m_stream) {
            m_stream->disconnect(this);
            m_stream->cancel();
        }
        m_requests->abortAll();
        for (Call &c : m_calls) {
            if (c.running && m_tools)
                m_tools->cancel(c.server, c.requestId, QStringLiteral("cancelled by the user"));
        }
        if (m_router)
            m_router->detach(this);
        if (m_session && m_session->turnId() == m_turnId)
            m_session->endTurn(turnRecord(), [] {});
    }
}

QString ReactAgent::stateName(State state)
{
    switch (state) {
    case State::Idle:
        return QStringLiteral("idle");
    case State::Starting:
        return QStringLiteral("starting");
    case State::Thinking:
        return QStringLiteral("thinking");
    case State::Acting:
        return QStringLiteral("acting");
    case State::Observing:
        return QStringLiteral("observing");
    case State::Answered:
        return QStringLiteral("answered");
    case State::Cancelled:
        return QStringLiteral("cancelled");
    case State::Failed:
        return QStringLiteral("failed");
    }
    return {};
}

bool ReactAgent::isRunning() const
{
    return m_state == State::Thinking || m_state == State::Acting || m_state == State::Observing;
}

bool ReactAgent::hasRunningToolOn(const QString &server) const
{
    for (const Call &c : m_calls) {
        if (c.running && c.server == server)
            return true;
    }
    return false;
}

void ReactAgent::setState(State state)
{
    if (m_state == state)
        return;
    qCDebug(lcAgent) << m_turnId << stateName(m_state) << "->" << stateName(state);
    m_state = state;
    Q_EMIT stateChanged(state);
}

void ReactAgent::emitEvent(StreamEventType type, const QJsonObject &data)
{
    if (m_session)
        m_session->append(StreamEvent::make(type, data, m_turnId));
}

bool ReactAgent::start(const QString &userMessage)
{
    if (m_state != State::Idle || !m_session || !m_model || m_session->isBusy())
        return false;
    m_turnId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    m_input = userMessage;
    setState(State::Starting);
    // The store grants the turn (another caller or instance may hold the session's lease).
    QPointer<ReactAgent> self(this);
    m_session->beginTurn(m_turnId, [self, userMessage](std::optional<StoreError> error) {
        if (!self || self->m_state != State::Starting)
            return;
        if (error) {
            qCInfo(lcAgent).noquote() << "turn" << self->m_turnId << "refused:" << error->message;
            self->setState(State::Failed);
            Q_EMIT self->refused(*error);
            return;
        }
        connect(self->m_session, &Session::writeFailed, self, &ReactAgent::onWriteFailed);
        self->m_session->appendMessage(ChatMessage::user(userMessage));
        if (self->m_router)
            self->m_router->attach(self);
        qCInfo(lcAgent) << "turn" << self->m_turnId << "of session" << self->m_session->id()
                        << "started";
        Q_EMIT self->started();
        self->think();
    });
    return true;
}

void ReactAgent::onWriteFailed(const StoreError &error)
{
    if (!isRunning())
        return;
    // Nothing more of this turn can be stored: stop its work without further events.
    qCWarning(lcAgent).noquote() << "turn" << m_turnId << "stops: its steps cannot be stored -"
                                 << error.message;
    if (m_stream) {
        m_stream->disconnect(this);
        m_stream->cancel();
    }
    for (Call &c : m_calls) {
        if (c.running && m_tools)
            m_tools->cancel(c.server, c.requestId, QStringLiteral("the turn was stopped"));
    }
    finishTurn(State::Failed);
}

TurnRecord ReactAgent::turnRecord() const
{
    TurnRecord t;
    t.id = m_turnId;
    t.iterations = m_iteration;
    switch (m_state) {
    case State::Answered:
        t.state = m_stopReason == QLatin1String("max_iterations") ? TurnState::MaxIterations
                                                                  : TurnState::Answered;
        break;
    case State::Cancelled:
        t.state = TurnState::Cancelled;
        break;
    case State::Failed:
        t.state = TurnState::Failed;
        break;
    default:
        t.state = TurnState::Interrupted; // destroyed mid-turn
        break;
    }
    return t;
}

void ReactAgent::think()
{
    ++m_iteration;
    setState(State::Thinking);
    QJsonObject data {{kIteration, m_iteration}};
    if (m_iteration == 1)
        data.insert(QStringLiteral("input"), m_input);
    emitEvent(StreamEventType::Thinking, data);

    if (!m_session || !m_model) {
        finishTurn(State::Failed);
        return;
    }
    ChatRequest request;
    const QString system = SystemPromptBuilder::build(
            m_options.systemPrompt,
            m_tools ? m_tools->instructions() : QList<ToolInvoker::ServerInstructions>());
    if (!system.isEmpty())
        request.messages.append(ChatMessage::system(system));
    request.messages += m_session->messages();
    request.messages = ContextTrimmer::trim(request.messages, m_options.contextBudgetTokens);
    if (m_tools)
        request.tools = m_tools->toolDefinitions();
    request.limits = outputLimits();
    const bool last = m_forceAnswer || m_iteration >= m_options.maxIterations;
    if (last || request.tools.isEmpty())
        request.toolChoice = ToolChoice::None;

    m_stream = m_model->start(request);
    const int iteration = m_iteration;
    connect(m_stream, &ChatStream::textDelta, this, [this, iteration](const QString &delta) {
        emitEvent(StreamEventType::PartialResponse,
                  {{kIteration, iteration}, {QStringLiteral("delta"), delta}});
    });
    connect(m_stream, &ChatStream::usage, this, [this](const Usage &u) {
        m_usage.inputTokens += u.inputTokens;
        m_usage.outputTokens += u.outputTokens;
    });
    connect(m_stream, &ChatStream::finished, this, &ReactAgent::onModelFinished);
    connect(m_stream, &ChatStream::errorOccurred, this, &ReactAgent::onModelError);
}

void ReactAgent::onModelFinished(StopReason reason)
{
    ChatStream *stream = m_stream;
    m_stream = nullptr;
    if (!stream || !isRunning())
        return;
    stream->deleteLater();
    m_turnTextBytes += stream->outputBytes();
    const QString text = stream->text();
    const QList<ToolCall> calls = stream->toolCalls();
    const bool last = m_forceAnswer || m_iteration >= m_options.maxIterations;
    qCDebug(lcAgent) << "iteration" << m_iteration << "ended:" << stopReasonName(reason)
                     << calls.size() << "tool calls";
    if (calls.isEmpty() || last) {
        // A model that asks for tools when it may not is answered with its text.
        m_session->appendMessage(ChatMessage::assistant(text));
        const bool capped
                = m_iteration >= m_options.maxIterations && !m_forceAnswer && m_iteration > 1;
        finishWithAnswer(text,
                         capped ? QStringLiteral("max_iterations") : QStringLiteral("answer"));
        return;
    }
    QList<ToolCall> named = calls;
    for (int i = 0; i < named.size(); ++i) {
        if (named[i].id.isEmpty())
            named[i].id = QStringLiteral("call_%1_%2").arg(m_iteration).arg(i + 1);
    }
    m_session->appendMessage(ChatMessage::assistant(text, named));
    act(named);
}

void ReactAgent::onModelError(const LlmError &error)
{
    ChatStream *stream = m_stream;
    m_stream = nullptr;
    if (stream)
        stream->deleteLater();
    if (!isRunning())
        return;
    qCWarning(lcAgent) << "model error in turn" << m_turnId << error.code() << error.message;
    emitEvent(StreamEventType::Error, ResultMapper::errorEventData(error, m_options));
    finishTurn(State::Failed);
}

void ReactAgent::act(const QList<ToolCall> &calls)
{
    setState(State::Acting);
    m_calls.clear();
    for (const ToolCall &call : calls) {
        Call c;
        c.call = call;
        c.tool = call.name;
        if (m_tools) {
            if (const auto resolved = m_tools->resolve(call.name)) {
                c.server = resolved->server;
                c.tool = resolved->tool.name;
                c.mcpTool = resolved->tool;
                c.known = true;
            }
        }
        m_calls.append(c);
    }

    // Completions inside this loop (denials, unknown tools, synchronous failures) must not
    // move on to Observe before every call was announced.
    m_dispatching = true;
    for (int i = 0; i < m_calls.size() && isRunning(); ++i) {
        Call &c = m_calls[i];
        ApprovalPolicy::Decision decision = ApprovalPolicy::Decision::Allow;
        bool unattended = false; // the policy asks, but this turn does not wait for approvals
        if (c.known) {
            decision = m_rules && m_session
                    ? m_rules->decideTool(m_session->id(), c.server, c.mcpTool, c.call.name)
                    : m_options.approval.decide(c.server, c.mcpTool, c.call.name);
            if (decision == ApprovalPolicy::Decision::Ask && !m_options.waitForApproval) {
                decision = ApprovalPolicy::Decision::Deny;
                unattended = true;
            }
        }
        const QString key = c.call.name + QLatin1Char(' ')
                + QString::fromUtf8(QJsonDocument(c.call.arguments).toJson(QJsonDocument::Compact));
        const int count = ++m_callCounts[key];
        const bool guarded = count >= m_options.loopGuardRepeats && m_options.loopGuardRepeats > 0;

        const QString approval = decision == ApprovalPolicy::Decision::Ask && !guarded
                ? QStringLiteral("required")
                : decision == ApprovalPolicy::Decision::Deny && !guarded ? QStringLiteral("denied")
                                                                         : QStringLiteral("auto");
        emitEvent(StreamEventType::ToolCall,
                  {{kIteration, m_iteration},
                   {kCallId, c.call.id},
                   {QStringLiteral("server"), c.server},
                   {kTool, c.tool},
                   {QStringLiteral("arguments"), c.call.arguments},
                   {QStringLiteral("approval"), approval}});
        if (!isRunning() || m_cancelling)
            break; // a subscriber cancelled the turn

        if (guarded) {
            m_forceAnswer = true;
            resolveWithoutRunning(
                    i,
                    QStringLiteral("Loop guard: %1 was already called %2 times with the same "
                                   "arguments in this turn, so it was not run again. Do not "
                                   "call it again; answer the user with what you have.")
                            .arg(c.call.name)
                            .arg(count - 1));
        } else if (!c.known) {
            resolveWithoutRunning(i, QStringLiteral("Unknown tool: %1").arg(c.call.name));
        } else if (decision == ApprovalPolicy::Decision::Deny) {
            resolveWithoutRunning(
                    i,
                    unattended ? QStringLiteral("The call to %1 was denied: it needs the user's "
                                                "approval, and this turn does not wait for "
                                                "approvals.")
                                         .arg(c.call.name)
                               : QStringLiteral("The call to %1 was denied by the approval "
                                                "policy.")
                                         .arg(c.call.name));
        } else if (decision == ApprovalPolicy::Decision::Ask) {
            c.approvalTimer = new QTimer(this);
            c.approvalTimer->setSingleShot(true);
            const QString id = c.call.id;
            connect(c.approvalTimer, &QTimer::timeout, this, [this, id] {
                for (int k = 0; k < m_calls.size(); ++k) {
                    if (m_calls[k].call.id == id && !m_calls[k].done && !m_calls[k].running) {
                        qCInfo(lcAgent) << "approval of" << id << "timed out";
                        resolveWithoutRunning(
                                k,
                                QStringLiteral("The call to %1 was denied: nobody approved it "
                                               "within %2 s.")
                                        .arg(m_calls[k].call.name)
                                        .arg(m_options.approvalTimeoutMs / 1000.0));
                        checkObserved();
                    }
                }
            });
            c.approvalTimer->start(std::max(0, m_options.approvalTimeoutMs));
        } else {
            runCall(i);
        }
    }
    m_dispatching = false;
    checkObserved();
}

bool ReactAgent::approve(const QString &id, bool approved)
{
    if (!isRunning())
        return false;
    if (m_requests->approve(id, approved))
        return true;
    for (int i = 0; i < m_calls.size(); ++i) {
        Call &c = m_calls[i];
        if (c.call.id != id || !c.approvalTimer || c.running || c.done)
            continue;
        c.approvalTimer->stop();
        qCInfo(lcAgent) << "call" << id << (approved ? "approved" : "denied");
        if (approved)
            runCall(i);
        else
            resolveWithoutRunning(
                    i, QStringLiteral("The user denied the call to %1.").arg(c.call.name));
        checkObserved();
        return true;
    }
    return false;
}

void ReactAgent::setApprovalRules(ApprovalRules *rules)
{
    m_rules = rules;
    if (!rules) {
        m_requests->setSamplingDecider({});
        return;
    }
    const QPointer<ApprovalRules> guard(rules);
    const QPointer<Session> session(m_session);
    const ApprovalPolicy::Decision fallback = m_options.approval.sampling;
    m_requests->setSamplingDecider([guard, session, fallback](const QString &server) {
        return guard && session ? guard->decideSampling(session->id(), server) : fallback;
    });
}

std::optional<ReactAgent::PendingApproval> ReactAgent::pendingApproval(const QString &id) const
{
    if (!isRunning())
        return std::nullopt;
    if (const auto server = m_requests->waitingSamplingServer(id))
        return PendingApproval {*server, QString(), true};
    for (const Call &c : m_calls) {
        if (c.call.id == id && c.approvalTimer && !c.running && !c.done)
            return PendingApproval {c.server, c.tool, false};
    }
    return std::nullopt;
}

void ReactAgent::reconsiderApprovals()
{
    if (!isRunning() || !m_rules || !m_session)
        return;
    m_requests->reconsider();
    if (m_state != State::Acting)
        return;
    // As in act(): nothing moves on to Observe before every waiting call was looked at.
    m_dispatching = true;
    for (int i = 0; i < m_calls.size() && isRunning(); ++i) {
        Call &c = m_calls[i];
        if (!c.approvalTimer || c.running || c.done)
            continue;
        const ApprovalPolicy::Decision d
                = m_rules->decideTool(m_session->id(), c.server, c.mcpTool, c.call.name);
        if (d == ApprovalPolicy::Decision::Ask)
            continue;
        c.approvalTimer->stop();
        qCInfo(lcAgent) << "call" << c.call.id << "decided by the user's new rule";
        if (d == ApprovalPolicy::Decision::Allow)
            runCall(i);
        else
            resolveWithoutRunning(
                    i, QStringLiteral("The user denied the call to %1.").arg(c.call.name));
    }
    m_dispatching = false;
    checkObserved();
}

void ReactAgent::runCall(int index)
{
    Call &c = m_calls[index];
    if (!m_tools) {
        resolveWithoutRunning(index, QStringLiteral("The server %1 is not ready.").arg(c.server));
        return;
    }
    c.running = true;
    c.clock.start();
    const QString id = c.call.id;
    const int iteration = m_iteration;
    emitEvent(StreamEventType::Acting, {{kIteration, iteration}, {kCallId, id}, {kTool, c.tool}});
    const QString tool = c.tool;
    QString whyNot;
    const std::optional<qint64> requestId = m_tools->call(
            c.server, c.tool, c.call.arguments,
            [this, index, id](const Mcp::ToolResult &result) {
                if (index < m_calls.size() && m_calls[index].call.id == id
                    && m_calls[index].running)
                    completeCall(index, result);
            },
            [this, iteration, id, tool](const RpcProgress &p) {
                if (!isRunning())
                    return;
                QJsonObject data {{kIteration, iteration},
                                  {kCallId, id},
                                  {kTool, tool},
                                  {QStringLiteral("progress"), p.progress}};
                if (p.total)
                    data.insert(QStringLiteral("total"), *p.total);
                if (!p.message.isEmpty())
                    data.insert(QStringLiteral("message"), p.message);
                emitEvent(StreamEventType::Acting, data);
            },
            m_options.toolTimeoutMs, this, &whyNot);
    if (!requestId) {
        if (index < m_calls.size() && m_calls[index].call.id == id) {
            m_calls[index].running = false;
            resolveWithoutRunning(index, whyNot);
        }
        return;
    }
    // The callback may already have run (and the turn moved on): look the call up again.
    if (index < m_calls.size() && m_calls[index].call.id == id)
        m_calls[index].requestId = *requestId;
}

void ReactAgent::completeCall(int index, const Mcp::ToolResult &result)
{
    Call &c = m_calls[index];
    c.running = false;
    c.done = true;
    c.isError = result.isError;
    bool truncated = false;
    c.resultText = ResultMapper::modelText(result, m_options.toolResultLimitBytes, &truncated);
    if (truncated)
        qCInfo(lcAgent) << "result of" << c.call.id << "truncated for the model";
    emitEvent(StreamEventType::Observing,
              {{kIteration, m_iteration},
               {kCallId, c.call.id},
               {kTool, c.tool},
               {QStringLiteral("is_error"), result.isError},
               {QStringLiteral("content"),
                ResultMapper::eventContent(result, m_options.eventContentLimitBytes)},
               {QStringLiteral("duration_ms"), c.clock.isValid() ? c.clock.elapsed() : 0}});
    checkObserved();
}

void ReactAgent::resolveWithoutRunning(int index, const QString &text, bool ran)
{
    Call &c = m_calls[index];
    // A call cancelled while it ran still reports how long it ran; one never started, 0.
    const qint64 ranMs = (ran || c.running) && c.clock.isValid() ? c.clock.elapsed() : 0;
    c.running = false;
    c.done = true;
    c.isError = true;
    c.resultText = text;
    emitEvent(StreamEventType::Observing,
              {{kIteration, m_iteration},
               {kCallId, c.call.id},
               {kTool, c.tool},
               {QStringLiteral("is_error"), true},
               {QStringLiteral("content"), ResultMapper::textBlocks(text)},
               {QStringLiteral("duration_ms"), ranMs}});
}

void ReactAgent::checkObserved()
{
    if (m_dispatching || m_state != State::Acting)
        return;
    for (const Call &c : std::as_const(m_calls)) {
        if (!c.done)
            return;
    }
    observe();
}

void ReactAgent::observe()
{
    setState(State::Observing);
    // The results go back in the model's order, whatever order they finished in.
    for (Call &c : m_calls) {
        if (c.approvalTimer)
            c.approvalTimer->deleteLater(); // it may be the sender of the current signal
        c.approvalTimer = nullptr;
        m_session->appendMessage(
                ChatMessage::toolResult(c.call.id, c.call.name, c.resultText, c.isError));
    }
    m_calls.clear();
    think();
}

void ReactAgent::closeOpenCalls(const QString &text)
{
    for (int i = 0; i < m_calls.size(); ++i) {
        Call &c = m_calls[i];
        if (c.done)
            continue;
        const bool wasRunning = c.running;
        c.running = false; // the cancelled request's callback is ignored from here on
        if (wasRunning && m_tools)
            m_tools->cancel(c.server, c.requestId, text);
        resolveWithoutRunning(i, text, wasRunning);
    }
    for (Call &c : m_calls) {
        if (c.approvalTimer)
            c.approvalTimer->deleteLater(); // it may be the sender of the current signal
        c.approvalTimer = nullptr;
        m_session->appendMessage(
                ChatMessage::toolResult(c.call.id, c.call.name, c.resultText, c.isError));
    }
    m_calls.clear();
}

void ReactAgent::cancel()
{
    if (!isRunning() || m_cancelling)
        return;
    m_cancelling = true;
    qCInfo(lcAgent) << "turn" << m_turnId << "cancelled in state" << stateName(m_state);
    QString partial;
    if (m_stream) {
        ChatStream *stream = m_stream;
        m_stream = nullptr;
        partial = stream->text();
        stream->disconnect(this);
        stream->cancel();
        stream->deleteLater();
    }
    m_requests->abortAll();
    // Every tool call the session already holds gets a result, so the history stays valid for
    // the providers (a tool call must be followed by its result).
    closeOpenCalls(QStringLiteral("Cancelled by the user."));
    if (!partial.isEmpty())
        m_session->appendMessage(ChatMessage::assistant(partial));
    m_answer = partial;
    m_stopReason = QStringLiteral("cancelled");
    emitEvent(StreamEventType::FinalResponse,
              {{kIteration, m_iteration},
               {QStringLiteral("content"), partial},
               {QStringLiteral("iterations"), m_iteration},
               {QStringLiteral("stop_reason"), m_stopReason},
               {QStringLiteral("usage"), usageJson()}});
    finishTurn(State::Cancelled);
}

OutputLimits ReactAgent::outputLimits() const
{
    OutputLimits limits;
    // What is left of the turn's text budget (at least a byte: 0 would mean "no bound").
    if (m_options.maxTurnTextBytes > 0)
        limits.maxTextBytes = std::max<qint64>(1, m_options.maxTurnTextBytes - m_turnTextBytes);
    limits.maxToolArgumentBytes = m_options.maxToolArgumentBytes;
    limits.maxToolCalls = AgentOptions::kMaxToolCallsPerAnswer;
    return limits;
}

QJsonObject ReactAgent::usageJson() const
{
    return {{QStringLiteral("input_tokens"), m_usage.inputTokens},
            {QStringLiteral("output_tokens"), m_usage.outputTokens}};
}

void ReactAgent::finishWithAnswer(const QString &text, const QString &stopReason)
{
    m_answer = text;
    m_stopReason = stopReason;
    emitEvent(StreamEventType::FinalResponse,
              {{kIteration, m_iteration},
               {QStringLiteral("content"), text},
               {QStringLiteral("iterations"), m_iteration},
               {QStringLiteral("stop_reason"), stopReason},
               {QStringLiteral("usage"), usageJson()}});
    finishTurn(State::Answered);
}

void ReactAgent::finishTurn(State state)
{
    m_requests->abortAll();
    setState(state);
    if (m_router)
        m_router->detach(this);
    qCInfo(lcAgent) << "turn" << m_turnId << "ended:" << stateName(state) << "after" << m_iteration
                    << "iterations";
    if (!m_session)
        return Q_EMIT finished();
    // Finished once the store holds every step of the turn.
    QPointer<ReactAgent> self(this);
    m_session->endTurn(turnRecord(), [self] {
        if (self)
            Q_EMIT self->finished();
    });
}

// --- requests from MCP servers -----------------------------------------------------------

void ReactAgent::handleSampling(const QString &server, const QJsonObject &params,
                                RpcResponder responder)
{
    if (!isRunning()) {
        responder.fail(-1, QStringLiteral("the host's approval policy denies sampling"));
        return;
    }
    m_requests->handleSampling(server, params, std::move(responder));
}

void ReactAgent::handleElicitation(const QString &server, const QJsonObject &params,
                                   RpcResponder responder)
{
    if (!isRunning()) {
        responder.reply({{QStringLiteral("action"), QStringLiteral("cancel")}});
        return;
    }
    m_requests->handleElicitation(server, params, std::move(responder));
}

bool ReactAgent::answerElicitation(const QString &requestId, const QString &action,
                                   const QJsonObject &content)
{
    return m_requests->answerElicitation(requestId, action, content);
}
