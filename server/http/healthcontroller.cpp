#include "healthcontroller.h"

#include "apijson.h"
#include "apirouter.h"
#include "chatservice.h"
#include "httpresponses.h"
#include "serverservice.h"
#include "sessionservice.h"
#include "sessionstore.h"
#include "sseconnectionmanager.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <cmath>

namespace {

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
        return v[std::min<qsizetype>(v.size() - 1,
                                     qsizetype(std::llround(q * double(v.size() - 1))))];
    };
    p.p50 = at(0.5);
    p.p90 = at(0.9);
    p.p99 = at(0.99);
    return p;
}

} // namespace

HealthController::HealthController(ChatService *chat, SessionService *sessions,
                                   ServerService *servers, const SseConnectionManager *connections,
                                   const ApiRouter *router)
    : m_chat(chat)
    , m_sessions(sessions)
    , m_servers(servers)
    , m_connections(connections)
    , m_router(router)
{
    m_uptime.start();
}

void HealthController::registerRoutes(ApiRouter &router)
{
    using Method = ApiRouter::Method;
    router.addRoute(Method::Get, QStringLiteral("/health"), false,
                    [this](ApiRequest &ctx, QHttpServerResponder &&r) {
                        HttpResponses::sendJson(r, 200, QJsonDocument(health(ctx.authorized)),
                                                ctx.cors);
                    });
    router.addRoute(Method::Get, QStringLiteral("/metrics"), true,
                    [this](ApiRequest &ctx, QHttpServerResponder &&r) {
                        HttpResponses::sendText(r, "text/plain; version=0.0.4; charset=utf-8",
                                                metrics(), ctx.cors);
                    });
}

QJsonObject HealthController::health(bool authorized) const
{
    QJsonObject o {{QStringLiteral("status"), QStringLiteral("ok")},
                   {QStringLiteral("version"), QStringLiteral(MCPHOST_VERSION)}};
    if (!authorized)
        return o;
    int failed = 0;
    const QList<ServerService::Server> servers = m_servers->servers();
    for (const ServerService::Server &s : servers)
        failed += s.failed;
    const StoreHealth store = m_sessions->store()->health();
    if (failed > 0 || !store.available)
        o.insert(QStringLiteral("status"), QStringLiteral("degraded"));
    QJsonObject storeJson {{QStringLiteral("kind"), store.kind},
                           {QStringLiteral("available"), store.available}};
    if (!store.detail.isEmpty())
        storeJson.insert(QStringLiteral("detail"), store.detail);
    if (!store.durability.isEmpty())
        storeJson.insert(QStringLiteral("durability"), store.durability);
    if (!store.warnings.isEmpty())
        storeJson.insert(QStringLiteral("warnings"), QJsonArray::fromStringList(store.warnings));
    o.insert(QStringLiteral("store"), storeJson);
    o.insert(QStringLiteral("uptime_s"), double(m_uptime.elapsed()) / 1000.0);
    o.insert(QStringLiteral("model"), m_chat->modelName());
    // The store's last known count: nothing is read or copied to answer.
    o.insert(QStringLiteral("sessions"), store.sessions);
    o.insert(QStringLiteral("connections"), m_connections->connectionCount());
    o.insert(QStringLiteral("max_connections"), m_connections->options().maxConnections);
    o.insert(QStringLiteral("running_turns"), m_chat->runningTurns());
    o.insert(QStringLiteral("tools"), m_servers->toolCount());
    o.insert(QStringLiteral("mcp_servers"),
             ApiJson::servers(m_servers).value(QStringLiteral("servers")));
    return o;
}

QByteArray HealthController::metrics() const
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
    metric("mcphost_sessions", "gauge", "Sessions stored (the store's last known count).",
           QByteArray::number(m_sessions->store()->health().sessions));
    metric("mcphost_store_available", "gauge", "1 while the session store answers.",
           QByteArray::number(m_sessions->store()->health().available ? 1 : 0));
    metric("mcphost_turns_started_total", "counter", "Turns started.",
           QByteArray::number(st.turnsStarted));
    metric("mcphost_turns_finished_total", "counter", "Turns finished.",
           QByteArray::number(st.turnsFinished));
    metric("mcphost_turns_running", "gauge", "Turns running now.",
           QByteArray::number(m_chat->runningTurns()));
    metric("mcphost_http_requests_total", "counter", "HTTP requests received.",
           QByteArray::number(m_router->requestCount()));
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
    const QList<ServerService::Server> servers = m_servers->servers();
    for (const ServerService::Server &s : servers)
        out += "mcphost_mcp_server_up{server=\"" + s.name.toUtf8().replace('"', "'") + "\"} "
                + (s.ready ? "1" : "0") + '\n';
    return out;
}
