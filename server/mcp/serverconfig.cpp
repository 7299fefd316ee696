#include "serverconfig.h"

#include "urlredaction.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace {

bool stringMap(const QJsonValue &v, QMap<QString, QString> *out)
{
    if (v.isUndefined() || v.isNull())
        return true;
    if (!v.isObject())
        return false;
    const QJsonObject o = v.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.value().isString())
            out->insert(it.key(), it.value().toString());
        else if (it.value().isDouble() || it.value().isBool())
            out->insert(it.key(), it.value().toVariant().toString());
        else
            return false;
    }
    return true;
}

bool isEnvironmentName(const QString &name)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    return re.match(name).hasMatch();
}

} // namespace

QString ServerConfig::kindName() const
{
    switch (kind) {
    case Kind::Stdio:
        return QStringLiteral("stdio");
    case Kind::StreamableHttp:
        return QStringLiteral("streamable-http");
    case Kind::Sse:
        return QStringLiteral("sse");
    }
    return {};
}

ServerConfig ServerConfigParser::parseServer(const QString &name, const QJsonObject &e,
                                             const QString &baseDir, QStringList *errors)
{
    ConfigReader reader;
    const auto c = readServer(reader, name, e, JsonPositions::child(QString(), name), baseDir);
    for (const ConfigError &error : reader.errors())
        errors->append(error.message);
    if (c)
        return *c;
    ServerConfig failed;
    failed.name = name;
    return failed;
}

std::optional<ServerConfig>
ServerConfigParser::readServer(ConfigReader &reader, const QString &name, const QJsonObject &e,
                               const QString &pointer, const QString &baseDir)
{
    ServerConfig c;
    c.name = name;
    const qsizetype errorsBefore = reader.errors().size();
    const auto at = [&pointer](const char *field) {
        return JsonPositions::child(pointer, QLatin1String(field));
    };
    // Messages name the server, then the field: `server "fs": "args" must be …`.
    auto bad = [&](const QString &where, const QString &what) {
        reader.error(where, QStringLiteral("server \"%1\": %2").arg(name, what));
    };
    auto badEntry = [&](const QString &what) {
        reader.errorAtKey(pointer, QStringLiteral("server \"%1\": %2").arg(name, what));
    };
    auto expect = [&](const char *field, QJsonValue::Type type, const char *typeText) {
        const QJsonValue v = e.value(QLatin1String(field));
        if (v.isUndefined() || v.type() == type)
            return true;
        bad(at(field),
            QStringLiteral("\"%1\" must be %2, not %3")
                    .arg(QLatin1String(field), QLatin1String(typeText), ConfigReader::typeName(v)));
        return false;
    };

    if (expect("disabled", QJsonValue::Bool, "true or false"))
        c.disabled = e.value(QStringLiteral("disabled")).toBool(false);

    QString type;
    if (expect("type", QJsonValue::String, "a string"))
        type = e.value(QStringLiteral("type")).toString();
    const QString t = type.toLower().remove(QLatin1Char('-')).remove(QLatin1Char('_'));
    const bool hasCommand = e.contains(QStringLiteral("command"));
    const bool hasUrl
            = e.contains(QStringLiteral("url")) || e.contains(QStringLiteral("serverUrl"));

    if (!type.isEmpty() && t != QLatin1String("stdio") && t != QLatin1String("http")
        && t != QLatin1String("streamablehttp") && t != QLatin1String("sse")) {
        bad(at("type"),
            QStringLiteral("unknown \"type\" \"%1\" (use stdio, http, streamable-http or sse)")
                    .arg(type));
        return std::nullopt;
    }

    if (t == QLatin1String("stdio") || (type.isEmpty() && hasCommand)) {
        c.kind = ServerConfig::Kind::Stdio;
        if (!e.value(QStringLiteral("command")).isString()
            || e.value(QStringLiteral("command")).toString().trimmed().isEmpty()) {
            if (hasCommand)
                bad(at("command"), QStringLiteral("\"command\" must be a non-empty string"));
            else
                badEntry(QStringLiteral("a stdio server needs a \"command\""));
        } else {
            c.command = e.value(QStringLiteral("command")).toString().trimmed();
        }
        const QJsonValue args = e.value(QStringLiteral("args"));
        if (!args.isUndefined()) {
            bool ok = args.isArray();
            qsizetype badItem = -1;
            const QJsonArray list = args.toArray();
            for (qsizetype i = 0; i < list.size(); ++i) {
                const QJsonValue a = list.at(i);
                if (a.isString()) {
                    c.args << a.toString();
                } else if (a.isDouble()) {
                    c.args << a.toVariant().toString();
                } else {
                    ok = false;
                    if (badItem < 0)
                        badItem = i;
                }
            }
            if (!ok)
                bad(badItem >= 0 ? JsonPositions::child(at("args"), badItem) : at("args"),
                    QStringLiteral("\"args\" must be an array of strings"));
        }
        if (!stringMap(e.value(QStringLiteral("env")), &c.env))
            bad(at("env"), QStringLiteral("\"env\" must be an object of strings"));
        if (expect("cwd", QJsonValue::String, "a string")) {
            c.cwd = e.value(QStringLiteral("cwd")).toString();
            if (!c.cwd.isEmpty() && QDir::isRelativePath(c.cwd) && !baseDir.isEmpty())
                c.cwd = QDir::cleanPath(QDir(baseDir).filePath(c.cwd));
        }
        const QJsonValue passthrough = e.value(QStringLiteral("env_passthrough"));
        if (!passthrough.isUndefined()) {
            if (!passthrough.isArray()) {
                bad(at("env_passthrough"),
                    QStringLiteral("\"env_passthrough\" must be an array of variable names, "
                                   "not %1")
                            .arg(ConfigReader::typeName(passthrough)));
            }
            const QJsonArray names = passthrough.toArray();
            for (qsizetype i = 0; i < names.size(); ++i) {
                const QJsonValue n = names.at(i);
                if (!n.isString() || !isEnvironmentName(n.toString())) {
                    bad(JsonPositions::child(at("env_passthrough"), i),
                        QStringLiteral("\"env_passthrough\" item %1 is not a variable name "
                                       "(letters, digits and _, not starting with a digit): %2")
                                .arg(i)
                                .arg(n.isString()
                                             ? QLatin1Char('"') + n.toString() + QLatin1Char('"')
                                             : ConfigReader::typeName(n)));
                    continue;
                }
                c.envPassthrough << n.toString();
            }
        }
    } else if (hasUrl || !type.isEmpty()) {
        c.kind = t == QLatin1String("sse") ? ServerConfig::Kind::Sse
                                           : ServerConfig::Kind::StreamableHttp;
        const char *urlKey = e.contains(QStringLiteral("url")) ? "url" : "serverUrl";
        const QJsonValue url = e.value(QLatin1String(urlKey));
        const QUrl u(url.toString(), QUrl::StrictMode);
        if (!url.isString()) {
            if (hasUrl)
                bad(at(urlKey), QStringLiteral("\"url\" must be a string"));
            else
                badEntry(QStringLiteral("a %1 server needs a \"url\"").arg(type));
        } else if (!u.isValid()
                   || (u.scheme() != QLatin1String("http")
                       && u.scheme() != QLatin1String("https"))) {
            bad(at(urlKey),
                QStringLiteral("\"url\" must be an http:// or https:// URL, not \"%1\"")
                        .arg(Mcp::redactedUrl(u)));
        } else {
            c.url = u;
        }
        if (!stringMap(e.value(QStringLiteral("headers")), &c.headers))
            bad(at("headers"), QStringLiteral("\"headers\" must be an object of strings"));
    } else {
        badEntry(QStringLiteral("needs a \"command\" (stdio) or a \"url\" (HTTP)"));
    }

    const QJsonValue timeout = e.value(QStringLiteral("timeout"));
    if (!timeout.isUndefined()) {
        const auto problem = timeout.isDouble() ? kTimeoutRange.problem(timeout.toDouble())
                                                : std::optional<QString>(QString());
        if (problem) {
            bad(at("timeout"),
                QStringLiteral("\"timeout\" must be a number of seconds %1 (values over 1000 "
                               "are taken as milliseconds), %2")
                        .arg(kTimeoutRange.describe(),
                             timeout.isDouble() ? QStringLiteral("got %1").arg(
                                     QString::number(timeout.toDouble(), 'g', 15))
                                                : QStringLiteral("not %1").arg(
                                                        ConfigReader::typeName(timeout))));
        } else {
            // Hosts disagree on the unit; seconds is the common one, but values that can only
            // be milliseconds (over 1000) are taken as such.
            const double v = timeout.toDouble();
            c.timeoutMs = v > 1000 ? int(v) : int(v * 1000);
        }
    }
    const QJsonValue maxMessage = e.value(QStringLiteral("max_message_bytes"));
    if (!maxMessage.isUndefined()) {
        const auto problem = maxMessage.isDouble()
                ? kMaxMessageBytesRange.problem(maxMessage.toDouble())
                : std::optional<QString>(QStringLiteral("must be a number %1, not %2")
                                                 .arg(kMaxMessageBytesRange.describe(),
                                                      ConfigReader::typeName(maxMessage)));
        if (problem)
            bad(at("max_message_bytes"), QStringLiteral("\"max_message_bytes\" ") + *problem);
        else
            c.maxMessageBytes = qint64(maxMessage.toDouble());
    }
    if (reader.errors().size() != errorsBefore)
        return std::nullopt;
    return c;
}

QList<ServerConfig> ServerConfigParser::read(ConfigReader &reader, const QJsonObject &root,
                                             const QString &baseDir)
{
    QList<ServerConfig> servers;
    const QJsonValue section = root.value(QStringLiteral("mcpServers"));
    if (section.isUndefined())
        return servers; // no servers configured is fine
    const QString pointer = QStringLiteral("/mcpServers");
    if (!section.isObject()) {
        reader.errorAtKey(pointer,
                          QStringLiteral("\"mcpServers\" must be an object, not %1")
                                  .arg(ConfigReader::typeName(section)));
        return servers;
    }
    const QJsonObject all = section.toObject();
    for (auto it = all.begin(); it != all.end(); ++it) {
        const QString at = JsonPositions::child(pointer, it.key());
        if (!it.value().isObject()) {
            reader.errorAtKey(at,
                              QStringLiteral("server \"%1\" must be an object, not %2")
                                      .arg(it.key(), ConfigReader::typeName(it.value())));
            continue;
        }
        if (auto c = readServer(reader, it.key(), it.value().toObject(), at, baseDir)) {
            c->line = reader.positions().key(at).line;
            servers.append(std::move(*c));
        }
    }
    return servers;
}

ServerConfigParser::Result
ServerConfigParser::parse(const QByteArray &text, const QString &fileName, const QString &baseDir)
{
    Result result;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &pe);
    if (pe.error != QJsonParseError::NoError) {
        const JsonPositions::Position at = JsonPositions::atOffset(text, pe.offset);
        result.errors.append({fileName, at.line, at.column,
                              QStringLiteral("invalid JSON: %1").arg(pe.errorString())});
        return result;
    }
    if (!doc.isObject()) {
        result.errors.append({fileName, 1, 1, QStringLiteral("the config must be a JSON object")});
        return result;
    }
    result.root = doc.object();
    ConfigReader reader(fileName, JsonPositions::scan(text));
    result.servers = read(reader, result.root, baseDir);
    result.errors = reader.errors();
    return result;
}

ServerConfigParser::Result ServerConfigParser::parseFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        Result r;
        r.errors.append({path, 0, 0, QStringLiteral("cannot read: %1").arg(file.errorString())});
        return r;
    }
    return parse(file.readAll(), path, QFileInfo(path).absolutePath());
}
