#include "serverconfig.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace {

QString typeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("missing");
}

// Where `"key"` first appears as an object key at or after `from`: 1-based line and column.
std::pair<int, int> locate(const QByteArray &text, const QString &key, qsizetype from = 0)
{
    const QRegularExpression re(QStringLiteral("\"%1\"\\s*:").arg(QRegularExpression::escape(key)));
    const QString s = QString::fromUtf8(text);
    const QRegularExpressionMatch m = re.match(s, from);
    if (!m.hasMatch())
        return {0, 0};
    const qsizetype at = m.capturedStart();
    const int line = int(s.left(at).count(QLatin1Char('\n'))) + 1;
    const int column = int(at - s.lastIndexOf(QLatin1Char('\n'), at - 1));
    return {line, column};
}

std::pair<int, int> offsetToLine(const QByteArray &text, int offset)
{
    const QByteArray head = text.left(offset);
    const int line = int(head.count('\n')) + 1;
    const int column = int(offset - head.lastIndexOf('\n'));
    return {line, column};
}

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

QString ConfigError::toString() const
{
    QString where = file.isEmpty() ? QStringLiteral("config") : file;
    if (line > 0)
        where += QLatin1Char(':') + QString::number(line);
    if (column > 0)
        where += QLatin1Char(':') + QString::number(column);
    return where + QStringLiteral(": ") + message;
}

ServerConfig ServerConfigParser::parseServer(const QString &name, const QJsonObject &e,
                                             const QString &baseDir, QStringList *errors)
{
    ServerConfig c;
    c.name = name;
    auto bad = [errors, &name](const QString &what) {
        errors->append(QStringLiteral("server \"%1\": %2").arg(name, what));
    };
    auto expect = [&](const char *field, QJsonValue::Type type, const char *typeText) {
        const QJsonValue v = e.value(QLatin1String(field));
        if (v.isUndefined() || v.type() == type)
            return true;
        bad(QStringLiteral("\"%1\" must be %2, not %3")
                    .arg(QLatin1String(field), QLatin1String(typeText), typeName(v)));
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
        bad(QStringLiteral("unknown \"type\" \"%1\" (use stdio, http, streamable-http or sse)")
                    .arg(type));
        return c;
    }

    if (t == QLatin1String("stdio") || (type.isEmpty() && hasCommand)) {
        c.kind = ServerConfig::Kind::Stdio;
        if (!e.value(QStringLiteral("command")).isString()
            || e.value(QStringLiteral("command")).toString().trimmed().isEmpty()) {
            bad(hasCommand ? QStringLiteral("\"command\" must be a non-empty string")
                           : QStringLiteral("a stdio server needs a \"command\""));
        } else {
            c.command = e.value(QStringLiteral("command")).toString().trimmed();
        }
        const QJsonValue args = e.value(QStringLiteral("args"));
        if (!args.isUndefined()) {
            bool ok = args.isArray();
            for (const QJsonValue &a : args.toArray()) {
                if (a.isString())
                    c.args << a.toString();
                else if (a.isDouble())
                    c.args << a.toVariant().toString();
                else
                    ok = false;
            }
            if (!ok)
                bad(QStringLiteral("\"args\" must be an array of strings"));
        }
        if (!stringMap(e.value(QStringLiteral("env")), &c.env))
            bad(QStringLiteral("\"env\" must be an object of strings"));
        if (expect("cwd", QJsonValue::String, "a string")) {
            c.cwd = e.value(QStringLiteral("cwd")).toString();
            if (!c.cwd.isEmpty() && QDir::isRelativePath(c.cwd) && !baseDir.isEmpty())
                c.cwd = QDir::cleanPath(QDir(baseDir).filePath(c.cwd));
        }
    } else if (hasUrl || !type.isEmpty()) {
        c.kind = t == QLatin1String("sse") ? ServerConfig::Kind::Sse
                                           : ServerConfig::Kind::StreamableHttp;
        const QJsonValue url = e.contains(QStringLiteral("url"))
                ? e.value(QStringLiteral("url"))
                : e.value(QStringLiteral("serverUrl"));
        const QUrl u(url.toString(), QUrl::StrictMode);
        if (!url.isString())
            bad(hasUrl ? QStringLiteral("\"url\" must be a string")
                       : QStringLiteral("a %1 server needs a \"url\"").arg(type));
        else if (!u.isValid()
                 || (u.scheme() != QLatin1String("http") && u.scheme() != QLatin1String("https")))
            bad(QStringLiteral("\"url\" must be an http:// or https:// URL, not \"%1\"")
                        .arg(url.toString()));
        else
            c.url = u;
        if (!stringMap(e.value(QStringLiteral("headers")), &c.headers))
            bad(QStringLiteral("\"headers\" must be an object of strings"));
    } else {
        bad(QStringLiteral("needs a \"command\" (stdio) or a \"url\" (HTTP)"));
    }

    const QJsonValue timeout = e.value(QStringLiteral("timeout"));
    if (!timeout.isUndefined()) {
        if (!timeout.isDouble() || timeout.toDouble() <= 0) {
            bad(QStringLiteral("\"timeout\" must be a positive number of seconds"));
        } else {
            // Hosts disagree on the unit; seconds is the common one, but values that can only
            // be milliseconds (over 1000) are taken as such.
            const double v = timeout.toDouble();
            c.timeoutMs = v > 1000 ? int(v) : int(v * 1000);
        }
    }
    return c;
}

ServerConfigParser::Result
ServerConfigParser::parse(const QByteArray &text, const QString &fileName, const QString &baseDir)
{
    Result result;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &pe);
    if (pe.error != QJsonParseError::NoError) {
        const auto [line, column] = offsetToLine(text, pe.offset);
        result.errors.append(
                {fileName, line, column, QStringLiteral("invalid JSON: %1").arg(pe.errorString())});
        return result;
    }
    if (!doc.isObject()) {
        result.errors.append({fileName, 1, 1, QStringLiteral("the config must be a JSON object")});
        return result;
    }
    result.root = doc.object();
    const QJsonValue servers = result.root.value(QStringLiteral("mcpServers"));
    if (servers.isUndefined())
        return result; // no servers configured is fine
    const qsizetype serversAt = QString::fromUtf8(text).indexOf(QLatin1String("\"mcpServers\""));
    if (!servers.isObject()) {
        const auto [line, column] = locate(text, QStringLiteral("mcpServers"));
        result.errors.append({fileName, line, column,
                              QStringLiteral("\"mcpServers\" must be an object, not %1")
                                      .arg(typeName(servers))});
        return result;
    }
    const QJsonObject all = servers.toObject();
    for (auto it = all.begin(); it != all.end(); ++it) {
        const auto [line, column] = locate(text, it.key(), std::max<qsizetype>(0, serversAt));
        if (!it.value().isObject()) {
            result.errors.append({fileName, line, column,
                                  QStringLiteral("server \"%1\" must be an object, not %2")
                                          .arg(it.key(), typeName(it.value()))});
            continue;
        }
        QStringList errors;
        ServerConfig c = parseServer(it.key(), it.value().toObject(), baseDir, &errors);
        c.line = line;
        for (const QString &e : std::as_const(errors))
            result.errors.append({fileName, line, column, e});
        if (errors.isEmpty())
            result.servers.append(std::move(c));
    }
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
