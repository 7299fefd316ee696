#include "reactagent.h"

#include "contexttrimmer.h"
#include "jsonrpcsession.h"
#include "logging.h"
#include "mcpclient.h"
#include "serverregistry.h"
#include "serverrequestrouter.h"
#include "session.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>
#include <QUuid>

namespace {

QString shortId(const char *prefix)
{
    return QLatin1String(prefix) + QUuid::createUuid().toString(QUuid::Id128).left(12);
}

const QString kIteration = QStringLiteral("iteration");
const QString kCallId = QStringLiteral("call_id");
const QString kTool = QStringLiteral("tool");

// More tool calls than any real answer asks for at once; each may carry maxToolArgumentBytes.
constexpr int kMaxToolCallsPerAnswer = 128;

/// The `error` event's message for a model error: a bound that was passed names its setting.
QString modelErrorMessage(const LlmError &error, const AgentOptions &options)
{
    if (error.kind != LlmError::Kind::OutputTooLarge)
        return error.message;
    switch (error.bound) {
    case LlmError::Bound::Text:
        return QStringLiteral("the model's answer exceeded %1 (agent.max_turn_text_bytes)")
                .arg(byteSizeText(options.maxTurnTextBytes));
    case LlmError::Bound::ToolArguments:
        return QStringLiteral("the arguments of a tool call exceeded %1 "
                              "(agent.max_tool_argument_bytes)")
                .arg(byteSizeText(options.maxToolArgumentBytes));
    case LlmError::Bound::ToolCalls:
        return QStringLiteral("the model asked for more than %1 tool calls in one answer")
                .arg(kMaxToolCallsPerAnswer);
    case LlmError::Bound::Event:
    case LlmError::Bound::None:
        break;
    }
    return error.message;
}

QJsonArray textBlocks(const QString &text)
{
    return {QJsonObject {{QStringLiteral("type"), QStringLiteral("text")},
                         {QStringLiteral("text"), text}}};
}

} // namespace

struct ReactAgent::Sampling
{
    QString server;
    QJsonObject params;
    RpcResponder responder;
    QTimer *timer = nullptr;
    QPointer<ChatStream> stream;
};

struct ReactAgent::Elicitation
{
    QString server;
    RpcResponder responder;
    QTimer *timer = nullptr;
};

ReactAgent::ReactAgent(Session *session, ChatModel *model, ServerRegistry *registry,
                       AgentOptions options, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_model(model)
    , m_registry(registry)
    , m_options(std::move(options))
{ }

ReactAgent::~ReactAgent()
{
    // Destroyed mid-turn (its owner went away): stop quietly, no events.
    if (isRunning()) {
        if (m_stream) {
            m_stream->disconnect(this);
            m_stream->cancel();
        }
        abortServerRequests();
        for (Call &c : m_calls) {
            if (c.running && m_registry) {
                if (ServerConnection *conn = m_registry->connection(c.server);
                    conn && conn->client())
                    conn->client()->cancelRequest(c.requestId);
            }
        }
        if (m_router)
            m_router->detach(this);
        if (m_session && m_session->turnId() == m_turnId)
            m_session->endTurn();
    }
}

QString ReactAgent::stateName(State state)
{
    switch (state) {
    case State::Idle:
        return QStringLiteral("idle");
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

QList<ToolDefinition> ReactAgent::toolDefinitions(const ServerRegistry *registry)
{
    QList<ToolDefinition> out;
    if (!registry)
        return out;
    for (const ServerRegistry::CatalogEntry &entry : registry->catalog()) {
        QJsonObject schema = entry.tool.inputSchema;
        if (schema.isEmpty())
            schema = {{QStringLiteral("type"), QStringLiteral("object")}};
        const QString description
                = entry.tool.description.isEmpty() ? entry.tool.title : entry.tool.description;
        out.append({entry.name, description, schema});
    }
    return out;
}

QString ReactAgent::truncateForModel(const QString &text, qint64 limitBytes, bool *truncated)
{
    const QByteArray utf8 = text.toUtf8();
    if (truncated)
        *truncated = false;
    if (limitBytes <= 0 || utf8.size() <= limitBytes)
        return text;
    qsizetype cut = limitBytes;
    // Do not split a UTF-8 sequence: back up to the start of a character.
    while (cut > 0 && (uchar(utf8.at(cut)) & 0xC0) == 0x80)
        --cut;
    if (truncated)
        *truncated = true;
    return QString::fromUtf8(utf8.left(cut))
            + QStringLiteral("\n[truncated: %1 of %2 bytes shown]").arg(cut).arg(utf8.size());
}

void ReactAgent::setState(State state)
{
    if (m_state == state)
        return;
    qCDebug(lcAgent) << m_turnId << stateName(m_state) << "->" << stateName(state);
    m_state = state;
    Q_EMIT stateChanged(state);
}

void ReactAgent::emitEvent(StreamEventType type, QJsonObject data)
{
    if (m_session)
        m_session->append(StreamEvent::make(type, data, m_turnId));
}

bool ReactAgent::start(const QString &userMessage)
{
    if (m_state != State::Idle || !m_session || !m_model)
        return false;
    const QString turnId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    if (!m_session->beginTurn(turnId))
        return false;
    m_turnId = turnId;
    m_input = userMessage;
    m_session->appendMessage(ChatMessage::user(userMessage));
    if (m_router)
        m_router->attach(this);
    qCInfo(lcAgent) << "turn" << m_turnId << "of session" << m_session->id() << "started";
    think();
    return true;
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
    const QString system = systemPrompt();
    if (!system.isEmpty())
        request.messages.append(ChatMessage::system(system));
    request.messages += m_session->messages();
    request.messages = ContextTrimmer::trim(request.messages, m_options.contextBudgetTokens);
    request.tools = toolDefinitions(m_registry);
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
    emitEvent(StreamEventType::Error,
              {{QStringLiteral("code"), error.code()},
               {QStringLiteral("message"), modelErrorMessage(error, m_options)},
               {QStringLiteral("retryable"), error.retryable}});
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
        if (m_registry) {
            if (const auto entry = m_registry->findTool(call.name)) {
                c.server = entry->server;
                c.tool = entry->tool.name;
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
        if (c.known) {
            const auto entry = m_registry->findTool(c.call.name);
            decision = m_options.approval.decide(c.server, entry->tool, c.call.name);
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
                    QStringLiteral("The call to %1 was denied by the approval policy.")
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
    if (m_samplings.contains(id)) {
        answerSampling(id, approved);
        return true;
    }
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

void ReactAgent::runCall(int index)
{
    Call &c = m_calls[index];
    ServerConnection *connection = m_registry ? m_registry->connection(c.server) : nullptr;
    McpClient *client = connection ? connection->client() : nullptr;
    if (!client) {
        resolveWithoutRunning(index,
                              QStringLiteral("The server %1 is not ready%2.")
                                      .arg(c.server,
                                           connection && !connection->reason().isEmpty()
                                                   ? QStringLiteral(": ") + connection->reason()
                                                   : QString()));
        return;
    }
    c.running = true;
    c.clock.start();
    const QString id = c.call.id;
    const int iteration = m_iteration;
    emitEvent(StreamEventType::Acting, {{kIteration, iteration}, {kCallId, id}, {kTool, c.tool}});
    const QString tool = c.tool;
    const qint64 requestId = client->callTool(
            c.tool, c.call.arguments,
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
            m_options.toolTimeoutMs, this);
    // The callback may already have run (and the turn moved on): look the call up again.
    if (index < m_calls.size() && m_calls[index].call.id == id)
        m_calls[index].requestId = requestId;
}

QJsonArray ReactAgent::eventContent(const Mcp::ToolResult &result) const
{
    QJsonArray content = result.content;
    if (content.isEmpty() && result.structuredContent)
        content = textBlocks(QString::fromUtf8(
                QJsonDocument(*result.structuredContent).toJson(QJsonDocument::Compact)));
    for (qsizetype i = 0; i < content.size(); ++i) {
        QJsonObject block = content.at(i).toObject();
        if (block.value(QStringLiteral("type")).toString() != QLatin1String("text"))
            continue;
        bool truncated = false;
        const QString text = truncateForModel(block.value(QStringLiteral("text")).toString(),
                                              m_options.eventContentLimitBytes, &truncated);
        if (truncated) {
            block.insert(QStringLiteral("text"), text);
            block.insert(QStringLiteral("truncated"), true);
            content.replace(i, block);
        }
    }
    return content;
}

void ReactAgent::completeCall(int index, const Mcp::ToolResult &result)
{
    Call &c = m_calls[index];
    c.running = false;
    c.done = true;
    c.isError = result.isError;
    QString text = result.text();
    if (text.isEmpty() && result.structuredContent)
        text = QString::fromUtf8(
                QJsonDocument(*result.structuredContent).toJson(QJsonDocument::Compact));
    bool truncated = false;
    c.resultText = truncateForModel(text, m_options.toolResultLimitBytes, &truncated);
    if (truncated)
        qCInfo(lcAgent) << "result of" << c.call.id << "truncated for the model";
    emitEvent(StreamEventType::Observing,
              {{kIteration, m_iteration},
               {kCallId, c.call.id},
               {kTool, c.tool},
               {QStringLiteral("is_error"), result.isError},
               {QStringLiteral("content"), eventContent(result)},
               {QStringLiteral("duration_ms"), c.clock.isValid() ? c.clock.elapsed() : 0}});
    checkObserved();
}

void ReactAgent::resolveWithoutRunning(int index, const QString &text)
{
    Call &c = m_calls[index];
    // A call cancelled while it ran still reports how long it ran; one never started, 0.
    const qint64 ranMs = c.running && c.clock.isValid() ? c.clock.elapsed() : 0;
    c.running = false;
    c.done = true;
    c.isError = true;
    c.resultText = text;
    emitEvent(StreamEventType::Observing,
              {{kIteration, m_iteration},
               {kCallId, c.call.id},
               {kTool, c.tool},
               {QStringLiteral("is_error"), true},
               {QStringLiteral("content"), textBlocks(text)},
               {QStringLiteral("duration_ms"), ranMs}});
}

QString ReactAgent::systemPrompt() const
{
    // The instructions servers give at initialize tell the model how to use their tools.
    QStringList parts;
    if (!m_options.systemPrompt.isEmpty())
        parts << m_options.systemPrompt;
    if (m_registry) {
        for (ServerConnection *c : m_registry->connections()) {
            const McpClient *client = c->client();
            if (client && !client->serverInfo().instructions.trimmed().isEmpty())
                parts << QStringLiteral("Instructions from the MCP server \"%1\":\n%2")
                                 .arg(c->name(), client->serverInfo().instructions.trimmed());
        }
    }
    return parts.join(QStringLiteral("\n\n"));
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
        if (wasRunning && m_registry) {
            if (ServerConnection *conn = m_registry->connection(c.server); conn && conn->client())
                conn->client()->cancelRequest(c.requestId, text);
        }
        resolveWithoutRunning(i, text);
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
    abortServerRequests();
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
    limits.maxToolCalls = kMaxToolCallsPerAnswer;
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
    abortServerRequests();
    setState(state);
    if (m_router)
        m_router->detach(this);
    if (m_session)
        m_session->endTurn();
    qCInfo(lcAgent) << "turn" << m_turnId << "ended:" << stateName(state) << "after" << m_iteration
                    << "iterations";
    Q_EMIT finished();
}

// --- requests from MCP servers -----------------------------------------------------------

void ReactAgent::abortServerRequests()
{
    const auto samplings = m_samplings;
    m_samplings.clear();
    for (const auto &s : samplings) {
        delete s->timer;
        if (s->stream) {
            s->stream->disconnect(this);
            s->stream->cancel();
            s->stream->deleteLater();
        }
        if (!s->responder.isAnswered())
            s->responder.fail(JsonRpc::RequestCancelled, QStringLiteral("the turn ended"));
    }
    const auto elicitations = m_elicitations;
    m_elicitations.clear();
    for (const auto &e : elicitations) {
        delete e->timer;
        if (!e->responder.isAnswered())
            e->responder.reply({{QStringLiteral("action"), QStringLiteral("cancel")}});
    }
}

void ReactAgent::handleSampling(const QString &server, const QJsonObject &params,
                                RpcResponder responder)
{
    const ApprovalPolicy::Decision decision = m_options.approval.sampling;
    if (!isRunning() || decision == ApprovalPolicy::Decision::Deny) {
        responder.fail(-1, QStringLiteral("the host's approval policy denies sampling"));
        return;
    }
    auto s = std::make_shared<Sampling>();
    s->server = server;
    s->params = params;
    s->responder = std::move(responder);
    const QString id = shortId("smp_");
    m_samplings.insert(id, s);
    const bool ask = decision == ApprovalPolicy::Decision::Ask;
    emitEvent(StreamEventType::Sampling,
              {{QStringLiteral("request_id"), id},
               {QStringLiteral("server"), server},
               {QStringLiteral("messages"), params.value(QStringLiteral("messages"))},
               {QStringLiteral("max_tokens"), params.value(QStringLiteral("maxTokens"))},
               {QStringLiteral("approval"),
                ask ? QStringLiteral("required") : QStringLiteral("auto")}});
    if (!ask) {
        runSampling(id);
        return;
    }
    s->timer = new QTimer(this);
    s->timer->setSingleShot(true);
    connect(s->timer, &QTimer::timeout, this, [this, id] { answerSampling(id, false); });
    s->timer->start(std::max(0, m_options.approvalTimeoutMs));
}

void ReactAgent::answerSampling(const QString &id, bool approved)
{
    const auto s = m_samplings.value(id);
    if (!s || s->stream)
        return;
    if (s->timer)
        s->timer->stop();
    if (approved) {
        runSampling(id);
        return;
    }
    m_samplings.remove(id);
    s->timer->deleteLater();
    s->timer = nullptr;
    s->responder.fail(-1, QStringLiteral("the user declined the sampling request"));
}

void ReactAgent::runSampling(const QString &id)
{
    const auto s = m_samplings.value(id);
    ChatRequest request;
    const QString system = s->params.value(QStringLiteral("systemPrompt")).toString();
    if (!system.isEmpty())
        request.messages.append(ChatMessage::system(system));
    for (const QJsonValue &v : s->params.value(QStringLiteral("messages")).toArray()) {
        const QJsonObject m = v.toObject();
        const QJsonValue content = m.value(QStringLiteral("content"));
        const QJsonArray blocks
                = content.isArray() ? content.toArray() : QJsonArray {content.toObject()};
        QStringList texts;
        for (const QJsonValue &b : blocks) {
            if (b.toObject().value(QStringLiteral("type")).toString() == QLatin1String("text"))
                texts << b.toObject().value(QStringLiteral("text")).toString();
        }
        const QString text = texts.join(QLatin1Char('\n'));
        request.messages.append(m.value(QStringLiteral("role")).toString()
                                                == QLatin1String("assistant")
                                        ? ChatMessage::assistant(text)
                                        : ChatMessage::user(text));
    }
    request.maxTokens = s->params.value(QStringLiteral("maxTokens")).toInt(0);
    request.toolChoice = ToolChoice::None;
    request.limits.maxTextBytes = m_options.maxTurnTextBytes;
    s->stream = m_model->start(request);
    connect(s->stream, &ChatStream::finished, this, [this, id](StopReason reason) {
        const auto s = m_samplings.take(id);
        if (!s)
            return;
        s->stream->deleteLater();
        delete s->timer;
        s->responder.reply(
                {{QStringLiteral("role"), QStringLiteral("assistant")},
                 {QStringLiteral("content"),
                  QJsonObject {{QStringLiteral("type"), QStringLiteral("text")},
                               {QStringLiteral("text"), s->stream->text()}}},
                 {QStringLiteral("model"),
                  m_model->modelName().isEmpty() ? m_model->displayName() : m_model->modelName()},
                 {QStringLiteral("stopReason"),
                  reason == StopReason::MaxTokens ? QStringLiteral("maxTokens")
                                                  : QStringLiteral("endTurn")}});
    });
    connect(s->stream, &ChatStream::errorOccurred, this, [this, id](const LlmError &error) {
        const auto s = m_samplings.take(id);
        if (!s)
            return;
        s->stream->deleteLater();
        delete s->timer;
        s->responder.fail(JsonRpc::InternalError, modelErrorMessage(error, m_options));
    });
}

void ReactAgent::handleElicitation(const QString &server, const QJsonObject &params,
                                   RpcResponder responder)
{
    if (!isRunning()) {
        responder.reply({{QStringLiteral("action"), QStringLiteral("cancel")}});
        return;
    }
    auto e = std::make_shared<Elicitation>();
    e->server = server;
    e->responder = std::move(responder);
    const QString id = shortId("eli_");
    m_elicitations.insert(id, e);
    QJsonObject data {{QStringLiteral("request_id"), id},
                      {QStringLiteral("server"), server},
                      {QStringLiteral("message"), params.value(QStringLiteral("message"))}};
    if (params.value(QStringLiteral("mode")).toString() == QLatin1String("url"))
        data.insert(QStringLiteral("url"), params.value(QStringLiteral("url")));
    else
        data.insert(QStringLiteral("schema"), params.value(QStringLiteral("requestedSchema")));
    emitEvent(StreamEventType::Elicitation, data);
    e->timer = new QTimer(this);
    e->timer->setSingleShot(true);
    connect(e->timer, &QTimer::timeout, this,
            [this, id] { answerElicitation(id, QStringLiteral("cancel")); });
    e->timer->start(std::max(0, m_options.elicitationTimeoutMs));
}

bool ReactAgent::answerElicitation(const QString &requestId, const QString &action,
                                   const QJsonObject &content)
{
    if (action != QLatin1String("accept") && action != QLatin1String("decline")
        && action != QLatin1String("cancel"))
        return false;
    const auto e = m_elicitations.take(requestId);
    if (!e)
        return false;
    e->timer->deleteLater();
    QJsonObject result {{QStringLiteral("action"), action}};
    if (action == QLatin1String("accept"))
        result.insert(QStringLiteral("content"), content);
    e->responder.reply(result);
    return true;
}
