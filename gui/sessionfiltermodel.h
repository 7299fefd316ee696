#pragma once

#include <QQmlEngine>
#include <QSortFilterProxyModel>

/// The sessions whose title holds every word of `filterText` (case-insensitive), in the
/// source's order (newest first): the sidebar's filter-as-you-type and Ctrl+K's list. Rows of
/// the source that change their title are re-filtered as they change.
class SessionFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("reach it as App.sessionFilter")
    Q_DISABLE_COPY_MOVE(SessionFilterModel)
    Q_PROPERTY(QString filterText READ filterText WRITE setFilterText NOTIFY filterTextChanged)
    Q_PROPERTY(int count READ count NOTIFY countChanged)

public:
    explicit SessionFilterModel(QObject *parent = nullptr);

    [[nodiscard]] QString filterText() const { return m_filterText; }
    void setFilterText(const QString &text);
    [[nodiscard]] int count() const { return rowCount(); }
    /// The session id of a row of this model ("" when out of range).
    [[nodiscard]] Q_INVOKABLE QString sessionIdAt(int row) const;

Q_SIGNALS:
    void filterTextChanged();
    void countChanged();

protected:
    [[nodiscard]] bool filterAcceptsRow(int sourceRow,
                                        const QModelIndex &sourceParent) const override;

private:
    QString m_filterText;
    QStringList m_words;
};
