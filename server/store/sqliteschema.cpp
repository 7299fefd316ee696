#include "sqliteschema.h"

#include "sqlitestatement.h"

#include <sqlite3.h>

namespace SqliteSchema {

namespace {

// Version 1: sessions (one row each, with the lease's fence and the running turn), their
// turns, messages and events. The list reads sessions_by_activity in order; open() finds the
// turns a crash left running through sessions_running.
const char kVersion1[] = R"(
PRAGMA application_id = 1296257096;
CREATE TABLE sessions (
    id TEXT NOT NULL PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    renamed INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    turn_count INTEGER NOT NULL DEFAULT 0,
    message_count INTEGER NOT NULL DEFAULT 0,
    last_seq INTEGER NOT NULL DEFAULT 0,
    fence INTEGER NOT NULL DEFAULT 0,
    running_turn TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_activity ON sessions (updated_ms DESC, id DESC);
CREATE INDEX sessions_running ON sessions (running_turn) WHERE running_turn <> '';
CREATE TABLE turns (
    session_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    id TEXT NOT NULL,
    state TEXT NOT NULL,
    started_ms INTEGER NOT NULL,
    ended_ms INTEGER,
    iterations INTEGER NOT NULL DEFAULT 0,
    first_seq INTEGER NOT NULL DEFAULT 0,
    last_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, ordinal)
) WITHOUT ROWID;
CREATE TABLE messages (
    session_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (session_id, ordinal)
);
CREATE TABLE events (
    session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    turn_id TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
);
)";

// Version 2: the title case-folded (QString::toCaseFolded), so that the list's title filter is
// case-insensitive beyond ASCII (SQLite's LIKE folds ASCII only) and takes the filter text
// literally (no LIKE wildcards to escape: the filter is instr() on the folded texts).
// The activity index carries it, so that a filtered list reads rows only for the matches.
const char kVersion2[] = R"(
ALTER TABLE sessions ADD COLUMN title_fold TEXT NOT NULL DEFAULT '';
DROP INDEX sessions_by_activity;
CREATE INDEX sessions_by_activity ON sessions (updated_ms DESC, id DESC, title_fold);
)";

bool backfillTitleFold(sqlite3 *db, QString *why)
{
    SqliteStatement select(db, "SELECT rowid, title FROM sessions WHERE title <> ''");
    SqliteStatement update(db, "UPDATE sessions SET title_fold = ?1 WHERE rowid = ?2");
    if (!select.ok() || !update.ok()) {
        *why = QString::fromUtf8(sqlite3_errmsg(db));
        return false;
    }
    int rc = SQLITE_OK;
    while ((rc = select.step()) == SQLITE_ROW) {
        update.reset();
        update.bind(1, select.text(1).toCaseFolded());
        update.bind(2, select.int64(0));
        if (update.step() != SQLITE_DONE) {
            *why = QString::fromUtf8(sqlite3_errmsg(db));
            return false;
        }
    }
    if (rc != SQLITE_DONE) {
        *why = QString::fromUtf8(sqlite3_errmsg(db));
        return false;
    }
    return true;
}

struct Migration
{
    const char *sql;
    bool (*after)(sqlite3 *db, QString *why); ///< data the SQL cannot compute (or nullptr)
};

// Index i takes a database from version i to i + 1. Never edit a released entry: add one.
const Migration kMigrations[] = {
        {kVersion1, nullptr},
        {kVersion2, backfillTitleFold},
};

} // namespace

int latestVersion()
{
    return int(std::size(kMigrations));
}

bool migrate(sqlite3 *db, int from, int to, QString *why)
{
    for (int v = from; v < to; ++v) {
        char *error = nullptr;
        if (sqlite3_exec(db, kMigrations[v].sql, nullptr, nullptr, &error) != SQLITE_OK) {
            *why = QStringLiteral("migration to schema version %1 failed: %2")
                           .arg(v + 1)
                           .arg(QString::fromUtf8(error));
            sqlite3_free(error);
            return false;
        }
        QString detail;
        if (kMigrations[v].after && !kMigrations[v].after(db, &detail)) {
            *why = QStringLiteral("migration to schema version %1 failed: %2")
                           .arg(v + 1)
                           .arg(detail);
            return false;
        }
    }
    const QByteArray pragma = "PRAGMA user_version = " + QByteArray::number(to);
    if (sqlite3_exec(db, pragma.constData(), nullptr, nullptr, nullptr) != SQLITE_OK) {
        *why = QString::fromUtf8(sqlite3_errmsg(db));
        return false;
    }
    return true;
}

} // namespace SqliteSchema
