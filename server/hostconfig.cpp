#include "hostconfig.h"

#include "storefactory.h"

#include "configreader.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStandardPaths>

#include <algorithm>

namespace {

QList<Mcp::Root> readRoots(ConfigReader &reader, const QJsonObject &root, const QString &baseDir)
{
    QList<Mcp::Root> roots;
    const QJsonValue section = root.value(QStringLiteral("roots"));
    const QString at = QStringLiteral("/roots");
    if (section.isUndefined())
        return roots;
    if (!section.isArray()) {
        reader.error(at,
                     QStringLiteral("roots must be an array of folder paths, not %1")
                             .arg(ConfigReader::typeName(section)));
        return roots;
    }
    const QJsonArray list = section.toArray();
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QJsonValue v = list.at(i);
        const QString pointer = JsonPositions::child(at, i);
        QString path;
        QString name;
        if (v.isString()) {
            path = v.toString();
        } else if (v.isObject()) {
            const QJsonObject o = v.toObject();
            path = reader.string(o, pointer, QStringLiteral("path")).value_or(QString());
            if (path.isEmpty()) {
                if (const auto uri = reader.string(o, pointer, QStringLiteral("uri")))
                    path = QUrl(*uri).toLocalFile();
            }
            name = reader.string(o, pointer, QStringLiteral("name")).value_or(QString());
        }
        if (path.isEmpty()) {
            reader.error(pointer,
                         QStringLiteral("roots item %1 must be a folder path or {\"path\", "
                                        "\"name\"}")
                                 .arg(i));
            continue;
        }
        if (path == QLatin1String("~") || path.startsWith(QLatin1String("~/")))
            path = QDir::homePath() + path.mid(1);
        if (QDir::isRelativePath(path))
            path = QDir::cleanPath(QDir(baseDir).filePath(path));
        roots.append(
                {QUrl::fromLocalFile(path), name.isEmpty() ? QFileInfo(path).fileName() : name});
    }
    return roots;
}

HostConfig::Sessions readSessions(ConfigReader &reader, const QJsonObject &root)
{
    using S = HostConfig::Sessions;
    S s;
    const auto section = reader.object(root, QString(), QStringLiteral("sessions"));
    if (!section)
        return s;
    const QString at = QStringLiteral("/sessions");
    s.idleTtlSeconds
            = reader.number(*section, at, QStringLiteral("idle_ttl_seconds"), S::kIdleTtlSeconds);
    if (const auto v
        = reader.integer(*section, at, QStringLiteral("max_sessions"), S::kMaxSessions))
        s.maxSessions = int(*v);
    if (const auto v
        = reader.integer(*section, at, QStringLiteral("retention_max_sessions"), S::kMaxSessions))
        s.retentionMaxSessions = int(*v);
    if (const auto v
        = reader.integer(*section, at, QStringLiteral("import_max_bytes"), S::kImportMaxBytes))
        s.importMaxBytes = *v;
    if (section->contains(QLatin1String("durability"))) {
        const QList<QPair<QString, bool>> choices {{QStringLiteral("normal"), false},
                                                   {QStringLiteral("full"), true}};
        s.fullDurability = reader.choice(section->value(QLatin1String("durability")),
                                         at + QStringLiteral("/durability"), choices,
                                         {QStringLiteral("normal"), QStringLiteral("full")});
    }
    return s;
}

std::optional<QString> readStore(ConfigReader &reader, const QJsonObject &root)
{
    const auto spec = reader.string(root, QString(), QStringLiteral("store"));
    if (!spec)
        return std::nullopt;
    if (const QString why = StoreFactory::check(*spec); !why.isEmpty()) {
        reader.error(QStringLiteral("/store"), why);
        return std::nullopt;
    }
    return *spec;
}

std::optional<QString> readStateFile(ConfigReader &reader, const QJsonObject &root,
                                     const QString &baseDir)
{
    const auto path = reader.string(root, QString(), QStringLiteral("state_file"));
    if (!path)
        return std::nullopt;
    const QString p = path->trimmed();
    if (p.isEmpty() || p.size() > HostConfig::kMaxStateFilePathChars || p.contains(QChar(0))) {
        reader.error(QStringLiteral("/state_file"),
                     QStringLiteral("state_file must be a file path of 1 to %1 characters")
                             .arg(HostConfig::kMaxStateFilePathChars));
        return std::nullopt;
    }
    if (p.startsWith(QLatin1String("~/")))
        return QDir::homePath() + p.mid(1);
    return QDir::cleanPath(QDir(baseDir).absoluteFilePath(p));
}

HostConfig::Server readServer(ConfigReader &reader, const QJsonObject &root)
{
    using S = HostConfig::Server;
    S s;
    const auto section = reader.object(root, QString(), QStringLiteral("server"));
    if (!section)
        return s;
    const QString at = QStringLiteral("/server");
    if (const auto listen = reader.string(*section, at, QStringLiteral("listen"))) {
        QString why;
        s.listen = S::parseListen(*listen, &why);
        if (!s.listen)
            reader.error(JsonPositions::child(at, QStringLiteral("listen")),
                         QStringLiteral("server.listen ") + why);
    }
    const auto integer = [&](const char *key, const ValueRange &range) {
        return reader.integer(*section, at, QLatin1String(key), range);
    };
    const auto number = [&](const char *key, const ValueRange &range) {
        return reader.number(*section, at, QLatin1String(key), range);
    };
    if (const auto v = integer("port", S::kPort))
        s.port = quint16(*v);
    if (const auto v = integer("max_connections", S::kMaxConnections))
        s.maxConnections = int(*v);
    s.heartbeatSeconds = number("heartbeat_seconds", S::kHeartbeatSeconds);
    s.allowedOrigins = reader.stringList(*section, at, QStringLiteral("allowed_origins"));
    s.maxBodyBytes = integer("max_body_bytes", S::kMaxBodyBytes);
    s.maxStreamBacklogBytes = integer("max_stream_backlog_bytes", S::kMaxStreamBacklogBytes);
    if (const auto v = integer("max_open_connections", S::kMaxOpenConnections))
        s.maxOpenConnections = int(*v);
    s.requestTimeoutSeconds = number("request_timeout_seconds", S::kRequestTimeoutSeconds);
    s.idleTimeoutSeconds = number("idle_timeout_seconds", S::kIdleTimeoutSeconds);
    s.maxHeaderBytes = integer("max_header_bytes", S::kMaxHeaderBytes);
    if (const auto v = integer("max_header_count", S::kMaxHeaderCount))
        s.maxHeaderCount = int(*v);
    s.token = reader.string(*section, at, QStringLiteral("token"));
    return s;
}

} // namespace

std::optional<QHostAddress> HostConfig::Server::parseListen(const QString &text, QString *why)
{
    const QString t = text.trimmed();
    if (t.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return QHostAddress(QHostAddress::LocalHost);
    const QHostAddress address(t);
    if (address.isNull()) {
        *why = QStringLiteral("must be an IP address (such as 127.0.0.1, ::1 or 0.0.0.0), got "
                              "\"%1\"")
                       .arg(text);
        return std::nullopt;
    }
    return address;
}

HostConfig::Server HostConfig::Server::merged(const Server &lower, const Server &higher)
{
    Server r = lower;
    const auto over = [](auto &mine, const auto &theirs) {
        if (theirs)
            mine = theirs;
    };
    over(r.listen, higher.listen);
    over(r.port, higher.port);
    over(r.maxConnections, higher.maxConnections);
    over(r.heartbeatSeconds, higher.heartbeatSeconds);
    over(r.maxBodyBytes, higher.maxBodyBytes);
    over(r.maxStreamBacklogBytes, higher.maxStreamBacklogBytes);
    over(r.maxOpenConnections, higher.maxOpenConnections);
    over(r.requestTimeoutSeconds, higher.requestTimeoutSeconds);
    over(r.idleTimeoutSeconds, higher.idleTimeoutSeconds);
    over(r.maxHeaderBytes, higher.maxHeaderBytes);
    over(r.maxHeaderCount, higher.maxHeaderCount);
    over(r.token, higher.token);
    if (higher.allowedOrigins) {
        QStringList origins = lower.allowedOrigins.value_or(QStringList());
        for (const QString &o : *higher.allowedOrigins) {
            if (!origins.contains(o))
                origins << o;
        }
        r.allowedOrigins = origins;
    }
    return r;
}

QString HostConfig::errorText() const
{
    QStringList lines;
    for (const ConfigError &e : errors)
        lines << e.toString();
    return lines.join(QLatin1Char('\n'));
}

QStringList HostConfig::searchPath()
{
    QStringList paths;
    const QString env = qEnvironmentVariable("MCPHOST_CONFIG");
    if (!env.isEmpty())
        paths << env;
    const QString configHome
            = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation);
    if (!configHome.isEmpty())
        paths << configHome + QStringLiteral("/mcp-host/config.json");
    // The example config: installed next to the binary, or in the source tree of a build.
    const QString appDir = QCoreApplication::applicationDirPath();
    paths << QDir::cleanPath(appDir
                             + QStringLiteral("/../share/mcp-host/examples/mcp-servers.json"));
#ifdef MCPHOST_SOURCE_EXAMPLE
    paths << QStringLiteral(MCPHOST_SOURCE_EXAMPLE);
#endif
    return paths;
}

HostConfig HostConfig::parse(const QByteArray &text, const QString &fileName,
                             const QString &baseDir)
{
    HostConfig config;
    config.path = fileName;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &pe);
    if (pe.error != QJsonParseError::NoError) {
        const JsonPositions::Position at = JsonPositions::atOffset(text, pe.offset);
        config.errors.append({fileName, at.line, at.column,
                              QStringLiteral("invalid JSON: %1").arg(pe.errorString())});
        return config;
    }
    if (!doc.isObject()) {
        config.errors.append({fileName, 1, 1, QStringLiteral("the config must be a JSON object")});
        return config;
    }
    config.root = doc.object();
    ConfigReader reader(fileName, JsonPositions::scan(text));
    config.servers = ServerConfigParser::read(reader, config.root, baseDir);
    config.roots = readRoots(reader, config.root, baseDir);
    config.provider = ProviderConfig::read(reader, config.root);
    config.agent = AgentSettings::read(reader, config.root);
    config.sessions = readSessions(reader, config.root);
    config.server = readServer(reader, config.root);
    config.stateFile = readStateFile(reader, config.root, baseDir);
    config.store = readStore(reader, config.root);
    config.errors = reader.takeErrors();
    // In the order of the file (errors without a place first).
    std::stable_sort(config.errors.begin(), config.errors.end(),
                     [](const ConfigError &a, const ConfigError &b) {
                         return std::pair(a.line, a.column) < std::pair(b.line, b.column);
                     });
    return config;
}

HostConfig HostConfig::load(const QString &explicitPath)
{
    QString path = explicitPath;
    if (path.isEmpty()) {
        for (const QString &candidate : searchPath()) {
            if (QFileInfo(candidate).isFile()) {
                path = candidate;
                break;
            }
        }
        if (path.isEmpty())
            return {}; // nothing configured: no servers
    }
    HostConfig config;
    config.path = path;
    QFile file(path);
    if (!QFileInfo::exists(path)) {
        config.errors.append({path, 0, 0, QStringLiteral("no such file")});
        return config;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        config.errors.append(
                {path, 0, 0, QStringLiteral("cannot read: %1").arg(file.errorString())});
        return config;
    }
    const QByteArray text = file.read(kMaxFileBytes + 1);
    if (text.size() > kMaxFileBytes) {
        config.errors.append({path, 0, 0,
                              QStringLiteral("the config is larger than %1 MiB")
                                      .arg(kMaxFileBytes / (qint64(1024) * 1024))});
        return config;
    }
    return parse(text, path, QFileInfo(path).absolutePath());
}
