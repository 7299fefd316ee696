#include "toolcontroller.h"

#include "apijson.h"
#include "apirouter.h"
#include "httpresponses.h"
#include "serverregistry.h"

#include <QJsonDocument>

void ToolController::registerRoutes(ApiRouter &router)
{
    using Method = ApiRouter::Method;
    router.addRoute(Method::Get, QStringLiteral("/api/v3/tools"), true,
                    [this](ApiRequest &ctx, QHttpServerResponder &&r) {
                        HttpResponses::sendJson(r, 200, QJsonDocument(ApiJson::tools(m_registry)),
                                                ctx.cors);
                    });
    router.addRoute(Method::Get, QStringLiteral("/api/v3/servers"), true,
                    [this](ApiRequest &ctx, QHttpServerResponder &&r) {
                        HttpResponses::sendJson(r, 200, QJsonDocument(ApiJson::servers(m_registry)),
                                                ctx.cors);
                    });
    router.addRoute(Method::Post, QStringLiteral("/api/v3/servers/{name}/restart"), true,
                    [this](ApiRequest &ctx, QHttpServerResponder &&r) {
                        ServerConnection *c = m_registry->connection(ctx.args.value(0));
                        if (!c)
                            return HttpResponses::sendError(
                                    r,
                                    {ApiError::Code::UnknownServer,
                                     QStringLiteral("no MCP server named \"%1\" is configured")
                                             .arg(ctx.args.value(0))},
                                    ctx.cors);
                        if (c->state() == ServerConnection::State::Disabled)
                            return HttpResponses::sendError(
                                    r,
                                    {ApiError::Code::ServerDisabled,
                                     QStringLiteral("server \"%1\" is disabled; enable it first")
                                             .arg(c->name())},
                                    ctx.cors);
                        c->restart();
                        HttpResponses::sendJson(r, 202,
                                                QJsonDocument(QJsonObject {
                                                        {QStringLiteral("name"), c->name()},
                                                        {QStringLiteral("state"),
                                                         ServerConnection::stateName(c->state())}}),
                                                ctx.cors);
                    });
}
