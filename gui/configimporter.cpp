#include "configimporter.h"

#include "jsonpositions.h"
#include "serverconfig.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace {

QString shown(const QString &name)
{
    QString out = name.left(60);
    for (QChar &c : out) {
        if (c.unicode() < 0x20 || (c.unicode() >= 0x7f && c.unicode() <= 0x9f))
            c = QChar(0xFFFD);
    }
    return QStringLiteral("\"%1\"").arg(out + (name.size() > 60 ? QStringLiteral("…") : ""));
}

bool usableName(const QString &name)
{
    if (name.trimmed().isEmpty() || name.size() > ConfigImporter::kMaxNameChars)
        return false;
    for (const QChar c : name) {
        if (c.unicode() < 0x20 || (c.unicode() >= 0x7f && c.unicode() <= 0x9f))
            return false;
    }
    return true;
}

/// Every `${…}` reference in the entry's strings (VS Code fills these in; mcp-host does not).
void collectVariables(const QJsonValue &value, QStringList *out)
{
    static const QRegularExpression variable(QStringLiteral("\\$\\{[^}\\s]{1,80}\\}"));
    if (value.isString()) {
        auto it = variable.globalMatch(value.toString());
        while (it.hasNext()) {
            const QString v = it.next().captured(0);
            if (!out->contains(v) && out->size() < 10)
                out->append(v);
        }
    } else if (value.isArray()) {
        for (const QJsonValue &v : value.toArray())
            collectVariables(v, out);
    } else if (value.isObject()) {
        const QJsonObject o = value.toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            collectVariables(it.value(), out);
    }
}

QString typeName(const QJsonValue &v)
{
    return ConfigReader::typeName(v);
}

} // namespace

ConfigImporter::Result ConfigImporter::merge(const QJsonObject &current, const QByteArray &text,
                                             const QString &fileName)
{
    Result r;
    const QString file = QFileInfo(fileName).fileName();
    if (text.size() > kMaxFileBytes) {
        r.error = QStringLiteral("%1 is larger than %2 KiB; that is not an MCP server list")
                          .arg(file)
                          .arg(kMaxFileBytes / 1024);
        return r;
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &pe);
    if (pe.error != QJsonParseError::NoError) {
        const JsonPositions::Position at = JsonPositions::atOffset(text, pe.offset);
        r.error = QStringLiteral("%1:%2:%3: invalid JSON: %4")
                          .arg(file)
                          .arg(at.line)
                          .arg(at.column)
                          .arg(pe.errorString());
        return r;
    }
    if (!doc.isObject()) {
        r.error = QStringLiteral("%1 is not a JSON object with \"mcpServers\" (Claude Desktop) "
                                 "or \"servers\" (VS Code)")
                          .arg(file);
        return r;
    }
    const QJsonObject root = doc.object();

    // Claude Desktop: "mcpServers"; VS Code's mcp.json: "servers"; VS Code's settings.json:
    // "mcp": {"servers"}.
    QString section;
    QJsonValue servers;
    bool vsCode = false;
    if (root.contains(QStringLiteral("mcpServers"))) {
        section = QStringLiteral("mcpServers");
        servers = root.value(section);
    } else if (root.contains(QStringLiteral("servers"))) {
        section = QStringLiteral("servers");
        servers = root.value(section);
        vsCode = true;
    } else if (root.value(QStringLiteral("mcp")).toObject().contains(QStringLiteral("servers"))) {
        section = QStringLiteral("mcp.servers");
        servers = root.value(QStringLiteral("mcp")).toObject().value(QStringLiteral("servers"));
        vsCode = true;
    } else {
        r.error = QStringLiteral("%1 has neither \"mcpServers\" (Claude Desktop) nor \"servers\" "
                                 "(VS Code mcp.json)")
                          .arg(file);
        return r;
    }
    if (!servers.isObject()) {
        r.error = QStringLiteral("%1: \"%2\" is %3, not an object of servers")
                          .arg(file, section, typeName(servers));
        return r;
    }

    const QJsonValue currentServersValue = current.value(QStringLiteral("mcpServers"));
    if (!currentServersValue.isUndefined() && !currentServersValue.isObject()) {
        r.error = QStringLiteral("the current config's \"mcpServers\" is %1, not an object; fix "
                                 "it before importing")
                          .arg(typeName(currentServersValue));
        return r;
    }
    QJsonObject merged = currentServersValue.toObject();

    const QJsonObject imported = servers.toObject();
    if (imported.isEmpty())
        r.notes << QStringLiteral("%1 lists no servers.").arg(file);
    if (imported.size() > kMaxServers)
        r.notes << QStringLiteral("%1 lists %2 servers; only the first %3 were read.")
                           .arg(file)
                           .arg(imported.size())
                           .arg(kMaxServers);
    const QString baseDir = QFileInfo(fileName).absolutePath();
    int read = 0;
    for (auto it = imported.begin(); it != imported.end() && read < kMaxServers; ++it, ++read) {
        const QString name = it.key();
        if (!usableName(name)) {
            r.notes << QStringLiteral("A server named %1 was not added: a name must be 1 to %2 "
                                      "characters without control characters.")
                               .arg(shown(name))
                               .arg(kMaxNameChars);
            continue;
        }
        if (!it.value().isObject()) {
            r.notes << QStringLiteral("%1 was not added: it is %2, not a server entry.")
                               .arg(shown(name), typeName(it.value()));
            continue;
        }
        const QJsonObject entry = it.value().toObject();
        QStringList problems;
        (void)ServerConfigParser::parseServer(name, entry, baseDir, &problems);
        if (!problems.isEmpty()) {
            r.notes << QStringLiteral("%1 was not added: %2")
                               .arg(shown(name), problems.first().left(300));
            continue;
        }
        if (merged.contains(name)) {
            if (merged.value(name) == entry)
                r.notes << QStringLiteral("%1 is already configured the same way; skipped.")
                                   .arg(shown(name));
            else
                r.notes << QStringLiteral("%1 is already configured; the imported %1 was not "
                                          "added (nothing was overwritten; rename one of them to "
                                          "keep both).")
                                   .arg(shown(name));
            continue;
        }
        if (entry.contains(QStringLiteral("envFile")))
            r.notes << QStringLiteral("%1: \"envFile\" is not read by mcp-host; put the "
                                      "variables into \"env\".")
                               .arg(shown(name));
        QStringList variables;
        collectVariables(entry, &variables);
        if (!variables.isEmpty())
            r.notes << QStringLiteral("%1 uses %2, which VS Code fills in and mcp-host does not; "
                                      "replace it with the value.")
                               .arg(shown(name), variables.join(QStringLiteral(", ")));
        merged.insert(name, entry);
        r.added << name;
    }
    const QJsonValue inputs = section == QLatin1String("mcp.servers")
            ? root.value(QStringLiteral("mcp")).toObject().value(QStringLiteral("inputs"))
            : root.value(QStringLiteral("inputs"));
    if (vsCode && !inputs.isUndefined()) {
        const qsizetype n = inputs.toArray().size();
        r.notes << QStringLiteral("The file's \"inputs\" (%1) were ignored: mcp-host does not "
                                  "prompt for VS Code inputs.")
                           .arg(n);
    }
    r.merged = current;
    r.merged.insert(QStringLiteral("mcpServers"), merged);
    return r;
}

ConfigImporter::Result ConfigImporter::mergeFile(const QJsonObject &current, const QString &path)
{
    Result r;
    const QFileInfo info(path);
    if (!info.isFile()) {
        r.error = QStringLiteral("%1: no such file").arg(path);
        return r;
    }
    if (info.size() > kMaxFileBytes) {
        r.error = QStringLiteral("%1 is larger than %2 KiB; that is not an MCP server list")
                          .arg(info.fileName())
                          .arg(kMaxFileBytes / 1024);
        return r;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        r.error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return r;
    }
    // Read one byte more than allowed: a file that grew since the size check still fails.
    return merge(current, file.read(kMaxFileBytes + 1), path);
}
