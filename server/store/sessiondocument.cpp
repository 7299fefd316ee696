#include "sessiondocument.h"

#include "configreader.h"
#include "interruptedturn.h"
#include "messagecodec.h"
#include "sessiontitle.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <cmath>

namespace {

// Field names of the document.
const QLatin1String kFormatKey("format");
const QLatin1String kVersionKey("version");
const QLatin1String kExported("exported");
const QLatin1String kSession("session");
const QLatin1String kMessages("messages");
const QLatin1String kTurns("turns");
const QLatin1String kEvents("events");
const QLatin1String kId("id");
const QLatin1String kTitle("title");
const QLatin1String kRenamed("renamed");
const QLatin1String kCreated("created");
const QLatin1String kUpdated("updated");
const QLatin1String kTurnCount("turn_count");
const QLatin1String kState("state");
const QLatin1String kStarted("started");
const QLatin1String kEnded("ended");
const QLatin1String kIterations("iterations");
const QLatin1String kFirstSeq("first_seq");
const QLatin1String kLastSeq("last_seq");
const QLatin1String kType("type");
const QLatin1String kSessionId("session_id");
const QLatin1String kTurnId("turn_id");
const QLatin1String kSeq("seq");
const QLatin1String kTs("ts");

constexpr qint64 kMaxJsonInteger = qint64(1) << 53; // doubles hold integers exactly up to here

QString format(const QDateTime &time)
{
    return StreamEvent::formatTimestamp(time);
}

QJsonValue formatOrNull(const QDateTime &time)
{
    return time.isValid() ? QJsonValue(format(time)) : QJsonValue(QJsonValue::Null);
}

/// Untrusted text as an error message shows it: quoted, control characters escaped, cut.
QString shown(const QString &text)
{
    constexpr int kMax = 60;
    QString out = QStringLiteral("\"");
    for (qsizetype i = 0; i < text.size() && i < kMax; ++i) {
        const QChar c = text.at(i);
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            out += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
        else if (c == u'"' || c == u'\\')
            out += QLatin1Char('\\') + c;
        else
            out += c;
    }
    if (text.size() > kMax)
        out += QStringLiteral("…");
    return out + QLatin1Char('"');
}

bool validId(const QString &id)
{
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z0-9_.-]{1,128}$"));
    return valid.match(id).hasMatch();
}

/// The kinds of value an event's own field may have.
enum class Kind { String, Integer, Number, Bool, Object, Array };

struct FieldRule
{
    StreamEventType type;
    const char *name;
    Kind kind;
    bool required;
};

// The fields of each event type that readers (the API, the Markdown export, the app) rely
// on (docs/api.md, "Event types"): a field listed here has this kind when present; a
// required one is always there. Other fields pass as they are.
const FieldRule kFieldRules[] = {
        {StreamEventType::SessionStart, "created", Kind::Bool, false},
        {StreamEventType::SessionStart, "message_count", Kind::Integer, false},
        {StreamEventType::SessionStart, "last_seq", Kind::Integer, false},
        {StreamEventType::SessionStart, "model", Kind::String, false},
        {StreamEventType::SessionStart, "tools", Kind::Array, false},
        {StreamEventType::Thinking, "iteration", Kind::Integer, true},
        {StreamEventType::Thinking, "input", Kind::String, false},
        {StreamEventType::PartialResponse, "iteration", Kind::Integer, false},
        {StreamEventType::PartialResponse, "delta", Kind::String, true},
        {StreamEventType::ToolCall, "iteration", Kind::Integer, false},
        {StreamEventType::ToolCall, "call_id", Kind::String, true},
        {StreamEventType::ToolCall, "server", Kind::String, false},
        {StreamEventType::ToolCall, "tool", Kind::String, true},
        {StreamEventType::ToolCall, "arguments", Kind::Object, false},
        {StreamEventType::ToolCall, "approval", Kind::String, false},
        {StreamEventType::Acting, "iteration", Kind::Integer, false},
        {StreamEventType::Acting, "call_id", Kind::String, true},
        {StreamEventType::Acting, "tool", Kind::String, false},
        {StreamEventType::Acting, "progress", Kind::Number, false},
        {StreamEventType::Acting, "total", Kind::Number, false},
        {StreamEventType::Acting, "message", Kind::String, false},
        {StreamEventType::Observing, "iteration", Kind::Integer, false},
        {StreamEventType::Observing, "call_id", Kind::String, true},
        {StreamEventType::Observing, "tool", Kind::String, false},
        {StreamEventType::Observing, "is_error", Kind::Bool, false},
        {StreamEventType::Observing, "content", Kind::Array, false},
        {StreamEventType::Observing, "duration_ms", Kind::Integer, false},
        {StreamEventType::FinalResponse, "iteration", Kind::Integer, false},
        {StreamEventType::FinalResponse, "content", Kind::String, true},
        {StreamEventType::FinalResponse, "iterations", Kind::Integer, false},
        {StreamEventType::FinalResponse, "stop_reason", Kind::String, false},
        {StreamEventType::FinalResponse, "usage", Kind::Object, false},
        {StreamEventType::Error, "code", Kind::String, true},
        {StreamEventType::Error, "message", Kind::String, true},
        {StreamEventType::Error, "retryable", Kind::Bool, false},
        {StreamEventType::SessionEnd, "reason", Kind::String, false},
        {StreamEventType::Elicitation, "request_id", Kind::String, true},
        {StreamEventType::Elicitation, "server", Kind::String, false},
        {StreamEventType::Elicitation, "message", Kind::String, false},
        {StreamEventType::Elicitation, "status", Kind::String, false},
        {StreamEventType::Sampling, "request_id", Kind::String, true},
        {StreamEventType::Sampling, "server", Kind::String, false},
        {StreamEventType::Sampling, "messages", Kind::Array, false},
        {StreamEventType::Sampling, "max_tokens", Kind::Integer, false},
        {StreamEventType::Sampling, "status", Kind::String, false},
};

QString kindName(Kind kind)
{
    switch (kind) {
    case Kind::String:
        return QStringLiteral("a string");
    case Kind::Integer:
        return QStringLiteral("a whole number (0 or more)");
    case Kind::Number:
        return QStringLiteral("a number");
    case Kind::Bool:
        return QStringLiteral("a boolean");
    case Kind::Object:
        return QStringLiteral("an object");
    case Kind::Array:
        return QStringLiteral("an array");
    }
    return {};
}

bool isWholeNumber(const QJsonValue &value, qint64 min, qint64 max)
{
    if (!value.isDouble())
        return false;
    const double d = value.toDouble();
    return std::isfinite(d) && d == std::floor(d) && d >= double(min) && d <= double(max);
}

bool hasKind(const QJsonValue &value, Kind kind)
{
    switch (kind) {
    case Kind::String:
        return value.isString();
    case Kind::Integer:
        return isWholeNumber(value, 0, kMaxJsonInteger);
    case Kind::Number:
        return value.isDouble() && std::isfinite(value.toDouble());
    case Kind::Bool:
        return value.isBool();
    case Kind::Object:
        return value.isObject();
    case Kind::Array:
        return value.isArray();
    }
    return false;
}

/// Reads one document; the first problem is kept in the Error and everything stops there.
class Reader
{
public:
    Reader(const SessionDocument::Limits &limits, SessionDocument::Error *error)
        : m_limits(limits)
        , m_error(error)
    { }

    std::optional<SessionArchive> read(const QByteArray &bytes, const QString &newId);

private:
    using Code = SessionDocument::Error::Code;

    bool fail(const QString &path, const QString &message, Code code = Code::Invalid)
    {
        if (m_error)
            *m_error = {code, path, message};
        return false;
    }
    static QString at(const QString &path, const QString &key)
    {
        return path.isEmpty() ? key : path + QLatin1Char('.') + key;
    }
    static QString at(const QString &path, qsizetype index)
    {
        return path + QLatin1Char('[') + QString::number(index) + QLatin1Char(']');
    }

    bool wrongType(const QString &path, const QJsonValue &value, const QString &expected)
    {
        if (value.isUndefined())
            return fail(path, QStringLiteral("missing (%1 is required)").arg(expected));
        return fail(
                path,
                QStringLiteral("must be %1, not %2").arg(expected, ConfigReader::typeName(value)));
    }
    bool onlyKeys(const QJsonObject &object, const QString &path,
                  std::initializer_list<QLatin1String> keys)
    {
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            if (std::find(keys.begin(), keys.end(), it.key()) != keys.end())
                continue;
            // The path names a plain key; a hostile one is only quoted (escaped, cut).
            static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_]{1,64}$"));
            return fail(plain.match(it.key()).hasMatch() ? at(path, it.key()) : path,
                        QStringLiteral("unknown field %1").arg(shown(it.key())));
        }
        return true;
    }
    bool object(const QJsonValue &value, const QString &path, QJsonObject *out)
    {
        if (!value.isObject())
            return wrongType(path, value, QStringLiteral("an object"));
        *out = value.toObject();
        return true;
    }
    bool string(const QJsonObject &o, QLatin1String key, const QString &path, QString *out)
    {
        const QJsonValue v = o.value(key);
        if (!v.isString())
            return wrongType(at(path, key), v, QStringLiteral("a string"));
        *out = v.toString();
        return true;
    }
    bool boolean(const QJsonObject &o, QLatin1String key, const QString &path, bool *out)
    {
        const QJsonValue v = o.value(key);
        if (!v.isBool())
            return wrongType(at(path, key), v, QStringLiteral("a boolean"));
        *out = v.toBool();
        return true;
    }
    bool integer(const QJsonObject &o, QLatin1String key, const QString &path, qint64 min,
                 qint64 max, qint64 *out)
    {
        const QJsonValue v = o.value(key);
        if (!v.isDouble())
            return wrongType(at(path, key), v, QStringLiteral("a whole number"));
        if (!isWholeNumber(v, min, max))
            return fail(at(path, key),
                        QStringLiteral("must be a whole number from %1 to %2, not %3")
                                .arg(min)
                                .arg(max)
                                .arg(v.toDouble()));
        *out = qint64(v.toDouble());
        return true;
    }
    bool timestamp(const QJsonObject &o, QLatin1String key, const QString &path, QDateTime *out,
                   bool nullable = false)
    {
        const QJsonValue v = o.value(key);
        if (nullable && v.isNull()) {
            *out = QDateTime();
            return true;
        }
        if (!v.isString())
            return wrongType(at(path, key), v,
                             nullable ? QStringLiteral("a time (a string) or null")
                                      : QStringLiteral("a time (a string)"));
        const QString text = v.toString();
        const QDateTime time = StreamEvent::parseTimestamp(text);
        // One form only, the one the API writes: what was exported reads back the same.
        if (!time.isValid() || format(time) != text)
            return fail(at(path, key),
                        QStringLiteral("%1 is not a UTC time like 2026-01-02T03:04:05.678Z")
                                .arg(shown(text)));
        *out = time;
        return true;
    }
    bool array(const QJsonObject &o, QLatin1String key, int max, const QString &what,
               QJsonArray *out)
    {
        const QJsonValue v = o.value(key);
        if (!v.isArray())
            return wrongType(QString(key), v, QStringLiteral("an array"));
        *out = v.toArray();
        if (out->size() > max)
            return fail(QString(key),
                        QStringLiteral("%1 %2, more than the limit of %3")
                                .arg(out->size())
                                .arg(what)
                                .arg(max),
                        Code::TooLarge);
        return true;
    }

    bool readHeader(const QJsonObject &root);
    bool readSession(const QJsonObject &root, SessionRecord *session);
    bool readMessages(const QJsonObject &root, QList<ChatMessage> *messages);
    bool readTurns(const QJsonObject &root, const QString &sessionId, QList<TurnRecord> *turns);
    bool readEvents(const QJsonObject &root, const QString &sourceId, const QString &newId,
                    const QList<TurnRecord> &turns, QList<StreamEvent> *events);
    bool checkEventFields(const QJsonObject &o, StreamEventType type, const QString &path);
    bool checkTurnSpans(const QList<TurnRecord> &turns, const QList<StreamEvent> &events);
    static void closeRunningTurn(SessionArchive *archive, const QString &newId);

    const SessionDocument::Limits &m_limits;
    SessionDocument::Error *m_error;
};

std::optional<SessionArchive> Reader::read(const QByteArray &bytes, const QString &newId)
{
    // The size first: a document over the cap is not parsed at all.
    if (bytes.size() > m_limits.maxBytes) {
        fail({},
             QStringLiteral("the document is %1, over the import limit of %2")
                     .arg(byteSizeText(bytes.size()), byteSizeText(m_limits.maxBytes)),
             Code::TooLarge);
        return std::nullopt;
    }
    if (bytes.trimmed().isEmpty()) {
        fail({}, QStringLiteral("the document is empty"), Code::Malformed);
        return std::nullopt;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(bytes, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        fail({},
             QStringLiteral("not JSON: %1 at byte %2")
                     .arg(parseError.errorString())
                     .arg(parseError.offset),
             Code::Malformed);
        return std::nullopt;
    }
    if (!document.isObject()) {
        fail({}, QStringLiteral("the document must be a JSON object"), Code::Malformed);
        return std::nullopt;
    }
    const QJsonObject root = document.object();
    SessionArchive archive;
    if (!readHeader(root) || !readSession(root, &archive.data.session)
        || !readMessages(root, &archive.data.messages)
        || !readTurns(root, archive.data.session.id, &archive.data.turns))
        return std::nullopt;
    if (archive.data.session.turnCount != archive.data.turns.size()) {
        fail(at(QString(kSession), kTurnCount),
             QStringLiteral("is %1 but the document lists %2 turns")
                     .arg(archive.data.session.turnCount)
                     .arg(archive.data.turns.size()));
        return std::nullopt;
    }
    const QString sourceId = archive.data.session.id;
    if (!readEvents(root, sourceId, newId, archive.data.turns, &archive.events)
        || !checkTurnSpans(archive.data.turns, archive.events))
        return std::nullopt;
    closeRunningTurn(&archive, newId);
    SessionRecord &r = archive.data.session;
    r.id = newId;
    r.messageCount = int(archive.data.messages.size());
    r.lastSeq = archive.events.size();
    r.runningTurnId.clear();
    for (TurnRecord &t : archive.data.turns)
        t.sessionId = newId;
    return archive;
}

bool Reader::readHeader(const QJsonObject &root)
{
    if (!onlyKeys(root, {},
                  {kFormatKey, kVersionKey, kExported, kSession, kMessages, kTurns, kEvents}))
        return false;
    QString formatName;
    if (!string(root, kFormatKey, {}, &formatName))
        return false;
    if (formatName != QLatin1String(SessionDocument::kFormat))
        return fail(QString(kFormatKey),
                    QStringLiteral("%1 is not an MCP Host session document (\"%2\")")
                            .arg(shown(formatName), QLatin1String(SessionDocument::kFormat)),
                    Code::Unsupported);
    const QJsonValue version = root.value(kVersionKey);
    if (!version.isDouble())
        return wrongType(QString(kVersionKey), version, QStringLiteral("a whole number"));
    if (!isWholeNumber(version, 1, kMaxJsonInteger))
        return fail(
                QString(kVersionKey),
                QStringLiteral("must be a whole number from 1, not %1").arg(version.toDouble()));
    if (version.toDouble() > SessionDocument::kVersion)
        return fail(QString(kVersionKey),
                    QStringLiteral("the document has version %1, newer than this MCP Host reads "
                                   "(version %2 and older): export it again from the same "
                                   "version or update MCP Host")
                            .arg(qint64(version.toDouble()))
                            .arg(SessionDocument::kVersion),
                    Code::Unsupported);
    QDateTime exported;
    return timestamp(root, kExported, {}, &exported);
}

bool Reader::readSession(const QJsonObject &root, SessionRecord *r)
{
    const QString path(kSession);
    QJsonObject o;
    if (!object(root.value(kSession), path, &o)
        || !onlyKeys(o, path, {kId, kTitle, kRenamed, kCreated, kUpdated, kTurnCount}))
        return false;
    if (!string(o, kId, path, &r->id))
        return false;
    if (!validId(r->id))
        return fail(at(path, kId),
                    QStringLiteral("%1 is not a session id (letters, digits, '_', '.', '-'; at "
                                   "most 128)")
                            .arg(shown(r->id)));
    if (!string(o, kTitle, path, &r->title))
        return false;
    if (!r->title.isEmpty()) {
        QString why;
        const auto valid = SessionTitle::validate(r->title, &why);
        if (!valid)
            return fail(at(path, kTitle), why);
        if (*valid != r->title)
            return fail(at(path, kTitle), QStringLiteral("must not begin or end with white space"));
    }
    qint64 turnCount = 0;
    if (!boolean(o, kRenamed, path, &r->renamed) || !timestamp(o, kCreated, path, &r->created)
        || !timestamp(o, kUpdated, path, &r->updated)
        || !integer(o, kTurnCount, path, 0, m_limits.maxTurns, &turnCount))
        return false;
    if (r->updated < r->created)
        return fail(at(path, kUpdated), QStringLiteral("is before created"));
    r->turnCount = int(turnCount);
    return true;
}

bool Reader::readMessages(const QJsonObject &root, QList<ChatMessage> *messages)
{
    QJsonArray list;
    if (!array(root, kMessages, m_limits.maxMessages, QStringLiteral("messages"), &list))
        return false;
    messages->reserve(list.size());
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString path = at(QString(kMessages), i);
        QJsonObject o;
        if (!object(list.at(i), path, &o))
            return false;
        const QJsonValue isError = o.value(QLatin1String("is_error"));
        if (!isError.isUndefined() && !isError.isBool())
            return wrongType(path + QLatin1String(".is_error"), isError,
                             QStringLiteral("a boolean"));
        QString why;
        auto message = MessageCodec::fromJson(o, &why);
        if (!message)
            return fail(path, why);
        messages->append(std::move(*message));
    }
    return true;
}

bool Reader::readTurns(const QJsonObject &root, const QString &sessionId, QList<TurnRecord> *turns)
{
    QJsonArray list;
    if (!array(root, kTurns, m_limits.maxTurns, QStringLiteral("turns"), &list))
        return false;
    QSet<QString> ids;
    turns->reserve(list.size());
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString path = at(QString(kTurns), i);
        QJsonObject o;
        if (!object(list.at(i), path, &o)
            || !onlyKeys(o, path,
                         {kId, kState, kStarted, kEnded, kIterations, kFirstSeq, kLastSeq}))
            return false;
        TurnRecord t;
        t.sessionId = sessionId;
        if (!string(o, kId, path, &t.id))
            return false;
        if (!validId(t.id))
            return fail(at(path, kId),
                        QStringLiteral("%1 is not a turn id (letters, digits, '_', '.', '-'; at "
                                       "most 128)")
                                .arg(shown(t.id)));
        if (ids.contains(t.id))
            return fail(at(path, kId), QStringLiteral("duplicate turn id %1").arg(shown(t.id)));
        ids.insert(t.id);
        QString state;
        if (!string(o, kState, path, &state))
            return false;
        const auto parsed = turnStateFromName(state);
        if (!parsed)
            return fail(at(path, kState),
                        QStringLiteral("unknown turn state %1 (answered, max_iterations, "
                                       "cancelled, failed, interrupted)")
                                .arg(shown(state)));
        t.state = *parsed;
        qint64 iterations = 0;
        const qint64 maxSeq = m_limits.maxEvents;
        if (!timestamp(o, kStarted, path, &t.started) || !timestamp(o, kEnded, path, &t.ended, true)
            || !integer(o, kIterations, path, 0, 1000000, &iterations)
            || !integer(o, kFirstSeq, path, 0, maxSeq, &t.firstSeq)
            || !integer(o, kLastSeq, path, 0, maxSeq, &t.lastSeq))
            return false;
        if (t.ended.isValid() && t.ended < t.started)
            return fail(at(path, kEnded), QStringLiteral("is before started"));
        if ((t.firstSeq == 0) != (t.lastSeq == 0) || t.lastSeq < t.firstSeq)
            return fail(at(path, kLastSeq),
                        QStringLiteral("first_seq %1 and last_seq %2 are not a span of events "
                                       "(both 0 for none)")
                                .arg(t.firstSeq)
                                .arg(t.lastSeq));
        t.iterations = int(iterations);
        if (t.state == TurnState::Running && i + 1 < list.size())
            return fail(at(path, kState),
                        QStringLiteral("only the last turn can be running (a session runs one "
                                       "turn at a time)"));
        turns->append(t);
    }
    return true;
}

bool Reader::readEvents(const QJsonObject &root, const QString &sourceId, const QString &newId,
                        const QList<TurnRecord> &turns, QList<StreamEvent> *events)
{
    QJsonArray list;
    if (!array(root, kEvents, m_limits.maxEvents, QStringLiteral("events"), &list))
        return false;
    QSet<QString> turnIds;
    for (const TurnRecord &t : turns)
        turnIds.insert(t.id);
    events->reserve(list.size());
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString path = at(QString(kEvents), i);
        QJsonObject o;
        if (!object(list.at(i), path, &o))
            return false;
        StreamEvent e;
        QString typeName;
        if (!string(o, kType, path, &typeName))
            return false;
        const auto type = streamEventTypeFromName(typeName);
        if (!type)
            return fail(at(path, kType),
                        QStringLiteral("unknown event type %1").arg(shown(typeName)));
        e.type = *type;
        // Seqs run 1..n in order: event i has seq i + 1.
        const qint64 expected = i + 1;
        if (!integer(o, kSeq, path, 1, kMaxJsonInteger, &e.seq))
            return false;
        if (e.seq < expected)
            return fail(at(path, kSeq),
                        QStringLiteral("duplicate seq %1 (events run 1, 2, 3, … in order; "
                                       "this one should be %2)")
                                .arg(e.seq)
                                .arg(expected));
        if (e.seq > expected)
            return fail(at(path, kSeq),
                        QStringLiteral("seq %1 leaves a gap: %2 is missing (events run 1, 2, "
                                       "3, … in order)")
                                .arg(e.seq)
                                .arg(expected));
        QString sessionId;
        if (!string(o, kSessionId, path, &sessionId))
            return false;
        if (sessionId != sourceId)
            return fail(at(path, kSessionId),
                        QStringLiteral("%1 is not this document's session (%2)")
                                .arg(shown(sessionId), shown(sourceId)));
        const QJsonValue turnId = o.value(kTurnId);
        if (turnId.isString()) {
            e.turnId = turnId.toString();
            if (!turnIds.contains(e.turnId))
                return fail(at(path, kTurnId),
                            QStringLiteral("%1 is not one of the document's turns")
                                    .arg(shown(e.turnId)));
        } else if (!turnId.isNull()) {
            return wrongType(at(path, kTurnId), turnId, QStringLiteral("a string or null"));
        }
        if (!timestamp(o, kTs, path, &e.ts) || !checkEventFields(o, e.type, path))
            return false;
        for (const QLatin1String &key : {kType, kSessionId, kTurnId, kSeq, kTs})
            o.remove(key);
        e.data = std::move(o);
        e.sessionId = newId;
        events->append(std::move(e));
    }
    return true;
}

bool Reader::checkEventFields(const QJsonObject &o, StreamEventType type, const QString &path)
{
    for (const FieldRule &rule : kFieldRules) {
        if (rule.type != type)
            continue;
        const QLatin1String key(rule.name);
        const QJsonValue v = o.value(key);
        if (v.isUndefined() && !rule.required)
            continue;
        if (!hasKind(v, rule.kind))
            return wrongType(at(path, key), v, kindName(rule.kind));
    }
    return true;
}

void Reader::closeRunningTurn(SessionArchive *archive, const QString &newId)
{
    // A session exported while its turn ran: nothing runs that turn here, so it is closed as
    // interrupted, as a restart closes a turn whose process died (readTurns allows only the
    // last turn to be running).
    if (archive->data.turns.isEmpty()
        || archive->data.turns.constLast().state != TurnState::Running)
        return;
    TurnRecord &t = archive->data.turns.last();
    StreamEvent e = InterruptedTurn::event(
            t.id, QStringLiteral("the session was exported while this turn ran"));
    e.sessionId = newId;
    e.seq = archive->events.size() + 1;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    e.ts = archive->events.isEmpty() ? now : std::max(now, archive->events.constLast().ts);
    archive->events.append(e);
    t.state = TurnState::Interrupted;
    t.ended = e.ts;
    t.lastSeq = e.seq;
    if (t.firstSeq == 0)
        t.firstSeq = e.seq;
}

bool Reader::checkTurnSpans(const QList<TurnRecord> &turns, const QList<StreamEvent> &events)
{
    // Each turn's first_seq and last_seq are its first and last event, as the stores keep
    // them; none of its events lies outside.
    QHash<QString, std::pair<qint64, qint64>> spans;
    for (const StreamEvent &e : events) {
        if (e.turnId.isEmpty())
            continue;
        auto it = spans.find(e.turnId);
        if (it == spans.end())
            spans.insert(e.turnId, {e.seq, e.seq});
        else
            it->second = e.seq;
    }
    for (qsizetype i = 0; i < turns.size(); ++i) {
        const TurnRecord &t = turns.at(i);
        const auto span = spans.value(t.id, {0, 0});
        if (span.first != t.firstSeq || span.second != t.lastSeq)
            return fail(at(QString(kTurns), i),
                        QStringLiteral("first_seq %1 and last_seq %2 do not match the turn's "
                                       "events (%3 to %4)")
                                .arg(t.firstSeq)
                                .arg(t.lastSeq)
                                .arg(span.first)
                                .arg(span.second));
    }
    return true;
}

} // namespace

namespace SessionDocument {

QString Error::text() const
{
    return path.isEmpty() ? message : path + QStringLiteral(": ") + message;
}

QJsonObject toJson(const SessionArchive &archive, const QDateTime &exported)
{
    const SessionRecord &r = archive.data.session;
    QJsonArray messages;
    for (const ChatMessage &m : archive.data.messages)
        messages.append(MessageCodec::toJson(m));
    QJsonArray turns;
    for (const TurnRecord &t : archive.data.turns)
        turns.append(QJsonObject {{kId, t.id},
                                  {kState, turnStateName(t.state)},
                                  {kStarted, formatOrNull(t.started)},
                                  {kEnded, formatOrNull(t.ended)},
                                  {kIterations, t.iterations},
                                  {kFirstSeq, t.firstSeq},
                                  {kLastSeq, t.lastSeq}});
    QJsonArray events;
    for (const StreamEvent &e : archive.events)
        events.append(e.toJson());
    return QJsonObject {
            {kFormatKey, QLatin1String(kFormat)},
            {kVersionKey, kVersion},
            {kExported, format(exported.isValid() ? exported : QDateTime::currentDateTimeUtc())},
            {kSession,
             QJsonObject {{kId, r.id},
                          {kTitle, r.title},
                          {kRenamed, r.renamed},
                          {kCreated, formatOrNull(r.created)},
                          {kUpdated, formatOrNull(r.updated)},
                          {kTurnCount, r.turnCount}}},
            {kMessages, messages},
            {kTurns, turns},
            {kEvents, events},
    };
}

QByteArray toBytes(const SessionArchive &archive, const QDateTime &exported, bool indented)
{
    return QJsonDocument(toJson(archive, exported))
            .toJson(indented ? QJsonDocument::Indented : QJsonDocument::Compact);
}

std::optional<SessionArchive> fromBytes(const QByteArray &document, const QString &newId,
                                        Error *error, const Limits &limits)
{
    Reader reader(limits, error);
    return reader.read(document, newId);
}

} // namespace SessionDocument
