#pragma once

#include "elicitationschema.h"

#include <QAbstractListModel>
#include <QJsonObject>
#include <QQmlEngine>
#include <QStringList>
#include <QVariantMap>

/// The form of an MCP elicitation request for the views (QML: `ElicitationForm`): set `schema`
/// to the request's `requestedSchema`; each row is one field with its bounds, its options and
/// its value, which starts at the schema's default. setValue() takes what an editor gives (text
/// for text and number fields, a bool, a list of chosen values); validate() sets each field's
/// `error` and keeps them current as values change; result() is the content to send, each value
/// with its JSON type. A schema outside the spec leaves no rows and says why in `error`.
class ElicitationFormModel : public QAbstractListModel
{
    Q_OBJECT
    QML_NAMED_ELEMENT(ElicitationForm)
    Q_DISABLE_COPY_MOVE(ElicitationFormModel)
    Q_PROPERTY(QVariantMap schema READ schema WRITE setSchema NOTIFY schemaChanged)
    /// The fields' names in the order the server wrote them (the elicitation event's
    /// `property_order`); fields not in it, or all when it is empty, follow by name.
    Q_PROPERTY(QStringList propertyOrder READ propertyOrder WRITE setPropertyOrder NOTIFY
                       propertyOrderChanged)
    /// Why the schema cannot be shown as a form ("" when it can).
    Q_PROPERTY(QString error READ error NOTIFY schemaChanged)
    Q_PROPERTY(int count READ count NOTIFY schemaChanged)
    /// The model of fields (this object), for `Repeater { model: form.fields }`.
    Q_PROPERTY(QAbstractItemModel *fields READ fields CONSTANT)

public:
    enum Role {
        NameRole = Qt::UserRole + 1, ///< the key of the answer
        TitleRole, ///< the label: the schema's title, or the name
        DescriptionRole, ///< help text ("" none)
        TypeRole, ///< "string", "number", "integer", "boolean", "enum", "multiEnum"
        FormatRole, ///< strings: "email", "uri", "date", "date-time" or ""
        MinimumRole, ///< numbers: the lower bound, undefined when none
        MaximumRole, ///< numbers: the upper bound, undefined when none
        MinLengthRole, ///< strings: -1 none
        MaxLengthRole, ///< strings: -1 none
        MinItemsRole, ///< multi-select: -1 none
        MaxItemsRole, ///< multi-select: -1 none
        OptionsRole, ///< enums: list of {value, label}
        RequiredRole, ///< bool
        ValueRole, ///< the current value (text, number, bool or list of values)
        ErrorRole, ///< why the value does not fit ("" when it does, or before validate())
        HintRole, ///< what the field expects, for a placeholder ("name@example.com", …)
    };
    Q_ENUM(Role)

    explicit ElicitationFormModel(QObject *parent = nullptr);
    ~ElicitationFormModel() override;

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

    [[nodiscard]] QVariantMap schema() const { return m_schema; }
    void setSchema(const QVariantMap &schema);
    /// The same from C++, with the JSON types kept.
    void setSchemaJson(const QJsonObject &schema);
    [[nodiscard]] QStringList propertyOrder() const { return m_order; }
    void setPropertyOrder(const QStringList &order);
    [[nodiscard]] QString error() const { return m_parsed.error; }
    [[nodiscard]] int count() const { return int(m_rows.size()); }
    [[nodiscard]] QAbstractItemModel *fields() { return this; }

    /// Sets a field's value; false for a row that does not exist.
    Q_INVOKABLE bool setValue(int row, const QVariant &value);
    /// A multi-select field: adds `option` to the chosen values or takes it out (the others
    /// stay, in the order they were chosen); false for a row that is no multi-select or an
    /// option it does not offer.
    Q_INVOKABLE bool setOptionChosen(int row, const QString &option, bool chosen);
    /// Checks every field and sets its error; true when the form can be sent.
    Q_INVOKABLE bool validate();
    /// The content to send with "accept" (answered fields only); empty when validate() fails.
    Q_INVOKABLE QVariantMap result() const;
    /// The same as JSON (integers stay integers).
    [[nodiscard]] QJsonObject content() const;

Q_SIGNALS:
    void schemaChanged();
    void propertyOrderChanged();

private:
    struct Row
    {
        ElicitationSchema::Field field;
        QVariant value;
        QString error;
    };

    /// The value as JSON for `field`; nothing with `why` set when it is not one (a number field
    /// holding "abc").
    [[nodiscard]] static std::optional<QJsonValue> toJson(const ElicitationSchema::Field &field,
                                                          const QVariant &value, QString *why);
    [[nodiscard]] static QString problem(const Row &row);
    [[nodiscard]] static QString hint(const ElicitationSchema::Field &field);

    QVariantMap m_schema;
    QStringList m_order;
    ElicitationSchema m_parsed;
    QList<Row> m_rows;
    bool m_validated = false; ///< errors are shown (and kept current) after validate()
};
