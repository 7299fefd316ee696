#include "sqlitedatabasefile.h"

#include "logging.h"
#include "sqliteschema.h"
#include "sqlitestatement.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <sqlite3.h>

namespace SqliteDatabaseFile {

StoreResult<sqlite3 *> open(const QString &path, bool fullSync)
{
    const auto io = [](const QString &message) {
        return StoreError {StoreError::Code::Io, message};
    };
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return io(QStringLiteral("cannot create the folder %1 of the session database")
                          .arg(info.absolutePath()));
    // Conversations hold what tools returned: a new file is the user's alone (0600; SQLite
    // gives its -wal and -shm files the same mode).
    if (!info.exists()) {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly)
            || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner))
            return io(QStringLiteral("cannot create the session database %1: %2")
                              .arg(path, file.errorString()));
    }
    sqlite3 *db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(QFile::encodeName(path).constData(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        const QString why = QString::fromUtf8(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close_v2(db);
        return io(QStringLiteral("cannot open the session database %1: %2").arg(path, why));
    }
    const auto fail = [db](const QString &message) -> StoreResult<sqlite3 *> {
        sqlite3_close_v2(db);
        return StoreError {StoreError::Code::Io, message};
    };
    const auto sqliteWhy = [db] { return QString::fromUtf8(sqlite3_errmsg(db)); };
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 0); // another process holding the lock: fail now, not later

    // One process at a time: in EXCLUSIVE locking mode the connection keeps the file's lock
    // from its first transaction until it closes (the OS drops it when the process dies), and
    // WAL then needs no shared-memory file either.
    if (sqlite3_exec(db, "PRAGMA locking_mode = EXCLUSIVE", nullptr, nullptr, nullptr) != SQLITE_OK)
        return fail(
                QStringLiteral("cannot lock the session database %1: %2").arg(path, sqliteWhy()));
    rc = sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr);
    const auto refused = [&](int code) {
        const int primary = code & 0xff;
        if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
            return fail(QStringLiteral("the session database %1 is in use by another process "
                                       "(one mcp-hostd or desktop app per database)")
                                .arg(path));
        if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
            return fail(QStringLiteral("%1 is not a session database or it is damaged (%2); "
                                       "it was left as it is")
                                .arg(path, sqliteWhy()));
        return fail(
                QStringLiteral("cannot read the session database %1: %2").arg(path, sqliteWhy()));
    };
    if (rc != SQLITE_OK)
        return refused(sqlite3_extended_errcode(db));

    // Is it ours, and which version? Nothing is written before these checks pass.
    qint64 version = 0;
    qint64 applicationId = 0;
    qint64 tables = 0;
    {
        const std::pair<const char *, qint64 *> reads[] = {
                {"PRAGMA user_version", &version},
                {"PRAGMA application_id", &applicationId},
                {"SELECT count(*) FROM sqlite_master", &tables},
        };
        for (const auto &[sql, out] : reads) {
            SqliteStatement s(db, sql);
            if (!s.ok() || s.step() != SQLITE_ROW)
                return refused(sqlite3_extended_errcode(db));
            *out = s.int64(0);
        }
    }
    const bool fresh = version == 0 && applicationId == 0 && tables == 0;
    if (!fresh && applicationId != SqliteSchema::kApplicationId)
        return fail(QStringLiteral("%1 is not an MCP Host session database (it holds other data); "
                                   "it was left as it is")
                            .arg(path));
    if (!fresh && (version < 1 || version > SqliteSchema::latestVersion()))
        return fail(QStringLiteral("the session database %1 has schema version %2, which this "
                                   "build does not know (it knows 1 to %3: a newer MCP Host "
                                   "made it?); it was left as it is")
                            .arg(path)
                            .arg(version)
                            .arg(SqliteSchema::latestVersion()));
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
        return refused(sqlite3_extended_errcode(db));

    {
        SqliteStatement s(db, "PRAGMA journal_mode = WAL");
        if (!s.ok() || s.step() != SQLITE_ROW
            || s.text(0).compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0)
            return fail(QStringLiteral("cannot turn on WAL for the session database %1: %2")
                                .arg(path, sqliteWhy()));
    }
    const char *sync = fullSync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
    if (sqlite3_exec(db, sync, nullptr, nullptr, nullptr) != SQLITE_OK)
        return fail(sqliteWhy());

    if (version < SqliteSchema::latestVersion()) {
        QString why;
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
            return refused(sqlite3_extended_errcode(db));
        if (!SqliteSchema::migrate(db, int(version), SqliteSchema::latestVersion(), &why)) {
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
            return fail(QStringLiteral("cannot update the session database %1: %2").arg(path, why));
        }
        if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
            return fail(QStringLiteral("cannot update the session database %1: %2")
                                .arg(path, sqliteWhy()));
        if (version > 0)
            qCInfo(lcStore) << "session database" << path << "updated from schema version"
                            << version << "to" << SqliteSchema::latestVersion();
    }
    return db;
}

} // namespace SqliteDatabaseFile
