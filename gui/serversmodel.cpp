#include "serversmodel.h"

#include "apiclient.h"

namespace {
QString capped(const QString &text, int max)
{
    return text.size() > max ? text.left(max - 1) + QChar(0x2026) : text;
}
} // namespace

ServersModel::ServersModel(QObject *parent)
    : KeyedListModel(parent)
{
    m_poll.setInterval(kDefaultPollIntervalMs);
    connect(&m_poll, &QTimer::timeout, this, &ServersModel::refresh);
}

ServersModel::~ServersModel() = default;

void ServersModel::setApiClient(ApiClient *client)
{
    // Answers of the old connection are dropped; the new one is asked at once.
    m_client = client;
    restartRefresh();
    m_fetching.clear();
    if (m_active)
        refresh();
}

void ServersModel::setPollInterval(int ms)
{
    m_poll.setInterval(std::max(100, ms));
}

int ServersModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant ServersModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const ServerInfo &s = row.info;
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return s.name;
    case StateRole:
        return s.state;
    case ReasonRole:
        return s.reason;
    case TransportRole:
        return s.transport;
    case ProtocolVersionRole:
        return s.protocolVersion;
    case ServerNameRole:
        if (s.serverName.isEmpty())
            return QString();
        return s.serverVersion.isEmpty()
                ? s.serverName
                : QStringLiteral("%1 %2").arg(s.serverName, s.serverVersion);
    case ToolCountRole:
        return s.toolCount;
    case RestartsRole:
        return s.restarts;
    case EnabledRole:
        return s.enabled;
    case StderrTailRole:
        return s.stderrTail.join(QLatin1Char('\n'));
    case StderrLinesRole:
        return s.stderrTail;
    case ToolsRole:
        return toolList(row.tools);
    case BusyRole:
        return row.busy;
    default:
        return {};
    }
}

QHash<int, QByteArray> ServersModel::roleNames() const
{
    return {{NameRole, "name"},
            {StateRole, "state"},
            {ReasonRole, "reason"},
            {TransportRole, "transport"},
            {ProtocolVersionRole, "protocolVersion"},
            {ServerNameRole, "serverName"},
            {ToolCountRole, "toolCount"},
            {RestartsRole, "restarts"},
            {EnabledRole, "enabled"},
            {StderrTailRole, "stderrTail"},
            {StderrLinesRole, "stderrLines"},
            {ToolsRole, "tools"},
            {BusyRole, "busy"}};
}

QVariantList ServersModel::toolList(const QList<ToolInfo> &tools)
{
    QVariantList out;
    out.reserve(tools.size());
    for (const ToolInfo &t : tools) {
        const QJsonObject &a = t.annotations;
        out.append(QVariantMap {
                {QStringLiteral("name"), t.name},
                {QStringLiteral("tool"), t.tool},
                {QStringLiteral("title"), capped(t.title, 200)},
                {QStringLiteral("description"), capped(t.description, kMaxDescriptionChars)},
                {QStringLiteral("annotations"), a.toVariantMap()},
                // MCP's defaults when a hint is absent: not read-only, destructive, not
                // idempotent, open world.
                {QStringLiteral("readOnly"), a.value(QStringLiteral("readOnlyHint")).toBool(false)},
                {QStringLiteral("destructive"),
                 a.value(QStringLiteral("destructiveHint")).toBool(true)},
                {QStringLiteral("idempotent"),
                 a.value(QStringLiteral("idempotentHint")).toBool(false)},
                {QStringLiteral("openWorld"),
                 a.value(QStringLiteral("openWorldHint")).toBool(true)}});
    }
    return out;
}

void ServersModel::setActive(bool active)
{
    if (active == m_active)
        return;
    m_active = active;
    if (m_active) {
        m_poll.start();
        refresh();
    } else {
        m_poll.stop();
    }
    Q_EMIT activeChanged();
}

int ServersModel::failedCount() const
{
    int n = 0;
    for (const Row &r : m_rows)
        n += r.info.state == QLatin1String("failed") ? 1 : 0;
    return n;
}

int ServersModel::rowOf(const QString &name) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).info.name == name)
            return int(i);
    }
    return -1;
}

QString ServersModel::signature(const ServerInfo &info)
{
    return QStringLiteral("%1|%2|%3|%4")
            .arg(info.state)
            .arg(info.toolCount)
            .arg(info.restarts)
            .arg(info.enabled ? 1 : 0);
}

void ServersModel::refresh()
{
    if (!m_client) {
        setError(QStringLiteral("not connected to a server"));
        return;
    }
    refreshOnce(
            [this](auto answered) { m_client->listServers(this, answered); },
            [this](const QList<ServerInfo> &servers, const std::optional<ApiError> &error) {
                if (error) {
                    // The rows stay as they were last seen; the panel says the list is not
                    // current.
                    setError(QStringLiteral("Could not list the servers: %1")
                                     .arg(error->message.isEmpty() ? error->code : error->message));
                    return;
                }
                setError({});
                applyList(servers);
                Q_EMIT refreshed();
            },
            [this] { refresh(); });
}

void ServersModel::applyList(const QList<ServerInfo> &servers)
{
    QList<Row> target;
    target.reserve(servers.size());
    for (ServerInfo info : servers) {
        // Bounded whatever the server sends.
        if (info.stderrTail.size() > kMaxStderrLines)
            info.stderrTail = info.stderrTail.mid(info.stderrTail.size() - kMaxStderrLines);
        for (QString &line : info.stderrTail)
            line = capped(line, kMaxStderrLineChars);
        info.reason = capped(info.reason, 4000);
        Row row;
        row.info = info;
        const int at = rowOf(info.name);
        if (at >= 0) {
            row.busy = m_rows.at(at).busy;
            // Tools fetched for this very state stay; any change drops them until re-read.
            if (m_rows.at(at).toolsFor == signature(info)) {
                row.tools = m_rows.at(at).tools;
                row.toolsFor = m_rows.at(at).toolsFor;
            }
        }
        target.append(row);
    }
    const int before = count();
    const int failedBefore = failedCount();
    sync(
            m_rows, target, [](const Row &r) { return r.info.name; },
            [](const Row &a, const Row &b) {
                QList<int> roles;
                const ServerInfo &x = a.info;
                const ServerInfo &y = b.info;
                if (x.state != y.state)
                    roles << StateRole;
                if (x.reason != y.reason)
                    roles << ReasonRole;
                if (x.transport != y.transport)
                    roles << TransportRole;
                if (x.protocolVersion != y.protocolVersion)
                    roles << ProtocolVersionRole;
                if (x.serverName != y.serverName || x.serverVersion != y.serverVersion)
                    roles << ServerNameRole;
                if (x.toolCount != y.toolCount)
                    roles << ToolCountRole;
                if (x.restarts != y.restarts)
                    roles << RestartsRole;
                if (x.enabled != y.enabled)
                    roles << EnabledRole;
                if (x.stderrTail != y.stderrTail)
                    roles << StderrTailRole << StderrLinesRole;
                if (a.toolsFor != b.toolsFor)
                    roles << ToolsRole;
                if (a.busy != b.busy)
                    roles << BusyRole;
                return roles;
            });
    if (count() != before || failedCount() != failedBefore)
        Q_EMIT countChanged();
    for (const Row &r : std::as_const(m_rows)) {
        const QString sig = signature(r.info);
        if (r.toolsFor != sig && r.info.state == QLatin1String("ready") && r.info.toolCount > 0)
            fetchTools(r.info.name, sig);
    }
}

void ServersModel::fetchTools(const QString &name, const QString &forSignature)
{
    if (!m_client || m_fetching.contains(name))
        return;
    m_fetching.insert(name);
    m_client->getServer(name, this,
                        [this, name, forSignature, generation = refreshGeneration()](
                                const ServerInfo &detail, const std::optional<ApiError> &error) {
                            if (generation != refreshGeneration())
                                return;
                            m_fetching.remove(name);
                            const int at = rowOf(name);
                            // Gone, or changed again meanwhile: the next poll asks anew.
                            if (error || at < 0 || signature(m_rows.at(at).info) != forSignature)
                                return;
                            Row &row = m_rows[at];
                            row.tools = detail.tools.mid(0, kMaxTools);
                            row.toolsFor = forSignature;
                            const QModelIndex i = index(at);
                            Q_EMIT dataChanged(i, i, {ToolsRole});
                        });
}

void ServersModel::setBusy(const QString &name, bool busy)
{
    const int at = rowOf(name);
    if (at < 0 || m_rows.at(at).busy == busy)
        return;
    m_rows[at].busy = busy;
    const QModelIndex i = index(at);
    Q_EMIT dataChanged(i, i, {BusyRole});
}

std::function<void(const QJsonObject &, const std::optional<ApiError> &)>
ServersModel::finishAction(const QString &name, const QString &what)
{
    return [this, name, what](const QJsonObject &, const std::optional<ApiError> &error) {
        setBusy(name, false);
        if (error) {
            const QString message
                    = QStringLiteral("Could not %1 %2: %3")
                              .arg(what, name,
                                   error->message.isEmpty() ? error->code : error->message);
            Q_EMIT errorOccurred(message);
        }
        refresh();
    };
}

void ServersModel::restart(const QString &name)
{
    if (!m_client || rowOf(name) < 0)
        return;
    setBusy(name, true);
    m_client->restartServer(name, this, finishAction(name, QStringLiteral("restart")));
}

void ServersModel::setEnabled(const QString &name, bool enabled)
{
    if (!m_client || rowOf(name) < 0)
        return;
    setBusy(name, true);
    m_client->setServerEnabled(
            name, enabled, this,
            finishAction(name, enabled ? QStringLiteral("enable") : QStringLiteral("disable")));
}

void ServersModel::setError(const QString &error)
{
    if (error == m_error)
        return;
    m_error = error;
    Q_EMIT errorChanged();
}
