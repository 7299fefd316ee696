#include "hoststate.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>
#include <QStandardPaths>

#include <sys/stat.h>

namespace {

bool validName(const QString &name)
{
    if (name.isEmpty() || name.size() > HostState::kMaxNameChars)
        return false;
    for (const QChar c : name) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return false;
    }
    return true;
}

std::optional<ApprovalPolicy::Decision> strictDecision(const QJsonValue &v)
{
    const QString name = v.toString();
    if (name == QLatin1String("allow"))
        return ApprovalPolicy::Decision::Allow;
    if (name == QLatin1String("ask"))
        return ApprovalPolicy::Decision::Ask;
    if (name == QLatin1String("deny"))
        return ApprovalPolicy::Decision::Deny;
    return std::nullopt;
}

bool readRules(const QJsonObject &approval, const char *key, bool tools,
               QHash<QString, ApprovalPolicy::Decision> *out, int *entries, QString *why)
{
    const QJsonValue section = approval.value(QLatin1String(key));
    if (section.isUndefined())
        return true;
    if (!section.isObject()) {
        *why = QStringLiteral("/approval/%1 must be an object").arg(QLatin1String(key));
        return false;
    }
    const QJsonObject rules = section.toObject();
    for (auto it = rules.begin(); it != rules.end(); ++it) {
        if (++*entries > HostState::kMaxEntries) {
            *why = QStringLiteral("more than %1 entries").arg(HostState::kMaxEntries);
            return false;
        }
        const QString at = QStringLiteral("/approval/%1/%2").arg(QLatin1String(key), it.key());
        bool ok = tools ? it.key().count(QLatin1Char('/')) >= 1 : true;
        if (tools && ok) {
            const qsizetype slash = it.key().indexOf(QLatin1Char('/'));
            ok = validName(it.key().left(slash)) && validName(it.key().mid(slash + 1));
        } else if (!tools) {
            ok = validName(it.key()) && !it.key().contains(QLatin1Char('/'));
        }
        if (!ok) {
            *why = tools
                    ? QStringLiteral("%1: a tool rule's key must be \"<server>/<tool>\"").arg(at)
                    : QStringLiteral("%1: not a server name").arg(at);
            return false;
        }
        const auto d = strictDecision(it.value());
        if (!d) {
            *why = QStringLiteral("%1 must be \"allow\", \"ask\" or \"deny\"").arg(at);
            return false;
        }
        out->insert(it.key(), *d);
    }
    return true;
}

} // namespace

QString HostState::defaultPath()
{
    const QString home = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation);
    return (home.isEmpty() ? QDir::homePath() + QStringLiteral("/.config") : home)
            + QStringLiteral("/mcp-host/state.json");
}

std::optional<HostState> HostState::fromJson(const QJsonObject &root, QString *why)
{
    HostState state;
    if (root.value(QStringLiteral("version")).toInt(-1) != kVersion
        || !root.value(QStringLiteral("version")).isDouble()) {
        *why = QStringLiteral("\"version\" must be %1 (a file of another version of MCP Host?)")
                       .arg(kVersion);
        return std::nullopt;
    }
    int entries = 0;
    const QJsonValue approval = root.value(QStringLiteral("approval"));
    if (!approval.isUndefined()) {
        if (!approval.isObject()) {
            *why = QStringLiteral("/approval must be an object");
            return std::nullopt;
        }
        if (!readRules(approval.toObject(), "tools", true, &state.toolRules, &entries, why)
            || !readRules(approval.toObject(), "servers", false, &state.serverRules, &entries, why))
            return std::nullopt;
    }
    const QJsonValue servers = root.value(QStringLiteral("servers"));
    if (!servers.isUndefined()) {
        if (!servers.isObject()) {
            *why = QStringLiteral("/servers must be an object");
            return std::nullopt;
        }
        const QJsonObject o = servers.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (++entries > kMaxEntries) {
                *why = QStringLiteral("more than %1 entries").arg(kMaxEntries);
                return std::nullopt;
            }
            const QJsonValue enabled = it.value().toObject().value(QStringLiteral("enabled"));
            if (!validName(it.key()) || !it.value().isObject() || !enabled.isBool()) {
                *why = QStringLiteral("/servers/%1 must be {\"enabled\": true or false}")
                               .arg(it.key());
                return std::nullopt;
            }
            state.serverEnabled.insert(it.key(), enabled.toBool());
        }
    }
    return state;
}

std::optional<HostState> HostState::load(const QString &path, QString *error)
{
    const auto fail = [&](const QString &what) {
        *error = QStringLiteral("state file %1: %2 (fix it or delete it; it holds the remembered "
                                "approval rules and the enabled servers)")
                         .arg(path, what);
        return std::nullopt;
    };
    struct stat st = {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return HostState(); // none yet
    if (!S_ISREG(st.st_mode))
        return fail(QStringLiteral("not a regular file"));
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return fail(
                QStringLiteral("other users can write it (mode %1): run chmod 600 %2")
                        .arg(QString::number(st.st_mode & 0777, 8).rightJustified(4, '0'), path));
    if (st.st_size > kMaxFileBytes)
        return fail(QStringLiteral("larger than %1 KiB").arg(kMaxFileBytes / 1024));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read: %1").arg(file.errorString()));
    const QByteArray text = file.read(kMaxFileBytes + 1);
    if (text.size() > kMaxFileBytes)
        return fail(QStringLiteral("larger than %1 KiB").arg(kMaxFileBytes / 1024));
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &pe);
    if (pe.error != QJsonParseError::NoError)
        return fail(QStringLiteral("invalid JSON at offset %1: %2")
                            .arg(pe.offset)
                            .arg(pe.errorString()));
    if (!doc.isObject())
        return fail(QStringLiteral("not a JSON object"));
    QString why;
    auto state = fromJson(doc.object(), &why);
    if (!state)
        return fail(why);
    return state;
}

QJsonObject HostState::toJson() const
{
    QJsonObject tools;
    for (auto it = toolRules.cbegin(); it != toolRules.cend(); ++it)
        tools.insert(it.key(), ApprovalPolicy::decisionName(it.value()));
    QJsonObject servers;
    for (auto it = serverRules.cbegin(); it != serverRules.cend(); ++it)
        servers.insert(it.key(), ApprovalPolicy::decisionName(it.value()));
    QJsonObject enabled;
    for (auto it = serverEnabled.cbegin(); it != serverEnabled.cend(); ++it)
        enabled.insert(it.key(), QJsonObject {{QStringLiteral("enabled"), it.value()}});
    return {{QStringLiteral("version"), kVersion},
            {QStringLiteral("approval"),
             QJsonObject {{QStringLiteral("tools"), tools}, {QStringLiteral("servers"), servers}}},
            {QStringLiteral("servers"), enabled}};
}

bool HostState::save(const QString &path, QString *error) const
{
    const QString dir = QFileInfo(path).absolutePath();
    if (!QFileInfo::exists(dir)) {
        if (!QDir().mkpath(dir)) {
            *error = QStringLiteral("cannot create the folder %1").arg(dir);
            return false;
        }
        QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    file.write(QJsonDocument(toJson()).toJson(QJsonDocument::Indented));
    if (!file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    // QSaveFile may keep the mode of the file it replaced: the state is the owner's only.
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    return true;
}
