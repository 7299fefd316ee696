#pragma once

#include "agentoptions.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>

#include <optional>

namespace Mcp {
struct Tool;
}

/// How far a user's answer to an approval reaches (`POST /api/v3/chat/approve` "scope").
enum class ApprovalScope {
    Once, ///< this call only
    Session, ///< this tool of this server (or this server's sampling) for the rest of the session
    Tool, ///< a remembered rule for <server>/<tool>
    Server, ///< a remembered rule for every tool of the server
};

[[nodiscard]] std::optional<ApprovalScope> approvalScopeFromName(const QString &name);
[[nodiscard]] QString approvalScopeName(ApprovalScope scope);

/// The approval policy of a running host, shared by every turn: the config's `approval`
/// section, the remembered rules over it (a client's "always for this tool / server"; a
/// remembered rule for a key replaces the config's rule for the same key), and each session's
/// own answers ("for this session"). A session's answer is consulted only where the policy
/// would ask, so it never overrides a rule that allows or denies.
///
/// Changes apply at once to every turn that decides afterwards; rememberedChanged() tells the
/// owner to persist them (HostStateService).
class ApprovalRules : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ApprovalRules)

public:
    using Decision = ApprovalPolicy::Decision;
    enum class RuleScope { Tool, Server };
    enum class Source { Config, Remembered };
    struct Rule
    {
        RuleScope scope = RuleScope::Tool;
        QString server; ///< "" for a config tool rule keyed by the model-facing name
        QString tool; ///< "" for a server rule
        Decision decision = Decision::Ask;
        Source source = Source::Config;
    };
    enum class RemoveError {
        NotFound, ///< no rule for that key
        ConfigRule, ///< only the config has a rule for that key (edit the config instead)
    };

    /// Remembered answers one session keeps at most (each is a real tool the user answered).
    static constexpr int kMaxSessionAnswers = 4096;

    explicit ApprovalRules(ApprovalPolicy config, QObject *parent = nullptr);
    ~ApprovalRules() override;

    [[nodiscard]] const ApprovalPolicy &config() const { return m_config; }
    /// The config with the remembered rules over it.
    [[nodiscard]] const ApprovalPolicy &effective() const { return m_effective; }

    /// The decision for a tool call in `sessionId` (see the class comment).
    [[nodiscard]] Decision decideTool(const QString &sessionId, const QString &server,
                                      const Mcp::Tool &tool, const QString &catalogName) const;
    /// The decision for a sampling request of `server` in `sessionId`.
    [[nodiscard]] Decision decideSampling(const QString &sessionId, const QString &server) const;

    /// A "for this session" answer; `tool` empty: the server's sampling requests.
    void rememberForSession(const QString &sessionId, const QString &server, const QString &tool,
                            bool approved);
    /// Drops a session's answers (the session ended).
    void forgetSession(const QString &sessionId);

    /// Every rule: the config's, then the remembered ones, sorted by scope, server, tool.
    [[nodiscard]] QList<Rule> rules() const;
    /// Sets a remembered rule (replacing one for the same key); emits rememberedChanged().
    Rule setRemembered(RuleScope scope, const QString &server, const QString &tool,
                       Decision decision);
    /// Removes a remembered rule; emits rememberedChanged() when it did.
    std::optional<RemoveError> removeRemembered(RuleScope scope, const QString &server,
                                                const QString &tool);
    /// The remembered rules ("<server>/<tool>" -> decision, server -> decision).
    [[nodiscard]] const QHash<QString, Decision> &rememberedTools() const { return m_tools; }
    [[nodiscard]] const QHash<QString, Decision> &rememberedServers() const { return m_servers; }
    /// Replaces the remembered rules (loading the state file); no signal.
    void loadRemembered(const QHash<QString, Decision> &tools,
                        const QHash<QString, Decision> &servers);

    [[nodiscard]] static QString toolKey(const QString &server, const QString &tool)
    {
        return server + QLatin1Char('/') + tool;
    }

Q_SIGNALS:
    /// A remembered rule was added, changed or removed.
    void rememberedChanged();

private:
    void rebuild();

    ApprovalPolicy m_config;
    ApprovalPolicy m_effective;
    QHash<QString, Decision> m_tools;
    QHash<QString, Decision> m_servers;
    /// session id -> ("<server>/<tool>" or "<server>" for sampling) -> approved
    QHash<QString, QHash<QString, bool>> m_sessionTools;
    QHash<QString, QHash<QString, bool>> m_sessionSampling;
};
