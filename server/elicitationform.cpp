#include "elicitationform.h"

#include <QJsonArray>

ElicitationForm ElicitationForm::fromSchema(const QJsonObject &schema)
{
    ElicitationForm form;
    const QJsonObject properties = schema.value(QStringLiteral("properties")).toObject();
    const QJsonArray required = schema.value(QStringLiteral("required")).toArray();
    for (auto it = properties.begin(); it != properties.end(); ++it) {
        const QJsonObject p = it.value().toObject();
        Field f;
        f.name = it.key();
        f.title = p.value(QStringLiteral("title")).toString();
        if (f.title.isEmpty())
            f.title = p.value(QStringLiteral("description")).toString();
        f.type = p.value(QStringLiteral("type")).toString(QStringLiteral("string"));
        for (const auto &v : p.value(QStringLiteral("enum")).toArray())
            f.choices << v.toString();
        f.required = required.contains(QJsonValue(f.name));
        f.defaultValue = p.value(QStringLiteral("default"));
        if (p.value(QStringLiteral("minimum")).isDouble())
            f.minimum = p.value(QStringLiteral("minimum")).toDouble();
        if (p.value(QStringLiteral("maximum")).isDouble())
            f.maximum = p.value(QStringLiteral("maximum")).toDouble();
        if (p.value(QStringLiteral("maxLength")).isDouble())
            f.maxLength = p.value(QStringLiteral("maxLength")).toInteger();
        form.fields.append(f);
    }
    return form;
}

QString ElicitationForm::prompt(const Field &field)
{
    QStringList notes;
    if (!field.title.isEmpty())
        notes << field.title;
    if (!field.choices.isEmpty())
        notes << QStringLiteral("one of: %1").arg(field.choices.join(QStringLiteral(", ")));
    else if (field.type == QLatin1String("boolean"))
        notes << QStringLiteral("y/n");
    else if (field.type == QLatin1String("integer"))
        notes << QStringLiteral("a whole number");
    else if (field.type == QLatin1String("number"))
        notes << QStringLiteral("a number");
    notes << (field.required ? QStringLiteral("required") : QStringLiteral("optional"));
    QString text = QStringLiteral("  %1 (%2)").arg(field.name, notes.join(QStringLiteral(", ")));
    if (!field.defaultValue.isUndefined() && !field.defaultValue.isNull())
        text += QStringLiteral(" [%1]").arg(field.defaultValue.toVariant().toString());
    return text + QStringLiteral(": ");
}

std::optional<QJsonValue> ElicitationForm::parse(const Field &field, const QString &input,
                                                 QString *why)
{
    const QString text = input.trimmed();
    if (text.isEmpty()) {
        if (!field.defaultValue.isUndefined() && !field.defaultValue.isNull())
            return field.defaultValue;
        if (field.required) {
            *why = QStringLiteral("%1 is required").arg(field.name);
            return std::nullopt;
        }
        return QJsonValue(QJsonValue::Undefined);
    }
    if (!field.choices.isEmpty()) {
        for (const QString &c : field.choices) {
            if (c.compare(text, Qt::CaseInsensitive) == 0)
                return QJsonValue(c);
        }
        *why = QStringLiteral("type one of: %1").arg(field.choices.join(QStringLiteral(", ")));
        return std::nullopt;
    }
    if (field.type == QLatin1String("boolean")) {
        const QString t = text.toLower();
        if (t == QLatin1String("y") || t == QLatin1String("yes") || t == QLatin1String("true"))
            return QJsonValue(true);
        if (t == QLatin1String("n") || t == QLatin1String("no") || t == QLatin1String("false"))
            return QJsonValue(false);
        *why = QStringLiteral("type y or n");
        return std::nullopt;
    }
    if (field.type == QLatin1String("integer") || field.type == QLatin1String("number")) {
        bool ok = false;
        const double v = text.toDouble(&ok);
        const bool integer = field.type == QLatin1String("integer");
        if (!ok || (integer && v != double(qint64(v)))) {
            *why = integer ? QStringLiteral("type a whole number")
                           : QStringLiteral("type a number");
            return std::nullopt;
        }
        if (v < field.minimum || v > field.maximum) {
            *why = QStringLiteral("type a number between %1 and %2")
                           .arg(field.minimum)
                           .arg(field.maximum);
            return std::nullopt;
        }
        return integer ? QJsonValue(qint64(v)) : QJsonValue(v);
    }
    if (field.maxLength >= 0 && text.size() > field.maxLength) {
        *why = QStringLiteral("at most %1 characters").arg(field.maxLength);
        return std::nullopt;
    }
    return QJsonValue(text);
}
