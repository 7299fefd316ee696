#pragma once

#include "agentoptions.h"
#include "approvalrules.h"
#include "turncontrol.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QSet>

#include <functional>
#include <optional>
#include <variant>

class ChatModel;
class ReactAgent;
class ServerRegistry;
class ServerRequestRouter;
class Session;
class SessionService;
struct StoreError;
struct StreamEvent;

/// How one turn runs, as its caller asks; it only ever tightens the server's settings.
struct ChatTurnOptions
{
    /// False: a tool call or sampling request that needs approval is denied at once instead of
    /// waiting (POST /chat `"approval": "deny"`).
    bool waitForApproval = true;
};

/// How a turn ended, for whoever waited for it.
struct ChatTurnResult
{
    QString answer; ///< the final answer (empty when there is none)
    int iterations = 0;
    QString stopReason; ///< "answer", "max_iterations", "cancelled"; empty after an error
    bool answered = false; ///< the turn reached an answer (not cancelled, not failed)
};

/// Runs turns on sessions: one ReactAgent per running turn, at most one turn per session.
/// The API (HTTP routes, the CLI) calls it; errors come back typed and are mapped to HTTP
/// statuses at the edge.
class ChatService : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChatService)

public:
    enum class Error {
        UnknownSession, ///< no session with that id
        Busy, ///< a turn is already running on the session
        EmptyMessage, ///< the message is empty or only whitespace
        NoTurn, ///< no turn is running (cancel, approve, elicit)
        UnknownRequest, ///< no pending approval/elicitation with that id
        BadAction, ///< an elicitation action other than accept/decline/cancel
        TooManySessions, ///< a new session was needed and the session cap is reached
        BadScope, ///< a sampling request answered with scope "tool" or "server"
        StoreUnavailable, ///< the session store cannot be reached now (retry later)
        TurnUnreachable, ///< the instance that runs the turn did not answer in time
        TooLarge, ///< the answer is too large to forward to the instance that runs the turn
    };
    struct Started
    {
        QString sessionId;
        QString turnId;
    };
    using StartResult = std::variant<Started, Error>;
    using StartDone = std::function<void(const StartResult &)>;
    using ErrorDone = std::function<void(std::optional<Error>)>;
    using TurnOptions = ChatTurnOptions;
    using TurnResult = ChatTurnResult;

    /// Latencies and counts for /metrics.
    struct Stats
    {
        quint64 turnsStarted = 0;
        quint64 turnsFinished = 0;
        QList<double> toolCallMs; ///< recent tool call durations (bounded)
        QList<double> modelCallMs; ///< recent model call durations (bounded)
        quint64 toolCalls = 0;
        quint64 modelCalls = 0;
        double toolCallMsSum = 0;
        double modelCallMsSum = 0;
    };

    ChatService(SessionService *sessions, ChatModel *model, ServerRegistry *registry,
                ServerRequestRouter *router, AgentOptions options, QObject *parent = nullptr);
    ~ChatService() override;

    /// Starts a turn (an empty `sessionId` creates a new session): loads the session, takes
    /// its lease from the store, then `done` gets Started (its events follow) or the Error
    /// (Busy also when another instance runs a turn on it). `done` is never called inside.
    void send(const QString &sessionId, const QString &message, const TurnOptions &turn,
              StartDone done);
    /// Cancels the session's running turn: here, or through the TurnControl on the instance
    /// that runs it; UnknownSession, NoTurn, TurnUnreachable or StoreUnavailable otherwise
    /// (`done` may run inside the call).
    void cancel(const QString &sessionId, ErrorDone done);
    /// The same without an answer (a session about to be deleted).
    void cancel(const QString &sessionId);
    /// Answers a waiting approval; a `scope` past Once also records the answer (this session's
    /// memory, or a remembered rule) and decides the other waiting questions it now covers.
    /// Without a turn of the session on this instance: NoTurn.
    std::optional<Error> approve(const QString &sessionId, const QString &callId, bool approved,
                                 ApprovalScope scope = ApprovalScope::Once);
    /// The same for the API: a turn that runs on another instance gets the answer through the
    /// TurnControl (which applies it there as here; a scope past Once is also remembered on
    /// this instance). `done` may run inside the call.
    void approve(const QString &sessionId, const QString &callId, bool approved,
                 ApprovalScope scope, ErrorDone done);
    /// Decides the waiting approvals again after the rules changed: of `sessionId`'s turn, or
    /// of every running turn when it is empty.
    void reconsiderApprovals(const QString &sessionId = {});
    /// The host's live approval rules every turn decides with (not owned; HostCore sets them).
    void setApprovalRules(ApprovalRules *rules) { m_rules = rules; }
    [[nodiscard]] ApprovalRules *approvalRules() const { return m_rules; }
    std::optional<Error> elicit(const QString &sessionId, const QString &requestId,
                                const QString &action, const QJsonObject &content);
    /// The same for the API, reaching a turn on another instance like approve().
    void elicit(const QString &sessionId, const QString &requestId, const QString &action,
                const QJsonObject &content, ErrorDone done);
    /// How cancel, approve and elicit reach turns of other instances (not owned; null with a
    /// store of one instance): its handler applies their requests to the turns here.
    void setTurnControl(TurnControl *control);
    /// The ChatService error of a store error.
    [[nodiscard]] static Error fromStore(const StoreError &error);
    /// Cancels every running turn (shutdown); `done` once they finished (the store holds their
    /// last steps) or after kShutdownWaitMs.
    void cancelAll(std::function<void()> done = {});
    static constexpr int kShutdownWaitMs = 5000;

    [[nodiscard]] int runningTurns() const { return int(m_agents.size()); }
    [[nodiscard]] const Stats &stats() const { return m_stats; }
    /// The chat model's name for people ("gpt-4o-mini (openai)", "offline").
    [[nodiscard]] QString modelName() const;
    /// The message for people (TooManySessions names the cap and how to raise it).
    [[nodiscard]] QString errorMessage(Error error) const;

Q_SIGNALS:
    /// A turn ended (its last event is stored).
    void turnFinished(const QString &sessionId, const QString &turnId,
                      const ChatTurnResult &result);

private:
    using ForwardDone = std::function<void(std::optional<Error>, const TurnCommandReply &)>;
    /// A command for a turn not running here: to the instance the store says runs it.
    void forward(TurnCommand command, ForwardDone done);
    /// The TurnControl's handler: a command of another instance for a turn of this one.
    [[nodiscard]] TurnCommandReply applyHere(const TurnCommand &command);
    /// Records an answer past ApprovalScope::Once (this session's memory, or a rule).
    void remember(const QString &sessionId, const QString &server, const QString &tool,
                  bool approved, ApprovalScope scope);
    void observe(const StreamEvent &event);
    void startOn(Session *session, const QString &message, const TurnOptions &turn, StartDone done);
    [[nodiscard]] ReactAgent *runningAgent(const QString &sessionId) const;

    SessionService *m_sessions;
    ChatModel *m_model;
    ServerRegistry *m_registry;
    ServerRequestRouter *m_router;
    AgentOptions m_options;
    QPointer<ApprovalRules> m_rules;
    QPointer<TurnControl> m_control;
    QHash<QString, QPointer<ReactAgent>> m_agents; // session id -> running (or starting) turn
    QSet<QString> m_loading; // session ids whose send() waits for the store
    QHash<QString, QElapsedTimer> m_modelCallStart; // session id -> model call in flight
    Stats m_stats;
};
