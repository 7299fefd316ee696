#pragma once

#include "jsonrpc.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <functional>
#include <optional>

#include "transport.h"

/// The outcome of one JSON-RPC request: a result object, or an error.
struct RpcReply
{
    QJsonObject result;
    std::optional<JsonRpc::Error> error;

    [[nodiscard]] bool ok() const { return !error.has_value(); }
    [[nodiscard]] QString errorMessage() const { return error ? error->message : QString(); }
};

/// A progress notification for a pending request.
struct RpcProgress
{
    double progress = 0;
    std::optional<double> total;
    QString message;
};

/// Which of our pending requests a request from the server belongs to.
struct RpcRequestCause
{
    enum class Kind {
        Exact, ///< the transport delivered it on the response stream of `requests` (one)
        Inferred, ///< a shared channel (stdio, legacy SSE): `requests` is every pending request
        Unrelated, ///< the transport says it belongs to no request (the standalone GET stream)
    };
    struct Request
    {
        qint64 id = 0;
        QString method;
        QPointer<QObject> owner; ///< the `context` the request was made with (may be null)
    };
    Kind kind = Kind::Inferred;
    QList<Request> requests;
};

/// Answers one request the *server* sent us. Call reply() or fail() exactly once; if the
/// Responder is dropped without an answer, an internal error is sent so the server never
/// waits forever.
class RpcResponder
{
public:
    RpcResponder() = default;
    RpcResponder(class JsonRpcSession *session, QJsonValue id, RpcRequestCause cause = {},
                 QByteArray requestText = {});
    RpcResponder(RpcResponder &&other) noexcept;
    RpcResponder &operator=(RpcResponder &&other) noexcept;
    RpcResponder(const RpcResponder &) = delete;
    RpcResponder &operator=(const RpcResponder &) = delete;
    ~RpcResponder();

    void reply(const QJsonObject &result);
    void fail(int code, const QString &message, const QJsonValue &data = {});
    [[nodiscard]] bool isAnswered() const { return m_answered; }
    /// What caused the request, for routing it to the one who should answer.
    [[nodiscard]] const RpcRequestCause &cause() const { return m_cause; }
    /// The request's JSON text as it came (JsonRpc::Message::text()); may be empty.
    [[nodiscard]] const QByteArray &requestText() const { return m_requestText; }
    /// Runs `handler` once if the server cancels this request (`notifications/cancelled`)
    /// before it is answered, so the work can stop; the answer is then not sent.
    void onCancelled(std::function<void(const QString &reason)> handler);

private:
    QPointer<JsonRpcSession> m_session;
    QJsonValue m_id;
    RpcRequestCause m_cause;
    QByteArray m_requestText;
    bool m_answered = true;
};

/// The JSON-RPC protocol layer over a Transport: owns request ids, the pending map, timeouts
/// (extended by progress up to a hard maximum), cancellation (`notifications/cancelled`),
/// dispatch of incoming requests and notifications, and answers `ping`. When the transport
/// closes, every pending request fails with a clear error; late responses are ignored.
///
/// Responses complete a request only when their id is exactly ours (integer 1, never string
/// "1"). While a request the server sent us is unanswered (an elicitation waiting for the
/// user), the timeouts of the requests it belongs to (its cause) stand still; when it is
/// answered they start over. `initialize` is never cancelled (the spec forbids it).
class JsonRpcSession : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JsonRpcSession)

public:
    using ReplyHandler = std::function<void(const RpcReply &)>;
    using ProgressHandler = std::function<void(const RpcProgress &)>;
    using RequestHandler = std::function<void(const JsonRpc::Message &, RpcResponder)>;

    struct RequestOptions
    {
        int timeoutMs = 60000; ///< without a response (or progress) for this long: timeout
        int maxTimeoutMs = 600000; ///< progress never extends a request beyond this
        ProgressHandler onProgress; ///< set: a progress token is added to params._meta
    };

    explicit JsonRpcSession(Transport *transport, QObject *parent = nullptr);
    ~JsonRpcSession() override;

    /// Sends a request; `handler` runs exactly once (result, error, timeout, cancel or close),
    /// unless `context` is destroyed first. Returns the request id.
    qint64 request(const QString &method, const QJsonObject &params, ReplyHandler handler,
                   const RequestOptions &options, QObject *context = nullptr);
    qint64 request(const QString &method, const QJsonObject &params, ReplyHandler handler)
    {
        return request(method, params, std::move(handler), m_defaults);
    }
    void notify(const QString &method, const QJsonObject &params = {});

    /// Cancels a pending request: tells the server, fails the handler with RequestCancelled.
    void cancel(qint64 id, const QString &reason = QStringLiteral("cancelled by the user"));
    /// Fails every pending request with the given error (the transport went away).
    void failAll(int code, const QString &message);

    void setRequestHandler(const QString &method, RequestHandler handler);
    void setDefaultOptions(const RequestOptions &options) { m_defaults = options; }
    [[nodiscard]] const RequestOptions &defaultOptions() const { return m_defaults; }
    [[nodiscard]] int pendingCount() const { return int(m_pending.size()); }
    [[nodiscard]] Transport *transport() const { return m_transport; }

    /// Sends a response for an incoming request (used by RpcResponder).
    void sendResponse(const QJsonValue &id, const QJsonObject &result);
    void sendError(const QJsonValue &id, const JsonRpc::Error &error);
    /// Used by RpcResponder::onCancelled().
    void setCancelHandler(const QJsonValue &id, std::function<void(const QString &)> handler);

Q_SIGNALS:
    void notificationReceived(const QString &method, const QJsonObject &params);

private:
    struct Pending
    {
        QString method;
        ReplyHandler handler;
        ProgressHandler onProgress;
        QPointer<QObject> context;
        bool hasContext = false;
        QDeadlineTimer deadline;
        QDeadlineTimer hardDeadline;
        int timeoutMs = 0;
        int maxTimeoutMs = 0;
        int waitingOnUs = 0; ///< server requests caused by this one, not yet answered
        QElapsedTimer waitingSince;
    };

    void onMessage(const JsonRpc::Message &message, const MessageOrigin &origin);
    void onTransportClosed(const QString &reason);
    void handleProgress(const QJsonObject &params);
    void handleIncomingRequest(const JsonRpc::Message &message, const MessageOrigin &origin);
    [[nodiscard]] RpcRequestCause causeOf(const MessageOrigin &origin) const;
    void pauseFor(const QString &incomingKey, const RpcRequestCause &cause);
    void resumeAfter(const QString &incomingKey);
    void finish(qint64 id, const RpcReply &reply);
    void armTimer();
    void checkTimeouts();

    QPointer<Transport> m_transport;
    RequestOptions m_defaults;
    QHash<qint64, Pending> m_pending;
    QHash<QString, RequestHandler> m_handlers;
    QSet<QString> m_incomingPending; // idKeys of server requests not yet answered
    QHash<QString, bool> m_incomingCancelled; // idKey -> cancelled by the server
    QHash<QString, QList<qint64>> m_pausedBy; // idKey of a server request -> requests it holds
    QHash<QString, std::function<void(const QString &)>> m_cancelHandlers; // idKey -> handler
    QTimer m_timer;
    qint64 m_nextId = 0;
};
