#pragma once

#include "apiclient.h"
#include "keyedlistmodel.h"

#include <QPointer>
#include <QTimer>

/// The sessions the server has, newest activity first (the sidebar). refresh() lists them and
/// updates the rows in place (insert, move, remove, dataChanged by session id; never a reset).
/// create(), rename() and remove() go through the ApiClient; remove() hides the row at once and
/// sends the DELETE only after undoDelay (5 s) unless undoRemove() brings it back: `undoText`
/// says so while it waits. Failures are said once through errorOccurred() and `error`.
class SessionsModel : public KeyedListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("reach it as App.sessions")
    Q_DISABLE_COPY_MOVE(SessionsModel)
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    /// A list request is on its way.
    Q_PROPERTY(bool loading READ loading NOTIFY loadingChanged)
    /// The last failure in words ("" after a successful refresh).
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    /// Whether a removed session can still be brought back.
    Q_PROPERTY(bool canUndo READ canUndo NOTIFY pendingRemovalChanged)
    /// "Deleted “Title”. Undo within 5 s." while a removal waits; "" otherwise.
    Q_PROPERTY(QString undoText READ undoText NOTIFY pendingRemovalChanged)
    /// The id of the session whose removal waits ("" none).
    Q_PROPERTY(QString pendingRemovalId READ pendingRemovalId NOTIFY pendingRemovalChanged)

public:
    enum Role {
        SessionIdRole = Qt::UserRole + 1, ///< the session's id
        TitleRole, ///< the server's title, or "New conversation" before it has one
        UntitledRole, ///< bool: the title is the fallback
        UpdatedRole, ///< QDateTime of the last activity
        CreatedRole, ///< QDateTime
        TurnCountRole, ///< int
        MessageCountRole, ///< int
        BusyRole, ///< bool: a turn is running
    };
    Q_ENUM(Role)

    static constexpr int kDefaultUndoDelayMs = 5000;
    static constexpr int kMaxTitleChars = 200;

    explicit SessionsModel(QObject *parent = nullptr);
    /// A removal still waiting is carried out (the user did not undo it).
    ~SessionsModel() override;

    /// The connection (not owned); nullptr: none (calls fail with "not connected").
    void setApiClient(ApiClient *client);
    [[nodiscard]] ApiClient *apiClient() const { return m_client; }
    /// How long a removal can be undone (default 5000 ms; tests shorten it).
    void setUndoDelay(int ms);
    [[nodiscard]] int undoDelay() const { return m_undoTimer.interval(); }

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

    [[nodiscard]] int count() const { return int(m_rows.size()); }
    [[nodiscard]] bool loading() const { return m_loading; }
    [[nodiscard]] QString error() const { return m_error; }
    [[nodiscard]] bool canUndo() const { return m_pending.has_value(); }
    [[nodiscard]] QString undoText() const;
    [[nodiscard]] QString pendingRemovalId() const;
    [[nodiscard]] static QString displayTitle(const SessionSummary &s);

    Q_INVOKABLE void refresh();
    /// A new, empty session; created(id) when the server made it.
    Q_INVOKABLE void create();
    /// A title of 1..200 characters after trimming.
    Q_INVOKABLE void rename(const QString &sessionId, const QString &title);
    /// Hides the session now; deletes it on the server after undoDelay unless undone.
    Q_INVOKABLE void remove(const QString &sessionId);
    /// Brings back the session remove() hid; false when there is none (or it is already gone).
    Q_INVOKABLE bool undoRemove();
    /// Sends a waiting removal now (the app calls this when it quits).
    Q_INVOKABLE void commitRemoval();
    /// Shows a session the server made elsewhere (an import) at once, before the next refresh.
    void add(const SessionSummary &session);
    /// The row of a session (-1 when not shown).
    Q_INVOKABLE int rowOf(const QString &sessionId) const;
    [[nodiscard]] Q_INVOKABLE QString sessionIdAt(int row) const;

Q_SIGNALS:
    void countChanged();
    void loadingChanged();
    void errorChanged();
    void pendingRemovalChanged();
    void created(const QString &sessionId);
    void renamed(const QString &sessionId, const QString &title);
    /// The server deleted the session (after the undo time ran out).
    void removed(const QString &sessionId);
    void errorOccurred(const QString &message);

private:
    void applyList(QList<SessionSummary> sessions);
    void upsert(const SessionSummary &session);
    void fail(const QString &what, const ApiError &error);
    void setError(const QString &error);
    void setLoading(bool loading);
    void sendDelete(const SessionSummary &session);
    static void sortNewestFirst(QList<SessionSummary> &sessions);

    QPointer<ApiClient> m_client;
    QList<SessionSummary> m_rows;
    std::optional<SessionSummary> m_pending; ///< hidden, DELETE not sent yet
    QTimer m_undoTimer;
    bool m_loading = false;
    bool m_refreshAgain = false; ///< refresh() was called while a list was on its way
    quint64 m_generation = 0; ///< a newer list or change makes an older answer stale
    quint64 m_connection = 0; ///< the m_generation of setApiClient(): older answers dropped
    QString m_error;
};
