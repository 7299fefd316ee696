#include "storefactory.h"

#include "memorysessionstore.h"

#include <QDir>
#include <QStandardPaths>
#include <QUrl>

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
        const QUrl url(spec, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty())
            return QStringLiteral("store %1 is not a valid redis://host:port/db URL").arg(spec);
        return {};
    }
    case Kind::Bad:
        break;
    }
    return QStringLiteral("store must be \"memory\", \"sqlite\", \"sqlite:PATH\" or "
                          "\"redis://host:port/db\", not \"%1\"")
            .arg(spec.left(200));
}

bool isPersistent(const QString &spec)
{
    return kindOf(spec) != Kind::Memory;
}

SessionStore *create(const QString &spec, QObject *parent, QString *error)
{
    if (const QString why = check(spec); !why.isEmpty()) {
        *error = why;
        return nullptr;
    }
    switch (kindOf(spec)) {
    case Kind::Memory:
        return new MemorySessionStore(parent);
    case Kind::Sqlite:
    case Kind::Redis:
    case Kind::Bad:
        break;
    }
    // Until the persistent stores land, memory is what runs (the default stays usable).
    if (spec.isEmpty())
        return new MemorySessionStore(parent);
    *error = QStringLiteral("store %1 is not available in this build").arg(spec.left(200));
    return nullptr;
}

} // namespace StoreFactory
