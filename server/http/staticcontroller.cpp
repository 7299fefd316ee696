#include "staticcontroller.h"

#include "apirouter.h"
#include "httpresponses.h"

namespace {

ApiRouter::Handler resource(const QString &path, const QByteArray &contentType)
{
    return [path, contentType](ApiRequest &ctx, QHttpServerResponder &&r) {
        HttpResponses::sendResource(r, path, contentType, ctx.cors);
    };
}

} // namespace

void StaticController::registerRoutes(ApiRouter &router)
{
    using Method = ApiRouter::Method;
    router.addRoute(Method::Get, QStringLiteral("/"), false,
                    resource(QStringLiteral(":/web/index.html"), "text/html; charset=utf-8"));
    router.addRoute(Method::Get, QStringLiteral("/app.js"), false,
                    resource(QStringLiteral(":/web/app.js"), "text/javascript; charset=utf-8"));
    router.addRoute(Method::Get, QStringLiteral("/style.css"), false,
                    resource(QStringLiteral(":/web/style.css"), "text/css; charset=utf-8"));
    router.addRoute(Method::Get, QStringLiteral("/api/v3/openapi.json"), false,
                    resource(QStringLiteral(":/api/openapi.json"), "application/json"));
}
