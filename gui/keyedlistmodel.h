#pragma once

#include <QAbstractListModel>
#include <QQmlEngine>
#include <QSet>

/// A list model whose rows carry a unique key (a session id, a server name): sync() brings the
/// rows to a new list with removals, moves, insertions and dataChanged for the roles that
/// differ, so views keep their delegates, selection and scroll position; it never resets.
/// A subclass keeps its rows in a QList and calls sync() with each fresh answer.
class KeyedListModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ANONYMOUS
    Q_DISABLE_COPY_MOVE(KeyedListModel)

public:
    using QAbstractListModel::QAbstractListModel;

protected:
    /// `key(row)` -> QString; `changedRoles(old, fresh)` -> the roles that differ (empty: none).
    /// Later duplicates of a key in `target` are dropped.
    template<typename Row, typename KeyFn, typename RolesFn>
    void sync(QList<Row> &rows, QList<Row> target, KeyFn key, RolesFn changedRoles)
    {
        QSet<QString> wanted;
        for (qsizetype i = 0; i < target.size();) {
            const QString k = key(target.at(i));
            if (wanted.contains(k)) {
                target.removeAt(i);
                continue;
            }
            wanted.insert(k);
            ++i;
        }
        for (qsizetype i = rows.size() - 1; i >= 0; --i) {
            if (!wanted.contains(key(rows.at(i)))) {
                beginRemoveRows({}, int(i), int(i));
                rows.removeAt(i);
                endRemoveRows();
            }
        }
        for (qsizetype i = 0; i < target.size(); ++i) {
            const QString k = key(target.at(i));
            qsizetype at = -1;
            for (qsizetype j = i; j < rows.size(); ++j) {
                if (key(rows.at(j)) == k) {
                    at = j;
                    break;
                }
            }
            if (at < 0) {
                beginInsertRows({}, int(i), int(i));
                rows.insert(i, target.at(i));
                endInsertRows();
                continue;
            }
            if (at != i) {
                beginMoveRows({}, int(at), int(at), {}, int(i));
                rows.move(at, i);
                endMoveRows();
            }
            const QList<int> roles = changedRoles(rows.at(i), target.at(i));
            rows[i] = target.at(i);
            if (!roles.isEmpty()) {
                const QModelIndex changed = index(int(i));
                Q_EMIT dataChanged(changed, changed, roles);
            }
        }
    }
};
