#pragma once

#include <QString>

class QObject;
class SessionStore;
class TurnControl;

/// Makes the session store a spec names (config `store`, `--store`):
/// - "memory": sessions in memory, lost on restart;
/// - "sqlite" (the default: "" too): the file `sessions.db` in the user's data folder
///   (QStandardPaths::GenericDataLocation + "/mcp-host"); "sqlite:PATH": that file;
/// - "redis://host:port/db": a Redis server shared by many instances.
namespace StoreFactory {
/// "" when `spec` is valid, else the reason for people.
[[nodiscard]] QString check(const QString &spec);
/// The store (not opened yet: SessionStore::open), or null with the reason in `*error`.
/// `fullDurability` (config `sessions.durability: "full"`): SQLite fsyncs every commit. A Redis
/// store's durability is the Redis server's own (`appendfsync`; the store checks AOF at open).
[[nodiscard]] SessionStore *create(const QString &spec, bool fullDurability, QObject *parent,
                                   QString *error);
/// What reaches the instance that runs a turn, for the stores many instances share (Redis);
/// null for the others (every turn runs here). Not started yet (TurnControl::start).
[[nodiscard]] TurnControl *createTurnControl(const QString &spec, QObject *parent);
/// True for the stores that keep sessions over a restart.
[[nodiscard]] bool isPersistent(const QString &spec);
/// The SQLite file of the default store.
[[nodiscard]] QString defaultSqlitePath();
} // namespace StoreFactory
