#include "sessioncontroller.h"

#include "apijson.h"
#include "apirouter.h"
#include "chatmodel.h"
#include "chatservice.h"
#include "coreerrors.h"
#include "httpresponses.h"
#include "jsonfields.h"
#include "session.h"
#include "sessionmanager.h"
#include "sessiontitle.h"
#include "sseconnectionmanager.h"

#include <QJsonDocument>

void SessionController::registerRoutes(ApiRouter &router)
{
    using Method = ApiRouter::Method;
    router.addRoute(
            Method::Get, QStringLiteral("/api/v3/sessions"), true,
            [this](ApiRequest &ctx, QHttpServerResponder &&r) {
                QJsonArray list;
                for (const Session *s : m_sessions->list())
                    list.append(ApiJson::sessionSummary(s, m_connections->connectionsFor(s->id())));
                HttpResponses::sendJson(
                        r, 200, QJsonDocument(QJsonObject {{QStringLiteral("sessions"), list}}),
                        ctx.cors);
            });
    router.addRoute(Method::Post, QStringLiteral("/api/v3/sessions"), true,
                    [this](ApiRequest &ctx, QHttpServerResponder &&r) {
                        QString id;
                        if (!ctx.request.body().trimmed().isEmpty()) {
                            const auto body = ctx.jsonBody(r);
                            if (!body)
                                return;
                            JsonFields f(*body);
                            id = f.string("session_id", false);
                            if (const auto e = f.error())
                                return HttpResponses::sendError(r, *e, ctx.cors);
                            static const QRegularExpression valid(
                                    QStringLiteral("^[A-Za-z0-9_.-]{1,128}$"));
                            if (!id.isEmpty() && !valid.match(id).hasMatch())
                                return HttpResponses::sendError(
                                        r,
                                        {ApiError::Code::InvalidField,
                                         QStringLiteral("session_id may hold letters, digits, '_', "
                                                        "'.', '-' (at most 128)")},
                                        ctx.cors);
                        }
                        SessionManager::CreateError error {};
                        Session *s = m_sessions->create(id, &error);
                        if (!s)
                            return HttpResponses::sendError(
                                    r, CoreErrors::fromSessions(*m_sessions, error), ctx.cors);
                        HttpResponses::sendJson(r, 201,
                                                QJsonDocument(ApiJson::sessionSummary(
                                                        s, m_connections->connectionsFor(s->id()))),
                                                ctx.cors);
                    });
    router.addRoute(
            Method::Get, QStringLiteral("/api/v3/sessions/{id}"), true,
            [this](ApiRequest &ctx, QHttpServerResponder &&r) {
                const Session *s = m_sessions->get(ctx.args.value(0));
                if (!s)
                    return HttpResponses::sendError(
                            r, CoreErrors::fromChat(*m_chat, ChatService::Error::UnknownSession),
                            ctx.cors);
                QJsonObject o = ApiJson::sessionSummary(s, m_connections->connectionsFor(s->id()));
                QJsonArray messages;
                for (const ChatMessage &m : s->messages())
                    messages.append(ApiJson::message(m));
                o.insert(QStringLiteral("messages"), messages);
                HttpResponses::sendJson(r, 200, QJsonDocument(o), ctx.cors);
            });
    router.addRoute(Method::Patch, QStringLiteral("/api/v3/sessions/{id}"), true,
                    [this](ApiRequest &ctx, QHttpServerResponder &&r) { rename(ctx, r); });
    router.addRoute(
            Method::Delete, QStringLiteral("/api/v3/sessions/{id}"), true,
            [this](ApiRequest &ctx, QHttpServerResponder &&r) {
                const QString id = ctx.args.value(0);
                if (!m_sessions->get(id))
                    return HttpResponses::sendError(
                            r, CoreErrors::fromChat(*m_chat, ChatService::Error::UnknownSession),
                            ctx.cors);
                m_chat->cancel(id);
                m_sessions->remove(id, QStringLiteral("deleted"));
                HttpResponses::sendJson(r, 204, {}, ctx.cors);
            });
}

void SessionController::rename(ApiRequest &ctx, QHttpServerResponder &r)
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
    Session *s = m_sessions->get(ctx.args.value(0));
    if (!s)
        return HttpResponses::sendError(
                r, CoreErrors::fromChat(*m_chat, ChatService::Error::UnknownSession), ctx.cors);
    s->setTitle(*title);
    HttpResponses::sendJson(
            r, 200,
            QJsonDocument(ApiJson::sessionSummary(s, m_connections->connectionsFor(s->id()))),
            ctx.cors);
}
