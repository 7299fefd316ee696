#pragma once

#include "apitypes.h"
#include "eventstreamclient.h"
#include "streamevent.h"

#include <QHash>
#include <QObject>
#include <QQmlEngine>
#include <QSet>
#include <QString>
#include <QUrl>
#include <QVariantMap>

#include <optional>

class ApiClient;

/// The open conversation (QML: `App.conversation`): one EventStreamClient on the open session,
/// whose every event goes to the timeline (eventArrived; App connects it to
/// TimelineModel::applyEvent). Opening a session clears the timeline and streams from seq 0:
/// the server replays the whole log, so a reopened or reconnected window shows all of it.
/// send / stop / approve / answerElicitation go through the ApiClient. busy, the pending
/// approvals and the "connection lost" banner come from the stream itself.
class ConversationController : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("ConversationController is App.conversation")
    Q_DISABLE_COPY_MOVE(ConversationController)
    Q_PROPERTY(QString sessionId READ sessionId NOTIFY sessionIdChanged)
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    Q_PROPERTY(QString streamState READ streamState NOTIFY streamStateChanged)
    Q_PROPERTY(QString bannerText READ bannerText NOTIFY bannerTextChanged)
    Q_PROPERTY(int pendingApprovals READ pendingApprovals NOTIFY pendingApprovalsChanged)
    Q_PROPERTY(QString errorText READ errorText NOTIFY errorTextChanged)

public:
    /// `api` is used, not owned; the stream's URL and token come with setEndpoint().
    explicit ConversationController(ApiClient *api, QObject *parent = nullptr);
    ~ConversationController() override;

    /// The server to stream from (the one `api` talks to). Closes the open stream.
    void setEndpoint(const QUrl &baseUrl, const QString &token);
    /// The stream (tests tune its delays).
    [[nodiscard]] EventStreamClient *stream() const { return m_stream; }

    [[nodiscard]] QString sessionId() const { return m_sessionId; }
    [[nodiscard]] bool busy() const { return m_busy; }
    /// "closed", "connecting", "open", "reconnecting", "failed"
    [[nodiscard]] QString streamState() const;
    /// Empty while the stream is open; "Connection lost — reconnecting (attempt N)…" otherwise.
    [[nodiscard]] QString bannerText() const { return m_bannerText; }
    [[nodiscard]] int pendingApprovals() const { return int(m_pending.size()); }
    /// The last failed call (send, stop, approve, …), for people; empty after a success.
    [[nodiscard]] QString errorText() const { return m_errorText; }

    /// Shows `sessionId`: clears the timeline, streams its whole log.
    Q_INVOKABLE void open(const QString &sessionId);
    /// Creates a session on the server and opens it.
    Q_INVOKABLE void newSession();
    /// Sends a user message to the open session (one without a session creates one).
    Q_INVOKABLE void send(const QString &text);
    /// Cancels the running turn.
    Q_INVOKABLE void stop();
    /// Answers a tool call or sampling request that waits; scope "once" | "session" | "tool" |
    /// "server".
    Q_INVOKABLE void approve(const QString &callId, bool approved, const QString &scope);
    /// action "accept" | "decline" | "cancel"; content: the form's values.
    Q_INVOKABLE void answerElicitation(const QString &requestId, const QString &action,
                                       const QVariantMap &content);
    /// Closes the stream and forgets the session (the timeline is cleared).
    Q_INVOKABLE void close();

    /// The longest user message sent (the server's body limit is 1 MiB).
    static constexpr int kMaxMessageChars = 256 * 1024;

Q_SIGNALS:
    void sessionIdChanged();
    void busyChanged();
    void streamStateChanged();
    void bannerTextChanged();
    void pendingApprovalsChanged();
    void errorTextChanged();
    /// The timeline must start over (open, close, a new server).
    void timelineCleared();
    /// One event of the open session, in order, each once.
    void eventArrived(const StreamEvent &event);
    /// A tool call or sampling request waits for the user (Notifier shows it when the window
    /// is not active).
    void approvalRequested(const QString &sessionId, const QString &callId, const QString &text);
    /// The session ended on the server (deleted, expired) or could not be opened.
    void sessionLost(const QString &sessionId, const QString &reason);

private:
    void onEvent(const StreamEvent &event);
    void onStreamState(EventStreamClient::State state);
    void setBusy(bool busy);
    void setBanner(const QString &text);
    void setError(const QString &text);
    void clearPending();
    void setSession(const QString &id);
    [[nodiscard]] std::function<void(const QJsonObject &, const std::optional<ApiError> &)>
    reportTo(const QString &what);

    ApiClient *m_api;
    EventStreamClient *m_stream;
    QString m_sessionId;
    bool m_busy = false;
    QString m_bannerText;
    QString m_errorText;
    QSet<QString> m_pending; ///< call ids / request ids waiting for approve()
    int m_attempt = 0;
};
