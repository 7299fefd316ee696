#pragma once

#include "agentoptions.h"
#include "approvalrules.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>

#include <optional>
#include <variant>

class ChatModel;
class ReactAgent;
class ServerRegistry;
class ServerRequestRouter;
class Session;
class SessionManager;
struct StreamEvent;

/// How one turn runs, as its caller asks; it only ever tightens the server's settings.
struct ChatTurnOptions
{
    /// False: a tool call or sampling request that needs approval is denied at once instead of
    /// waiting (POST /chat `"approval": "deny"`).
    bool waitForApproval = true;
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
    };
    struct Started
    {
        QString sessionId;
        QString turnId;
    };
    using StartResult = std::variant<Started, Error>;
    using TurnOptions = ChatTurnOptions;

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

    ChatService(SessionManager *sessions, ChatModel *model, ServerRegistry *registry,
                ServerRequestRouter *router, AgentOptions options, QObject *parent = nullptr);
    ~ChatService() override;

    /// Starts a turn; an empty `sessionId` creates a new session.
    StartResult send(const QString &sessionId, const QString &message,
                     const TurnOptions &turn = {});
    std::optional<Error> cancel(const QString &sessionId);
    /// Answers a waiting approval; a `scope` past Once also records the answer (this session's
    /// memory, or a remembered rule) and decides the other waiting questions it now covers.
    std::optional<Error> approve(const QString &sessionId, const QString &callId, bool approved,
                                 ApprovalScope scope = ApprovalScope::Once);
    /// Decides the waiting approvals again after the rules changed: of `sessionId`'s turn, or
    /// of every running turn when it is empty.
    void reconsiderApprovals(const QString &sessionId = {});
    /// The host's live approval rules every turn decides with (not owned; HostCore sets them).
    void setApprovalRules(ApprovalRules *rules) { m_rules = rules; }
    [[nodiscard]] ApprovalRules *approvalRules() const { return m_rules; }
    std::optional<Error> elicit(const QString &sessionId, const QString &requestId,
                                const QString &action, const QJsonObject &content);
    /// Cancels every running turn (shutdown).
    void cancelAll();

    [[nodiscard]] ReactAgent *runningAgent(const QString &sessionId) const;
    [[nodiscard]] int runningTurns() const { return int(m_agents.size()); }
    [[nodiscard]] const Stats &stats() const { return m_stats; }
    [[nodiscard]] ChatModel *model() const { return m_model; }
    /// The message for people (TooManySessions names the cap and how to raise it).
    [[nodiscard]] QString errorMessage(Error error) const;

Q_SIGNALS:
    /// A turn ended (its last event is stored); `agent` is deleted after this signal.
    void turnFinished(const QString &sessionId, const QString &turnId, ReactAgent *agent);

private:
    void observe(const StreamEvent &event);

    SessionManager *m_sessions;
    ChatModel *m_model;
    ServerRegistry *m_registry;
    ServerRequestRouter *m_router;
    AgentOptions m_options;
    QPointer<ApprovalRules> m_rules;
    QHash<QString, QPointer<ReactAgent>> m_agents; // session id -> running turn
    QHash<QString, QElapsedTimer> m_modelCallStart; // session id -> model call in flight
    Stats m_stats;
};
