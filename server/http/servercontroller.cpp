#include "servercontroller.h"

#include "apijson.h"
#include "apirouter.h"
#include "hoststateservice.h"
#include "httpresponses.h"
#include "serverregistry.h"

#include <QJsonDocument>

namespace {

ApiError unknownServer(const QString &name)
{
    return {ApiError::Code::UnknownServer,
            QStringLiteral("no MCP server named \"%1\" is configured").arg(name)};
}

} // namespace

void ServerController::registerRoutes(ApiRouter &router)
{
    using Method = ApiRouter::Method;
    router.addRoute(Method::Get, QStringLiteral("/api/v3/servers/{name}"), true,
                    [this](ApiRequest &ctx, QHttpServerResponder &&r) { detail(ctx, r); });
    router.addRoute(
            Method::Post, QStringLiteral("/api/v3/servers/{name}/enable"), true,
            [this](ApiRequest &ctx, QHttpServerResponder &&r) { setEnabled(ctx, r, true); });
    router.addRoute(
            Method::Post, QStringLiteral("/api/v3/servers/{name}/disable"), true,
            [this](ApiRequest &ctx, QHttpServerResponder &&r) { setEnabled(ctx, r, false); });
}

void ServerController::detail(ApiRequest &ctx, QHttpServerResponder &r)
{
    const ServerConnection *c = m_registry->connection(ctx.args.value(0));
    if (!c)
        return HttpResponses::sendError(r, unknownServer(ctx.args.value(0)), ctx.cors);
    HttpResponses::sendJson(r, 200, QJsonDocument(ApiJson::serverDetail(c, m_registry)), ctx.cors);
}

void ServerController::setEnabled(ApiRequest &ctx, QHttpServerResponder &r, bool enabled)
{
    const QString name = ctx.args.value(0);
    if (const auto failure = m_state->setServerEnabled(name, enabled))
        return HttpResponses::sendError(r, unknownServer(name), ctx.cors);
    const ServerConnection *c = m_registry->connection(name);
    QJsonObject out {{QStringLiteral("name"), name},
                     {QStringLiteral("state"), ServerConnection::stateName(c->state())},
                     {QStringLiteral("enabled"), c->isEnabled()}};
    if (!m_state->lastSaveError().isEmpty())
        out.insert(QStringLiteral("warning"),
                   QStringLiteral("the choice holds until the host stops but was not saved: ")
                           + m_state->lastSaveError());
    HttpResponses::sendJson(r, 202, QJsonDocument(out), ctx.cors);
}
