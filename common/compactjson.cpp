#include "compactjson.h"

#include <QLocale>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

namespace CompactJson {

namespace {

/// True when the UTF-16 unit needs more than a copy of its low byte: not printable ASCII, or a
/// quote or a backslash.
constexpr bool needsCare(char16_t u)
{
    return u < 0x20 || u >= 0x80 || u == '"' || u == '\\';
}

/// Copies the leading units of `text` that need no care to `w`, one byte each; returns how many.
qsizetype copyPlain(const char16_t *text, qsizetype size, char *w)
{
    qsizetype i = 0;
#ifdef __SSE2__
    // Sixteen units a step: every unit - 0x20 (wrapping) must be at most 0x5f (so 0x20 to
    // 0x7f), and none may be a quote or a backslash; then the two halves are packed to bytes.
    const __m128i base = _mm_set1_epi16(0x20);
    const __m128i span = _mm_set1_epi16(0x5f);
    const __m128i quote = _mm_set1_epi16('"');
    const __m128i backslash = _mm_set1_epi16('\\');
    const __m128i zero = _mm_setzero_si128();
    const auto bad = [&](__m128i v) {
        const __m128i outside = _mm_subs_epu16(_mm_sub_epi16(v, base), span);
        return _mm_or_si128(outside,
                            _mm_or_si128(_mm_cmpeq_epi16(v, quote), _mm_cmpeq_epi16(v, backslash)));
    };
    for (; i + 16 <= size; i += 16) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i *>(text + i));
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(text + i + 8));
        const __m128i any = _mm_or_si128(bad(a), bad(b));
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(any, zero)) != 0xffff)
            break; // the scalar loop below finds the unit
        _mm_storeu_si128(reinterpret_cast<__m128i *>(w + i), _mm_packus_epi16(a, b));
    }
#endif
    for (; i < size; ++i) {
        if (needsCare(text[i]))
            break;
        w[i] = char(text[i]);
    }
    return i;
}

} // namespace

void appendString(QByteArray *out, QStringView text)
{
    // ASCII with nothing to escape (ids, names, most English text) is copied as it is, in one
    // pass.
    const qsizetype at = out->size();
    out->resize(at + text.size() + 2);
    char *w = out->data() + at;
    *w++ = '"';
    const qsizetype copied = copyPlain(text.utf16(), text.size(), w);
    const bool plain = copied == text.size();
    w += copied;
    if (plain) {
        *w = '"';
        return;
    }
    // The plain start stays; the rest goes through UTF-8 with the escapes.
    out->truncate(at + 1 + copied);
    const QByteArray utf8 = text.sliced(copied).toUtf8();
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
