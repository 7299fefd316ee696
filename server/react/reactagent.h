#pragma once

#include "agentoptions.h"
#include "chatmodel.h"
#include "mcptypes.h"
#include "serverrequestrouter.h"
#include "storetypes.h"
#include "streamevent.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>

#include <memory>
#include <optional>

class ApprovalRules;
class QTimer;
class RpcResponder;
class ServerRegistry;
class ServerRequestHandler;
class Session;
class ToolInvoker;
namespace Mcp {
struct ToolResult;
}

/// Runs one turn of a session: the ReAct cycle, as a plain state enum driven by the model's
/// and the tools' signals and callbacks.
///
/// @code
///            start(message)
///   Idle ───────────────────► Thinking ──(text only, or last iteration)──► Answered
///                              ▲    │
///                              │    └──(tool calls)──► Acting ──(every call observed)──┐
///                              │                        (approval, running tools)      │
///                              └────────────────────── Observing ◄─────────────────────┘
///                                 (results in the model's order)
///   any running state ──cancel()──► Cancelled      any state ──model error──► Failed
/// @endcode
///
/// Events (appended to the session, so its seq orders them), per iteration n:
/// `thinking` {iteration n, input on n = 1}; `partial_response` {iteration, delta} as text
/// streams; for each tool call in the model's order `tool_call` {iteration, call_id, server, tool,
/// arguments, approval auto/required/denied} then, when it starts, `acting` {iteration, call_id,
/// tool} (again with progress/total/message on MCP progress); `observing` {iteration, call_id,
/// tool, is_error, content, duration_ms} as each call ends (calls run concurrently). The turn
/// ends with exactly one of `final_response` {iteration, content, iterations, stop_reason
/// answer/max_iterations/cancelled, usage} or `error` {code, message, retryable}.
///
/// Rules: the `maxIterations`-th model call is made without tools (stop_reason
/// "max_iterations"); denied or timed-out approvals and loop-guarded calls are reported to the
/// model as error results; the third identical call (same tool, same arguments) in a turn is not
/// run and the next model call must answer. MCP sampling and elicitation requests reach the agent
/// through a ServerRequestRouter and are answered by the turn's ServerRequestHandler: `sampling`
/// {request_id, server, messages, max_tokens, approval} waits for approve(request_id) when the
/// policy says ask; `elicitation` {request_id, server, message, schema | url} waits for
/// answerElicitation(); a server that withdraws one gets a second event {request_id, server,
/// status "cancelled", reason}. With AgentOptions::waitForApproval false, what would wait for
/// approval is denied at once.
///
/// The agent reaches MCP servers only through a ToolInvoker (the tools to offer, running and
/// cancelling calls, the servers' instructions for the system prompt), and maps results with
/// ResultMapper.
///
/// The conversation (user message, assistant messages with their tool calls, tool results,
/// answer) is appended to the session as it happens, so the next turn has the context.
class ReactAgent : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReactAgent)

public:
    /// Starting: waiting for the store to grant the turn (start() until started() or refused()).
    enum class State { Idle, Starting, Thinking, Acting, Observing, Answered, Cancelled, Failed };
    Q_ENUM(State)

    /// None of the pointers is owned; all must outlive the turn.
    ReactAgent(Session *session, ChatModel *model, ServerRegistry *registry,
               AgentOptions options = {}, QObject *parent = nullptr);
    /// The same over any ToolInvoker (not owned).
    ReactAgent(Session *session, ChatModel *model, ToolInvoker *tools, AgentOptions options = {},
               QObject *parent = nullptr);
    ~ReactAgent() override;

    /// While running, the agent attaches itself to `router` to receive sampling/elicitation.
    void setRequestRouter(ServerRequestRouter *router) { m_router = router; }
    /// Decide approvals with the host's live rules (and this session's answers) instead of
    /// the options' policy; not owned.
    void setApprovalRules(ApprovalRules *rules);

    /// A question waiting for the user's approval.
    struct PendingApproval
    {
        QString server;
        QString tool; ///< "" for a sampling request
        bool sampling = false;
    };
    /// The `tool_call` (approval "required") or `sampling` request `id`, while it waits.
    [[nodiscard]] std::optional<PendingApproval> pendingApproval(const QString &id) const;
    /// Decides the waiting questions again with the rules (after one was answered with a
    /// scope): the ones they now allow run, the ones they deny are denied.
    void reconsiderApprovals();

    /// Starts the turn: asks the store for the session's lease, then runs (started()), or
    /// gives up (refused(), e.g. Busy: another turn holds it). False if the agent already ran
    /// or this session object runs a turn.
    bool start(const QString &userMessage);
    /// Stops the model stream and the running tools (MCP cancellation); ends the turn with
    /// `final_response` stop_reason "cancelled". No-op once the turn is over.
    void cancel();
    /// Answers a `tool_call` with approval "required", or a `sampling` request; false if no
    /// such question is pending.
    bool approve(const QString &id, bool approved);
    /// Answers an `elicitation`: action "accept" (with `content`), "decline" or "cancel".
    bool answerElicitation(const QString &requestId, const QString &action,
                           const QJsonObject &content = {});

    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] static QString stateName(State state);
    [[nodiscard]] bool isRunning() const;
    [[nodiscard]] const QString &turnId() const { return m_turnId; }
    [[nodiscard]] int iteration() const { return m_iteration; }
    /// After the turn: the answer, and stop_reason ("answer", "max_iterations", "cancelled").
    [[nodiscard]] const QString &answer() const { return m_answer; }
    [[nodiscard]] const QString &stopReason() const { return m_stopReason; }
    /// True while a tool call of this turn runs on `server` (the router asks).
    [[nodiscard]] bool hasRunningToolOn(const QString &server) const;

    /// Called by the router: a sampling/createMessage request from `server`.
    void handleSampling(const QString &server, const QJsonObject &params, RpcResponder responder);
    /// Called by the router: an elicitation/create request from `server`.
    void handleElicitation(const QString &server, const QJsonObject &params,
                           RpcResponder responder);

Q_SIGNALS:
    void stateChanged(ReactAgent::State state);
    /// The store granted the turn; its events follow.
    void started();
    /// The store did not grant the turn (no event was written); finished() does not follow.
    void refused(const StoreError &error);
    /// The turn is over and the store holds all of it; its last event was `final_response` or
    /// `error` (none when its writes failed: the store refused them).
    void finished();

private:
    struct Call
    {
        ToolCall call; ///< as the model asked (call.name is the model-facing name)
        QString server;
        QString tool; ///< the server's own tool name
        Mcp::Tool mcpTool; ///< as the server describes it (for the approval policy)
        bool known = false;
        bool running = false;
        bool done = false;
        qint64 requestId = -1;
        QElapsedTimer clock;
        QTimer *approvalTimer = nullptr;
        QString resultText; ///< for the model (truncated)
        bool isError = false;
    };

    void setState(State state);
    void onWriteFailed(const StoreError &error);
    /// The turn as the store keeps it when it ends.
    [[nodiscard]] TurnRecord turnRecord() const;
    void emitEvent(StreamEventType type, const QJsonObject &data);
    void think();
    void onModelFinished(StopReason reason);
    void onModelError(const LlmError &error);
    void act(const QList<ToolCall> &calls);
    void runCall(int index);
    void completeCall(int index, const Mcp::ToolResult &result);
    /// Ends call `index` with `text` as its error; `ran`: it was running until now (so its
    /// observation reports how long it ran).
    void resolveWithoutRunning(int index, const QString &text, bool ran = false);
    void checkObserved();
    void observe();
    void finishWithAnswer(const QString &text, const QString &stopReason);
    void finishTurn(State state);
    void closeOpenCalls(const QString &text);
    [[nodiscard]] QJsonObject usageJson() const;
    /// The bounds of the next model call: the rest of the turn's text budget, and so on.
    [[nodiscard]] OutputLimits outputLimits() const;

    QPointer<Session> m_session;
    QPointer<ChatModel> m_model;
    std::unique_ptr<ToolInvoker> m_ownTools; ///< over the registry, when constructed with one
    ToolInvoker *m_tools;
    QPointer<ServerRequestRouter> m_router;
    QPointer<ApprovalRules> m_rules;
    AgentOptions m_options;
    ServerRequestHandler *m_requests; ///< a child

    State m_state = State::Idle;
    QString m_turnId;
    QString m_input;
    int m_iteration = 0;
    bool m_forceAnswer = false; ///< the loop guard fired: the next call has no tools
    QPointer<ChatStream> m_stream;
    QList<Call> m_calls;
    bool m_dispatching = false;
    bool m_cancelling = false;
    QHash<QString, int> m_callCounts; ///< tool + arguments -> times called this turn
    Usage m_usage;
    qint64 m_turnTextBytes = 0; ///< text and reasoning the model streamed in this turn
    QString m_answer;
    QString m_stopReason;
};
