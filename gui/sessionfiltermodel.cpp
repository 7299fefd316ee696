#include "sessionfiltermodel.h"

#include "sessionsmodel.h"

namespace {
constexpr int kMaxFilterChars = 200;
}

SessionFilterModel::SessionFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setFilterRole(SessionsModel::TitleRole);
    setDynamicSortFilter(true);
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(this, signal, this, &SessionFilterModel::countChanged);
    connect(this, &QAbstractItemModel::modelReset, this, &SessionFilterModel::countChanged);
    connect(this, &QAbstractItemModel::layoutChanged, this, &SessionFilterModel::countChanged);
}

void SessionFilterModel::setFilterText(const QString &text)
{
    const QString t = text.left(kMaxFilterChars);
    if (t == m_filterText)
        return;
    m_filterText = t;
    m_words = t.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    invalidateRowsFilter();
    Q_EMIT filterTextChanged();
}

QString SessionFilterModel::sessionIdAt(int row) const
{
    if (row < 0 || row >= rowCount())
        return {};
    return index(row, 0).data(SessionsModel::SessionIdRole).toString();
}

bool SessionFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_words.isEmpty())
        return true;
    const QString title
            = sourceModel()->index(sourceRow, 0, sourceParent).data(filterRole()).toString();
    for (const QString &word : m_words) {
        if (!title.contains(word, Qt::CaseInsensitive))
            return false;
    }
    return true;
}
