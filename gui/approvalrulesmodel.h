#pragma once

#include "apiclient.h"
#include "keyedlistmodel.h"

#include <QPointer>

/// The host's approval rules (Settings: remembered rules and the config's): one row per rule,
/// in the server's order, with where it comes from. revoke() removes a remembered rule on the
/// server (a config rule is changed in the config, and revoke() says so). Rows change in place
/// by (scope, server, tool); never a reset.
class ApprovalRulesModel : public KeyedListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("reach it as App.approvalRules")
    Q_DISABLE_COPY_MOVE(ApprovalRulesModel)
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    /// The policy's default for tools without a rule ("allow", "ask", "deny"; "" unknown).
    Q_PROPERTY(QString defaultDecision READ defaultDecision NOTIFY policyChanged)
    /// The policy for sampling requests ("" unknown).
    Q_PROPERTY(QString sampling READ sampling NOTIFY policyChanged)
    /// The last failure in words ("" after a successful refresh).
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)

public:
    enum Role {
        ScopeRole = Qt::UserRole + 1, ///< "tool" or "server"
        ServerRole, ///< the server ("" for a config rule keyed by the model-facing tool name)
        ToolRole, ///< the tool ("" for a server rule)
        DecisionRole, ///< "allow", "ask", "deny"
        SourceRole, ///< "config" or "remembered"
        RevocableRole, ///< bool: a remembered rule
        LabelRole, ///< "fs › write_file" or "fs (every tool)"
    };
    Q_ENUM(Role)

    static constexpr int kMaxRules = 10000;

    explicit ApprovalRulesModel(QObject *parent = nullptr);
    ~ApprovalRulesModel() override;

    void setApiClient(ApiClient *client);

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

    [[nodiscard]] int count() const { return int(m_rows.size()); }
    [[nodiscard]] QString defaultDecision() const { return m_default; }
    [[nodiscard]] QString sampling() const { return m_sampling; }
    [[nodiscard]] QString error() const { return m_error; }

    Q_INVOKABLE void refresh();
    /// Revokes the remembered rule of `row`; false (and errorOccurred) when it is not one.
    Q_INVOKABLE bool revoke(int row);

Q_SIGNALS:
    void countChanged();
    void policyChanged();
    void errorChanged();
    void refreshed();
    void revoked(const QString &scope, const QString &server, const QString &tool);
    void errorOccurred(const QString &message);

private:
    [[nodiscard]] static QString key(const ApprovalRule &rule);
    void applyDocument(const QJsonObject &document);
    void setError(const QString &error);

    QPointer<ApiClient> m_client;
    QList<ApprovalRule> m_rows;
    QString m_default;
    QString m_sampling;
    QString m_error;
};
