#include "httpapiserver.h"

#include "chatmodel.h"
#include "chatservice.h"
#include "guardedtcpserver.h"
#include "logging.h"
#include "reactagent.h"
#include "requestframer.h"
#include "responsewriter.h"
#include "serverregistry.h"
#include "session.h"
#include "sessionmanager.h"
#include "streamevent.h"

#include <QFile>
#include <QHttpServer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpServer>
#include <QUrlQuery>

using Headers = QList<QPair<QByteArray, QByteArray>>;
using Method = QHttpServerRequest::Method;

namespace {

QPair<QByteArray, QByteArray> hdr(const QByteArray &name, const QByteArray &value)
{
    return {name, value};
}

/// The headers of a JSON answer (Content-Length is the writer's).
Headers jsonHeaders(int status, const Headers &extra)
{
    Headers h;
    if (status != 204)
        h.append(hdr("Content-Type", "application/json"));
    h.append(hdr("Cache-Control", "no-store"));
    h += extra;
    return h;
}

QByteArray methodName(Method m)
{
    switch (m) {
    case Method::Get:
        return "GET";
    case Method::Post:
        return "POST";
    case Method::Delete:
        return "DELETE";
    case Method::Put:
        return "PUT";
    case Method::Patch:
        return "PATCH";
    case Method::Options:
        return "OPTIONS";
    case Method::Head:
        return "HEAD";
    default:
        return "UNKNOWN";
    }
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    // Always walks the longer input, so timing does not reveal how much of a guess matched.
    const qsizetype n = std::max(a.size(), b.size());
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (qsizetype i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? uchar(a[i]) : 0;
        const unsigned char y = i < b.size() ? uchar(b[i]) : 0;
        diff |= x ^ y;
    }
    return diff == 0;
}

bool isLoopback(const QHostAddress &a)
{
    return a.isLoopback() || a == QHostAddress::LocalHost || a == QHostAddress::LocalHostIPv6;
}

QJsonObject messageJson(const ChatMessage &m)
{
    static const char *roles[] = {"system", "user", "assistant", "tool"};
    QJsonObject o {{QStringLiteral("role"), QLatin1String(roles[int(m.role)])},
                   {QStringLiteral("content"), m.text}};
    if (!m.toolCalls.isEmpty()) {
        QJsonArray calls;
        for (const ToolCall &c : m.toolCalls)
            calls.append(QJsonObject {{QStringLiteral("id"), c.id},
                                      {QStringLiteral("name"), c.name},
                                      {QStringLiteral("arguments"), c.arguments}});
        o.insert(QStringLiteral("tool_calls"), calls);
    }
    if (m.role == ChatMessage::Role::Tool) {
        o.insert(QStringLiteral("tool_call_id"), m.toolCallId);
        o.insert(QStringLiteral("name"), m.toolName);
        o.insert(QStringLiteral("is_error"), m.isError);
    }
    return o;
}

struct Percentiles
{
    double p50 = 0, p90 = 0, p99 = 0;
};

Percentiles percentiles(QList<double> v)
{
    Percentiles p;
    if (v.isEmpty())
        return p;
    std::sort(v.begin(), v.end());
    auto at = [&v](double q) {
        return v[std::min<qsizetype>(v.size() - 1, qsizetype(q * double(v.size() - 1) + 0.5))];
    };
    p.p50 = at(0.5);
    p.p90 = at(0.9);
    p.p99 = at(0.99);
    return p;
}

} // namespace

HttpApiServer::HttpApiServer(ChatService *chat, SessionManager *sessions, ServerRegistry *registry,
                             Options options, QObject *parent)
    : QObject(parent)
    , m_chat(chat)
    , m_sessions(sessions)
    , m_registry(registry)
    , m_options(std::move(options))
{
    m_uptime.start();
    m_http = new QHttpServer(this);
    m_connections = new SseConnectionManager(m_options.sse, this);
    registerRoutes();
    // One dispatcher for every request: the router of QHttpServer is not used, so 404 and 405
    // are told apart and every answer passes the same checks.
    ResponseWriter::setHandler(
            m_http, this,
            [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
                dispatch(request, std::move(responder));
            });
}

HttpApiServer::~HttpApiServer() = default;

bool HttpApiServer::listen(QString *error)
{
    if (!isLoopback(m_options.address) && m_options.token.isEmpty()) {
        *error = QStringLiteral(
                         "refusing to listen on %1 without a token: anyone on the network could "
                         "use your tools. Set --token (or MCPHOST_TOKEN), or listen on 127.0.0.1.")
                         .arg(m_options.address.toString());
        return false;
    }
    m_tcp = new GuardedTcpServer(
            m_options.limits, m_options.maxBodyBytes,
            [this](const RequestHead &head) { return checkHead(head); }, this);
    m_tcp->setListenBacklogSize(m_options.listenBacklog);
    if (!m_tcp->listen(m_options.address, m_options.port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                         .arg(m_options.address.toString())
                         .arg(m_options.port)
                         .arg(m_tcp->errorString());
        return false;
    }
    m_http->bind(m_tcp);
    m_port = m_tcp->serverPort();
    return true;
}

QUrl HttpApiServer::pageUrl() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    const bool any = m_options.address == QHostAddress::Any
            || m_options.address == QHostAddress::AnyIPv4
            || m_options.address == QHostAddress::AnyIPv6;
    url.setHost(any ? QStringLiteral("127.0.0.1") : m_options.address.toString());
    url.setPort(m_port);
    url.setPath(QStringLiteral("/"));
    if (!m_options.token.isEmpty())
        url.setQuery(QStringLiteral("token=")
                     + QString::fromLatin1(QUrl::toPercentEncoding(m_options.token)));
    return url;
}

void HttpApiServer::close()
{
    m_connections->closeAll();
    if (m_tcp)
        m_tcp->close();
}

QList<HttpApiServer::RouteInfo> HttpApiServer::routes() const
{
    QList<RouteInfo> out;
    for (const Route &r : m_routes)
        out.append({methodName(r.method), r.path});
    return out;
}

void HttpApiServer::addRoute(Method method, const QString &path, bool requiresToken,
                             Handler handler)
{
    QString re = QRegularExpression::escape(path);
    re.replace(QRegularExpression(QStringLiteral("\\\\\\{[a-z_]+\\\\\\}")),
               QStringLiteral("([^/]+)"));
    m_routes.append({method, path, QRegularExpression(QLatin1Char('^') + re + QLatin1Char('$')),
                     requiresToken, std::move(handler)});
}

bool HttpApiServer::isAuthorized(const QHttpServerRequest &request) const
{
    return isAuthorized(request.value("Authorization"), request.method() == Method::Get,
                        request.query());
}

bool HttpApiServer::isAuthorized(const QByteArray &header, bool isGet, const QUrlQuery &query) const
{
    if (m_options.token.isEmpty())
        return true;
    const QByteArray expected = m_options.token.toUtf8();
    if (header.startsWith("Bearer ") && constantTimeEquals(header.mid(7).trimmed(), expected))
        return true;
    // EventSource cannot set headers: the stream (and only GET requests) accept the query form.
    if (isGet) {
        const QString q = query.queryItemValue(QStringLiteral("access_token"), QUrl::FullyDecoded);
        if (!q.isEmpty() && constantTimeEquals(q.toUtf8(), expected))
            return true;
    }
    return false;
}

std::optional<ApiError> HttpApiServer::checkHead(const RequestHead &head) const
{
    if (m_options.token.isEmpty() || head.method == "OPTIONS")
        return std::nullopt;
    const QString path = QUrl::fromPercentEncoding(head.path());
    for (const Route &r : std::as_const(m_routes)) {
        if (methodName(r.method) == head.method && r.requiresToken
            && r.pattern.match(path).hasMatch()) {
            if (isAuthorized(head.value("authorization"), head.method == "GET",
                             QUrlQuery(QString::fromUtf8(head.query()))))
                return std::nullopt;
            return ApiError {401,
                             QStringLiteral("unauthorized"),
                             QStringLiteral("this server needs a token: send \"Authorization: "
                                            "Bearer <token>\" (checked before the body is read)"),
                             {},
                             0};
        }
    }
    return std::nullopt;
}

std::optional<ApiError> HttpApiServer::checkHostAndOrigin(const QHttpServerRequest &request,
                                                          Headers *cors) const
{
    const QByteArray host = request.value("Host");
    // DNS rebinding: a page of another site that resolves its name to 127.0.0.1 arrives with
    // that name in Host. On loopback only loopback names are ours.
    if (isLoopback(m_options.address)) {
        QByteArray name = host;
        if (name.startsWith('[')) {
            name = name.mid(1, name.indexOf(']') - 1);
        } else if (name.count(':') == 1) {
            name = name.left(name.indexOf(':'));
        }
        if (!host.isEmpty() && name != "localhost" && name != "127.0.0.1" && name != "::1") {
            return ApiError {
                    403,
                    QStringLiteral("forbidden_host"),
                    QStringLiteral("Host \"%1\" is not allowed (DNS rebinding protection); "
                                   "use 127.0.0.1 or localhost")
                            .arg(QString::fromUtf8(host)),
                    {},
                    0};
        }
    }
    const QByteArray origin = request.value("Origin");
    if (origin.isEmpty())
        return std::nullopt;
    const bool sameOrigin = origin == "http://" + host || origin == "https://" + host;
    const bool listed = m_options.allowedOrigins.contains(QString::fromUtf8(origin))
            || m_options.allowedOrigins.contains(QStringLiteral("*"));
    if (!sameOrigin && !listed) {
        return ApiError {403,
                         QStringLiteral("forbidden_origin"),
                         QStringLiteral("Origin \"%1\" is not allowed; add it with --allow-origin")
                                 .arg(QString::fromUtf8(origin)),
                         {},
                         0};
    }
    if (!sameOrigin) {
        cors->append(hdr("Access-Control-Allow-Origin", origin));
        cors->append(hdr("Vary", "Origin"));
        cors->append(hdr("Access-Control-Expose-Headers", "Retry-After"));
    }
    return std::nullopt;
}

void HttpApiServer::dispatch(const QHttpServerRequest &request, QHttpServerResponder &&responder)
{
    ++m_requests;
    Headers cors;
    if (const auto error = checkHostAndOrigin(request, &cors)) {
        sendError(responder, *error, {});
        return;
    }
    const QString path = request.url().path();
    const Method method = request.method();

    QStringList args;
    const Route *match = nullptr;
    QList<QByteArray> allowed;
    for (const Route &r : std::as_const(m_routes)) {
        const QRegularExpressionMatch m = r.pattern.match(path);
        if (!m.hasMatch())
            continue;
        allowed.append(methodName(r.method));
        if (r.method == method) {
            match = &r;
            args = m.capturedTexts().mid(1);
        }
    }
    if (allowed.isEmpty()) {
        sendError(responder,
                  ApiError::notFound(
                          QStringLiteral("not_found"),
                          QStringLiteral("no such endpoint: %1 %2 (see /api/v3/openapi.json)")
                                  .arg(QString::fromLatin1(methodName(method)), path)),
                  cors);
        return;
    }
    if (method == Method::Options) {
        Headers h = cors;
        h.append(hdr("Allow", allowed.join(", ") + ", OPTIONS"));
        h.append(hdr("Access-Control-Allow-Methods", allowed.join(", ") + ", OPTIONS"));
        h.append(hdr("Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID"));
        h.append(hdr("Access-Control-Max-Age", "600"));
        sendJson(responder, 204, {}, h);
        return;
    }
    if (!match) {
        Headers h = cors;
        h.append(hdr("Allow", allowed.join(", ")));
        sendError(responder,
                  {405,
                   QStringLiteral("method_not_allowed"),
                   QStringLiteral("%1 does not accept %2; allowed: %3")
                           .arg(path, QString::fromLatin1(methodName(method)),
                                QString::fromLatin1(allowed.join(", "))),
                   {},
                   0},
                  h);
        return;
    }
    Context ctx {request, args, cors, isAuthorized(request)};
    if (match->requiresToken && !ctx.authorized) {
        Headers h = cors;
        h.append(hdr("WWW-Authenticate", "Bearer"));
        sendError(
                responder,
                {401,
                 QStringLiteral("unauthorized"),
                 QStringLiteral("this server needs a token: send \"Authorization: Bearer <token>\"")
                         + (method == Method::Get ? QStringLiteral(" or ?access_token=<token>")
                                                  : QString()),
                 {},
                 0},
                h);
        return;
    }
    if (request.body().size() > m_options.maxBodyBytes) {
        sendError(responder,
                  {413,
                   QStringLiteral("body_too_large"),
                   QStringLiteral("the request body has %1 bytes; the limit is %2")
                           .arg(request.body().size())
                           .arg(m_options.maxBodyBytes),
                   {},
                   0},
                  cors);
        return;
    }
    match->handler(ctx, std::move(responder));
}

void HttpApiServer::sendJson(QHttpServerResponder &responder, int status, const QJsonDocument &body,
                             const Headers &headers) const
{
    ++m_responsesByStatus[status];
    const QByteArray bytes = body.isNull() ? QByteArray() : body.toJson(QJsonDocument::Compact);
    ResponseWriter::respond(responder, status, jsonHeaders(status, headers), bytes);
}

void HttpApiServer::sendError(QHttpServerResponder &responder, const ApiError &error,
                              const Headers &headers) const
{
    Headers h = headers;
    if (error.retryAfterSeconds > 0)
        h.append(hdr("Retry-After", QByteArray::number(error.retryAfterSeconds)));
    if (error.status >= 500)
        qCWarning(lcHttp).noquote() << error.status << error.code << error.message;
    sendJson(responder, error.status, QJsonDocument(error.toJson()), h);
}

void HttpApiServer::sendResource(QHttpServerResponder &responder, const QString &path,
                                 const QByteArray &contentType, const Headers &headers) const
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        sendError(responder,
                  {500,
                   QStringLiteral("missing_resource"),
                   QStringLiteral("%1 is not built into this binary").arg(path),
                   {},
                   0},
                  headers);
        return;
    }
    const QByteArray bytes = file.readAll();
    ++m_responsesByStatus[200];
    Headers h {hdr("Content-Type", contentType), hdr("Cache-Control", "no-cache"),
               hdr("X-Content-Type-Options", "nosniff")};
    h += headers;
    ResponseWriter::respond(responder, 200, h, bytes);
}

std::optional<QJsonObject> HttpApiServer::jsonBody(Context &ctx,
                                                   QHttpServerResponder &responder) const
{
    const QByteArray body = ctx.request.body();
    if (body.trimmed().isEmpty()) {
        sendError(responder,
                  ApiError::badRequest(QStringLiteral("empty_body"),
                                       QStringLiteral("the request needs a JSON object body")),
                  ctx.cors);
        return std::nullopt;
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError) {
        sendError(responder,
                  ApiError::badRequest(QStringLiteral("invalid_json"),
                                       QStringLiteral("the body is not valid JSON: %1 at offset %2")
                                               .arg(pe.errorString())
                                               .arg(pe.offset)),
                  ctx.cors);
        return std::nullopt;
    }
    if (!doc.isObject()) {
        sendError(responder,
                  ApiError::badRequest(QStringLiteral("invalid_json"),
                                       QStringLiteral("the body must be a JSON object")),
                  ctx.cors);
        return std::nullopt;
    }
    return doc.object();
}

ApiError HttpApiServer::chatError(int error)
{
    const auto e = ChatService::Error(error);
    const QString message = ChatService::errorMessage(e);
    switch (e) {
    case ChatService::Error::UnknownSession:
        return ApiError::notFound(QStringLiteral("unknown_session"), message);
    case ChatService::Error::Busy:
        return ApiError::conflict(QStringLiteral("turn_running"), message);
    case ChatService::Error::EmptyMessage:
        return ApiError::badRequest(QStringLiteral("empty_message"), message);
    case ChatService::Error::NoTurn:
        return ApiError::conflict(QStringLiteral("no_turn"), message);
    case ChatService::Error::UnknownRequest:
        return ApiError::notFound(QStringLiteral("unknown_request"), message);
    case ChatService::Error::BadAction:
        return ApiError::badRequest(QStringLiteral("invalid_field"), message);
    }
    return {};
}

namespace {
/// Field validation with messages that name the field and the expected type.
struct Fields
{
    const QJsonObject &o;
    QString error;

    QString string(const char *name, bool required)
    {
        const QJsonValue v = o.value(QLatin1String(name));
        if (v.isUndefined() || v.isNull()) {
            if (required && error.isEmpty())
                error = QStringLiteral("missing field \"%1\"").arg(QLatin1String(name));
            return {};
        }
        if (!v.isString()) {
            if (error.isEmpty())
                error = QStringLiteral("field \"%1\" must be a string").arg(QLatin1String(name));
            return {};
        }
        return v.toString();
    }
    bool boolean(const char *name)
    {
        const QJsonValue v = o.value(QLatin1String(name));
        if (!v.isBool() && error.isEmpty())
            error = v.isUndefined()
                    ? QStringLiteral("missing field \"%1\"").arg(QLatin1String(name))
                    : QStringLiteral("field \"%1\" must be true or false").arg(QLatin1String(name));
        return v.toBool();
    }
};
} // namespace

void HttpApiServer::registerRoutes()
{
    // The test page and its assets (compiled in from resources/web).
    addRoute(Method::Get, QStringLiteral("/"), false,
             [this](Context &ctx, QHttpServerResponder &&r) {
                 sendResource(r, QStringLiteral(":/web/index.html"), "text/html; charset=utf-8",
                              ctx.cors);
             });
    addRoute(Method::Get, QStringLiteral("/app.js"), false,
             [this](Context &ctx, QHttpServerResponder &&r) {
                 sendResource(r, QStringLiteral(":/web/app.js"), "text/javascript; charset=utf-8",
                              ctx.cors);
             });
    addRoute(Method::Get, QStringLiteral("/style.css"), false,
             [this](Context &ctx, QHttpServerResponder &&r) {
                 sendResource(r, QStringLiteral(":/web/style.css"), "text/css; charset=utf-8",
                              ctx.cors);
             });

    addRoute(Method::Get, QStringLiteral("/health"), false,
             [this](Context &ctx, QHttpServerResponder &&r) { health(ctx, std::move(r)); });
    addRoute(Method::Get, QStringLiteral("/metrics"), true,
             [this](Context &ctx, QHttpServerResponder &&r) { metrics(ctx, std::move(r)); });
    addRoute(Method::Get, QStringLiteral("/api/v3/openapi.json"), false,
             [this](Context &ctx, QHttpServerResponder &&r) {
                 sendResource(r, QStringLiteral(":/api/openapi.json"), "application/json",
                              ctx.cors);
             });

    addRoute(Method::Get, QStringLiteral("/api/v3/chat/stream"), true,
             [this](Context &ctx, QHttpServerResponder &&r) { stream(ctx, std::move(r)); });
    addRoute(Method::Post, QStringLiteral("/api/v3/chat/send"), true,
             [this](Context &ctx, QHttpServerResponder &&r) { send(ctx, std::move(r)); });
    addRoute(Method::Post, QStringLiteral("/chat"), true,
             [this](Context &ctx, QHttpServerResponder &&r) { chatSync(ctx, std::move(r)); });

    addRoute(Method::Post, QStringLiteral("/api/v3/chat/cancel"), true,
             [this](Context &ctx, QHttpServerResponder &&r) {
                 const auto body = jsonBody(ctx, r);
                 if (!body)
                     return;
                 Fields f {*body, {}};
                 const QString sessionId = f.string("session_id", true);
                 if (!f.error.isEmpty())
                     return sendError(
                             r, ApiError::badRequest(QStringLiteral("invalid_field"), f.error),
                             ctx.cors);
                 if (const auto e = m_chat->cancel(sessionId))
                     return sendError(r, chatError(int(*e)), ctx.cors);
                 sendJson(r, 202,
                          QJsonDocument(QJsonObject {{QStringLiteral("session_id"), sessionId},
                                                     {QStringLiteral("cancelling"), true}}),
                          ctx.cors);
             });
    addRoute(Method::Post, QStringLiteral("/api/v3/chat/approve"), true,
             [this](Context &ctx, QHttpServerResponder &&r) {
                 const auto body = jsonBody(ctx, r);
                 if (!body)
                     return;
                 Fields f {*body, {}};
                 const QString sessionId = f.string("session_id", true);
                 const QString callId = f.string("call_id", true);
                 const bool approved = f.boolean("approved");
                 if (!f.error.isEmpty())
                     return sendError(
                             r, ApiError::badRequest(QStringLiteral("invalid_field"), f.error),
                             ctx.cors);
                 if (const auto e = m_chat->approve(sessionId, callId, approved))
                     return sendError(r, chatError(int(*e)), ctx.cors);
                 sendJson(r, 200,
                          QJsonDocument(QJsonObject {{QStringLiteral("session_id"), sessionId},
                                                     {QStringLiteral("call_id"), callId},
                                                     {QStringLiteral("approved"), approved}}),
                          ctx.cors);
             });
    addRoute(
            Method::Post, QStringLiteral("/api/v3/chat/elicit"), true,
            [this](Context &ctx, QHttpServerResponder &&r) {
                const auto body = jsonBody(ctx, r);
                if (!body)
                    return;
                Fields f {*body, {}};
                const QString sessionId = f.string("session_id", true);
                const QString requestId = f.string("request_id", true);
                const QString action = f.string("action", true);
                const QJsonValue content = body->value(QStringLiteral("content"));
                if (f.error.isEmpty() && !content.isUndefined() && !content.isNull()
                    && !content.isObject())
                    f.error = QStringLiteral("field \"content\" must be an object");
                if (!f.error.isEmpty())
                    return sendError(r,
                                     ApiError::badRequest(QStringLiteral("invalid_field"), f.error),
                                     ctx.cors);
                if (const auto e = m_chat->elicit(sessionId, requestId, action, content.toObject()))
                    return sendError(r, chatError(int(*e)), ctx.cors);
                sendJson(r, 200,
                         QJsonDocument(QJsonObject {{QStringLiteral("session_id"), sessionId},
                                                    {QStringLiteral("request_id"), requestId},
                                                    {QStringLiteral("action"), action}}),
                         ctx.cors);
            });

    addRoute(Method::Get, QStringLiteral("/api/v3/sessions"), true,
             [this](Context &ctx, QHttpServerResponder &&r) {
                 QJsonArray list;
                 for (const Session *s : m_sessions->list())
                     list.append(sessionSummary(s));
                 sendJson(r, 200, QJsonDocument(QJsonObject {{QStringLiteral("sessions"), list}}),
                          ctx.cors);
             });
    addRoute(Method::Post, QStringLiteral("/api/v3/sessions"), true,
             [this](Context &ctx, QHttpServerResponder &&r) {
                 QString id;
                 if (!ctx.request.body().trimmed().isEmpty()) {
                     const auto body = jsonBody(ctx, r);
                     if (!body)
                         return;
                     Fields f {*body, {}};
                     id = f.string("session_id", false);
                     if (!f.error.isEmpty())
                         return sendError(
                                 r, ApiError::badRequest(QStringLiteral("invalid_field"), f.error),
                                 ctx.cors);
                     static const QRegularExpression valid(
                             QStringLiteral("^[A-Za-z0-9_.-]{1,128}$"));
                     if (!id.isEmpty() && !valid.match(id).hasMatch())
                         return sendError(
                                 r,
                                 ApiError::badRequest(
                                         QStringLiteral("invalid_field"),
                                         QStringLiteral("session_id may hold letters, digits, '_', "
                                                        "'.', '-' (at most 128)")),
                                 ctx.cors);
                 }
                 Session *s = m_sessions->create(id);
                 if (!s)
                     return sendError(
                             r,
                             ApiError::conflict(QStringLiteral("session_exists"),
                                                QStringLiteral("a session with this id exists")),
                             ctx.cors);
                 sendJson(r, 201, QJsonDocument(sessionSummary(s)), ctx.cors);
             });
    addRoute(Method::Get, QStringLiteral("/api/v3/sessions/{id}"), true,
             [this](Context &ctx, QHttpServerResponder &&r) {
                 const Session *s = m_sessions->get(ctx.args.value(0));
                 if (!s)
                     return sendError(r, chatError(int(ChatService::Error::UnknownSession)),
                                      ctx.cors);
                 QJsonObject o = sessionSummary(s);
                 QJsonArray messages;
                 for (const ChatMessage &m : s->messages())
                     messages.append(messageJson(m));
                 o.insert(QStringLiteral("messages"), messages);
                 sendJson(r, 200, QJsonDocument(o), ctx.cors);
             });
    addRoute(Method::Delete, QStringLiteral("/api/v3/sessions/{id}"), true,
             [this](Context &ctx, QHttpServerResponder &&r) {
                 const QString id = ctx.args.value(0);
                 if (!m_sessions->get(id))
                     return sendError(r, chatError(int(ChatService::Error::UnknownSession)),
                                      ctx.cors);
                 m_chat->cancel(id);
                 m_sessions->remove(id, QStringLiteral("deleted"));
                 sendJson(r, 204, {}, ctx.cors);
             });

    addRoute(Method::Get, QStringLiteral("/api/v3/tools"), true,
             [this](Context &ctx, QHttpServerResponder &&r) {
                 QJsonArray tools;
                 for (const auto &entry : m_registry->catalog()) {
                     QJsonObject t {{QStringLiteral("name"), entry.name},
                                    {QStringLiteral("server"), entry.server},
                                    {QStringLiteral("tool"), entry.tool.name},
                                    {QStringLiteral("description"), entry.tool.description},
                                    {QStringLiteral("input_schema"), entry.tool.inputSchema}};
                     if (!entry.tool.title.isEmpty())
                         t.insert(QStringLiteral("title"), entry.tool.title);
                     if (!entry.tool.annotations.isEmpty())
                         t.insert(QStringLiteral("annotations"), entry.tool.annotations);
                     tools.append(t);
                 }
                 sendJson(r, 200, QJsonDocument(QJsonObject {{QStringLiteral("tools"), tools}}),
                          ctx.cors);
             });
    addRoute(Method::Get, QStringLiteral("/api/v3/servers"), true,
             [this](Context &ctx, QHttpServerResponder &&r) {
                 sendJson(r, 200, QJsonDocument(serversJson()), ctx.cors);
             });
    addRoute(Method::Post, QStringLiteral("/api/v3/servers/{name}/restart"), true,
             [this](Context &ctx, QHttpServerResponder &&r) {
                 ServerConnection *c = m_registry->connection(ctx.args.value(0));
                 if (!c)
                     return sendError(
                             r,
                             ApiError::notFound(
                                     QStringLiteral("unknown_server"),
                                     QStringLiteral("no MCP server named \"%1\" is configured")
                                             .arg(ctx.args.value(0))),
                             ctx.cors);
                 if (c->state() == ServerConnection::State::Disabled)
                     return sendError(
                             r,
                             ApiError::conflict(
                                     QStringLiteral("server_disabled"),
                                     QStringLiteral("server \"%1\" is disabled in the config")
                                             .arg(c->name())),
                             ctx.cors);
                 c->restart();
                 sendJson(r, 202,
                          QJsonDocument(QJsonObject {{QStringLiteral("name"), c->name()},
                                                     {QStringLiteral("state"),
                                                      ServerConnection::stateName(c->state())}}),
                          ctx.cors);
             });
}

QJsonObject HttpApiServer::sessionSummary(const Session *s) const
{
    return {{QStringLiteral("session_id"), s->id()},
            {QStringLiteral("created"), StreamEvent::formatTimestamp(s->created())},
            {QStringLiteral("updated"), StreamEvent::formatTimestamp(s->updated())},
            {QStringLiteral("message_count"), int(s->messages().size())},
            {QStringLiteral("last_seq"), s->lastSeq()},
            {QStringLiteral("busy"), s->isBusy()},
            {QStringLiteral("turn_id"), s->isBusy() ? QJsonValue(s->turnId()) : QJsonValue()},
            {QStringLiteral("connections"), m_connections->connectionsFor(s->id())}};
}

QJsonObject HttpApiServer::serversJson() const
{
    QJsonArray servers;
    for (ServerConnection *c : m_registry->connections()) {
        QJsonObject o {{QStringLiteral("name"), c->name()},
                       {QStringLiteral("state"), ServerConnection::stateName(c->state())},
                       {QStringLiteral("transport"),
                        c->transportName().isEmpty() ? c->config().kindName() : c->transportName()},
                       {QStringLiteral("tools"), int(c->tools().size())},
                       {QStringLiteral("restarts"), c->restartCount()}};
        if (!c->reason().isEmpty())
            o.insert(QStringLiteral("reason"), c->reason());
        if (McpClient *client = c->client()) {
            o.insert(QStringLiteral("protocol_version"), client->serverInfo().protocolVersion);
            o.insert(QStringLiteral("server"),
                     QJsonObject {{QStringLiteral("name"), client->serverInfo().name},
                                  {QStringLiteral("version"), client->serverInfo().version}});
        }
        servers.append(o);
    }
    return {{QStringLiteral("servers"), servers}};
}

void HttpApiServer::stream(Context &ctx, QHttpServerResponder &&responder)
{
    const QUrlQuery query = ctx.request.query();
    const QString sessionId
            = query.queryItemValue(QStringLiteral("session_id"), QUrl::FullyDecoded);
    QByteArray last = ctx.request.value("Last-Event-ID");
    if (last.isEmpty())
        last = query.queryItemValue(QStringLiteral("last_event_id"), QUrl::FullyDecoded).toUtf8();
    qint64 afterSeq = 0;
    if (!last.trimmed().isEmpty()) {
        bool ok = false;
        afterSeq = last.trimmed().toLongLong(&ok);
        if (!ok || afterSeq < 0)
            return sendError(
                    responder,
                    ApiError::badRequest(QStringLiteral("invalid_last_event_id"),
                                         QStringLiteral("Last-Event-ID must be an event id (a "
                                                        "number) seen on this stream")),
                    ctx.cors);
    }
    if (m_connections->isFull()) {
        ApiError e {503,
                    QStringLiteral("too_many_connections"),
                    QStringLiteral("the server holds its maximum of %1 streams; try again shortly")
                            .arg(m_connections->options().maxConnections),
                    {},
                    5};
        return sendError(responder, e, ctx.cors);
    }
    Session *session = nullptr;
    bool created = false;
    if (sessionId.isEmpty()) {
        session = m_sessions->create();
        created = true;
    } else {
        session = m_sessions->get(sessionId);
        if (!session)
            return sendError(responder, chatError(int(ChatService::Error::UnknownSession)),
                             ctx.cors);
    }
    QJsonArray tools;
    for (const auto &entry : m_registry->catalog())
        tools.append(entry.name);
    StreamEvent start
            = StreamEvent::make(StreamEventType::SessionStart,
                                {{QStringLiteral("created"), created},
                                 {QStringLiteral("message_count"), int(session->messages().size())},
                                 {QStringLiteral("last_seq"), session->lastSeq()},
                                 {QStringLiteral("model"), m_chat->model()->displayName()},
                                 {QStringLiteral("tools"), tools}},
                                session->isBusy() ? session->turnId() : QString());
    start.sessionId = session->id();
    start.seq = session->lastSeq();
    start.ts = QDateTime::currentDateTimeUtc();
    m_connections->attach(std::move(responder), session, afterSeq, start, ctx.cors);
}

std::optional<ChatService::Started> HttpApiServer::startTurn(Context &ctx,
                                                             QHttpServerResponder &responder)
{
    const auto body = jsonBody(ctx, responder);
    if (!body)
        return std::nullopt;
    Fields f {*body, {}};
    const QString sessionId = f.string("session_id", false);
    const QString message = f.string("message", true);
    if (!f.error.isEmpty()) {
        sendError(responder, ApiError::badRequest(QStringLiteral("invalid_field"), f.error),
                  ctx.cors);
        return std::nullopt;
    }
    const auto result = m_chat->send(sessionId, message);
    if (const auto *e = std::get_if<ChatService::Error>(&result)) {
        sendError(responder, chatError(int(*e)), ctx.cors);
        return std::nullopt;
    }
    return std::get<ChatService::Started>(result);
}

void HttpApiServer::send(Context &ctx, QHttpServerResponder &&responder)
{
    const auto started = startTurn(ctx, responder);
    if (!started)
        return;
    sendJson(responder, 202,
             QJsonDocument(QJsonObject {{QStringLiteral("session_id"), started->sessionId},
                                        {QStringLiteral("turn_id"), started->turnId}}),
             ctx.cors);
}

namespace {
/// Holds a `POST /chat` answer until its turn ends; the client may be gone by then.
class PendingChat : public QObject
{
public:
    PendingChat(QHttpServerResponder &&responder, QObject *parent)
        : QObject(parent)
        , writer(std::move(responder))
    { }
    ResponseWriter writer;
};
} // namespace

void HttpApiServer::chatSync(Context &ctx, QHttpServerResponder &&responder)
{
    const auto maybeStarted = startTurn(ctx, responder);
    if (!maybeStarted)
        return;
    const ChatService::Started started = *maybeStarted;
    auto *pending = new PendingChat(std::move(responder), this);
    const Headers cors = ctx.cors;
    connect(m_chat, &ChatService::turnFinished, pending,
            [this, pending, started, cors](const QString &sid, const QString &turnId,
                                           ReactAgent *agent) {
                if (sid != started.sessionId || turnId != started.turnId)
                    return;
                QJsonArray steps;
                QJsonObject failure;
                if (Session *s = m_sessions->get(sid)) {
                    for (const StreamEvent &e : s->events()) {
                        if (e.turnId != turnId)
                            continue;
                        steps.append(e.toJson());
                        if (e.type == StreamEventType::Error)
                            failure = e.data;
                    }
                }
                QJsonObject out {{QStringLiteral("session_id"), sid},
                                 {QStringLiteral("turn_id"), turnId},
                                 {QStringLiteral("response"), agent->answer()},
                                 {QStringLiteral("iterations"), agent->iteration()},
                                 {QStringLiteral("stop_reason"), agent->stopReason()},
                                 {QStringLiteral("steps"), steps}};
                int status = 200;
                if (!failure.isEmpty() && agent->stopReason().isEmpty()) {
                    out.insert(QStringLiteral("error"),
                               QJsonObject {{QStringLiteral("code"),
                                             failure.value(QStringLiteral("code"))},
                                            {QStringLiteral("message"),
                                             failure.value(QStringLiteral("message"))}});
                    status = 502; // the model (upstream) failed; the steps show how far it got
                }
                ++m_responsesByStatus[status];
                pending->writer.send(status, jsonHeaders(status, cors),
                                     QJsonDocument(out).toJson(QJsonDocument::Compact));
                pending->deleteLater();
            });
}

void HttpApiServer::health(Context &ctx, QHttpServerResponder &&responder)
{
    QJsonObject o {{QStringLiteral("status"), QStringLiteral("ok")},
                   {QStringLiteral("version"), QStringLiteral(MCPHOST_VERSION)}};
    if (ctx.authorized) {
        int ready = 0;
        int failed = 0;
        for (ServerConnection *c : m_registry->connections()) {
            ready += c->state() == ServerConnection::State::Ready;
            failed += c->state() == ServerConnection::State::Failed;
        }
        if (failed > 0)
            o.insert(QStringLiteral("status"), QStringLiteral("degraded"));
        o.insert(QStringLiteral("uptime_s"), double(m_uptime.elapsed()) / 1000.0);
        o.insert(QStringLiteral("model"), m_chat->model()->displayName());
        o.insert(QStringLiteral("sessions"), int(m_sessions->list().size()));
        o.insert(QStringLiteral("connections"), m_connections->connectionCount());
        o.insert(QStringLiteral("max_connections"), m_connections->options().maxConnections);
        o.insert(QStringLiteral("running_turns"), m_chat->runningTurns());
        o.insert(QStringLiteral("tools"), int(m_registry->catalog().size()));
        o.insert(QStringLiteral("mcp_servers"), serversJson().value(QStringLiteral("servers")));
    }
    sendJson(responder, 200, QJsonDocument(o), ctx.cors);
}

void HttpApiServer::metrics(Context &ctx, QHttpServerResponder &&responder)
{
    const ChatService::Stats &st = m_chat->stats();
    QByteArray out;
    auto metric = [&out](const char *name, const char *type, const char *help,
                         const QByteArray &value) {
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n'
                + name + ' ' + value + '\n';
    };
    metric("mcphost_sse_connections", "gauge", "Open SSE stream connections.",
           QByteArray::number(m_connections->connectionCount()));
    metric("mcphost_sse_events_sent_total", "counter", "Events written to SSE streams.",
           QByteArray::number(m_connections->eventsSent()));
    metric("mcphost_sessions", "gauge", "Sessions in memory.",
           QByteArray::number(m_sessions->list().size()));
    metric("mcphost_turns_started_total", "counter", "Turns started.",
           QByteArray::number(st.turnsStarted));
    metric("mcphost_turns_finished_total", "counter", "Turns finished.",
           QByteArray::number(st.turnsFinished));
    metric("mcphost_turns_running", "gauge", "Turns running now.",
           QByteArray::number(m_chat->runningTurns()));
    metric("mcphost_http_requests_total", "counter", "HTTP requests received.",
           QByteArray::number(m_requests));
    auto summary = [&out](const char *name, const char *help, const QList<double> &recent,
                          quint64 count, double sum) {
        const Percentiles p = percentiles(recent);
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + " summary\n";
        out += QByteArray(name) + "{quantile=\"0.5\"} " + QByteArray::number(p.p50 / 1000.0) + '\n';
        out += QByteArray(name) + "{quantile=\"0.9\"} " + QByteArray::number(p.p90 / 1000.0) + '\n';
        out += QByteArray(name) + "{quantile=\"0.99\"} " + QByteArray::number(p.p99 / 1000.0)
                + '\n';
        out += QByteArray(name) + "_sum " + QByteArray::number(sum / 1000.0) + '\n';
        out += QByteArray(name) + "_count " + QByteArray::number(count) + '\n';
    };
    summary("mcphost_tool_call_seconds", "MCP tool call latency (recent calls).", st.toolCallMs,
            st.toolCalls, st.toolCallMsSum);
    summary("mcphost_model_call_seconds", "Model call latency (recent calls).", st.modelCallMs,
            st.modelCalls, st.modelCallMsSum);
    out += "# HELP mcphost_mcp_server_up Whether each MCP server is ready.\n# TYPE "
           "mcphost_mcp_server_up gauge\n";
    for (ServerConnection *c : m_registry->connections())
        out += "mcphost_mcp_server_up{server=\"" + c->name().toUtf8().replace('"', "'") + "\"} "
                + (c->state() == ServerConnection::State::Ready ? "1" : "0") + '\n';
    ++m_responsesByStatus[200];
    Headers h {hdr("Content-Type", "text/plain; version=0.0.4; charset=utf-8")};
    h += ctx.cors;
    ResponseWriter::respond(responder, 200, h, out);
}
