#pragma once

#include <QString>

class QObject;
class SessionStore;

/// Makes the session store a spec names (config `store`, `--store`):
/// - "memory": sessions in memory, lost on restart;
/// - "sqlite" (the default: "" too): the file `sessions.db` in the user's data folder
///   (QStandardPaths::GenericDataLocation + "/mcp-host"); "sqlite:PATH": that file;
/// - "redis://host:port/db": a Redis server shared by many instances.
namespace StoreFactory {
/// "" when `spec` is valid, else the reason for people.
[[nodiscard]] QString check(const QString &spec);
/// The store (not opened yet: SessionStore::open), or null with the reason in `*error`.
[[nodiscard]] SessionStore *create(const QString &spec, QObject *parent, QString *error);
/// True for the stores that keep sessions over a restart.
[[nodiscard]] bool isPersistent(const QString &spec);
/// The SQLite file of the default store.
[[nodiscard]] QString defaultSqlitePath();
} // namespace StoreFactory
