#include "approvalcontroller.h"

#include "apirouter.h"
#include "hoststate.h"
#include "hoststateservice.h"
#include "httpresponses.h"
#include "jsonfields.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUrlQuery>

namespace {

ApiError fromState(const HostStateService::Failure &f)
{
    switch (f.error) {
    case HostStateService::Error::UnknownServer:
        return {ApiError::Code::UnknownServer, f.message};
    case HostStateService::Error::BadRule:
        return {ApiError::Code::InvalidField, f.message};
    case HostStateService::Error::NoSuchRule:
        return {ApiError::Code::UnknownRule, f.message};
    case HostStateService::Error::ConfigRule:
        return {ApiError::Code::ConfigRule, f.message};
    }
    return {ApiError::Code::InvalidField, f.message};
}

/// A server or tool name: 1..256 characters, no control characters, no '/'.
bool validName(const QString &name)
{
    if (name.isEmpty() || name.size() > HostState::kMaxNameChars)
        return false;
    for (const QChar c : name) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f || c == QLatin1Char('/'))
            return false;
    }
    return true;
}

} // namespace

QJsonObject ApprovalController::ruleJson(const ApprovalRules::Rule &rule)
{
    const bool tool = rule.scope == ApprovalRules::RuleScope::Tool;
    QJsonObject o {
            {QStringLiteral("scope"), tool ? QStringLiteral("tool") : QStringLiteral("server")},
            {QStringLiteral("server"), rule.server},
            {QStringLiteral("decision"), ApprovalPolicy::decisionName(rule.decision)},
            {QStringLiteral("source"),
             rule.source == ApprovalRules::Source::Config ? QStringLiteral("config")
                                                          : QStringLiteral("remembered")}};
    if (tool)
        o.insert(QStringLiteral("tool"), rule.tool);
    return o;
}

void ApprovalController::registerRoutes(ApiRouter &router)
{
    using Method = ApiRouter::Method;
    router.addRoute(Method::Get, QStringLiteral("/api/v3/approvals"), true,
                    [this](ApiRequest &ctx, QHttpServerResponder &&r) { list(ctx, r); });
    router.addRoute(Method::Post, QStringLiteral("/api/v3/approvals/rules"), true,
                    [this](ApiRequest &ctx, QHttpServerResponder &&r) { add(ctx, r); });
    router.addRoute(Method::Delete, QStringLiteral("/api/v3/approvals/rules"), true,
                    [this](ApiRequest &ctx, QHttpServerResponder &&r) { remove(ctx, r); });
}

std::variant<ApprovalController::Key, ApiError> ApprovalController::readKey(const QString &scope,
                                                                            const QString &server,
                                                                            const QString &tool,
                                                                            bool toolGiven)
{
    const auto invalid = [](const QString &message) {
        return ApiError {ApiError::Code::InvalidField, message};
    };
    Key key {ApprovalRules::RuleScope::Tool, server, tool};
    if (scope == QLatin1String("tool"))
        key.scope = ApprovalRules::RuleScope::Tool;
    else if (scope == QLatin1String("server"))
        key.scope = ApprovalRules::RuleScope::Server;
    else
        return invalid(scope.isEmpty() ? QStringLiteral("missing field \"scope\"")
                                       : QStringLiteral("field \"scope\" must be \"tool\" or "
                                                        "\"server\""));
    if (!validName(server))
        return invalid(QStringLiteral("field \"server\" must be a server name (1 to %1 "
                                      "characters, no '/' or control characters)")
                               .arg(HostState::kMaxNameChars));
    if (key.scope == ApprovalRules::RuleScope::Tool && !validName(tool))
        return invalid(QStringLiteral("field \"tool\" must be a tool name (1 to %1 characters, "
                                      "no '/' or control characters) for a \"tool\" rule")
                               .arg(HostState::kMaxNameChars));
    if (key.scope == ApprovalRules::RuleScope::Server && toolGiven)
        return invalid(QStringLiteral("a \"server\" rule has no field \"tool\""));
    return key;
}

void ApprovalController::list(ApiRequest &ctx, QHttpServerResponder &r)
{
    const ApprovalRules *rules = m_state->rules();
    QJsonArray list;
    for (const ApprovalRules::Rule &rule : rules->rules())
        list.append(ruleJson(rule));
    HttpResponses::sendJson(
            r, 200,
            QJsonDocument(
                    QJsonObject {{QStringLiteral("default"),
                                  ApprovalPolicy::decisionName(rules->effective().defaultDecision)},
                                 {QStringLiteral("sampling"),
                                  ApprovalPolicy::decisionName(rules->effective().sampling)},
                                 {QStringLiteral("rules"), list}}),
            ctx.cors);
}

void ApprovalController::add(ApiRequest &ctx, QHttpServerResponder &r)
{
    const auto body = ctx.jsonBody(r);
    if (!body)
        return;
    JsonFields f(*body);
    const QString scope = f.string("scope", true);
    const QString server = f.string("server", true);
    const QString tool = f.string("tool", false);
    const QString decisionName = f.string("decision", true);
    if (const auto e = f.error())
        return HttpResponses::sendError(r, *e, ctx.cors);
    const auto key = readKey(scope, server, tool, body->contains(QStringLiteral("tool")));
    if (const auto *e = std::get_if<ApiError>(&key))
        return HttpResponses::sendError(r, *e, ctx.cors);
    std::optional<ApprovalPolicy::Decision> decision;
    if (decisionName == QLatin1String("allow") || decisionName == QLatin1String("ask")
        || decisionName == QLatin1String("deny"))
        decision = ApprovalPolicy::decisionFromName(decisionName);
    if (!decision)
        return HttpResponses::sendError(
                r,
                {ApiError::Code::InvalidField,
                 QStringLiteral("field \"decision\" must be \"allow\", \"ask\" or \"deny\"")},
                ctx.cors);
    const Key &k = std::get<Key>(key);
    const auto result = m_state->addRule(k.scope, k.server, k.tool, *decision);
    if (const auto *failure = std::get_if<HostStateService::Failure>(&result))
        return HttpResponses::sendError(r, fromState(*failure), ctx.cors);
    QJsonObject out = ruleJson(std::get<ApprovalRules::Rule>(result));
    if (!m_state->lastSaveError().isEmpty())
        out.insert(QStringLiteral("warning"),
                   QStringLiteral("the rule holds until the host stops but was not saved: ")
                           + m_state->lastSaveError());
    HttpResponses::sendJson(r, 201, QJsonDocument(out), ctx.cors);
}

void ApprovalController::remove(ApiRequest &ctx, QHttpServerResponder &r)
{
    const QUrlQuery query(ctx.request.url());
    const auto value = [&query](const char *name) {
        return query.queryItemValue(QLatin1String(name), QUrl::FullyDecoded);
    };
    const auto key = readKey(value("scope"), value("server"), value("tool"),
                             query.hasQueryItem(QStringLiteral("tool")));
    if (const auto *e = std::get_if<ApiError>(&key))
        return HttpResponses::sendError(r, *e, ctx.cors);
    const Key &k = std::get<Key>(key);
    if (const auto failure = m_state->removeRule(k.scope, k.server, k.tool))
        return HttpResponses::sendError(r, fromState(*failure), ctx.cors);
    HttpResponses::sendJson(r, 204, {}, ctx.cors);
}
