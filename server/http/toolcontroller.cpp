#include "toolcontroller.h"

#include "apijson.h"
#include "apirouter.h"
#include "coreerrors.h"
#include "httpresponses.h"
#include "serverservice.h"

#include <QJsonDocument>

void ToolController::registerRoutes(ApiRouter &router)
{
    using Method = ApiRouter::Method;
    router.addRoute(Method::Get, QStringLiteral("/api/v3/tools"), true,
                    [this](ApiRequest &ctx, QHttpServerResponder &&r) {
                        HttpResponses::sendJson(r, 200, QJsonDocument(ApiJson::tools(m_servers)),
                                                ctx.cors);
                    });
    router.addRoute(Method::Get, QStringLiteral("/api/v3/servers"), true,
                    [this](ApiRequest &ctx, QHttpServerResponder &&r) {
                        HttpResponses::sendJson(r, 200, QJsonDocument(ApiJson::servers(m_servers)),
                                                ctx.cors);
                    });
    router.addRoute(Method::Post, QStringLiteral("/api/v3/servers/{name}/restart"), true,
                    [this](ApiRequest &ctx, QHttpServerResponder &&r) {
                        const QString name = ctx.args.value(0);
                        const auto result = m_servers->restart(name);
                        if (const auto *e = std::get_if<ServerService::Error>(&result))
                            return HttpResponses::sendError(r, CoreErrors::fromServers(*e, name),
                                                            ctx.cors);
                        const auto &s = std::get<ServerService::Server>(result);
                        HttpResponses::sendJson(
                                r, 202,
                                QJsonDocument(QJsonObject {{QStringLiteral("name"), s.name},
                                                           {QStringLiteral("state"), s.state}}),
                                ctx.cors);
                    });
}
