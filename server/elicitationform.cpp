#include "elicitationform.h"

#include <QJsonArray>

#include <algorithm>

ElicitationForm ElicitationForm::fromSchema(const QJsonObject &schema, const QStringList &order)
{
    ElicitationForm form;
    ElicitationSchema parsed = ElicitationSchema::parse(schema);
    ElicitationSchema::applyOrder(parsed.fields, order.mid(0, ElicitationSchema::kMaxFields));
    form.error = parsed.error;
    for (const ElicitationSchema::Field &s : parsed.fields) {
        Field f;
        f.name = s.name;
        // The shared reader falls back to the name; the prompt shows the name already.
        f.title = s.title != s.name ? s.title : s.description;
        switch (s.type) {
        case ElicitationSchema::Type::Enum:
            f.type = QStringLiteral("string");
            break;
        case ElicitationSchema::Type::MultiEnum:
            f.type = QStringLiteral("array");
            break;
        default:
            f.type = ElicitationSchema::typeName(s.type);
            break;
        }
        for (const ElicitationSchema::Option &o : s.options)
            f.choices << o.value;
        f.required = s.required;
        f.defaultValue = s.defaultValue;
        if (s.minimum)
            f.minimum = *s.minimum;
        if (s.maximum)
            f.maximum = *s.maximum;
        f.maxLength = s.maxLength;
        f.schema = s;
        form.fields.append(f);
    }
    return form;
}

QString ElicitationForm::prompt(const Field &field)
{
    QStringList notes;
    if (!field.title.isEmpty())
        notes << field.title;
    if (field.type == QLatin1String("array"))
        notes << QStringLiteral("any of: %1, separated by commas")
                         .arg(field.choices.join(QStringLiteral(", ")));
    else if (!field.choices.isEmpty())
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
        if (field.required && field.type == QLatin1String("array") && field.schema.minItems == 0)
            return QJsonValue(QJsonArray());
        if (field.required) {
            *why = QStringLiteral("%1 is required").arg(field.name);
            return std::nullopt;
        }
        return QJsonValue(QJsonValue::Undefined);
    }
    const std::optional<QJsonValue> value = parseText(field, text, why);
    if (!value)
        return std::nullopt;
    // What the schema asks beyond the type (formats, lengths, patterns, counts).
    const QString problem = ElicitationSchema::check(field.schema, *value);
    if (!problem.isEmpty()) {
        *why = problem.left(1).toLower() + problem.mid(1);
        return std::nullopt;
    }
    return value;
}

std::optional<QJsonValue> ElicitationForm::parseText(const Field &field, const QString &text,
                                                     QString *why)
{
    if (field.type == QLatin1String("array")) {
        QJsonArray chosen;
        for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const QString item = part.trimmed();
            const auto match = std::find_if(field.choices.cbegin(), field.choices.cend(),
                                            [&item](const QString &c) {
                                                return c.compare(item, Qt::CaseInsensitive) == 0;
                                            });
            if (match == field.choices.cend()) {
                *why = QStringLiteral("type any of: %1")
                               .arg(field.choices.join(QStringLiteral(", ")));
                return std::nullopt;
            }
            if (!chosen.contains(*match))
                chosen.append(*match);
        }
        return QJsonValue(chosen);
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
