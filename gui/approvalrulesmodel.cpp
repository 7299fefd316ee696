#include "approvalrulesmodel.h"

#include "apiclient.h"

#include <QJsonArray>

namespace {
QString capped(const QString &text)
{
    return text.left(256);
}
} // namespace

ApprovalRulesModel::ApprovalRulesModel(QObject *parent)
    : KeyedListModel(parent)
{ }

ApprovalRulesModel::~ApprovalRulesModel() = default;

void ApprovalRulesModel::setApiClient(ApiClient *client)
{
    // Answers of the old connection are dropped.
    m_client = client;
    restartRefresh();
}

int ApprovalRulesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant ApprovalRulesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ApprovalRule &r = m_rows.at(index.row());
    switch (role) {
    case ScopeRole:
        return r.scope;
    case ServerRole:
        return r.server;
    case ToolRole:
        return r.tool;
    case DecisionRole:
        return r.decision;
    case SourceRole:
        return r.source;
    case RevocableRole:
        return r.source == QLatin1String("remembered");
    case Qt::DisplayRole:
    case LabelRole:
        if (r.scope == QLatin1String("server"))
            return QStringLiteral("%1 (every tool)").arg(r.server);
        if (r.server.isEmpty())
            return r.tool;
        return QStringLiteral("%1 \u203a %2").arg(r.server, r.tool);
    default:
        return {};
    }
}

QHash<int, QByteArray> ApprovalRulesModel::roleNames() const
{
    return {{ScopeRole, "scope"},       {ServerRole, "server"}, {ToolRole, "tool"},
            {DecisionRole, "decision"}, {SourceRole, "source"}, {RevocableRole, "revocable"},
            {LabelRole, "label"}};
}

QString ApprovalRulesModel::key(const ApprovalRule &rule)
{
    // A remembered and a config rule may share a key; the source keeps both rows apart.
    return rule.scope + QLatin1Char('\n') + rule.server + QLatin1Char('\n') + rule.tool
            + QLatin1Char('\n') + rule.source;
}

void ApprovalRulesModel::refresh()
{
    if (!m_client) {
        setError(QStringLiteral("not connected to a server"));
        return;
    }
    refreshOnce(
            [this](auto answered) { m_client->approvals(this, answered); },
            [this](const QJsonObject &document, const std::optional<ApiError> &error) {
                if (error) {
                    setError(QStringLiteral("Could not read the approval rules: %1")
                                     .arg(error->message.isEmpty() ? error->code : error->message));
                    return;
                }
                setError({});
                applyDocument(document);
                Q_EMIT refreshed();
            },
            [this] { refresh(); });
}

void ApprovalRulesModel::applyDocument(const QJsonObject &document)
{
    const QString def = capped(document.value(QStringLiteral("default")).toString());
    const QString sampling = capped(document.value(QStringLiteral("sampling")).toString());
    if (def != m_default || sampling != m_sampling) {
        m_default = def;
        m_sampling = sampling;
        Q_EMIT policyChanged();
    }
    QList<ApprovalRule> rules;
    const QJsonArray array = document.value(QStringLiteral("rules")).toArray();
    for (const QJsonValue &v : array) {
        if (rules.size() >= kMaxRules)
            break;
        const QJsonObject o = v.toObject();
        std::optional<ApprovalRule> rule = ApprovalRule::fromJson(o);
        // A config tool rule keyed by the model-facing name has server "".
        if (!rule && o.value(QStringLiteral("scope")).toString() == QLatin1String("tool")
            && !o.value(QStringLiteral("tool")).toString().isEmpty()
            && !o.value(QStringLiteral("decision")).toString().isEmpty()) {
            ApprovalRule r;
            r.scope = QStringLiteral("tool");
            r.tool = o.value(QStringLiteral("tool")).toString();
            r.decision = o.value(QStringLiteral("decision")).toString();
            r.source = o.value(QStringLiteral("source")).toString();
            rule = r;
        }
        if (!rule)
            continue;
        rule->scope = capped(rule->scope);
        rule->server = capped(rule->server);
        rule->tool = capped(rule->tool);
        rule->decision = capped(rule->decision);
        rule->source = capped(rule->source);
        rules.append(*rule);
    }
    const int before = count();
    sync(m_rows, rules, &ApprovalRulesModel::key, [](const ApprovalRule &a, const ApprovalRule &b) {
        return a.decision != b.decision ? QList<int> {DecisionRole} : QList<int> {};
    });
    if (count() != before)
        Q_EMIT countChanged();
}

bool ApprovalRulesModel::revoke(int row)
{
    if (row < 0 || row >= m_rows.size())
        return false;
    const ApprovalRule rule = m_rows.at(row);
    if (rule.source != QLatin1String("remembered")) {
        Q_EMIT errorOccurred(QStringLiteral("This rule comes from the config file; change it "
                                            "there (Settings \u203a Config)."));
        return false;
    }
    if (!m_client) {
        Q_EMIT errorOccurred(QStringLiteral("not connected to a server"));
        return false;
    }
    m_client->removeApprovalRule(
            rule, this, [this, rule](bool, const std::optional<ApiError> &error) {
                // Already gone is what was asked.
                if (error && error->httpStatus != 404) {
                    Q_EMIT errorOccurred(
                            QStringLiteral("Could not revoke the rule: %1")
                                    .arg(error->message.isEmpty() ? error->code : error->message));
                } else {
                    Q_EMIT revoked(rule.scope, rule.server, rule.tool);
                }
                refresh();
            });
    return true;
}

void ApprovalRulesModel::setError(const QString &error)
{
    if (error == m_error)
        return;
    m_error = error;
    Q_EMIT errorChanged();
}
