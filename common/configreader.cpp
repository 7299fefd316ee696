#include "configreader.h"

ConfigReader::ConfigReader(QString file, JsonPositions positions)
    : m_file(std::move(file))
    , m_positions(std::move(positions))
{ }

void ConfigReader::error(const QString &pointer, const QString &message)
{
    const JsonPositions::Position at = m_positions.value(pointer);
    m_errors.append({m_file, at.line, at.column, message});
}

void ConfigReader::errorAtKey(const QString &pointer, const QString &message)
{
    const JsonPositions::Position at = m_positions.key(pointer);
    m_errors.append({m_file, at.line, at.column, message});
}

QString ConfigReader::settingName(const QString &pointer)
{
    QStringList parts = pointer.split(QLatin1Char('/'));
    if (!parts.isEmpty() && parts.first().isEmpty())
        parts.removeFirst();
    for (QString &p : parts) {
        p.replace(QLatin1String("~1"), QLatin1String("/"));
        p.replace(QLatin1String("~0"), QLatin1String("~"));
    }
    return parts.join(QLatin1Char('.'));
}

QString ConfigReader::typeName(const QJsonValue &v)
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

bool ConfigReader::typed(const QJsonValue &value, QJsonValue::Type type, const QString &pointer,
                         const char *expected)
{
    if (value.type() == type)
        return true;
    error(pointer,
          QStringLiteral("%1 must be %2, not %3")
                  .arg(settingName(pointer), QLatin1String(expected), typeName(value)));
    return false;
}

std::optional<double> ConfigReader::number(const QJsonObject &object, const QString &at,
                                           const QString &key, const ValueRange &range)
{
    const QJsonValue v = object.value(key);
    if (v.isUndefined())
        return std::nullopt;
    const QString pointer = JsonPositions::child(at, key);
    if (v.type() != QJsonValue::Double) {
        error(pointer,
              QStringLiteral("%1 must be %2 %3, not %4")
                      .arg(settingName(pointer),
                           range.integer ? QStringLiteral("a whole number")
                                         : QStringLiteral("a number"),
                           range.describe(), typeName(v)));
        return std::nullopt;
    }
    if (const auto p = range.problem(v.toDouble())) {
        error(pointer, settingName(pointer) + QLatin1Char(' ') + *p);
        return std::nullopt;
    }
    return v.toDouble();
}

std::optional<qint64> ConfigReader::integer(const QJsonObject &object, const QString &at,
                                            const QString &key, const ValueRange &range)
{
    ValueRange whole = range;
    whole.integer = true;
    const auto v = number(object, at, key, whole);
    if (!v)
        return std::nullopt;
    return qint64(*v);
}

std::optional<QString> ConfigReader::string(const QJsonObject &object, const QString &at,
                                            const QString &key)
{
    const QJsonValue v = object.value(key);
    if (v.isUndefined() || !typed(v, QJsonValue::String, JsonPositions::child(at, key), "a string"))
        return std::nullopt;
    return v.toString();
}

std::optional<bool> ConfigReader::boolean(const QJsonObject &object, const QString &at,
                                          const QString &key)
{
    const QJsonValue v = object.value(key);
    if (v.isUndefined()
        || !typed(v, QJsonValue::Bool, JsonPositions::child(at, key), "true or false"))
        return std::nullopt;
    return v.toBool();
}

std::optional<QJsonObject> ConfigReader::object(const QJsonObject &object, const QString &at,
                                                const QString &key)
{
    const QJsonValue v = object.value(key);
    if (v.isUndefined()
        || !typed(v, QJsonValue::Object, JsonPositions::child(at, key), "an object"))
        return std::nullopt;
    return v.toObject();
}

std::optional<QJsonArray> ConfigReader::array(const QJsonObject &object, const QString &at,
                                              const QString &key)
{
    const QJsonValue v = object.value(key);
    if (v.isUndefined() || !typed(v, QJsonValue::Array, JsonPositions::child(at, key), "an array"))
        return std::nullopt;
    return v.toArray();
}

std::optional<QStringList> ConfigReader::stringList(const QJsonObject &object, const QString &at,
                                                    const QString &key)
{
    const auto a = array(object, at, key);
    if (!a)
        return std::nullopt;
    const QString pointer = JsonPositions::child(at, key);
    QStringList out;
    bool ok = true;
    for (qsizetype i = 0; i < a->size(); ++i) {
        const QJsonValue item = a->at(i);
        if (!item.isString()) {
            error(JsonPositions::child(pointer, i),
                  QStringLiteral("%1 must be an array of strings; item %2 is %3")
                          .arg(settingName(pointer))
                          .arg(i)
                          .arg(typeName(item)));
            ok = false;
            continue;
        }
        out << item.toString();
    }
    if (!ok)
        return std::nullopt;
    return out;
}
