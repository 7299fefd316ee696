#pragma once

#include "storetypes.h"

#include <QString>

struct sqlite3;
struct sqlite3_backup;

/// An online backup of the session database with SQLite's backup API, a few pages per step so
/// that writes go on between steps (a plain file copy of a WAL database can lose committed
/// rows). Pages the store changes meanwhile through the same connection are copied again, so
/// the finished copy holds every row committed before its last step. It is written to
/// `target` + ".part" and renamed over `target` at the end; an unfinished one is removed.
class SqliteBackup
{
public:
    SqliteBackup(sqlite3 *source, const QString &target);
    ~SqliteBackup();
    SqliteBackup(const SqliteBackup &) = delete;
    SqliteBackup &operator=(const SqliteBackup &) = delete;

    [[nodiscard]] StoreResult<bool> start();
    /// Copies up to `pages` pages: true when the copy is complete (and in place).
    [[nodiscard]] StoreResult<bool> step(int pages);

private:
    void close();
    [[nodiscard]] StoreError error(const QString &why) const;

    sqlite3 *m_source;
    QString m_target;
    QString m_part;
    sqlite3 *m_dest = nullptr;
    sqlite3_backup *m_backup = nullptr;
    bool m_done = false;
};
