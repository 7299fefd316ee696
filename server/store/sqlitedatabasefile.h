#pragma once

#include "storetypes.h"

#include <QString>

struct sqlite3;

/// Opens the session database's file and vets it before anything is written: creates a missing
/// file as the user's alone (0600), takes the file's lock for this process (EXCLUSIVE locking
/// mode: a second process fails at once and is told which file), checks that the file is ours
/// (`application_id`) and of a schema version this build knows, turns on WAL with the asked
/// durability (`synchronous` NORMAL or FULL) and migrates it to the latest schema. A foreign,
/// corrupt or newer file is left as it is.
namespace SqliteDatabaseFile {

/// The open connection (the caller closes it with sqlite3_close_v2), or the reason, naming
/// the file.
[[nodiscard]] StoreResult<sqlite3 *> open(const QString &path, bool fullSync);

} // namespace SqliteDatabaseFile
