#include "conversationcontroller.h"

#include "apiclient.h"
#include "logging.h"

#include <QJsonObject>
#include <QTimer>

namespace {
// How long a request must stay unanswered before the user is told: a replayed log answers
// its old requests within the same burst of events.
constexpr int kNotifyDelayMs = 300;

QString field(const StreamEvent &event, const char *name)
{
    return event.data.value(QLatin1String(name)).toString();
}
} // namespace

ConversationController::ConversationController(ApiClient *api, QObject *parent)
    : QObject(parent)
    , m_api(api)
    , m_stream(new EventStreamClient(this))
{
    connect(m_stream, &EventStreamClient::eventReceived, this, &ConversationController::onEvent);
    connect(m_stream, &EventStreamClient::stateChanged, this,
            &ConversationController::onStreamState);
    connect(m_stream, &EventStreamClient::reconnecting, this,
            [this](int attempt, int, const QString &) {
                m_attempt = attempt;
                setBanner(QStringLiteral("Connection lost — reconnecting (attempt %1)…")
                                  .arg(attempt));
            });
    connect(m_stream, &EventStreamClient::failed, this, [this](const ApiError &error) {
        setBanner(QStringLiteral("The conversation cannot be shown: %1").arg(error.toString()));
        if (error.httpStatus == 404)
            Q_EMIT sessionLost(m_sessionId, QStringLiteral("not_found"));
    });
}

ConversationController::~ConversationController() = default;

void ConversationController::setEndpoint(const QUrl &baseUrl, const QString &token)
{
    m_stream->close();
    m_stream->setBaseUrl(baseUrl);
    m_stream->setToken(token);
    close();
}

QString ConversationController::streamState() const
{
    switch (m_stream->state()) {
    case EventStreamClient::State::Closed:
        return QStringLiteral("closed");
    case EventStreamClient::State::Connecting:
        return QStringLiteral("connecting");
    case EventStreamClient::State::Open:
        return QStringLiteral("open");
    case EventStreamClient::State::Reconnecting:
        return QStringLiteral("reconnecting");
    case EventStreamClient::State::Failed:
        return QStringLiteral("failed");
    }
    return QStringLiteral("closed");
}

void ConversationController::setSession(const QString &id)
{
    if (id == m_sessionId)
        return;
    m_sessionId = id;
    Q_EMIT sessionIdChanged();
}

void ConversationController::open(const QString &sessionId)
{
    if (sessionId.isEmpty()) {
        close();
        return;
    }
    m_stream->close();
    clearPending();
    setBusy(false);
    setBanner({});
    setError({});
    setSession(sessionId);
    Q_EMIT timelineCleared();
    // From seq 0: the server replays the session's whole log, then goes on live.
    m_stream->open(sessionId, 0);
}

void ConversationController::close()
{
    m_stream->close();
    clearPending();
    setBusy(false);
    setBanner({});
    setSession({});
    Q_EMIT timelineCleared();
}

void ConversationController::newSession()
{
    m_api->createSession(this,
                         [this](const SessionSummary &session, const std::optional<ApiError> &e) {
                             if (e) {
                                 setError(QStringLiteral("A new conversation could not be "
                                                         "created: %1")
                                                  .arg(e->toString()));
                                 return;
                             }
                             setError({});
                             open(session.id);
                         });
}

std::function<void(const QJsonObject &, const std::optional<ApiError> &)>
ConversationController::reportTo(const QString &what)
{
    return [this, what](const QJsonObject &, const std::optional<ApiError> &e) {
        if (e)
            setError(QStringLiteral("%1: %2").arg(what, e->toString()));
        else
            setError({});
    };
}

void ConversationController::send(const QString &text)
{
    const QString message = text.trimmed();
    if (message.isEmpty())
        return;
    if (message.size() > kMaxMessageChars) {
        setError(QStringLiteral("The message is too long (%1 characters; at most %2).")
                         .arg(message.size())
                         .arg(kMaxMessageChars));
        return;
    }
    const QString target = m_sessionId;
    setBusy(true);
    m_api->send(target, message, this,
                [this, target](const QJsonObject &answer, const std::optional<ApiError> &e) {
                    if (e) {
                        // A turn already running keeps busy; anything else ends it.
                        if (e->code != QLatin1String("session_busy"))
                            setBusy(false);
                        setError(QStringLiteral("The message was not sent: %1").arg(e->toString()));
                        return;
                    }
                    setError({});
                    // Sent without a session: the server made one; show it.
                    const QString id = answer.value(QLatin1String("session_id")).toString();
                    if (target.isEmpty() && !id.isEmpty() && m_sessionId.isEmpty()) {
                        open(id);
                        setBusy(true);
                    }
                });
}

void ConversationController::stop()
{
    if (m_sessionId.isEmpty())
        return;
    m_api->cancel(m_sessionId, this, reportTo(QStringLiteral("The turn could not be stopped")));
}

void ConversationController::approve(const QString &callId, bool approved, const QString &scope)
{
    if (m_sessionId.isEmpty() || callId.isEmpty())
        return;
    static const QStringList scopes {QStringLiteral("once"), QStringLiteral("session"),
                                     QStringLiteral("tool"), QStringLiteral("server")};
    const QString s = scope.isEmpty() ? QStringLiteral("once") : scope;
    if (!scopes.contains(s)) {
        setError(QStringLiteral("Unknown approval scope \"%1\" (use once, session, tool or "
                                "server).")
                         .arg(scope.left(40)));
        return;
    }
    m_api->approve(
            m_sessionId, callId, approved, s, this,
            [this, callId](const QJsonObject &, const std::optional<ApiError> &e) {
                if (e) {
                    setError(QStringLiteral("The answer was not taken: %1").arg(e->toString()));
                    return;
                }
                setError({});
                if (m_pending.remove(callId))
                    Q_EMIT pendingApprovalsChanged();
            });
}

void ConversationController::answerElicitation(const QString &requestId, const QString &action,
                                               const QVariantMap &content)
{
    if (m_sessionId.isEmpty() || requestId.isEmpty())
        return;
    m_api->elicit(m_sessionId, requestId, action, QJsonObject::fromVariantMap(content), this,
                  reportTo(QStringLiteral("The answer was not taken")));
}

void ConversationController::setBusy(bool busy)
{
    if (busy == m_busy)
        return;
    m_busy = busy;
    Q_EMIT busyChanged();
}

void ConversationController::setBanner(const QString &text)
{
    if (text == m_bannerText)
        return;
    m_bannerText = text;
    Q_EMIT bannerTextChanged();
}

void ConversationController::setError(const QString &text)
{
    if (text == m_errorText)
        return;
    m_errorText = text;
    Q_EMIT errorTextChanged();
}

void ConversationController::clearPending()
{
    if (m_pending.isEmpty())
        return;
    m_pending.clear();
    Q_EMIT pendingApprovalsChanged();
}

void ConversationController::onStreamState(EventStreamClient::State state)
{
    if (state == EventStreamClient::State::Open) {
        m_attempt = 0;
        setBanner({});
    }
    Q_EMIT streamStateChanged();
}

void ConversationController::onEvent(const StreamEvent &event)
{
    if (event.type != StreamEventType::SessionStart && !event.sessionId.isEmpty()
        && event.sessionId != m_sessionId)
        return; // not the open session's (defensive: one stream per session)
    const bool inTurn = !event.turnId.isEmpty();
    auto waitFor = [this](const QString &id, const QString &text) {
        if (id.isEmpty() || m_pending.contains(id))
            return;
        m_pending.insert(id);
        Q_EMIT pendingApprovalsChanged();
        const QString session = m_sessionId;
        QTimer::singleShot(kNotifyDelayMs, this, [this, session, id, text] {
            if (session == m_sessionId && m_pending.contains(id))
                Q_EMIT approvalRequested(session, id, text);
        });
    };
    auto resolved = [this](const QString &id) {
        if (m_pending.remove(id))
            Q_EMIT pendingApprovalsChanged();
    };

    switch (event.type) {
    case StreamEventType::SessionStart:
        break;
    case StreamEventType::Thinking:
    case StreamEventType::PartialResponse:
    case StreamEventType::Acting:
        if (inTurn)
            setBusy(true);
        resolved(field(event, "call_id"));
        break;
    case StreamEventType::ToolCall:
        if (inTurn)
            setBusy(true);
        if (field(event, "approval") == QLatin1String("required"))
            waitFor(field(event, "call_id"),
                    QStringLiteral("%1 wants to run %2")
                            .arg(field(event, "server"), field(event, "tool")));
        break;
    case StreamEventType::Observing:
        resolved(field(event, "call_id"));
        break;
    case StreamEventType::Sampling:
        if (field(event, "status") == QLatin1String("cancelled"))
            resolved(field(event, "request_id"));
        else if (field(event, "approval") == QLatin1String("required"))
            waitFor(field(event, "request_id"),
                    QStringLiteral("%1 asks to use the model").arg(field(event, "server")));
        break;
    case StreamEventType::Elicitation:
        break;
    case StreamEventType::StreamReset:
        clearPending(); // the view reloads from the events that follow
        break;
    case StreamEventType::FinalResponse:
        setBusy(false);
        clearPending();
        break;
    case StreamEventType::Error:
        // A turn's error ends it (a failed model call); one outside a turn does not.
        if (inTurn) {
            setBusy(false);
            clearPending();
        }
        break;
    case StreamEventType::SessionEnd: {
        setBusy(false);
        clearPending();
        const QString reason = field(event, "reason");
        if (reason != QLatin1String("shutdown"))
            Q_EMIT sessionLost(m_sessionId, reason);
        break;
    }
    }
    Q_EMIT eventArrived(event);
}
