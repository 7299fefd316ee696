#pragma once

#include "apitypes.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QUrl>

#include <functional>
#include <optional>

class QIODevice;
class QNetworkAccessManager;
class QNetworkReply;
class QNetworkRequest;

/// A raw HTTP answer of ApiClient::request (status, headers, bounded body).
struct ApiResponse
{
    int status = 0; ///< 0: no HTTP answer (see the error)
    QByteArray body; ///< at most the client's response bound
    QList<QPair<QByteArray, QByteArray>> headers; ///< as received
    qint64 written = 0; ///< a 2xx answer's bytes written to the request's sink (body empty)
    [[nodiscard]] QByteArray header(const QByteArray &name) const; ///< case-insensitive
    [[nodiscard]] QJsonObject json() const; ///< the body as a JSON object ({} if it is not)
};

/// The REST side of the MCP Host API (docs/api.md): one instance per server connection.
///
/// Every call is asynchronous: its callback runs once, on the event loop, with the value or an
/// ApiError (then the value is default-constructed). `ctx` guards the callback: once `ctx` is
/// destroyed the callback is not called (the request is aborted). The bearer token goes with
/// every request; redirects are not followed (they would carry it elsewhere). Answers are
/// bounded (setMaxResponseBytes, default 32 MiB: "too_large") and must be complete within the
/// transfer timeout (setTransferTimeout, default 30 s: "timeout").
class ApiClient : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ApiClient)
public:
    template<typename T>
    using Callback
            = std::function<void(const T &value, const std::optional<McpHostClient::ApiError> &)>;

    explicit ApiClient(QObject *parent = nullptr);
    ~ApiClient() override;

    void setBaseUrl(const QUrl &);
    [[nodiscard]] QUrl baseUrl() const;
    void setToken(const QString &);
    void setMaxResponseBytes(qint64 bytes);
    [[nodiscard]] qint64 maxResponseBytes() const { return m_maxResponseBytes; }
    void setTransferTimeout(int ms);
    [[nodiscard]] int transferTimeout() const { return m_transferTimeoutMs; }

    void health(QObject *ctx, Callback<QJsonObject>);
    /// The sessions, most recently used first: every page up to kMaxSessionsListed.
    void listSessions(QObject *ctx, Callback<QList<SessionSummary>>);
    static constexpr int kSessionPage = 500;
    static constexpr int kMaxSessionsListed = 10000;
    void createSession(QObject *ctx, Callback<SessionSummary>);
    /// `POST /api/v3/sessions {"session_id": id}`: a session with a chosen id.
    void createSession(const QString &id, QObject *ctx, Callback<SessionSummary>);
    void getSession(const QString &id, QObject *ctx, Callback<QJsonObject>); // with messages
    void renameSession(const QString &id, const QString &title, QObject *ctx,
                       Callback<SessionSummary>);
    void deleteSession(const QString &id, QObject *ctx, Callback<bool>);
    /// `{session_id, turn_id}`; an empty sessionId creates a session.
    void send(const QString &sessionId, const QString &message, QObject *ctx,
              Callback<QJsonObject>);
    void cancel(const QString &sessionId, QObject *ctx, Callback<QJsonObject>);
    /// scope: "once" | "session" | "tool" | "server"; empty: not sent (the server's "once").
    void approve(const QString &sessionId, const QString &callId, bool approved,
                 const QString &scope, QObject *ctx, Callback<QJsonObject>);
    void elicit(const QString &sessionId, const QString &requestId, const QString &action,
                const QJsonObject &content, QObject *ctx, Callback<QJsonObject>);
    void listServers(QObject *ctx, Callback<QList<ServerInfo>>);
    void getServer(const QString &name, QObject *ctx, Callback<ServerInfo>);
    void restartServer(const QString &name, QObject *ctx, Callback<QJsonObject>);
    void setServerEnabled(const QString &name, bool enabled, QObject *ctx, Callback<QJsonObject>);
    void listTools(QObject *ctx, Callback<QList<ToolInfo>>);
    void approvals(QObject *ctx, Callback<QJsonObject>); // raw; rules via ApprovalRule::fromJson
    void addApprovalRule(const ApprovalRule &, QObject *ctx, Callback<ApprovalRule>);
    void removeApprovalRule(const ApprovalRule &, QObject *ctx, Callback<bool>);

    /// `GET /api/v3/sessions/{id}/export` written into `sink` as it arrives (an open, writable
    /// device the caller owns; nothing is written for an error answer). `format`: "json" (the
    /// versioned session document; also "") or "markdown". The value is the number of bytes
    /// written. Bounded by kMaxExportBytes ("too_large"); the timeout counts from the last byte
    /// received; a refused write is "write_failed".
    void exportSession(const QString &id, const QString &format, QIODevice *sink, QObject *ctx,
                       Callback<qint64>);
    static constexpr qint64 kMaxExportBytes = 512LL * 1024 * 1024;
    /// `POST /api/v3/sessions/import` with the document read from `document` as it is sent (an
    /// open, random-access device the caller owns, e.g. a QFile; it is not read whole into
    /// memory): the new session. A document over kMaxImportBytes is refused before anything is
    /// sent ("too_large"); the server's refusal (400 invalid_document, 413 body_too_large) comes
    /// with its message. The timeout counts from the last byte sent or received.
    void importSession(QIODevice *document, QObject *ctx, Callback<SessionSummary>);
    /// The server's cap on an imported document (HttpApiServer::Options::maxImportBytes).
    static constexpr qint64 kMaxImportBytes = 64LL * 1024 * 1024;

    // Generic calls for anything else. `path` may carry a query ("/api/v3/x?y=1"). The value
    // is the answer's JSON object ({} for an empty answer such as 204); a status >= 400 is an
    // ApiError with the server's code.
    void get(const QString &path, QObject *ctx, Callback<QJsonObject>);
    void get(const QString &path, const QJsonObject &body, QObject *ctx, Callback<QJsonObject>);
    void post(const QString &path, const QJsonObject &body, QObject *ctx, Callback<QJsonObject>);
    void patch(const QString &path, const QJsonObject &body, QObject *ctx, Callback<QJsonObject>);
    void del(const QString &path, QObject *ctx, Callback<QJsonObject>);
    void del(const QString &path, const QJsonObject &body, QObject *ctx, Callback<QJsonObject>);

    using RawHeaders = QList<QPair<QByteArray, QByteArray>>;
    /// The lowest level: any method, raw body and extra headers; the callback gets the answer
    /// whatever its status (an ApiError only when no complete, bounded answer arrived).
    void request(const QByteArray &method, const QString &path, const QByteArray &body,
                 const RawHeaders &headers, QObject *ctx, Callback<ApiResponse>);

private:
    /// How one request is read: its bound, whether the timeout restarts on progress, and where
    /// a 2xx body goes (nullptr: into ApiResponse::body).
    struct Transfer
    {
        qint64 maxBytes = 0;
        bool idleTimeout = false;
        QIODevice *sink = nullptr;
    };
    void track(QNetworkReply *reply, const QString &path, const Transfer &transfer, QObject *ctx,
               Callback<ApiResponse> callback);
    [[nodiscard]] QNetworkRequest prepared(const QString &path, const RawHeaders &headers) const;
    void listSessionPages(const QString &cursor, QList<SessionSummary> sofar, QObject *ctx,
                          Callback<QList<SessionSummary>> cb);
    void jsonCall(const QByteArray &method, const QString &path, const QJsonObject *body,
                  QObject *ctx,
                  std::function<void(const QJsonObject &, const ApiResponse &,
                                     const std::optional<McpHostClient::ApiError> &)>
                          done);
    [[nodiscard]] QUrl urlFor(const QString &path) const;

    QNetworkAccessManager *m_nam;
    QUrl m_baseUrl;
    QByteArray m_authorization;
    qint64 m_maxResponseBytes = 32LL * 1024 * 1024;
    int m_transferTimeoutMs = 30000;
};
