#include "hostconfig.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QStandardPaths>

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

HostConfig HostConfig::load(const QString &explicitPath)
{
    HostConfig config;
    if (explicitPath.isEmpty()) {
        for (const QString &candidate : searchPath()) {
            if (QFileInfo(candidate).isFile()) {
                config.path = candidate;
                break;
            }
        }
        if (config.path.isEmpty())
            return config; // nothing configured: no servers
    } else {
        config.path = explicitPath;
        if (!QFileInfo::exists(explicitPath)) {
            config.errors.append({explicitPath, 0, 0, QStringLiteral("no such file")});
            return config;
        }
    }

    const ServerConfigParser::Result parsed = ServerConfigParser::parseFile(config.path);
    config.errors = parsed.errors;
    config.servers = parsed.servers;
    config.root = parsed.root;

    const QJsonValue roots = config.root.value(QStringLiteral("roots"));
    const QString baseDir = QFileInfo(config.path).absolutePath();
    if (!roots.isUndefined() && !roots.isArray()) {
        config.errors.append(
                {config.path, 0, 0, QStringLiteral("\"roots\" must be an array of folder paths")});
    }
    for (const QJsonValue &v : roots.toArray()) {
        QString path;
        QString name;
        if (v.isString()) {
            path = v.toString();
        } else if (v.isObject()) {
            path = v.toObject().value(QStringLiteral("path")).toString();
            if (path.isEmpty())
                path = QUrl(v.toObject().value(QStringLiteral("uri")).toString()).toLocalFile();
            name = v.toObject().value(QStringLiteral("name")).toString();
        }
        if (path.isEmpty()) {
            config.errors.append(
                    {config.path, 0, 0,
                     QStringLiteral("each root must be a folder path or {\"path\", \"name\"}")});
            continue;
        }
        if (QDir::isRelativePath(path))
            path = QDir::cleanPath(QDir(baseDir).filePath(path));
        config.roots.append(
                {QUrl::fromLocalFile(path), name.isEmpty() ? QFileInfo(path).fileName() : name});
    }
    return config;
}
