#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

/// The form an MCP elicitation request asks for (its `requestedSchema`, MCP 2025-11-25: a flat
/// object of string, number, integer, boolean, single- and multi-select enum properties), read
/// into typed fields with their bounds and defaults, and the check of one answer against its
/// field. A schema outside the spec (nested objects, wrong types, more than kMaxFields fields,
/// huge enums, over-long names) is refused as a whole: `error` says why and `fields` is empty.
/// Shared by the terminal's `ask` prompt and the desktop app's form.
struct ElicitationSchema
{
    enum class Type { String, Number, Integer, Boolean, Enum, MultiEnum };

    struct Option
    {
        QString value; ///< what is sent back
        QString label; ///< what is shown (the value when the schema gives no title)
    };

    struct Field
    {
        QString name; ///< the property's key (the key of the answer)
        QString title; ///< the schema's title, or the name (capped to kMaxTitleChars)
        QString description; ///< capped to kMaxDescriptionChars
        Type type = Type::String;
        QString format; ///< strings: "email", "uri", "date", "date-time" or ""
        QString pattern; ///< strings: a regular expression the answer must contain a match of
        int minLength = -1; ///< strings; -1: none
        int maxLength = -1; ///< strings; -1: none (kMaxValueChars still applies)
        std::optional<double> minimum; ///< numbers
        std::optional<double> maximum; ///< numbers
        int minItems = -1; ///< multi-select; -1: none
        int maxItems = -1; ///< multi-select; -1: none
        QList<Option> options; ///< enums
        bool required = false;
        QJsonValue defaultValue {QJsonValue::Undefined}; ///< Undefined: none (or unusable)
    };

    static constexpr int kMaxFields = 64;
    static constexpr int kMaxOptions = 256;
    static constexpr int kMaxNameChars = 128;
    static constexpr int kMaxTitleChars = 200;
    static constexpr int kMaxDescriptionChars = 2000;
    static constexpr int kMaxOptionValueChars = 500;
    static constexpr int kMaxOptionLabelChars = 200;
    static constexpr int kMaxPatternChars = 500;
    /// The longest text answer accepted, whatever maxLength says.
    static constexpr int kMaxValueChars = 100000;

    QList<Field> fields;
    QString error; ///< why the schema was refused ("" when it was read)

    [[nodiscard]] bool ok() const { return error.isEmpty(); }

    [[nodiscard]] static ElicitationSchema parse(const QJsonObject &schema);
    /// Why `value` does not answer `field` ("" when it does). Undefined or null is "not
    /// answered": fine unless the field is required; so is "" for a text field.
    [[nodiscard]] static QString check(const Field &field, const QJsonValue &value);
    /// Whether `value` counts as an answer (not undefined/null, not an empty text).
    [[nodiscard]] static bool answered(const Field &field, const QJsonValue &value);
    /// The order of `properties` (a request's requestedSchema.properties) as written in
    /// `requestText`, the JSON text of its elicitation/create request (QJsonObject sorts keys):
    /// every name of `properties` once. Empty when the text does not hold them all, or when
    /// there are more than kMaxFields.
    [[nodiscard]] static QStringList propertyOrder(const QByteArray &requestText,
                                                   const QJsonObject &properties);
    /// Sorts `fields` into `order` (names not in it go last, in the order they had).
    static void applyOrder(QList<Field> &fields, const QStringList &order);
    /// "string", "number", "integer", "boolean", "enum", "multiEnum".
    [[nodiscard]] static QString typeName(Type type);
};
