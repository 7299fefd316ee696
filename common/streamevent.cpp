#include "streamevent.h"

#include <QJsonValue>
#include <QTimeZone>

#include <array>

namespace {

struct TypeName
{
    StreamEventType type;
    const char *name;
};

constexpr std::array<TypeName, 12> kTypeNames {{
        {StreamEventType::SessionStart, "session_start"},
        {StreamEventType::Thinking, "thinking"},
        {StreamEventType::PartialResponse, "partial_response"},
        {StreamEventType::ToolCall, "tool_call"},
        {StreamEventType::Acting, "acting"},
        {StreamEventType::Observing, "observing"},
        {StreamEventType::FinalResponse, "final_response"},
        {StreamEventType::Error, "error"},
        {StreamEventType::SessionEnd, "session_end"},
        {StreamEventType::Elicitation, "elicitation"},
        {StreamEventType::Sampling, "sampling"},
        {StreamEventType::StreamReset, "stream_reset"},
}};

const QLatin1String kType("type");
const QLatin1String kSessionId("session_id");
const QLatin1String kTurnId("turn_id");
const QLatin1String kSeq("seq");
const QLatin1String kTs("ts");

} // namespace

QLatin1String streamEventTypeLatin1(StreamEventType type)
{
    for (const TypeName &t : kTypeNames) {
        if (t.type == type)
            return QLatin1String(t.name);
    }
    return {};
}

QString streamEventTypeName(StreamEventType type)
{
    return streamEventTypeLatin1(type);
}

std::optional<StreamEventType> streamEventTypeFromName(const QString &name)
{
    for (const TypeName &t : kTypeNames) {
        if (name == QLatin1String(t.name))
            return t.type;
    }
    return std::nullopt;
}

StreamEvent StreamEvent::make(StreamEventType type, const QJsonObject &data, const QString &turnId)
{
    StreamEvent event;
    event.type = type;
    event.data = data;
    event.turnId = turnId;
    return event;
}

QJsonObject StreamEvent::toJson() const
{
    QJsonObject object = data;
    object.insert(kType, typeName());
    object.insert(kSessionId, sessionId);
    object.insert(kTurnId, turnId.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(turnId));
    object.insert(kSeq, seq);
    object.insert(kTs, formatTimestamp(ts));
    return object;
}

std::optional<StreamEvent> StreamEvent::fromJson(const QJsonObject &object)
{
    return fromJson(QJsonObject(object));
}

std::optional<StreamEvent> StreamEvent::fromJson(QJsonObject &&object)
{
    const auto type = streamEventTypeFromName(object.value(kType).toString());
    if (!type || !object.value(kSeq).isDouble())
        return std::nullopt;
    StreamEvent event;
    event.type = *type;
    event.sessionId = object.value(kSessionId).toString();
    event.turnId = object.value(kTurnId).toString();
    event.seq = object.value(kSeq).toInteger();
    event.ts = parseTimestamp(object.value(kTs).toString());
    for (const QLatin1String &key : {kType, kSessionId, kTurnId, kSeq, kTs})
        object.remove(key);
    event.data = std::move(object);
    return event;
}

QString StreamEvent::formatTimestamp(const QDateTime &time)
{
    if (!time.isValid())
        return {};
    return time.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzz")) + QLatin1Char('Z');
}

QDateTime StreamEvent::parseTimestamp(const QString &text)
{
    // Fast path for the one form the API writes, "2026-01-02T03:04:05.678Z" (a client parses
    // one per event); anything else goes through Qt's ISO 8601 parser.
    if (text.size() == 24 && text.at(4) == u'-' && text.at(7) == u'-' && text.at(10) == u'T'
        && text.at(13) == u':' && text.at(16) == u':' && text.at(19) == u'.'
        && text.at(23) == u'Z') {
        const auto num = [&text](int at, int n) {
            int v = 0;
            for (int i = at; i < at + n; ++i) {
                const char16_t c = text.at(i).unicode();
                if (c < u'0' || c > u'9')
                    return -1;
                v = v * 10 + (c - u'0');
            }
            return v;
        };
        const QDate date(num(0, 4), num(5, 2), num(8, 2));
        const QTime time(num(11, 2), num(14, 2), num(17, 2), num(20, 3));
        if (date.isValid() && time.isValid()) {
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
            return QDateTime(date, time, QTimeZone::UTC); // the Qt::TimeSpec form is deprecated
#else
            return QDateTime(date, time, Qt::UTC);
#endif
        }
    }
    QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    return time.isValid() ? time.toUTC() : time;
}

QDateTime StreamEvent::utcFromMSecs(qint64 ms)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    return QDateTime::fromMSecsSinceEpoch(ms,
                                          QTimeZone::UTC); // the Qt::TimeSpec form is deprecated
#else
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
#endif
}
