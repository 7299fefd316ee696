#pragma once

#include "approvalrules.h"
#include "hoststate.h"
#include "serverconfig.h"

#include <QHash>
#include <QObject>
#include <QPointer>

#include <optional>
#include <variant>

class ServerRegistry;

/// What clients change in a running host and the host keeps (HostState): the remembered
/// approval rules (ApprovalRules, also those made by answering an approval with scope "tool"
/// or "server") and which MCP servers are enabled. Every change applies at once and is
/// written to the state file; a failed write is reported (lastSaveError()), and the change
/// still holds until the host stops.
class HostStateService : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HostStateService)

public:
    enum class Error {
        UnknownServer, ///< no MCP server with that name is configured
        BadRule, ///< a tool rule without a tool, or a name that cannot be a key
        NoSuchRule, ///< nothing remembered for that key
        ConfigRule, ///< the key's rule comes from the config (edit the config)
    };
    struct Failure
    {
        Error error;
        QString message;
    };
    using RuleResult = std::variant<ApprovalRules::Rule, Failure>;

    /// `rules` and `registry` are not owned and must outlive the service; `configs` are the
    /// servers as the config has them (before applyServerChoices()).
    HostStateService(QString path, HostState state, const QList<ServerConfig> &configs,
                     ApprovalRules *rules, ServerRegistry *registry, QObject *parent = nullptr);
    ~HostStateService() override;

    /// Applies a state's server choices to the configs before the registry is made.
    static void applyServerChoices(const HostState &state, QList<ServerConfig> *configs);

    [[nodiscard]] const QString &path() const { return m_path; }
    [[nodiscard]] ApprovalRules *rules() const { return m_rules; }

    RuleResult addRule(ApprovalRules::RuleScope scope, const QString &server, const QString &tool,
                       ApprovalPolicy::Decision decision);
    std::optional<Failure> removeRule(ApprovalRules::RuleScope scope, const QString &server,
                                      const QString &tool);
    std::optional<Failure> setServerEnabled(const QString &name, bool enabled);

    /// The last write's error ("" after a good one).
    [[nodiscard]] const QString &lastSaveError() const { return m_saveError; }

private:
    void save();
    [[nodiscard]] std::optional<Failure> checkServer(const QString &server) const;

    QString m_path;
    HostState m_state;
    QPointer<ApprovalRules> m_rules;
    ServerRegistry *m_registry;
    QHash<QString, bool> m_configEnabled; ///< what the config says, per server
    QString m_saveError;
};
