#include "apiclient.h"

#include "apiendpoint.h"
#include "logging.h"

#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QTimer>

#include <memory>

namespace {

QString mib(qint64 bytes)
{
    if (bytes % (1024 * 1024) == 0)
        return QStringLiteral("%1 MiB").arg(bytes / (1024 * 1024));
    return QStringLiteral("%1 bytes").arg(bytes);
}

// One call in flight: the bounded body so far and whether the callback already ran.
struct Pending
{
    ApiClient::Callback<ApiResponse> callback;
    QByteArray body;
    qint64 written = 0; ///< bytes handed to the sink
    bool done = false;
};

template<typename T>
void deliver(const ApiClient::Callback<T> &cb, const T &value, const std::optional<ApiError> &e)
{
    if (cb)
        cb(value, e);
}

ApiError badResponse(int status, const QString &what)
{
    ApiError e;
    e.httpStatus = status;
    e.code = QStringLiteral("bad_response");
    e.message = what;
    return e;
}

} // namespace

QByteArray ApiResponse::header(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

QJsonObject ApiResponse::json() const
{
    return QJsonDocument::fromJson(body).object();
}

ApiClient::ApiClient(QObject *parent)
    : QObject(parent)
    , m_nam(new QNetworkAccessManager(this))
{ }

ApiClient::~ApiClient() = default;

void ApiClient::setBaseUrl(const QUrl &url)
{
    m_baseUrl = url;
    ApiEndpoint::configureProxy(m_nam, url);
}

QUrl ApiClient::baseUrl() const
{
    return m_baseUrl;
}

void ApiClient::setToken(const QString &token)
{
    m_authorization = ApiEndpoint::bearer(token);
    if (!token.isEmpty() && m_authorization.isEmpty())
        qCWarning(lcApiClient) << "the token holds control characters; requests go without it";
}

void ApiClient::setMaxResponseBytes(qint64 bytes)
{
    m_maxResponseBytes = qMax<qint64>(1, bytes);
}

void ApiClient::setTransferTimeout(int ms)
{
    m_transferTimeoutMs = qMax(1, ms);
}

QUrl ApiClient::urlFor(const QString &path) const
{
    return ApiEndpoint::url(m_baseUrl, path);
}

QNetworkRequest ApiClient::prepared(const QString &path, const RawHeaders &headers) const
{
    QNetworkRequest req(urlFor(path));
    ApiEndpoint::prepare(req, m_authorization);
    req.setRawHeader("Accept", "application/json");
    for (const auto &h : headers)
        req.setRawHeader(h.first, h.second);
    return req;
}

void ApiClient::request(const QByteArray &method, const QString &path, const QByteArray &body,
                        const RawHeaders &headers, QObject *ctx, Callback<ApiResponse> callback)
{
    QNetworkRequest req = prepared(path, {});
    if (!body.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    for (const auto &h : headers)
        req.setRawHeader(h.first, h.second);
    QNetworkReply *reply = body.isEmpty() && method == "GET"
            ? m_nam->get(req)
            : m_nam->sendCustomRequest(req, method, body);
    Transfer transfer;
    transfer.maxBytes = m_maxResponseBytes;
    track(reply, path, transfer, ctx, std::move(callback));
}

void ApiClient::track(QNetworkReply *reply, const QString &path, const Transfer &transfer,
                      QObject *ctx, Callback<ApiResponse> callback)
{
    auto pending = std::make_shared<Pending>();
    pending->callback = std::move(callback);
    const QPointer<QObject> guard(ctx);
    const bool guarded = ctx != nullptr;
    QObject *receiver = ctx ? ctx : this;
    const qint64 maxBytes = transfer.maxBytes;
    // A sink takes a successful body as it comes; an error answer's body is kept (small).
    const QPointer<QIODevice> sink(transfer.sink);
    const bool sunk = transfer.sink != nullptr;
    const qint64 errorBound = qMin<qint64>(maxBytes, 1024 * 1024);
    auto toSink = [reply, sunk] {
        if (!sunk)
            return false;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        return status >= 200 && status < 300;
    };

    // Runs the callback once (unless ctx is gone) and disposes of the reply.
    auto finish = [pending, reply, guard, guarded](const ApiResponse &response,
                                                   const std::optional<ApiError> &error) {
        if (pending->done)
            return;
        pending->done = true;
        if (reply->isRunning())
            reply->abort();
        reply->deleteLater();
        if (guarded && !guard)
            return;
        if (pending->callback)
            pending->callback(response, error);
    };

    auto tooLarge = [maxBytes, finish](int status) {
        ApiError e;
        e.httpStatus = status;
        e.code = QStringLiteral("too_large");
        e.message = QStringLiteral("the server's answer exceeded %1").arg(mib(maxBytes));
        finish({}, e);
    };
    // Reads what arrived: into the sink (false when it refused the bytes) or the bounded body.
    auto take = [reply, pending, maxBytes, errorBound, sink, sunk, toSink, finish, tooLarge]() {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (toSink()) {
            while (reply->bytesAvailable() > 0) {
                const QByteArray chunk = reply->read(256 * 1024);
                if (pending->written + chunk.size() > maxBytes) {
                    tooLarge(status);
                    return false;
                }
                if (!sink || sink->write(chunk) != chunk.size()) {
                    ApiError e;
                    e.httpStatus = status;
                    e.code = QStringLiteral("write_failed");
                    e.message = QStringLiteral("cannot write the answer: %1")
                                        .arg(sink ? sink->errorString()
                                                  : QStringLiteral("the file is gone"));
                    finish({}, e);
                    return false;
                }
                pending->written += chunk.size();
            }
            return true;
        }
        const qint64 bound = sunk ? errorBound : maxBytes;
        pending->body += reply->read(bound + 1 - pending->body.size());
        if (pending->body.size() > bound) {
            tooLarge(status);
            return false;
        }
        return true;
    };

    auto *timer = new QTimer(reply);
    timer->setSingleShot(true);
    const int timeoutMs = m_transferTimeoutMs;
    connect(reply, &QNetworkReply::metaDataChanged, receiver, [reply, maxBytes, tooLarge, toSink] {
        const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
        if (!toSink() && length.isValid() && length.toLongLong() > maxBytes)
            tooLarge(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt());
    });
    connect(reply, &QNetworkReply::readyRead, receiver,
            [pending, take, timer, idle = transfer.idleTimeout, timeoutMs] {
                if (pending->done)
                    return;
                if (take() && idle)
                    timer->start(timeoutMs);
            });
    if (transfer.idleTimeout) {
        connect(reply, &QNetworkReply::uploadProgress, receiver, [pending, timer, timeoutMs] {
            if (!pending->done)
                timer->start(timeoutMs);
        });
    }
    connect(reply, &QNetworkReply::finished, receiver, [reply, pending, finish, take] {
        if (pending->done)
            return;
        if (!take())
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 0) {
            finish({}, ApiError::networkError(reply->errorString()));
            return;
        }
        ApiResponse response;
        response.status = status;
        response.body = std::move(pending->body);
        response.headers = reply->rawHeaderPairs();
        response.written = pending->written;
        finish(response, std::nullopt);
    });

    connect(timer, &QTimer::timeout, receiver,
            [finish, timeoutMs, path, idle = transfer.idleTimeout] {
                ApiError e;
                e.code = QStringLiteral("timeout");
                e.message = idle ? QStringLiteral("%1: nothing sent or received for %2 ms")
                                           .arg(path)
                                           .arg(timeoutMs)
                                 : QStringLiteral("no complete answer to %1 within %2 ms")
                                           .arg(path)
                                           .arg(timeoutMs);
                e.network = true;
                finish({}, e);
            });
    timer->start(timeoutMs);

    if (ctx) {
        // The guard: a destroyed context ends its requests (and never sees their callbacks).
        connect(ctx, &QObject::destroyed, reply, [pending, reply] {
            pending->done = true;
            reply->abort();
            reply->deleteLater();
        });
    }
}

void ApiClient::jsonCall(const QByteArray &method, const QString &path, const QJsonObject *body,
                         QObject *ctx,
                         std::function<void(const QJsonObject &, const ApiResponse &,
                                            const std::optional<ApiError> &)>
                                 done)
{
    const QByteArray bytes
            = body ? QJsonDocument(*body).toJson(QJsonDocument::Compact) : QByteArray();
    request(method, path, bytes, {}, ctx,
            [done = std::move(done)](const ApiResponse &r, const std::optional<ApiError> &error) {
                if (error) {
                    done({}, r, error);
                    return;
                }
                if (r.status >= 400) {
                    done({}, r, ApiError::fromBody(r.status, r.body));
                    return;
                }
                if (r.status >= 300 || r.status < 200) {
                    done({}, r,
                         badResponse(r.status,
                                     QStringLiteral("unexpected HTTP %1 (redirects are not "
                                                    "followed)")
                                             .arg(r.status)));
                    return;
                }
                if (r.body.trimmed().isEmpty()) {
                    done({}, r, std::nullopt);
                    return;
                }
                QJsonParseError parseError {};
                const QJsonDocument doc = QJsonDocument::fromJson(r.body, &parseError);
                if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
                    done({}, r,
                         badResponse(r.status,
                                     QStringLiteral("the answer is not a JSON object (%1)")
                                             .arg(parseError.errorString())));
                    return;
                }
                done(doc.object(), r, std::nullopt);
            });
}

namespace {

// Adapts a JSON-object call to a typed callback.
template<typename T, typename Convert> auto typed(ApiClient::Callback<T> cb, Convert convert)
{
    return [cb = std::move(cb), convert](const QJsonObject &o, const ApiResponse &r,
                                         const std::optional<ApiError> &error) {
        if (error) {
            deliver(cb, T {}, error);
            return;
        }
        std::optional<T> value = convert(o);
        if (!value) {
            deliver(cb, T {},
                    std::optional<ApiError>(
                            badResponse(r.status,
                                        QStringLiteral("the answer lacks the fields the API "
                                                       "promises"))));
            return;
        }
        deliver(cb, *value, std::nullopt);
    };
}

template<typename T> std::optional<QList<T>> listOf(const QJsonObject &o, const char *key)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (!v.isArray())
        return std::nullopt;
    QList<T> out;
    const QJsonArray array = v.toArray();
    out.reserve(array.size());
    for (const QJsonValue &item : array) {
        // An item the client cannot read is skipped; the rest stays usable.
        if (auto value = T::fromJson(item.toObject()))
            out << *value;
    }
    return out;
}

auto plain(ApiClient::Callback<QJsonObject> cb)
{
    return [cb = std::move(cb)](const QJsonObject &o, const ApiResponse &,
                                const std::optional<ApiError> &error) { deliver(cb, o, error); };
}

auto boolean(ApiClient::Callback<bool> cb)
{
    return [cb = std::move(cb)](const QJsonObject &, const ApiResponse &,
                                const std::optional<ApiError> &error) {
        deliver(cb, !error.has_value(), error);
    };
}

QString sessionPath(const QString &id)
{
    return QStringLiteral("/api/v3/sessions/") + ApiEndpoint::segment(id);
}

QString serverPath(const QString &name)
{
    return QStringLiteral("/api/v3/servers/") + ApiEndpoint::segment(name);
}

} // namespace

void ApiClient::health(QObject *ctx, Callback<QJsonObject> cb)
{
    jsonCall("GET", QStringLiteral("/health"), nullptr, ctx, plain(std::move(cb)));
}

void ApiClient::listSessions(QObject *ctx, Callback<QList<SessionSummary>> cb)
{
    listSessionPages(QString(), {}, ctx, std::move(cb));
}

void ApiClient::listSessionPages(const QString &cursor, QList<SessionSummary> sofar, QObject *ctx,
                                 Callback<QList<SessionSummary>> cb)
{
    QString path = QStringLiteral("/api/v3/sessions?limit=%1").arg(kSessionPage);
    if (!cursor.isEmpty())
        path += QStringLiteral("&cursor=") + QString::fromLatin1(QUrl::toPercentEncoding(cursor));
    QPointer<ApiClient> self(this);
    QPointer<QObject> guard(ctx);
    jsonCall("GET", path, nullptr, ctx,
             [self, guard, ctx, sofar = std::move(sofar),
              cb = std::move(cb)](const QJsonObject &o, const ApiResponse &r,
                                  const std::optional<ApiError> &error) mutable {
                 if (error)
                     return deliver(cb, QList<SessionSummary>(), error);
                 const auto page = listOf<SessionSummary>(o, "sessions");
                 if (!page)
                     return deliver(cb, QList<SessionSummary>(),
                                    std::optional<ApiError>(badResponse(
                                            r.status,
                                            QStringLiteral("the answer lacks the "
                                                           "fields the API promises"))));
                 sofar += *page;
                 const QString next = o.value(QLatin1String("next_cursor")).toString();
                 // Newest first, page by page, up to kMaxSessionsListed.
                 if (next.isEmpty() || sofar.size() >= kMaxSessionsListed || !self || !guard)
                     return deliver(cb, sofar, std::nullopt);
                 self->listSessionPages(next, std::move(sofar), ctx, std::move(cb));
             });
}

void ApiClient::createSession(QObject *ctx, Callback<SessionSummary> cb)
{
    jsonCall("POST", QStringLiteral("/api/v3/sessions"), nullptr, ctx,
             typed(std::move(cb), &SessionSummary::fromJson));
}

void ApiClient::createSession(const QString &id, QObject *ctx, Callback<SessionSummary> cb)
{
    const QJsonObject body {{QStringLiteral("session_id"), id}};
    jsonCall("POST", QStringLiteral("/api/v3/sessions"), &body, ctx,
             typed(std::move(cb), &SessionSummary::fromJson));
}

void ApiClient::getSession(const QString &id, QObject *ctx, Callback<QJsonObject> cb)
{
    jsonCall("GET", sessionPath(id), nullptr, ctx, plain(std::move(cb)));
}

void ApiClient::renameSession(const QString &id, const QString &title, QObject *ctx,
                              Callback<SessionSummary> cb)
{
    const QJsonObject body {{QStringLiteral("title"), title}};
    jsonCall("PATCH", sessionPath(id), &body, ctx, typed(std::move(cb), &SessionSummary::fromJson));
}

void ApiClient::deleteSession(const QString &id, QObject *ctx, Callback<bool> cb)
{
    jsonCall("DELETE", sessionPath(id), nullptr, ctx, boolean(std::move(cb)));
}

void ApiClient::send(const QString &sessionId, const QString &message, QObject *ctx,
                     Callback<QJsonObject> cb)
{
    QJsonObject body {{QStringLiteral("message"), message}};
    if (!sessionId.isEmpty())
        body.insert(QStringLiteral("session_id"), sessionId);
    jsonCall("POST", QStringLiteral("/api/v3/chat/send"), &body, ctx, plain(std::move(cb)));
}

void ApiClient::cancel(const QString &sessionId, QObject *ctx, Callback<QJsonObject> cb)
{
    const QJsonObject body {{QStringLiteral("session_id"), sessionId}};
    jsonCall("POST", QStringLiteral("/api/v3/chat/cancel"), &body, ctx, plain(std::move(cb)));
}

void ApiClient::approve(const QString &sessionId, const QString &callId, bool approved,
                        const QString &scope, QObject *ctx, Callback<QJsonObject> cb)
{
    QJsonObject body {{QStringLiteral("session_id"), sessionId},
                      {QStringLiteral("call_id"), callId},
                      {QStringLiteral("approved"), approved}};
    if (!scope.isEmpty())
        body.insert(QStringLiteral("scope"), scope);
    jsonCall("POST", QStringLiteral("/api/v3/chat/approve"), &body, ctx, plain(std::move(cb)));
}

void ApiClient::elicit(const QString &sessionId, const QString &requestId, const QString &action,
                       const QJsonObject &content, QObject *ctx, Callback<QJsonObject> cb)
{
    QJsonObject body {{QStringLiteral("session_id"), sessionId},
                      {QStringLiteral("request_id"), requestId},
                      {QStringLiteral("action"), action}};
    if (action == QLatin1String("accept") || !content.isEmpty())
        body.insert(QStringLiteral("content"), content);
    jsonCall("POST", QStringLiteral("/api/v3/chat/elicit"), &body, ctx, plain(std::move(cb)));
}

void ApiClient::listServers(QObject *ctx, Callback<QList<ServerInfo>> cb)
{
    jsonCall("GET", QStringLiteral("/api/v3/servers"), nullptr, ctx,
             typed(std::move(cb),
                   [](const QJsonObject &o) { return listOf<ServerInfo>(o, "servers"); }));
}

void ApiClient::getServer(const QString &name, QObject *ctx, Callback<ServerInfo> cb)
{
    jsonCall("GET", serverPath(name), nullptr, ctx, typed(std::move(cb), &ServerInfo::fromJson));
}

void ApiClient::restartServer(const QString &name, QObject *ctx, Callback<QJsonObject> cb)
{
    jsonCall("POST", serverPath(name) + QStringLiteral("/restart"), nullptr, ctx,
             plain(std::move(cb)));
}

void ApiClient::setServerEnabled(const QString &name, bool enabled, QObject *ctx,
                                 Callback<QJsonObject> cb)
{
    jsonCall("POST",
             serverPath(name) + (enabled ? QStringLiteral("/enable") : QStringLiteral("/disable")),
             nullptr, ctx, plain(std::move(cb)));
}

void ApiClient::listTools(QObject *ctx, Callback<QList<ToolInfo>> cb)
{
    jsonCall("GET", QStringLiteral("/api/v3/tools"), nullptr, ctx,
             typed(std::move(cb),
                   [](const QJsonObject &o) { return listOf<ToolInfo>(o, "tools"); }));
}

void ApiClient::approvals(QObject *ctx, Callback<QJsonObject> cb)
{
    jsonCall("GET", QStringLiteral("/api/v3/approvals"), nullptr, ctx, plain(std::move(cb)));
}

void ApiClient::addApprovalRule(const ApprovalRule &rule, QObject *ctx, Callback<ApprovalRule> cb)
{
    const QJsonObject body = rule.toJson();
    jsonCall("POST", QStringLiteral("/api/v3/approvals/rules"), &body, ctx,
             typed(std::move(cb), &ApprovalRule::fromJson));
}

void ApiClient::removeApprovalRule(const ApprovalRule &rule, QObject *ctx, Callback<bool> cb)
{
    QString query = QStringLiteral("scope=") + ApiEndpoint::segment(rule.scope)
            + QStringLiteral("&server=") + ApiEndpoint::segment(rule.server);
    if (!rule.tool.isEmpty())
        query += QStringLiteral("&tool=") + ApiEndpoint::segment(rule.tool);
    jsonCall("DELETE", QStringLiteral("/api/v3/approvals/rules?") + query, nullptr, ctx,
             boolean(std::move(cb)));
}

void ApiClient::get(const QString &path, QObject *ctx, Callback<QJsonObject> cb)
{
    jsonCall("GET", path, nullptr, ctx, plain(std::move(cb)));
}

void ApiClient::get(const QString &path, const QJsonObject &body, QObject *ctx,
                    Callback<QJsonObject> cb)
{
    jsonCall("GET", path, body.isEmpty() ? nullptr : &body, ctx, plain(std::move(cb)));
}

void ApiClient::post(const QString &path, const QJsonObject &body, QObject *ctx,
                     Callback<QJsonObject> cb)
{
    jsonCall("POST", path, &body, ctx, plain(std::move(cb)));
}

void ApiClient::patch(const QString &path, const QJsonObject &body, QObject *ctx,
                      Callback<QJsonObject> cb)
{
    jsonCall("PATCH", path, &body, ctx, plain(std::move(cb)));
}

void ApiClient::del(const QString &path, QObject *ctx, Callback<QJsonObject> cb)
{
    jsonCall("DELETE", path, nullptr, ctx, plain(std::move(cb)));
}

void ApiClient::del(const QString &path, const QJsonObject &body, QObject *ctx,
                    Callback<QJsonObject> cb)
{
    jsonCall("DELETE", path, body.isEmpty() ? nullptr : &body, ctx, plain(std::move(cb)));
}

namespace {

// An answer that is not a success, in the shape of the JSON calls' errors.
std::optional<ApiError> failureOf(const ApiResponse &r, const std::optional<ApiError> &error)
{
    if (error)
        return error;
    if (r.status >= 400)
        return ApiError::fromBody(r.status, r.body);
    if (r.status < 200 || r.status >= 300)
        return badResponse(
                r.status,
                QStringLiteral("unexpected HTTP %1 (redirects are not followed)").arg(r.status));
    return std::nullopt;
}

} // namespace

void ApiClient::exportSession(const QString &id, const QString &format, QIODevice *sink,
                              QObject *ctx, Callback<qint64> cb)
{
    QString path = sessionPath(id) + QStringLiteral("/export");
    if (!format.isEmpty())
        path += QStringLiteral("?format=") + ApiEndpoint::segment(format);
    QNetworkRequest req = prepared(path, {});
    req.setRawHeader("Accept",
                     format == QLatin1String("markdown") ? "text/markdown" : "application/json");
    Transfer transfer;
    transfer.maxBytes = kMaxExportBytes;
    transfer.idleTimeout = true;
    transfer.sink = sink;
    track(m_nam->get(req), path, transfer, ctx,
          [cb = std::move(cb)](const ApiResponse &r, const std::optional<ApiError> &error) {
              const auto failure = failureOf(r, error);
              deliver(cb, failure ? qint64(0) : r.written, failure);
          });
}

void ApiClient::importSession(QIODevice *document, QObject *ctx, Callback<SessionSummary> cb)
{
    const QString path = QStringLiteral("/api/v3/sessions/import");
    const qint64 size = document && document->isReadable() ? document->size() : -1;
    if (size < 0 || size > kMaxImportBytes || document->isSequential()) {
        ApiError e;
        e.code = size > kMaxImportBytes ? QStringLiteral("too_large") : QStringLiteral("bad_input");
        e.message = size > kMaxImportBytes
                ? QStringLiteral("the document has %1 bytes; a session document has at most %2")
                          .arg(size)
                          .arg(mib(kMaxImportBytes))
                : QStringLiteral("the document cannot be read");
        const QPointer<QObject> guard(ctx);
        QTimer::singleShot(0, this, [guard, guarded = ctx != nullptr, cb = std::move(cb), e] {
            if (!guarded || guard)
                deliver(cb, SessionSummary {}, std::optional<ApiError>(e));
        });
        return;
    }
    document->seek(0);
    QNetworkRequest req = prepared(path, {});
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    req.setHeader(QNetworkRequest::ContentLengthHeader, size);
    Transfer transfer;
    transfer.maxBytes = m_maxResponseBytes;
    transfer.idleTimeout = true;
    track(m_nam->post(req, document), path, transfer, ctx,
          [cb = std::move(cb)](const ApiResponse &r, const std::optional<ApiError> &error) {
              if (const auto failure = failureOf(r, error))
                  return deliver(cb, SessionSummary {}, failure);
              const auto summary = SessionSummary::fromJson(r.json());
              if (!summary)
                  return deliver(cb, SessionSummary {},
                                 std::optional<ApiError>(badResponse(
                                         r.status,
                                         QStringLiteral("the answer lacks the fields the API "
                                                        "promises"))));
              deliver(cb, *summary, std::nullopt);
          });
}
