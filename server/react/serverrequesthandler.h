#pragma once

#include "agentoptions.h"
#include "jsonrpcsession.h"
#include "streamevent.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>
#include <optional>

class ChatModel;

/// Answers the requests MCP servers send during one turn: `sampling/createMessage` (with the
/// turn's model, after approval when the policy says ask) and `elicitation/create` (the user's
/// answer through answerElicitation()).
///
/// Each request is announced with eventReady(): `sampling` {request_id, server, messages,
/// max_tokens, approval} or `elicitation` {request_id, server, message, schema | url}. A server
/// that withdraws its request (`notifications/cancelled`) stops the work (the sampling model
/// call is aborted, a pending approval or question dropped) and gets a second event of the same
/// type {request_id, server, status: "cancelled", reason}. abortAll() ends every request (the
/// turn is over): sampling fails with RequestCancelled, elicitation answers "cancel".
class ServerRequestHandler : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerRequestHandler)

public:
    /// `model` is not owned and must outlive the handler.
    ServerRequestHandler(ChatModel *model, AgentOptions options, QObject *parent = nullptr);
    ~ServerRequestHandler() override;

    void handleSampling(const QString &server, const QJsonObject &params, RpcResponder responder);
    void handleElicitation(const QString &server, const QJsonObject &params,
                           RpcResponder responder);
    /// Answers a sampling request waiting for approval; false if `id` is none.
    bool approve(const QString &id, bool approved);
    /// Answers an elicitation: "accept" (with `content`), "decline" or "cancel"; false if `id`
    /// is none or the action is another.
    bool answerElicitation(const QString &id, const QString &action,
                           const QJsonObject &content = {});
    [[nodiscard]] bool hasSampling(const QString &id) const { return m_samplings.contains(id); }
    /// Decides sampling requests instead of the options' policy (the host's live rules).
    void setSamplingDecider(std::function<ApprovalPolicy::Decision(const QString &server)> decide)
    {
        m_decide = std::move(decide);
    }
    /// The server of a sampling request waiting for approval, if `id` is one.
    [[nodiscard]] std::optional<QString> waitingSamplingServer(const QString &id) const;
    /// Answers the waiting sampling requests the decider now allows or denies.
    void reconsider();
    /// Ends every open request (quietly: no events).
    void abortAll();

Q_SIGNALS:
    /// A `sampling` or `elicitation` event for the turn's session.
    void eventReady(StreamEventType type, const QJsonObject &data);

private:
    struct Sampling;
    struct Elicitation;

    void runSampling(const QString &id);
    void answerSampling(const QString &id, bool approved);
    void samplingWithdrawn(const QString &id, const QString &reason);
    void elicitationWithdrawn(const QString &id, const QString &reason);
    static void stopSampling(Sampling &s, QObject *receiver);

    QPointer<ChatModel> m_model;
    AgentOptions m_options;
    std::function<ApprovalPolicy::Decision(const QString &server)> m_decide;
    QHash<QString, std::shared_ptr<Sampling>> m_samplings;
    QHash<QString, std::shared_ptr<Elicitation>> m_elicitations;
};
