#include "sessioncontroller.h"

#include "apijson.h"
#include "apirouter.h"
#include "chatservice.h"
#include "coreerrors.h"
#include "httpresponses.h"
#include "jsonfields.h"
#include "latereply.h"
#include "markdownexport.h"
#include "sessiondocument.h"
#include "sessionservice.h"
#include "sessiontitle.h"
#include "sseconnectionmanager.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QUrlQuery>
#include <QUuid>

namespace {
constexpr int kDefaultPage = 50;
constexpr int kMaxPage = 500;
constexpr int kMaxFilterChars = 200;

QJsonObject turnJson(const TurnRecord &t)
{
    return {{QStringLiteral("turn_id"), t.id},
            {QStringLiteral("state"), turnStateName(t.state)},
            {QStringLiteral("started"), StreamEvent::formatTimestamp(t.started)},
            {QStringLiteral("ended"),
             t.ended.isValid() ? QJsonValue(StreamEvent::formatTimestamp(t.ended)) : QJsonValue()},
            {QStringLiteral("iterations"), t.iterations},
            {QStringLiteral("first_seq"), t.firstSeq},
            {QStringLiteral("last_seq"), t.lastSeq}};
}
} // namespace

void SessionController::registerRoutes(ApiRouter &router)
{
    using Method = ApiRouter::Method;
    auto bind = [this](void (SessionController::*handler)(ApiRequest &, QHttpServerResponder &&)) {
        return [this, handler](ApiRequest &ctx, QHttpServerResponder &&r) {
            (this->*handler)(ctx, std::move(r));
        };
    };
    router.addRoute(Method::Get, QStringLiteral("/api/v3/sessions"), true,
                    bind(&SessionController::list));
    router.addRoute(Method::Post, QStringLiteral("/api/v3/sessions"), true,
                    bind(&SessionController::create));
    router.addRoute(Method::Get, QStringLiteral("/api/v3/sessions/{id}"), true,
                    bind(&SessionController::get));
    router.addRoute(Method::Patch, QStringLiteral("/api/v3/sessions/{id}"), true,
                    bind(&SessionController::rename));
    router.addRoute(Method::Delete, QStringLiteral("/api/v3/sessions/{id}"), true,
                    bind(&SessionController::remove));
    router.addRoute(Method::Get, QStringLiteral("/api/v3/sessions/{id}/export"), true,
                    bind(&SessionController::exportSession));
    router.addRoute(Method::Post, QStringLiteral("/api/v3/sessions/import"), true,
                    bind(&SessionController::importSession), ApiRouter::Effect::ChangesState,
                    m_maxImportBytes);
}

void SessionController::exportSession(ApiRequest &ctx, QHttpServerResponder &&r)
{
    const QString format
            = ctx.request.query().queryItemValue(QStringLiteral("format"), QUrl::FullyDecoded);
    const bool markdown = format == QLatin1String("markdown");
    if (!format.isEmpty() && !markdown && format != QLatin1String("json"))
        return HttpResponses::sendError(r,
                                        {ApiError::Code::InvalidField,
                                         QStringLiteral("format must be \"json\" or \"markdown\"")},
                                        ctx.cors);
    QPointer<LateReply> reply = new LateReply(std::move(r), ctx.cors, m_owner);
    m_sessions->exportArchive(ctx.args.value(0), [reply, markdown](StoreResult<SessionArchive> a) {
        if (!reply)
            return;
        if (!a.ok())
            return reply->error(CoreErrors::fromStore(a.error()));
        if (markdown)
            return reply->text(200, "text/markdown; charset=utf-8",
                               MarkdownExport::fromArchive(a.value()).toUtf8());
        reply->text(200, "application/json", SessionDocument::toBytes(a.value()));
    });
}

void SessionController::importSession(ApiRequest &ctx, QHttpServerResponder &&r)
{
    SessionDocument::Limits limits;
    limits.maxBytes = m_maxImportBytes;
    SessionDocument::Error why;
    // The core gives the session its own new id; this one only stands in until then.
    auto archive = SessionDocument::fromBytes(
            ctx.request.body(), QUuid::createUuid().toString(QUuid::WithoutBraces), &why, limits);
    if (!archive)
        return HttpResponses::sendError(r,
                                        {why.code == SessionDocument::Error::Code::TooLarge
                                                 ? ApiError::Code::BodyTooLarge
                                                 : ApiError::Code::InvalidDocument,
                                         why.text()},
                                        ctx.cors);
    QPointer<LateReply> reply = new LateReply(std::move(r), ctx.cors, m_owner);
    m_sessions->importArchive(
            std::move(*archive), [this, reply](StoreResult<SessionRecord> imported) {
                if (!reply)
                    return;
                if (!imported.ok())
                    return reply->error(CoreErrors::fromStore(imported.error()));
                reply->json(201,
                            QJsonDocument(ApiJson::sessionSummary(
                                    imported.value(),
                                    m_connections->connectionsFor(imported.value().id))));
            });
}

void SessionController::list(ApiRequest &ctx, QHttpServerResponder &&r)
{
    const QUrlQuery query = ctx.request.query();
    SessionQuery q;
    q.limit = kDefaultPage;
    const QString limit = query.queryItemValue(QStringLiteral("limit"), QUrl::FullyDecoded);
    if (!limit.isEmpty()) {
        bool ok = false;
        q.limit = limit.toInt(&ok);
        if (!ok || q.limit < 1 || q.limit > kMaxPage)
            return HttpResponses::sendError(
                    r,
                    {ApiError::Code::InvalidField,
                     QStringLiteral("limit must be a whole number from 1 to %1").arg(kMaxPage)},
                    ctx.cors);
    }
    q.cursor = query.queryItemValue(QStringLiteral("cursor"), QUrl::FullyDecoded);
    q.titleContains = query.queryItemValue(QStringLiteral("q"), QUrl::FullyDecoded);
    if (q.titleContains.size() > kMaxFilterChars)
        return HttpResponses::sendError(
                r,
                {ApiError::Code::InvalidField,
                 QStringLiteral("q must be at most %1 characters").arg(kMaxFilterChars)},
                ctx.cors);
    QPointer<LateReply> reply = new LateReply(std::move(r), ctx.cors, m_owner);
    m_sessions->list(q, [this, reply](StoreResult<SessionPage> page) {
        if (!reply)
            return;
        if (!page.ok())
            return reply->error(
                    page.error().code == StoreError::Code::Invalid
                            ? ApiError(ApiError::Code::InvalidField, page.error().message)
                            : CoreErrors::fromStore(page.error()));
        QJsonArray list;
        for (const SessionRecord &s : std::as_const(page.value().sessions))
            list.append(ApiJson::sessionSummary(s, m_connections->connectionsFor(s.id)));
        const QString &next = page.value().nextCursor;
        reply->json(
                200,
                QJsonDocument(QJsonObject {{QStringLiteral("sessions"), list},
                                           {QStringLiteral("next_cursor"),
                                            next.isEmpty() ? QJsonValue() : QJsonValue(next)}}));
    });
}

void SessionController::create(ApiRequest &ctx, QHttpServerResponder &&r)
{
    QString id;
    if (!ctx.request.body().trimmed().isEmpty()) {
        const auto body = ctx.jsonBody(r);
        if (!body)
            return;
        JsonFields f(*body);
        id = f.string("session_id", false);
        if (const auto e = f.error())
            return HttpResponses::sendError(r, *e, ctx.cors);
        static const QRegularExpression valid(QStringLiteral("^[A-Za-z0-9_.-]{1,128}$"));
        if (!id.isEmpty() && !valid.match(id).hasMatch())
            return HttpResponses::sendError(
                    r,
                    {ApiError::Code::InvalidField,
                     QStringLiteral("session_id may hold letters, digits, '_', '.', '-' (at most "
                                    "128)")},
                    ctx.cors);
    }
    QPointer<LateReply> reply = new LateReply(std::move(r), ctx.cors, m_owner);
    m_sessions->create(id, [this, reply](StoreResult<SessionRecord> created) {
        if (!reply)
            return;
        if (!created.ok())
            return reply->error(CoreErrors::fromStore(created.error()));
        reply->json(201,
                    QJsonDocument(ApiJson::sessionSummary(
                            created.value(), m_connections->connectionsFor(created.value().id))));
    });
}

void SessionController::get(ApiRequest &ctx, QHttpServerResponder &&r)
{
    QPointer<LateReply> reply = new LateReply(std::move(r), ctx.cors, m_owner);
    m_sessions->detail(ctx.args.value(0), [this, reply](StoreResult<SessionData> s) {
        if (!reply)
            return;
        if (!s.ok())
            return reply->error(CoreErrors::fromStore(s.error()));
        const SessionData &d = s.value();
        QJsonObject o
                = ApiJson::sessionSummary(d.session, m_connections->connectionsFor(d.session.id));
        QJsonArray messages;
        for (const ChatMessage &m : d.messages)
            messages.append(ApiJson::message(m));
        o.insert(QStringLiteral("messages"), messages);
        QJsonArray turns;
        for (const TurnRecord &t : d.turns)
            turns.append(turnJson(t));
        o.insert(QStringLiteral("turns"), turns);
        reply->json(200, QJsonDocument(o));
    });
}

void SessionController::rename(ApiRequest &ctx, QHttpServerResponder &&r)
{
    const auto body = ctx.jsonBody(r);
    if (!body)
        return;
    JsonFields f(*body);
    const QString requested = f.string("title", true);
    std::optional<QString> title;
    if (!f.error()) {
        QString why;
        title = SessionTitle::validate(requested, &why);
        if (!title)
            f.fail(why);
    }
    if (const auto e = f.error())
        return HttpResponses::sendError(r, *e, ctx.cors);
    QPointer<LateReply> reply = new LateReply(std::move(r), ctx.cors, m_owner);
    m_sessions->rename(ctx.args.value(0), *title, [this, reply](StoreResult<SessionRecord> s) {
        if (!reply)
            return;
        if (!s.ok())
            return reply->error(CoreErrors::fromStore(s.error()));
        reply->json(200,
                    QJsonDocument(ApiJson::sessionSummary(
                            s.value(), m_connections->connectionsFor(s.value().id))));
    });
}

void SessionController::remove(ApiRequest &ctx, QHttpServerResponder &&r)
{
    QPointer<LateReply> reply = new LateReply(std::move(r), ctx.cors, m_owner);
    m_sessions->remove(ctx.args.value(0), [reply](StoreResult<DeleteReport> report) {
        if (!reply)
            return;
        if (!report.ok())
            return reply->error(CoreErrors::fromStore(report.error()));
        const DeleteReport &d = report.value();
        reply->json(200,
                    QJsonDocument(QJsonObject {{QStringLiteral("session_id"), d.sessionId},
                                               {QStringLiteral("deleted"), true},
                                               {QStringLiteral("messages"), d.messages},
                                               {QStringLiteral("events"), d.events},
                                               {QStringLiteral("turns"), d.turns}}));
    });
}
