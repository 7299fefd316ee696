#include "sessionsmodel.h"

#include "apiclient.h"

#include <algorithm>

namespace {
QString notConnected()
{
    return QStringLiteral("not connected to a server");
}
} // namespace

SessionsModel::SessionsModel(QObject *parent)
    : KeyedListModel(parent)
{
    m_undoTimer.setSingleShot(true);
    // The promised 5 s, not up to 5 % less (a coarse timer may fire early).
    m_undoTimer.setTimerType(Qt::PreciseTimer);
    m_undoTimer.setInterval(kDefaultUndoDelayMs);
    connect(&m_undoTimer, &QTimer::timeout, this, &SessionsModel::commitRemoval);
}

SessionsModel::~SessionsModel()
{
    // The user saw the session go and did not undo it: it goes. The request is tied to the
    // client, which may outlive this model.
    if (m_pending && m_client)
        m_client->deleteSession(m_pending->id, m_client,
                                [](bool, const std::optional<ApiError> &) {});
}

void SessionsModel::setApiClient(ApiClient *client)
{
    if (client == m_client)
        return;
    // Answers of the old connection are dropped.
    m_client = client;
    ++m_generation;
    m_connection = m_generation;
    m_refreshAgain = false;
    setLoading(false);
}

void SessionsModel::setUndoDelay(int ms)
{
    m_undoTimer.setInterval(std::max(0, ms));
}

int SessionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QString SessionsModel::displayTitle(const SessionSummary &s)
{
    const QString title = s.title.simplified();
    if (title.isEmpty())
        return QStringLiteral("New conversation");
    return title.size() > kMaxTitleChars ? title.left(kMaxTitleChars - 1) + QChar(0x2026) : title;
}

QVariant SessionsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const SessionSummary &s = m_rows.at(index.row());
    switch (role) {
    case SessionIdRole:
        return s.id;
    case Qt::DisplayRole:
    case TitleRole:
        return displayTitle(s);
    case UntitledRole:
        return s.title.trimmed().isEmpty();
    case UpdatedRole:
        return s.updated;
    case CreatedRole:
        return s.created;
    case TurnCountRole:
        return s.turnCount;
    case MessageCountRole:
        return s.messageCount;
    case BusyRole:
        return s.busy;
    default:
        return {};
    }
}

QHash<int, QByteArray> SessionsModel::roleNames() const
{
    return {{SessionIdRole, "sessionId"},       {TitleRole, "title"},
            {UntitledRole, "untitled"},         {UpdatedRole, "updated"},
            {CreatedRole, "created"},           {TurnCountRole, "turnCount"},
            {MessageCountRole, "messageCount"}, {BusyRole, "busy"}};
}

QString SessionsModel::undoText() const
{
    if (!m_pending)
        return {};
    return QStringLiteral("Deleted \u201c%1\u201d. Undo within %2 s.")
            .arg(displayTitle(*m_pending))
            .arg((m_undoTimer.interval() + 999) / 1000);
}

QString SessionsModel::pendingRemovalId() const
{
    return m_pending ? m_pending->id : QString();
}

int SessionsModel::rowOf(const QString &sessionId) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == sessionId)
            return int(i);
    }
    return -1;
}

QString SessionsModel::sessionIdAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).id : QString();
}

void SessionsModel::sortNewestFirst(QList<SessionSummary> &sessions)
{
    std::stable_sort(sessions.begin(), sessions.end(),
                     [](const SessionSummary &a, const SessionSummary &b) {
                         if (a.updated != b.updated)
                             return a.updated > b.updated;
                         if (a.created != b.created)
                             return a.created > b.created;
                         return a.id < b.id;
                     });
}

void SessionsModel::refresh()
{
    if (!m_client) {
        setError(notConnected());
        return;
    }
    if (m_loading) {
        m_refreshAgain = true;
        return;
    }
    setLoading(true);
    const quint64 generation = ++m_generation;
    m_client->listSessions(
            this,
            [this, generation, connection = m_connection](const QList<SessionSummary> &sessions,
                                                          const std::optional<ApiError> &error) {
                if (connection != m_connection)
                    return;
                setLoading(false);
                if (generation != m_generation) {
                    m_refreshAgain = true; // a change went out meanwhile: this list may predate it
                } else {
                    if (error)
                        fail(QStringLiteral("Could not list the sessions"), *error);
                    else {
                        setError({});
                        applyList(sessions);
                    }
                }
                if (std::exchange(m_refreshAgain, false))
                    refresh();
            });
}

void SessionsModel::applyList(QList<SessionSummary> sessions)
{
    // A session whose removal waits stays hidden.
    if (m_pending) {
        sessions.erase(
                std::remove_if(sessions.begin(), sessions.end(),
                               [this](const SessionSummary &s) { return s.id == m_pending->id; }),
                sessions.end());
    }
    sortNewestFirst(sessions);
    const int before = count();
    sync(
            m_rows, sessions, [](const SessionSummary &s) { return s.id; },
            [](const SessionSummary &a, const SessionSummary &b) {
                QList<int> roles;
                if (a.title != b.title)
                    roles << TitleRole << UntitledRole << Qt::DisplayRole;
                if (a.updated != b.updated)
                    roles << UpdatedRole;
                if (a.created != b.created)
                    roles << CreatedRole;
                if (a.turnCount != b.turnCount)
                    roles << TurnCountRole;
                if (a.messageCount != b.messageCount)
                    roles << MessageCountRole;
                if (a.busy != b.busy)
                    roles << BusyRole;
                return roles;
            });
    if (count() != before)
        Q_EMIT countChanged();
}

void SessionsModel::upsert(const SessionSummary &session)
{
    QList<SessionSummary> next = m_rows;
    const int at = rowOf(session.id);
    if (at >= 0)
        next[at] = session;
    else
        next.append(session);
    applyList(next);
}

void SessionsModel::add(const SessionSummary &session)
{
    if (session.id.isEmpty())
        return;
    ++m_generation; // a list already on its way may not know the session yet
    upsert(session);
}

void SessionsModel::create()
{
    if (!m_client) {
        setError(notConnected());
        Q_EMIT errorOccurred(notConnected());
        return;
    }
    ++m_generation; // a list already on its way may not know the new session yet
    m_client->createSession(
            this, [this](const SessionSummary &session, const std::optional<ApiError> &error) {
                if (error) {
                    fail(QStringLiteral("Could not create a session"), *error);
                    return;
                }
                upsert(session);
                Q_EMIT created(session.id);
            });
}

void SessionsModel::rename(const QString &sessionId, const QString &title)
{
    const QString t = title.trimmed();
    if (t.isEmpty() || t.size() > kMaxTitleChars) {
        const QString message
                = QStringLiteral("A title has 1 to %1 characters").arg(kMaxTitleChars);
        setError(message);
        Q_EMIT errorOccurred(message);
        return;
    }
    if (!m_client) {
        setError(notConnected());
        Q_EMIT errorOccurred(notConnected());
        return;
    }
    ++m_generation;
    m_client->renameSession(
            sessionId, t, this,
            [this, sessionId](const SessionSummary &session, const std::optional<ApiError> &error) {
                if (error) {
                    fail(QStringLiteral("Could not rename the session"), *error);
                    return;
                }
                if (m_pending && m_pending->id == sessionId)
                    m_pending = session;
                else
                    upsert(session);
                Q_EMIT renamed(session.id, session.title);
            });
}

void SessionsModel::remove(const QString &sessionId)
{
    const int row = rowOf(sessionId);
    if (row < 0)
        return;
    // One removal waits at a time: an earlier one is carried out now.
    commitRemoval();
    beginRemoveRows({}, row, row);
    m_pending = m_rows.takeAt(row);
    endRemoveRows();
    Q_EMIT countChanged();
    m_undoTimer.start();
    Q_EMIT pendingRemovalChanged();
}

bool SessionsModel::undoRemove()
{
    if (!m_pending)
        return false;
    m_undoTimer.stop();
    const SessionSummary session = *std::exchange(m_pending, std::nullopt);
    upsert(session);
    Q_EMIT pendingRemovalChanged();
    return true;
}

void SessionsModel::commitRemoval()
{
    if (!m_pending)
        return;
    m_undoTimer.stop();
    const SessionSummary session = *std::exchange(m_pending, std::nullopt);
    Q_EMIT pendingRemovalChanged();
    sendDelete(session);
}

void SessionsModel::sendDelete(const SessionSummary &session)
{
    if (!m_client) {
        upsert(session);
        fail(QStringLiteral("Could not delete \u201c%1\u201d").arg(displayTitle(session)),
             ApiError {0, QStringLiteral("network_error"), notConnected(), true});
        return;
    }
    ++m_generation;
    m_client->deleteSession(session.id, this,
                            [this, session](bool, const std::optional<ApiError> &error) {
                                // Already gone (expired, deleted elsewhere) is what was asked.
                                if (error && error->httpStatus != 404) {
                                    upsert(session);
                                    fail(QStringLiteral("Could not delete \u201c%1\u201d")
                                                 .arg(displayTitle(session)),
                                         *error);
                                    return;
                                }
                                Q_EMIT removed(session.id);
                            });
}

void SessionsModel::fail(const QString &what, const ApiError &error)
{
    const QString message = QStringLiteral("%1: %2").arg(
            what, error.message.isEmpty() ? error.code : error.message);
    setError(message);
    Q_EMIT errorOccurred(message);
}

void SessionsModel::setError(const QString &error)
{
    if (error == m_error)
        return;
    m_error = error;
    Q_EMIT errorChanged();
}

void SessionsModel::setLoading(bool loading)
{
    if (loading == m_loading)
        return;
    m_loading = loading;
    Q_EMIT loadingChanged();
}
