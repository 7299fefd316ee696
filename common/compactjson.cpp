#include "compactjson.h"

#include <QLocale>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

namespace CompactJson {

void appendString(QByteArray *out, QStringView text)
{
    // ASCII with nothing to escape (ids, names, most English text) is copied as it is, in one
    // pass; anything else starts again through UTF-8 with the escapes.
    const qsizetype at = out->size();
    out->resize(at + text.size() + 2);
    char *w = out->data() + at;
    *w++ = '"';
    bool plain = true;
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (u < 0x20 || u >= 0x80 || u == '"' || u == '\\') {
            plain = false;
            break;
        }
        *w++ = char(u);
    }
    if (plain) {
        *w = '"';
        return;
    }
    out->truncate(at);
    const QByteArray utf8 = text.toUtf8();
    out->append('"');
    qsizetype run = 0; // the first byte not copied yet
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        const auto u = static_cast<unsigned char>(utf8.at(i));
        if (u >= 0x20 && u != '"' && u != '\\')
            continue;
        out->append(utf8.constData() + run, i - run);
        run = i + 1;
        if (u == '"' || u == '\\') {
            out->append('\\');
            out->append(char(u));
        } else {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", unsigned(u));
            out->append(escaped);
        }
    }
    out->append(utf8.constData() + run, utf8.size() - run);
    out->append('"');
}

namespace {
/// A QJsonValue or a QJsonValueConstRef (an object's or array's element, read in place).
template<typename Value> void appendAny(QByteArray *out, const Value &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out->append("null");
        return;
    case QJsonValue::Bool:
        out->append(value.toBool() ? "true" : "false");
        return;
    case QJsonValue::Double: {
        // Integral values are written as integers (as QJsonDocument does for the integers it
        // stores), the rest as the shortest text that reads back the same double.
        const double d = value.toDouble();
        if (!std::isfinite(d)) {
            out->append("null");
            return;
        }
        constexpr qint64 kNone = std::numeric_limits<qint64>::min();
        const qint64 i = value.toInteger(kNone);
        if (i != kNone) {
            char digits[24];
            char *end = digits + sizeof digits;
            char *w = end;
            quint64 u = i < 0 ? 0 - quint64(i) : quint64(i);
            do {
                *--w = char('0' + u % 10);
                u /= 10;
            } while (u > 0);
            if (i < 0)
                *--w = '-';
            out->append(w, end - w);
        } else
            out->append(QByteArray::number(d, 'g', QLocale::FloatingPointShortest));
        return;
    }
    case QJsonValue::String:
        appendString(out, value.toString());
        return;
    case QJsonValue::Array:
        appendArray(out, QJsonValue(value).toArray());
        return;
    case QJsonValue::Object:
        appendObject(out, QJsonValue(value).toObject());
        return;
    }
}
} // namespace

void appendValue(QByteArray *out, const QJsonValue &value)
{
    appendAny(out, value);
}

void appendValue(QByteArray *out, QJsonValueConstRef value)
{
    appendAny(out, value);
}

void appendObject(QByteArray *out, const QJsonObject &object)
{
    out->append('{');
    bool first = true;
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        if (!std::exchange(first, false))
            out->append(',');
        appendString(out, it.key());
        out->append(':');
        appendValue(out, it.value());
    }
    out->append('}');
}

void appendArray(QByteArray *out, const QJsonArray &array)
{
    out->append('[');
    bool first = true;
    for (auto it = array.constBegin(); it != array.constEnd(); ++it) {
        if (!std::exchange(first, false))
            out->append(',');
        appendValue(out, *it);
    }
    out->append(']');
}

QByteArray object(const QJsonObject &object)
{
    QByteArray out;
    out.reserve(256);
    appendObject(&out, object);
    return out;
}

} // namespace CompactJson
