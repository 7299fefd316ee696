#pragma once

#include "elicitationschema.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QStringList>

#include <optional>

/// The fields of an MCP elicitation form (its `requestedSchema`, read by ElicitationSchema: a
/// flat object of string, number, integer, boolean, enum and multi-select properties), asked one
/// at a time on a terminal, and the typed value each answer stands for.
struct ElicitationForm
{
    struct Field
    {
        QString name;
        QString title; ///< title or description, for the prompt
        QString type; ///< "string", "number", "integer", "boolean", "array" (a multi-select)
        QStringList choices; ///< enum values (then type is "string" or "array")
        bool required = false;
        QJsonValue defaultValue;
        double minimum = -1e300;
        double maximum = 1e300;
        qsizetype maxLength = -1;
        ElicitationSchema::Field schema; ///< the whole field (formats, patterns, counts)
    };

    QList<Field> fields;
    QString error; ///< why the schema cannot be asked (then there are no fields)

    /// The fields in `order` (the event's `property_order`: the order the server wrote them;
    /// names not in it, or all when it is empty, follow by name).
    [[nodiscard]] static ElicitationForm fromSchema(const QJsonObject &schema,
                                                    const QStringList &order = {});
    /// "name (Your name, text, required): " and the like.
    [[nodiscard]] static QString prompt(const Field &field);
    /// The value `text` stands for; nothing with `why` set when it does not fit. An empty text
    /// is "not answered" (returned as an undefined value) for an optional field without default.
    /// A multi-select takes its choices separated by commas.
    [[nodiscard]] static std::optional<QJsonValue> parse(const Field &field, const QString &input,
                                                         QString *why);

private:
    /// The value of a non-empty answer by its type alone.
    [[nodiscard]] static std::optional<QJsonValue> parseText(const Field &field,
                                                             const QString &text, QString *why);
};
