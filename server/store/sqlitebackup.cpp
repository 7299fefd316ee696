#include "sqlitebackup.h"

#include <QFile>

#include <sqlite3.h>

#include <cstdio>

SqliteBackup::SqliteBackup(sqlite3 *source, const QString &target)
    : m_source(source)
    , m_target(target)
    , m_part(target + QStringLiteral(".part"))
{ }

SqliteBackup::~SqliteBackup()
{
    close();
    if (!m_done)
        QFile::remove(m_part);
}

void SqliteBackup::close()
{
    if (m_backup)
        sqlite3_backup_finish(m_backup);
    m_backup = nullptr;
    if (m_dest)
        sqlite3_close_v2(m_dest);
    m_dest = nullptr;
}

StoreError SqliteBackup::error(const QString &why) const
{
    return {StoreError::Code::Io, QStringLiteral("the backup to %1 failed: %2").arg(m_target, why)};
}

StoreResult<bool> SqliteBackup::start()
{
    if (!m_source)
        return error(QStringLiteral("the session database is not open"));
    QFile::remove(m_part);
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(QFile::encodeName(m_part).constData(), &m_dest, flags, nullptr)
        != SQLITE_OK)
        return error(QString::fromUtf8(sqlite3_errmsg(m_dest)));
    m_backup = sqlite3_backup_init(m_dest, "main", m_source, "main");
    if (!m_backup)
        return error(QString::fromUtf8(sqlite3_errmsg(m_dest)));
    return true;
}

StoreResult<bool> SqliteBackup::step(int pages)
{
    const int rc = sqlite3_backup_step(m_backup, pages);
    if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return false;
    if (rc != SQLITE_DONE)
        return error(QString::fromUtf8(sqlite3_errstr(rc)));
    sqlite3_backup_finish(m_backup);
    m_backup = nullptr;
    const int closed = sqlite3_close_v2(m_dest);
    m_dest = nullptr;
    if (closed != SQLITE_OK)
        return error(QString::fromUtf8(sqlite3_errstr(closed)));
    // rename() replaces an older backup at the target in one step.
    if (std::rename(QFile::encodeName(m_part).constData(), QFile::encodeName(m_target).constData())
        != 0)
        return error(QStringLiteral("cannot rename %1 to the target").arg(m_part));
    m_done = true;
    return true;
}
