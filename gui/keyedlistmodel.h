#pragma once

#include <QAbstractListModel>
#include <QQmlEngine>
#include <QSet>

#include <utility>

/// A list model whose rows carry a unique key (a session id, a server name): sync() brings the
/// rows to a new list with removals, moves, insertions and dataChanged for the roles that
/// differ, so views keep their delegates, selection and scroll position; it never resets.
/// A subclass keeps its rows in a QList and calls sync() with each fresh answer.
///
/// refreshOnce() is the way a subclass asks its server for that answer: one request at a time
/// (a refresh asked for meanwhile runs once more afterwards), and answers to requests sent
/// before restartRefresh() (a new connection) are dropped.
class KeyedListModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ANONYMOUS
    Q_DISABLE_COPY_MOVE(KeyedListModel)

public:
    using QAbstractListModel::QAbstractListModel;

protected:
    /// Drops the answers of every request sent so far and forgets that one is on its way.
    void restartRefresh()
    {
        ++m_refreshGeneration;
        m_refreshing = false;
        m_refreshAgain = false;
    }
    /// Changes with each restartRefresh(): an answer of another request whose generation is
    /// not the current one is stale as well.
    [[nodiscard]] quint64 refreshGeneration() const { return m_refreshGeneration; }

    /// `send(answered)` sends the request, with `answered` as its callback (any arguments);
    /// a current answer goes to `apply` (the same arguments), then `again()` runs when another
    /// refresh was asked for while this one was on its way. While one is on its way, this only
    /// notes that `again()` is wanted.
    template<typename Send, typename Apply, typename Again>
    void refreshOnce(Send send, Apply apply, Again again)
    {
        if (m_refreshing) {
            m_refreshAgain = true;
            return;
        }
        m_refreshing = true;
        const quint64 generation = m_refreshGeneration;
        send([this, generation, apply, again](const auto &...answer) {
            if (generation != m_refreshGeneration)
                return;
            m_refreshing = false;
            apply(answer...);
            if (generation == m_refreshGeneration && std::exchange(m_refreshAgain, false))
                again();
        });
    }

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

private:
    quint64 m_refreshGeneration = 0;
    bool m_refreshing = false;
    bool m_refreshAgain = false;
};
