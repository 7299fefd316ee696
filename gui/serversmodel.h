#pragma once

#include "apiclient.h"
#include "keyedlistmodel.h"

#include <QPointer>
#include <QSet>
#include <QTimer>

#include <functional>

/// The MCP servers of the host as they really are (the Servers panel): one row per configured
/// server with its state (starting, ready, failed, restarting, disabled, stopped), the failure
/// reason, the stderr tail, protocol version and its tools with their annotations. A failed
/// server is a row like any other; it never hides the rest. While `active` the list is polled
/// every pollInterval (2 s) and rows change in place (by name; never a reset); a ready server's
/// tools are fetched (GET /api/v3/servers/{name}) when its state, tool count or restarts change.
class ServersModel : public KeyedListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("reach it as App.servers")
    Q_DISABLE_COPY_MOVE(ServersModel)
    /// Poll while true (the panel is visible).
    Q_PROPERTY(bool active READ active WRITE setActive NOTIFY activeChanged)
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    /// The last failure of the list in words ("" after a successful refresh); rows stay.
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    /// How many servers are failed (for a badge).
    Q_PROPERTY(int failedCount READ failedCount NOTIFY countChanged)

public:
    enum Role {
        NameRole = Qt::UserRole + 1, ///< the config's name
        StateRole, ///< "stopped", "starting", "ready", "failed", "restarting", "disabled"
        ReasonRole, ///< why it failed ("" otherwise)
        TransportRole, ///< "stdio", "streamable-http", "sse"
        ProtocolVersionRole, ///< the MCP version it speaks ("" before it is connected)
        ServerNameRole, ///< the server's own name and version, "" before it is connected
        ToolCountRole, ///< int
        RestartsRole, ///< int
        EnabledRole, ///< bool
        StderrTailRole, ///< the last lines it wrote to stderr, one string ("" none)
        StderrLinesRole, ///< the same as a list of lines
        ToolsRole, ///< list of {name, tool, title, description, annotations, readOnly,
                   ///< destructive, idempotent, openWorld}
        BusyRole, ///< a restart or enable/disable request is on its way
    };
    Q_ENUM(Role)

    static constexpr int kDefaultPollIntervalMs = 2000;
    static constexpr int kMaxStderrLines = 50;
    static constexpr int kMaxStderrLineChars = 1000;
    static constexpr int kMaxTools = 1000;
    static constexpr int kMaxDescriptionChars = 2000;

    explicit ServersModel(QObject *parent = nullptr);
    ~ServersModel() override;

    void setApiClient(ApiClient *client);
    [[nodiscard]] ApiClient *apiClient() const { return m_client; }
    void setPollInterval(int ms);
    [[nodiscard]] int pollInterval() const { return m_poll.interval(); }

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

    [[nodiscard]] bool active() const { return m_active; }
    void setActive(bool active);
    [[nodiscard]] int count() const { return int(m_rows.size()); }
    [[nodiscard]] int failedCount() const;
    [[nodiscard]] QString error() const { return m_error; }

    Q_INVOKABLE void refresh();
    Q_INVOKABLE void restart(const QString &name);
    Q_INVOKABLE void setEnabled(const QString &name, bool enabled);
    /// The row of a server (-1 none).
    Q_INVOKABLE int rowOf(const QString &name) const;

Q_SIGNALS:
    void activeChanged();
    void countChanged();
    void errorChanged();
    /// A list answer was applied (tests and the panel's "updated" hint).
    void refreshed();
    void errorOccurred(const QString &message);

private:
    struct Row
    {
        ServerInfo info;
        QList<ToolInfo> tools;
        QString toolsFor; ///< the signature the tools were fetched for
        bool busy = false;
    };

    [[nodiscard]] static QString signature(const ServerInfo &info);
    [[nodiscard]] static QVariantList toolList(const QList<ToolInfo> &tools);
    void applyList(const QList<ServerInfo> &servers);
    void fetchTools(const QString &name, const QString &forSignature);
    void setBusy(const QString &name, bool busy);
    /// What a restart or enable/disable answer does: the row stops being busy, a failure is
    /// said, and the list is read again.
    [[nodiscard]] std::function<void(const QJsonObject &, const std::optional<ApiError> &)>
    finishAction(const QString &name, const QString &what);
    void setError(const QString &error);

    QPointer<ApiClient> m_client;
    QList<Row> m_rows;
    QTimer m_poll;
    bool m_active = false;
    QSet<QString> m_fetching; ///< servers whose tools are on their way
    QString m_error;
};
