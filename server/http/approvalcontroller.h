#pragma once

#include "apierror.h"
#include "approvalrules.h"

#include <QJsonObject>

#include <optional>
#include <variant>

class ApiRouter;
class HostStateService;
class QHttpServerResponder;
struct ApiRequest;

/// The host's approval policy over the API: `GET /api/v3/approvals` (defaults and every rule
/// with its source), `POST /api/v3/approvals/rules` (remember a rule) and
/// `DELETE /api/v3/approvals/rules?scope=&server=&tool=` (revoke a remembered one). Rules apply
/// at once to every turn of every client and are kept in the state file.
class ApprovalController
{
public:
    explicit ApprovalController(HostStateService *state)
        : m_state(state)
    { }

    void registerRoutes(ApiRouter &router);

    /// A rule as the API shows it: {scope, server, tool?, decision, source}.
    [[nodiscard]] static QJsonObject ruleJson(const ApprovalRules::Rule &rule);

private:
    /// scope, server and tool of a rule key, checked; nullopt with the error.
    struct Key
    {
        ApprovalRules::RuleScope scope;
        QString server;
        QString tool;
    };
    [[nodiscard]] static std::variant<Key, ApiError>
    readKey(const QString &scope, const QString &server, const QString &tool, bool toolGiven);

    void list(ApiRequest &ctx, QHttpServerResponder &r);
    void add(ApiRequest &ctx, QHttpServerResponder &r);
    void remove(ApiRequest &ctx, QHttpServerResponder &r);

    HostStateService *m_state;
};
