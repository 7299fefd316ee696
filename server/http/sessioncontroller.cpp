#include "sessioncontroller.h"

#include "apijson.h"
#include "apirouter.h"
#include "chatservice.h"
#include "coreerrors.h"
#include "httpresponses.h"
#include "jsonfields.h"
#include "sessionservice.h"
#include "sseconnectionmanager.h"

#include <QJsonDocument>

void SessionController::registerRoutes(ApiRouter &router)
{
    using Method = ApiRouter::Method;
    router.addRoute(
            Method::Get, QStringLiteral("/api/v3/sessions"), true,
            [this](ApiRequest &ctx, QHttpServerResponder &&r) {
                QJsonArray list;
                for (const SessionService::Summary &s : m_sessions->list())
                    list.append(ApiJson::sessionSummary(s, m_connections->connectionsFor(s.id)));
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
                        const auto created = m_sessions->create(id);
                        if (const auto *e = std::get_if<SessionService::CreateError>(&created))
                            return HttpResponses::sendError(
                                    r, CoreErrors::fromSessions(*m_sessions, *e), ctx.cors);
                        const auto &s = std::get<SessionService::Summary>(created);
                        HttpResponses::sendJson(r, 201,
                                                QJsonDocument(ApiJson::sessionSummary(
                                                        s, m_connections->connectionsFor(s.id))),
                                                ctx.cors);
                    });
    router.addRoute(
            Method::Get, QStringLiteral("/api/v3/sessions/{id}"), true,
            [this](ApiRequest &ctx, QHttpServerResponder &&r) {
                const auto s = m_sessions->detail(ctx.args.value(0));
                if (!s)
                    return HttpResponses::sendError(
                            r, CoreErrors::fromChat(*m_chat, ChatService::Error::UnknownSession),
                            ctx.cors);
                QJsonObject o = ApiJson::sessionSummary(
                        s->summary, m_connections->connectionsFor(s->summary.id));
                QJsonArray messages;
                for (const ChatMessage &m : s->messages)
                    messages.append(ApiJson::message(m));
                o.insert(QStringLiteral("messages"), messages);
                HttpResponses::sendJson(r, 200, QJsonDocument(o), ctx.cors);
            });
    router.addRoute(
            Method::Delete, QStringLiteral("/api/v3/sessions/{id}"), true,
            [this](ApiRequest &ctx, QHttpServerResponder &&r) {
                if (!m_sessions->remove(ctx.args.value(0)))
                    return HttpResponses::sendError(
                            r, CoreErrors::fromChat(*m_chat, ChatService::Error::UnknownSession),
                            ctx.cors);
                HttpResponses::sendJson(r, 204, {}, ctx.cors);
            });
}
