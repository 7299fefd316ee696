#include "storefactory.h"

#include "memorysessionstore.h"
#include "redissessionstore.h"
#include "redisturncontrol.h"
#include "sqlitesessionstore.h"

#include <QDir>
#include <QStandardPaths>

namespace StoreFactory {

namespace {
constexpr int kMaxSpecChars = 4096;

enum class Kind { Memory, Sqlite, Redis, Bad };

Kind kindOf(const QString &spec)
{
    if (spec == QLatin1String("memory"))
        return Kind::Memory;
    if (spec.isEmpty() || spec == QLatin1String("sqlite")
        || spec.startsWith(QLatin1String("sqlite:")))
        return Kind::Sqlite;
    if (spec.startsWith(QLatin1String("redis://")))
        return Kind::Redis;
    return Kind::Bad;
}
} // namespace

QString defaultSqlitePath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
            + QStringLiteral("/mcp-host/sessions.db");
}

QString check(const QString &spec)
{
    if (spec.size() > kMaxSpecChars || spec.contains(QChar(0)))
        return QStringLiteral("store must be at most %1 characters").arg(kMaxSpecChars);
    switch (kindOf(spec)) {
    case Kind::Memory:
    case Kind::Sqlite:
        if (spec.startsWith(QLatin1String("sqlite:")) && spec.size() == 7)
            return QStringLiteral("store \"sqlite:\" needs a file path after the colon");
        return {};
    case Kind::Redis: {
        QString why;
        if (!RedisSessionStore::optionsFromUrl(spec, &why))
            return QStringLiteral("store %1: %2").arg(spec.left(200), why);
        return {};
    }
    case Kind::Bad:
        break;
    }
    return QStringLiteral("store must be \"memory\", \"sqlite\", \"sqlite:PATH\" or "
                          "\"redis://host:port/db\", not \"%1\"")
            .arg(spec.left(200));
}

TurnControl *createTurnControl(const QString &spec, QObject *parent)
{
    if (kindOf(spec) != Kind::Redis)
        return nullptr;
    QString why;
    const auto store = RedisSessionStore::optionsFromUrl(spec, &why);
    if (!store)
        return nullptr;
    RedisTurnControl::Options options;
    options.redis = store->redis;
    options.prefix = store->prefix;
    return new RedisTurnControl(options, parent);
}

bool isPersistent(const QString &spec)
{
    return kindOf(spec) != Kind::Memory;
}

SessionStore *create(const QString &spec, bool fullDurability, QObject *parent, QString *error)
{
    if (const QString why = check(spec); !why.isEmpty()) {
        *error = why;
        return nullptr;
    }
    switch (kindOf(spec)) {
    case Kind::Memory:
        return new MemorySessionStore(parent);
    case Kind::Sqlite: {
        const QString path = spec.startsWith(QLatin1String("sqlite:"))
                ? QDir::cleanPath(spec.mid(7))
                : defaultSqlitePath();
        SqliteSessionStore::Options options;
        options.synchronous = fullDurability ? SqliteSessionStore::Synchronous::Full
                                             : SqliteSessionStore::Synchronous::Normal;
        return new SqliteSessionStore(path, options, parent);
    }
    case Kind::Redis:
        return new RedisSessionStore(*RedisSessionStore::optionsFromUrl(spec, error), parent);
    case Kind::Bad:
        break;
    }
    *error = check(spec);
    return nullptr;
}

} // namespace StoreFactory
