#include "controlmessage.h"

#include <QJsonDocument>
#include <QRegularExpression>

namespace ControlMessage {

namespace {

constexpr qsizetype kMaxNameChars = 256;

const char *opName(TurnCommand::Kind kind)
{
    switch (kind) {
    case TurnCommand::Kind::Cancel:
        return "cancel";
    case TurnCommand::Kind::Approve:
        return "approve";
    case TurnCommand::Kind::Elicit:
        return "elicit";
    }
    return "cancel";
}

using Outcome = TurnCommandReply::Outcome;

/// The outcomes an owner answers with (the others are the asking side's own).
const std::pair<Outcome, const char *> kOutcomes[] = {
        {Outcome::Ok, "ok"},
        {Outcome::NoTurn, "no_turn"},
        {Outcome::UnknownRequest, "unknown_request"},
        {Outcome::BadAction, "bad_action"},
        {Outcome::BadScope, "bad_scope"},
};

bool matches(const QString &s, const char *pattern)
{
    const QRegularExpression re(QString::fromLatin1(pattern));
    return re.match(s).hasMatch();
}

/// 1 to kMaxNameChars characters (empty when `empty`), no control characters.
bool validName(const QString &s, bool empty)
{
    if (s.size() > kMaxNameChars || (s.isEmpty() && !empty))
        return false;
    for (const QChar c : s) {
        if (c.category() == QChar::Other_Control)
            return false;
    }
    return true;
}

std::optional<QJsonObject> objectOf(const QByteArray &bytes, const char *type, QString *why)
{
    if (bytes.size() > kMaxBytes) {
        *why = QStringLiteral("a control message of %1 bytes (at most %2)")
                       .arg(bytes.size())
                       .arg(kMaxBytes);
        return std::nullopt;
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &error);
    if (!doc.isObject()) {
        *why = QStringLiteral("a control message that is not a JSON object");
        return std::nullopt;
    }
    const QJsonObject o = doc.object();
    if (o.value(QLatin1String("v")).toInteger(-1) != 1
        || o.value(QLatin1String("type")).toString() != QLatin1String(type)) {
        *why = QStringLiteral("a control message of another version or type");
        return std::nullopt;
    }
    if (!validId(o.value(QLatin1String("rid")).toString())) {
        *why = QStringLiteral("a control message without a valid \"rid\"");
        return std::nullopt;
    }
    return o;
}

} // namespace

bool validId(const QString &id)
{
    return matches(id, "^[0-9a-z-]{1,64}$");
}

QByteArray encode(const Request &request)
{
    const TurnCommand &c = request.command;
    QJsonObject o {{QStringLiteral("v"), 1},
                   {QStringLiteral("type"), QStringLiteral("request")},
                   {QStringLiteral("rid"), request.rid},
                   {QStringLiteral("from"), request.from},
                   {QStringLiteral("op"), QLatin1String(opName(c.kind))},
                   {QStringLiteral("session"), c.sessionId},
                   {QStringLiteral("turn"), c.turnId}};
    if (c.kind == TurnCommand::Kind::Approve) {
        o.insert(QStringLiteral("id"), c.requestId);
        o.insert(QStringLiteral("approved"), c.approved);
        o.insert(QStringLiteral("scope"), c.scope);
    } else if (c.kind == TurnCommand::Kind::Elicit) {
        o.insert(QStringLiteral("id"), c.requestId);
        o.insert(QStringLiteral("action"), c.action);
        o.insert(QStringLiteral("content"), c.content);
    }
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray encode(const Reply &reply)
{
    QJsonObject o {{QStringLiteral("v"), 1},
                   {QStringLiteral("type"), QStringLiteral("reply")},
                   {QStringLiteral("rid"), reply.rid},
                   {QStringLiteral("outcome"), QStringLiteral("no_turn")}};
    for (const auto &[outcome, name] : kOutcomes) {
        if (outcome == reply.reply.outcome)
            o.insert(QStringLiteral("outcome"), QLatin1String(name));
    }
    if (!reply.reply.server.isEmpty())
        o.insert(QStringLiteral("server"), reply.reply.server);
    if (!reply.reply.tool.isEmpty())
        o.insert(QStringLiteral("tool"), reply.reply.tool);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

std::optional<Request> decodeRequest(const QByteArray &bytes, QString *why)
{
    const auto o = objectOf(bytes, "request", why);
    if (!o)
        return std::nullopt;
    Request r;
    r.rid = o->value(QLatin1String("rid")).toString();
    r.from = o->value(QLatin1String("from")).toString();
    TurnCommand &c = r.command;
    c.sessionId = o->value(QLatin1String("session")).toString();
    c.turnId = o->value(QLatin1String("turn")).toString();
    const QString op = o->value(QLatin1String("op")).toString();
    const auto bad = [why](const char *field) {
        *why = QStringLiteral("a control request with a bad \"%1\"").arg(QLatin1String(field));
        return std::nullopt;
    };
    if (!validId(r.from))
        return bad("from");
    if (!matches(c.sessionId, "^[A-Za-z0-9_.-]{1,128}$"))
        return bad("session");
    if (!matches(c.turnId, "^[A-Za-z0-9_.{}-]{1,128}$"))
        return bad("turn");
    if (op == QLatin1String("cancel")) {
        c.kind = TurnCommand::Kind::Cancel;
        return r;
    }
    const QJsonValue id = o->value(QLatin1String("id"));
    c.requestId = id.toString();
    if (!id.isString() || !validName(c.requestId, false))
        return bad("id");
    if (op == QLatin1String("approve")) {
        c.kind = TurnCommand::Kind::Approve;
        const QJsonValue approved = o->value(QLatin1String("approved"));
        c.scope = o->value(QLatin1String("scope")).toString();
        if (!approved.isBool())
            return bad("approved");
        c.approved = approved.toBool();
        if (c.scope != QLatin1String("once") && c.scope != QLatin1String("session")
            && c.scope != QLatin1String("tool") && c.scope != QLatin1String("server"))
            return bad("scope");
        return r;
    }
    if (op == QLatin1String("elicit")) {
        c.kind = TurnCommand::Kind::Elicit;
        const QJsonValue action = o->value(QLatin1String("action"));
        const QJsonValue content = o->value(QLatin1String("content"));
        c.action = action.toString();
        if (!action.isString() || c.action.size() > 32)
            return bad("action");
        if (!content.isObject() && !content.isUndefined())
            return bad("content");
        c.content = content.toObject();
        return r;
    }
    return bad("op");
}

std::optional<Reply> decodeReply(const QByteArray &bytes, QString *why)
{
    const auto o = objectOf(bytes, "reply", why);
    if (!o)
        return std::nullopt;
    Reply r;
    r.rid = o->value(QLatin1String("rid")).toString();
    const QString outcome = o->value(QLatin1String("outcome")).toString();
    bool known = false;
    for (const auto &[value, name] : kOutcomes) {
        if (outcome == QLatin1String(name)) {
            r.reply.outcome = value;
            known = true;
        }
    }
    const QJsonValue server = o->value(QLatin1String("server"));
    const QJsonValue tool = o->value(QLatin1String("tool"));
    r.reply.server = server.toString();
    r.reply.tool = tool.toString();
    if (!known || (!server.isUndefined() && !server.isString())
        || (!tool.isUndefined() && !tool.isString()) || !validName(r.reply.server, true)
        || !validName(r.reply.tool, true)) {
        *why = QStringLiteral("a control reply with a bad \"outcome\", \"server\" or \"tool\"");
        return std::nullopt;
    }
    return r;
}

} // namespace ControlMessage
