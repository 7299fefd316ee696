#include "elicitationschema.h"

#include "configreader.h"
#include "jsonpositions.h"

#include <QDate>
#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>
#include <QTime>
#include <QUrl>

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

using Type = ElicitationSchema::Type;
using Field = ElicitationSchema::Field;

/// The largest integer a JSON number (a double) holds exactly.
constexpr double kMaxSafeInteger = 9007199254740992.0;

QString capped(const QString &text, int max)
{
    if (text.size() <= max)
        return text;
    return text.left(max - 1) + QChar(0x2026);
}

bool isWhole(double v)
{
    return std::isfinite(v) && std::floor(v) == v && std::fabs(v) <= kMaxSafeInteger;
}

QString number(double v)
{
    return QString::number(v, 'g', 15);
}

/// Reads one property; sets `*error` (a sentence about the field) when it is not usable.
class FieldReader
{
public:
    FieldReader(const QString &name, const QJsonObject &p)
        : m_name(name)
        , m_p(p)
    { }

    std::optional<Field> read(QString *error)
    {
        Field f;
        f.name = m_name;
        f.title = capped(text(QStringLiteral("title")), ElicitationSchema::kMaxTitleChars);
        f.description = capped(text(QStringLiteral("description")),
                               ElicitationSchema::kMaxDescriptionChars);
        if (f.title.trimmed().isEmpty())
            f.title = capped(m_name, ElicitationSchema::kMaxTitleChars);
        if (!m_error.isEmpty()) {
            *error = m_error;
            return std::nullopt;
        }

        const QJsonValue typeValue = m_p.value(QStringLiteral("type"));
        QString type = typeValue.toString();
        if (typeValue.isUndefined()) {
            if (m_p.contains(QStringLiteral("enum")) || m_p.contains(QStringLiteral("oneOf")))
                type = QStringLiteral("string");
            else
                return fail(error, QStringLiteral("has no \"type\""));
        } else if (!typeValue.isString()) {
            return fail(error,
                        QStringLiteral("has a \"type\" that is %1, not one of string, number, "
                                       "integer, boolean, array")
                                .arg(ConfigReader::typeName(typeValue)));
        }

        if (type == QLatin1String("string")) {
            if (m_p.contains(QStringLiteral("enum")) || m_p.contains(QStringLiteral("oneOf"))) {
                f.type = Type::Enum;
                readOptions(m_p, &f);
            } else {
                f.type = Type::String;
                readString(&f);
            }
        } else if (type == QLatin1String("number") || type == QLatin1String("integer")) {
            f.type = type == QLatin1String("number") ? Type::Number : Type::Integer;
            f.minimum = bound(QStringLiteral("minimum"), f.type == Type::Integer);
            f.maximum = bound(QStringLiteral("maximum"), f.type == Type::Integer);
            if (f.minimum && f.maximum && *f.minimum > *f.maximum)
                m_error = QStringLiteral("has a minimum (%1) above its maximum (%2)")
                                  .arg(number(*f.minimum), number(*f.maximum));
        } else if (type == QLatin1String("boolean")) {
            f.type = Type::Boolean;
        } else if (type == QLatin1String("array")) {
            f.type = Type::MultiEnum;
            readMulti(&f);
        } else if (type == QLatin1String("object")) {
            return fail(error,
                        QStringLiteral("is a nested object; an elicitation form holds only text, "
                                       "numbers, booleans and choices"));
        } else {
            return fail(error,
                        QStringLiteral("has the unknown type \"%1\"")
                                .arg(capped(type, ElicitationSchema::kMaxTitleChars)));
        }
        if (!m_error.isEmpty()) {
            *error = m_error;
            return std::nullopt;
        }
        readDefault(&f);
        return f;
    }

private:
    std::optional<Field> fail(QString *error, const QString &why)
    {
        *error = why;
        return std::nullopt;
    }

    QString text(const QString &key)
    {
        const QJsonValue v = m_p.value(key);
        if (v.isUndefined() || v.isNull())
            return {};
        if (!v.isString()) {
            setError(QStringLiteral("has a \"%1\" that is %2, not a string")
                             .arg(key, ConfigReader::typeName(v)));
            return {};
        }
        return v.toString();
    }

    void setError(const QString &why)
    {
        if (m_error.isEmpty())
            m_error = why;
    }

    /// A non-negative whole number (a length or a count); -1 when absent.
    int count(const QString &key, int max)
    {
        const QJsonValue v = m_p.value(key);
        if (v.isUndefined() || v.isNull())
            return -1;
        const double d = v.toDouble(-1);
        if (!v.isDouble() || !isWhole(d) || d < 0) {
            setError(QStringLiteral("has a \"%1\" that is not a whole number of 0 or more")
                             .arg(key));
            return -1;
        }
        return int(std::min(d, double(max)));
    }

    std::optional<double> bound(const QString &key, bool integer)
    {
        const QJsonValue v = m_p.value(key);
        if (v.isUndefined() || v.isNull())
            return std::nullopt;
        if (!v.isDouble() || !std::isfinite(v.toDouble())) {
            setError(QStringLiteral("has a \"%1\" that is %2, not a number")
                             .arg(key, ConfigReader::typeName(v)));
            return std::nullopt;
        }
        const double d = v.toDouble();
        // An integer field's bounds round inwards: minimum 0.5 allows 1 and up.
        if (integer)
            return key == QLatin1String("minimum") ? std::ceil(d) : std::floor(d);
        return d;
    }

    void readString(Field *f)
    {
        f->minLength = count(QStringLiteral("minLength"), ElicitationSchema::kMaxValueChars + 1);
        f->maxLength = count(QStringLiteral("maxLength"), ElicitationSchema::kMaxValueChars);
        if (f->minLength >= 0 && f->maxLength >= 0 && f->minLength > f->maxLength)
            setError(QStringLiteral("has a minLength (%1) above its maxLength (%2)")
                             .arg(f->minLength)
                             .arg(f->maxLength));
        const QString format = text(QStringLiteral("format"));
        if (format == QLatin1String("email") || format == QLatin1String("uri")
            || format == QLatin1String("date") || format == QLatin1String("date-time"))
            f->format = format;
        else if (!format.isEmpty())
            setError(QStringLiteral("has the unknown format \"%1\" (use email, uri, date or "
                                    "date-time)")
                             .arg(capped(format, 40)));
        f->pattern = text(QStringLiteral("pattern"));
        if (f->pattern.size() > ElicitationSchema::kMaxPatternChars)
            setError(QStringLiteral("has a pattern longer than %1 characters")
                             .arg(ElicitationSchema::kMaxPatternChars));
        else if (!f->pattern.isEmpty() && !QRegularExpression(f->pattern).isValid())
            setError(QStringLiteral("has a pattern that is not a valid regular expression"));
    }

    /// `enum` (+ legacy `enumNames`) or `oneOf`/`anyOf` of {const, title} in `holder`.
    void readOptions(const QJsonObject &holder, Field *f)
    {
        QSet<QString> seen;
        auto add = [&](const QJsonValue &value, const QString &label) {
            if (!value.isString()) {
                setError(QStringLiteral("has an option that is %1, not a string")
                                 .arg(ConfigReader::typeName(value)));
                return;
            }
            const QString v = value.toString();
            if (v.size() > ElicitationSchema::kMaxOptionValueChars) {
                setError(QStringLiteral("has an option longer than %1 characters")
                                 .arg(ElicitationSchema::kMaxOptionValueChars));
                return;
            }
            if (seen.contains(v))
                return;
            seen.insert(v);
            const QString shown = label.trimmed().isEmpty() ? v : label;
            f->options.append({v, capped(shown, ElicitationSchema::kMaxOptionLabelChars)});
        };
        auto tooMany = [&](qsizetype n) {
            if (n <= ElicitationSchema::kMaxOptions)
                return false;
            setError(QStringLiteral("offers %1 options; at most %2 are allowed")
                             .arg(n)
                             .arg(ElicitationSchema::kMaxOptions));
            return true;
        };

        const QJsonValue enumValue = holder.value(QStringLiteral("enum"));
        QJsonValue titled = holder.value(QStringLiteral("oneOf"));
        if (titled.isUndefined())
            titled = holder.value(QStringLiteral("anyOf"));
        if (!enumValue.isUndefined()) {
            if (!enumValue.isArray()) {
                setError(QStringLiteral("has an \"enum\" that is %1, not an array")
                                 .arg(ConfigReader::typeName(enumValue)));
                return;
            }
            const QJsonArray values = enumValue.toArray();
            if (tooMany(values.size()))
                return;
            const QJsonValue namesValue = holder.value(QStringLiteral("enumNames"));
            QJsonArray names;
            if (namesValue.isArray())
                names = namesValue.toArray();
            else if (!namesValue.isUndefined() && !namesValue.isNull())
                setError(QStringLiteral("has \"enumNames\" that are %1, not an array")
                                 .arg(ConfigReader::typeName(namesValue)));
            for (qsizetype i = 0; i < values.size() && m_error.isEmpty(); ++i) {
                const QJsonValue name = names.at(i);
                if (!name.isUndefined() && !name.isString()) {
                    setError(QStringLiteral("has an enumName that is %1, not a string")
                                     .arg(ConfigReader::typeName(name)));
                    break;
                }
                add(values.at(i), name.toString());
            }
        } else if (!titled.isUndefined()) {
            if (!titled.isArray()) {
                setError(QStringLiteral("has a \"oneOf\"/\"anyOf\" that is %1, not an array")
                                 .arg(ConfigReader::typeName(titled)));
                return;
            }
            const QJsonArray items = titled.toArray();
            if (tooMany(items.size()))
                return;
            for (qsizetype i = 0; i < items.size() && m_error.isEmpty(); ++i) {
                if (!items.at(i).isObject()) {
                    setError(QStringLiteral("has an option that is %1, not an object with "
                                            "\"const\" and \"title\"")
                                     .arg(ConfigReader::typeName(items.at(i))));
                    break;
                }
                const QJsonObject item = items.at(i).toObject();
                const QJsonValue title = item.value(QStringLiteral("title"));
                if (!title.isUndefined() && !title.isString()) {
                    setError(QStringLiteral("has an option title that is %1, not a string")
                                     .arg(ConfigReader::typeName(title)));
                    break;
                }
                add(item.value(QStringLiteral("const")), title.toString());
            }
        }
        if (m_error.isEmpty() && f->options.isEmpty())
            setError(QStringLiteral("offers no options to choose from"));
    }

    void readMulti(Field *f)
    {
        const QJsonValue items = m_p.value(QStringLiteral("items"));
        if (!items.isObject()) {
            setError(QStringLiteral("is an array without \"items\" that list its choices; an "
                                    "elicitation form allows arrays only as a multi-select"));
            return;
        }
        const QJsonObject itemSchema = items.toObject();
        const QJsonValue itemType = itemSchema.value(QStringLiteral("type"));
        if (!itemType.isUndefined() && itemType != QJsonValue(QStringLiteral("string"))) {
            setError(QStringLiteral("is an array of something other than a choice of strings; "
                                    "an elicitation form allows arrays only as a multi-select"));
            return;
        }
        if (!itemSchema.contains(QStringLiteral("enum"))
            && !itemSchema.contains(QStringLiteral("anyOf"))
            && !itemSchema.contains(QStringLiteral("oneOf"))) {
            setError(QStringLiteral("is an array whose items list no choices (\"enum\" or "
                                    "\"anyOf\")"));
            return;
        }
        readOptions(itemSchema, f);
        f->minItems = count(QStringLiteral("minItems"), ElicitationSchema::kMaxOptions + 1);
        f->maxItems = count(QStringLiteral("maxItems"), ElicitationSchema::kMaxOptions);
        if (f->minItems >= 0 && f->maxItems >= 0 && f->minItems > f->maxItems)
            setError(QStringLiteral("has a minItems (%1) above its maxItems (%2)")
                             .arg(f->minItems)
                             .arg(f->maxItems));
    }

    /// A default of the wrong type (or not among the options) is left out, not an error: the
    /// field then starts empty, which the user can see and fill in.
    void readDefault(Field *f)
    {
        const QJsonValue d = m_p.value(QStringLiteral("default"));
        auto isOption = [f](const QJsonValue &v) {
            for (const auto &o : std::as_const(f->options)) {
                if (v.isString() && o.value == v.toString())
                    return true;
            }
            return false;
        };
        bool usable = false;
        switch (f->type) {
        case Type::String:
            usable = d.isString() && d.toString().size() <= ElicitationSchema::kMaxValueChars;
            break;
        case Type::Number:
            usable = d.isDouble() && std::isfinite(d.toDouble());
            break;
        case Type::Integer:
            usable = d.isDouble() && isWhole(d.toDouble());
            break;
        case Type::Boolean:
            usable = d.isBool();
            break;
        case Type::Enum:
            usable = isOption(d);
            break;
        case Type::MultiEnum:
            usable = d.isArray();
            for (const QJsonValue &v : d.toArray())
                usable = usable && isOption(v);
            break;
        }
        if (usable)
            f->defaultValue = f->type == Type::Integer ? QJsonValue(qint64(d.toDouble())) : d;
    }

    QString m_name;
    QJsonObject m_p;
    QString m_error;
};

bool isEmail(const QString &s)
{
    static const QRegularExpression re(
            QStringLiteral("^[^\\s@\"<>()\\[\\],;:]+@[^\\s@.\"<>()\\[\\],;:]+"
                           "(\\.[^\\s@.\"<>()\\[\\],;:]+)*$"));
    return re.match(s).hasMatch();
}

bool isUri(const QString &s)
{
    static const QRegularExpression scheme(QStringLiteral("^[A-Za-z][A-Za-z0-9+.-]*:\\S+$"));
    return scheme.match(s).hasMatch() && QUrl(s, QUrl::StrictMode).isValid();
}

bool isDate(const QString &s)
{
    static const QRegularExpression re(QStringLiteral("^(\\d{4})-(\\d{2})-(\\d{2})$"));
    const QRegularExpressionMatch m = re.match(s);
    return m.hasMatch()
            && QDate(m.captured(1).toInt(), m.captured(2).toInt(), m.captured(3).toInt()).isValid();
}

/// RFC 3339: 2025-11-25T14:30:00Z, with optional fraction and a zone (Z or ±hh:mm).
bool isDateTime(const QString &s)
{
    static const QRegularExpression re(
            QStringLiteral("^(\\d{4}-\\d{2}-\\d{2})[Tt ](\\d{2}):(\\d{2}):(\\d{2})(\\.\\d{1,9})?"
                           "([Zz]|[+-](\\d{2}):(\\d{2}))$"));
    const QRegularExpressionMatch m = re.match(s);
    if (!m.hasMatch() || !isDate(m.captured(1)))
        return false;
    // A leap second (60) is valid in RFC 3339.
    const int second = m.captured(4).toInt();
    if (!QTime(m.captured(2).toInt(), m.captured(3).toInt(), std::min(second, 59)).isValid()
        || second > 60)
        return false;
    return m.captured(7).isEmpty() || (m.captured(7).toInt() <= 23 && m.captured(8).toInt() <= 59);
}

QString rangeText(const std::optional<double> &min, const std::optional<double> &max)
{
    if (min && max)
        return QStringLiteral("Between %1 and %2").arg(number(*min), number(*max));
    if (min)
        return QStringLiteral("At least %1").arg(number(*min));
    return QStringLiteral("At most %1").arg(number(*max));
}

} // namespace

ElicitationSchema ElicitationSchema::parse(const QJsonObject &schema)
{
    ElicitationSchema out;
    auto refuse = [&out](const QString &why) {
        out.fields.clear();
        out.error = why;
        return out;
    };
    const QJsonValue type = schema.value(QStringLiteral("type"));
    if (!type.isUndefined() && type != QJsonValue(QStringLiteral("object")))
        return refuse(QStringLiteral("The form's schema is not an object schema (its \"type\" is "
                                     "not \"object\")."));
    const QJsonValue propertiesValue = schema.value(QStringLiteral("properties"));
    if (!propertiesValue.isUndefined() && !propertiesValue.isObject())
        return refuse(QStringLiteral("The form's \"properties\" are %1, not an object.")
                              .arg(ConfigReader::typeName(propertiesValue)));
    const QJsonObject properties = propertiesValue.toObject();
    if (properties.size() > kMaxFields)
        return refuse(QStringLiteral("The form asks for %1 fields; at most %2 are allowed.")
                              .arg(properties.size())
                              .arg(kMaxFields));

    QSet<QString> required;
    const QJsonValue requiredValue = schema.value(QStringLiteral("required"));
    if (!requiredValue.isUndefined() && !requiredValue.isNull()) {
        if (!requiredValue.isArray())
            return refuse(QStringLiteral("The form's \"required\" is %1, not a list of names.")
                                  .arg(ConfigReader::typeName(requiredValue)));
        const QJsonArray names = requiredValue.toArray();
        if (names.size() > kMaxFields)
            return refuse(QStringLiteral("The form's \"required\" lists %1 names; at most %2 "
                                         "are allowed.")
                                  .arg(names.size())
                                  .arg(kMaxFields));
        for (const QJsonValue &n : names) {
            if (!n.isString())
                return refuse(QStringLiteral("The form's \"required\" holds %1, not a name.")
                                      .arg(ConfigReader::typeName(n)));
            required.insert(n.toString());
        }
    }

    for (auto it = properties.begin(); it != properties.end(); ++it) {
        const QString name = it.key();
        const QString shown = QStringLiteral("\"%1\"").arg(capped(name, 40));
        if (name.size() > kMaxNameChars)
            return refuse(QStringLiteral("The form's field %1 has a name longer than %2 "
                                         "characters.")
                                  .arg(shown)
                                  .arg(kMaxNameChars));
        if (!it.value().isObject())
            return refuse(QStringLiteral("The form's field %1 is %2, not a field description.")
                                  .arg(shown, ConfigReader::typeName(it.value())));
        QString why;
        std::optional<Field> field = FieldReader(name, it.value().toObject()).read(&why);
        if (!field)
            return refuse(QStringLiteral("The form's field %1 %2.").arg(shown, why));
        field->required = required.contains(name);
        out.fields.append(*field);
    }
    return out;
}

bool ElicitationSchema::answered(const Field &field, const QJsonValue &value)
{
    if (value.isUndefined() || value.isNull())
        return false;
    if ((field.type == Type::String || field.type == Type::Enum) && value.isString())
        return !value.toString().isEmpty();
    if (field.type == Type::MultiEnum && value.isArray())
        return !value.toArray().isEmpty() || field.minItems == 0;
    return true;
}

QString ElicitationSchema::check(const Field &field, const QJsonValue &value)
{
    if (!answered(field, value)) {
        if (!field.required)
            return {};
        if (field.type == Type::MultiEnum)
            return field.minItems > 1 ? QStringLiteral("Choose at least %1").arg(field.minItems)
                                      : QStringLiteral("Choose at least one");
        return QStringLiteral("Required");
    }
    switch (field.type) {
    case Type::String: {
        if (!value.isString())
            return QStringLiteral("Must be text");
        const QString s = value.toString();
        if (s.size() > kMaxValueChars)
            return QStringLiteral("At most %1 characters").arg(kMaxValueChars);
        // JSON Schema counts characters (code points), not UTF-16 units.
        const qsizetype length = s.toUcs4().size();
        if (field.minLength >= 0 && length < field.minLength)
            return field.minLength == 1
                    ? QStringLiteral("Required")
                    : QStringLiteral("At least %1 characters").arg(field.minLength);
        if (field.maxLength >= 0 && length > field.maxLength)
            return QStringLiteral("At most %1 characters").arg(field.maxLength);
        if (field.format == QLatin1String("email") && !isEmail(s))
            return QStringLiteral("Not an email address (name@example.com)");
        if (field.format == QLatin1String("uri") && !isUri(s))
            return QStringLiteral("Not a URI (https://example.com/…)");
        if (field.format == QLatin1String("date") && !isDate(s))
            return QStringLiteral("Not a date (YYYY-MM-DD)");
        if (field.format == QLatin1String("date-time") && !isDateTime(s))
            return QStringLiteral("Not a date and time (YYYY-MM-DDThh:mm:ssZ)");
        if (!field.pattern.isEmpty()) {
            const QRegularExpression re(field.pattern);
            if (!re.match(s).hasMatch())
                return QStringLiteral("Does not have the form this field asks for");
        }
        return {};
    }
    case Type::Number:
    case Type::Integer: {
        const double v = value.toDouble();
        if (!value.isDouble() || !std::isfinite(v))
            return field.type == Type::Integer ? QStringLiteral("Not a whole number")
                                               : QStringLiteral("Not a number");
        if (field.type == Type::Integer && !isWhole(v))
            return QStringLiteral("Not a whole number");
        if ((field.minimum && v < *field.minimum) || (field.maximum && v > *field.maximum))
            return rangeText(field.minimum, field.maximum);
        return {};
    }
    case Type::Boolean:
        return value.isBool() ? QString() : QStringLiteral("Must be yes or no");
    case Type::Enum:
        for (const Option &o : field.options) {
            if (value.isString() && o.value == value.toString())
                return {};
        }
        return QStringLiteral("Choose one of the options");
    case Type::MultiEnum: {
        if (!value.isArray())
            return QStringLiteral("Choose from the options");
        const QJsonArray chosen = value.toArray();
        QSet<QString> seen;
        for (const QJsonValue &v : chosen) {
            bool known = false;
            for (const Option &o : field.options)
                known = known || (v.isString() && o.value == v.toString());
            if (!known)
                return QStringLiteral("Choose from the options");
            if (seen.contains(v.toString()))
                return QStringLiteral("An option is chosen twice");
            seen.insert(v.toString());
        }
        const int min = std::max(field.minItems, field.required ? 1 : 0);
        if (chosen.size() < min && !(field.minItems == 0 && chosen.isEmpty()))
            return min == 1 ? QStringLiteral("Choose at least one")
                            : QStringLiteral("Choose at least %1").arg(min);
        if (field.maxItems >= 0 && chosen.size() > field.maxItems)
            return field.maxItems == 1 ? QStringLiteral("Choose at most one")
                                       : QStringLiteral("Choose at most %1").arg(field.maxItems);
        return {};
    }
    }
    return {};
}

QString ElicitationSchema::typeName(Type type)
{
    switch (type) {
    case Type::String:
        return QStringLiteral("string");
    case Type::Number:
        return QStringLiteral("number");
    case Type::Integer:
        return QStringLiteral("integer");
    case Type::Boolean:
        return QStringLiteral("boolean");
    case Type::Enum:
        return QStringLiteral("enum");
    case Type::MultiEnum:
        return QStringLiteral("multiEnum");
    }
    return {};
}

QStringList ElicitationSchema::propertyOrder(const QByteArray &requestText,
                                             const QJsonObject &properties)
{
    if (requestText.isEmpty() || properties.isEmpty() || properties.size() > kMaxFields)
        return {};
    const JsonPositions positions = JsonPositions::scan(requestText);
    const QString base = JsonPositions::child(
            JsonPositions::child(JsonPositions::child(QString(), QStringLiteral("params")),
                                 QStringLiteral("requestedSchema")),
            QStringLiteral("properties"));
    struct At
    {
        int line;
        int column;
        QString name;
    };
    std::vector<At> found;
    for (auto it = properties.begin(); it != properties.end(); ++it) {
        const JsonPositions::Position p = positions.key(JsonPositions::child(base, it.key()));
        if (p.line <= 0)
            return {}; // not this request's text
        found.push_back({p.line, p.column, it.key()});
    }
    std::sort(found.begin(), found.end(), [](const At &a, const At &b) {
        return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    QStringList order;
    for (const At &a : found)
        order << a.name;
    return order;
}

void ElicitationSchema::applyOrder(QList<Field> &fields, const QStringList &order)
{
    if (order.isEmpty())
        return;
    auto rank = [&order](const Field &f) {
        const qsizetype at = order.indexOf(f.name);
        return at < 0 ? order.size() : at;
    };
    std::stable_sort(fields.begin(), fields.end(),
                     [&rank](const Field &a, const Field &b) { return rank(a) < rank(b); });
}
