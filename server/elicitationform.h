#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QStringList>

#include <optional>

/// The fields of an MCP elicitation form (its `requestedSchema`: a flat object of string,
/// number, integer, boolean and enum properties), asked one at a time on a terminal, and the
/// typed value each answer stands for.
struct ElicitationForm
{
    struct Field
    {
        QString name;
        QString title; ///< title or description, for the prompt
        QString type; ///< "string", "number", "integer", "boolean"
        QStringList choices; ///< enum values (then type is "string")
        bool required = false;
        QJsonValue defaultValue;
        double minimum = -1e300;
        double maximum = 1e300;
        qsizetype maxLength = -1;
    };

    QList<Field> fields;

    [[nodiscard]] static ElicitationForm fromSchema(const QJsonObject &schema);
    /// "name (Your name, text, required): " and the like.
    [[nodiscard]] static QString prompt(const Field &field);
    /// The value `text` stands for; nothing with `why` set when it does not fit. An empty text
    /// is "not answered" (returned as an undefined value) for an optional field without default.
    [[nodiscard]] static std::optional<QJsonValue> parse(const Field &field, const QString &input,
                                                         QString *why);
};
