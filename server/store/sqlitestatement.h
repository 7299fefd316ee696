#pragma once

#include <QByteArray>
#include <QString>

struct sqlite3;
struct sqlite3_stmt;

/// One prepared statement of an SQLite connection, finalized with this object. Parameters are
/// bound by their 1-based index; columns are read by their 0-based index.
class SqliteStatement
{
public:
    SqliteStatement(sqlite3 *db, const char *sql);
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement &) = delete;
    SqliteStatement &operator=(const SqliteStatement &) = delete;

    [[nodiscard]] bool ok() const { return m_stmt != nullptr; }
    /// Resets the statement and clears its bindings, for the next use.
    void reset();
    void bind(int index, qint64 value);
    void bind(int index, const QString &value);
    void bind(int index, const QByteArray &value); ///< as text (UTF-8)
    /// As text, without a copy: `value` must stay unchanged until the statement is reset.
    void bindStatic(int index, const QByteArray &value);
    void bindNull(int index);
    /// SQLITE_ROW, SQLITE_DONE or an error code.
    int step();
    [[nodiscard]] qint64 int64(int column) const;
    [[nodiscard]] QString text(int column) const;
    [[nodiscard]] QByteArray bytes(int column) const;
    [[nodiscard]] bool isNull(int column) const;

private:
    sqlite3_stmt *m_stmt = nullptr;
};
