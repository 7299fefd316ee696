#pragma once

#include <QString>

struct sqlite3;

/// The session database's schema: a list of migrations from version 1, the version kept in
/// `PRAGMA user_version`, the file marked as ours with `PRAGMA application_id`.
namespace SqliteSchema {

constexpr int kApplicationId = 0x4d435048; ///< "MCPH"

/// The version this build writes (the last migration's).
[[nodiscard]] int latestVersion();
/// Runs the migrations after `from` (0: an empty database) up to `to` inside the caller's
/// transaction and sets user_version; false with the reason in `*why`.
[[nodiscard]] bool migrate(sqlite3 *db, int from, int to, QString *why);

} // namespace SqliteSchema
