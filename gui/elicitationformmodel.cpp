#include "elicitationformmodel.h"

#include <QJSValue>
#include <QJsonArray>
#include <QLocale>

#include <algorithm>
#include <cmath>

using Type = ElicitationSchema::Type;

ElicitationFormModel::ElicitationFormModel(QObject *parent)
    : QAbstractListModel(parent)
{ }

ElicitationFormModel::~ElicitationFormModel() = default;

int ElicitationFormModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant ElicitationFormModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const ElicitationSchema::Field &f = row.field;
    switch (role) {
    case NameRole:
        return f.name;
    case Qt::DisplayRole:
    case TitleRole:
        return f.title;
    case DescriptionRole:
        return f.description;
    case TypeRole:
        return ElicitationSchema::typeName(f.type);
    case FormatRole:
        return f.format;
    case MinimumRole:
        return f.minimum ? QVariant(*f.minimum) : QVariant();
    case MaximumRole:
        return f.maximum ? QVariant(*f.maximum) : QVariant();
    case MinLengthRole:
        return f.minLength;
    case MaxLengthRole:
        return f.maxLength;
    case MinItemsRole:
        return f.minItems;
    case MaxItemsRole:
        return f.maxItems;
    case OptionsRole: {
        QVariantList options;
        options.reserve(f.options.size());
        for (const ElicitationSchema::Option &o : f.options)
            options.append(QVariantMap {{QStringLiteral("value"), o.value},
                                        {QStringLiteral("label"), o.label}});
        return options;
    }
    case RequiredRole:
        return f.required;
    case ValueRole:
        return row.value;
    case ErrorRole:
        return row.error;
    case HintRole:
        return hint(f);
    default:
        return {};
    }
}

QHash<int, QByteArray> ElicitationFormModel::roleNames() const
{
    return {{NameRole, "name"},
            {TitleRole, "title"},
            {DescriptionRole, "description"},
            {TypeRole, "type"},
            {FormatRole, "format"},
            {MinimumRole, "minimum"},
            {MaximumRole, "maximum"},
            {MinLengthRole, "minLength"},
            {MaxLengthRole, "maxLength"},
            {MinItemsRole, "minItems"},
            {MaxItemsRole, "maxItems"},
            {OptionsRole, "options"},
            {RequiredRole, "required"},
            {ValueRole, "value"},
            {ErrorRole, "error"},
            {HintRole, "hint"}};
}

void ElicitationFormModel::setSchema(const QVariantMap &schema)
{
    if (schema == m_schema && (!m_rows.isEmpty() || !m_parsed.ok()))
        return;
    setSchemaJson(QJsonObject::fromVariantMap(schema));
}

void ElicitationFormModel::setSchemaJson(const QJsonObject &schema)
{
    m_schema = schema.toVariantMap();
    // A new form replaces the old one as a whole: a reset is what happens.
    beginResetModel();
    m_parsed = ElicitationSchema::parse(schema);
    ElicitationSchema::applyOrder(m_parsed.fields, m_order);
    m_rows.clear();
    m_validated = false;
    for (const ElicitationSchema::Field &f : std::as_const(m_parsed.fields)) {
        Row row;
        row.field = f;
        if (!f.defaultValue.isUndefined())
            row.value = f.defaultValue.toVariant();
        else if (f.type == Type::Boolean)
            row.value = false; // an unchecked box says "no"; that is what is sent
        else if (f.type == Type::MultiEnum)
            row.value = QVariantList();
        else
            row.value = QString();
        m_rows.append(row);
    }
    endResetModel();
    Q_EMIT schemaChanged();
}

void ElicitationFormModel::setPropertyOrder(const QStringList &order)
{
    if (order == m_order)
        return;
    m_order = order.mid(0, ElicitationSchema::kMaxFields);
    Q_EMIT propertyOrderChanged();
    if (m_rows.isEmpty())
        return;
    // Reorder the rows (values kept): a new order is a new layout of the same form.
    beginResetModel();
    std::stable_sort(m_rows.begin(), m_rows.end(), [this](const Row &a, const Row &b) {
        const auto rank = [this](const Row &r) {
            const qsizetype at = m_order.indexOf(r.field.name);
            return at < 0 ? m_order.size() : at;
        };
        return rank(a) < rank(b) || (rank(a) == rank(b) && a.field.name < b.field.name);
    });
    m_parsed.fields.clear();
    for (const Row &r : std::as_const(m_rows))
        m_parsed.fields.append(r.field);
    endResetModel();
}

bool ElicitationFormModel::setValue(int row, const QVariant &value)
{
    if (row < 0 || row >= m_rows.size())
        return false;
    Row &r = m_rows[row];
    r.value = value.canConvert<QJSValue>() ? value.value<QJSValue>().toVariant() : value;
    QList<int> roles {ValueRole};
    const QString error = m_validated ? problem(r) : QString();
    if (error != r.error) {
        r.error = error;
        roles << ErrorRole;
    }
    const QModelIndex i = index(row);
    Q_EMIT dataChanged(i, i, roles);
    return true;
}

bool ElicitationFormModel::setOptionChosen(int row, const QString &option, bool chosen)
{
    if (row < 0 || row >= m_rows.size() || m_rows[row].field.type != Type::MultiEnum)
        return false;
    const auto &options = m_rows[row].field.options;
    if (std::none_of(options.begin(), options.end(),
                     [&option](const ElicitationSchema::Option &o) { return o.value == option; }))
        return false;
    QVariantList values = m_rows[row].value.toList();
    const bool has = values.contains(option);
    if (chosen == has)
        return true;
    if (chosen)
        values.append(option);
    else
        values.removeAll(option);
    return setValue(row, values);
}

bool ElicitationFormModel::validate()
{
    m_validated = true;
    bool ok = m_parsed.ok();
    for (int i = 0; i < m_rows.size(); ++i) {
        Row &r = m_rows[i];
        const QString error = problem(r);
        ok = ok && error.isEmpty();
        if (error != r.error) {
            r.error = error;
            const QModelIndex at = index(i);
            Q_EMIT dataChanged(at, at, {ErrorRole});
        }
    }
    return ok;
}

QVariantMap ElicitationFormModel::result() const
{
    return content().toVariantMap();
}

QJsonObject ElicitationFormModel::content() const
{
    if (!m_parsed.ok())
        return {};
    QJsonObject out;
    for (const Row &r : m_rows) {
        QString why;
        const std::optional<QJsonValue> v = toJson(r.field, r.value, &why);
        if (!v || !ElicitationSchema::check(r.field, *v).isEmpty())
            return {};
        if (ElicitationSchema::answered(r.field, *v))
            out.insert(r.field.name, *v);
    }
    return out;
}

std::optional<QJsonValue> ElicitationFormModel::toJson(const ElicitationSchema::Field &field,
                                                       const QVariant &value, QString *why)
{
    if (!value.isValid() || value.isNull())
        return QJsonValue(QJsonValue::Undefined);
    switch (field.type) {
    case Type::Number:
    case Type::Integer: {
        const bool integer = field.type == Type::Integer;
        double number = 0;
        if (value.typeId() == QMetaType::QString) {
            const QString text = value.toString().trimmed();
            if (text.isEmpty())
                return QJsonValue(QJsonValue::Undefined);
            bool ok = false;
            number = QLocale::c().toDouble(text, &ok);
            if (!ok)
                number = QLocale().toDouble(text, &ok); // "1,5" where that is the custom
            if (!ok || !std::isfinite(number)) {
                *why = integer ? QStringLiteral("Not a whole number")
                               : QStringLiteral("Not a number");
                return std::nullopt;
            }
        } else {
            bool ok = false;
            number = value.toDouble(&ok);
            if (!ok) {
                *why = integer ? QStringLiteral("Not a whole number")
                               : QStringLiteral("Not a number");
                return std::nullopt;
            }
        }
        // A whole number goes out as an integer ("age": 36, not 36.0).
        if (integer && std::floor(number) == number && std::fabs(number) < 9.0e15)
            return QJsonValue(qint64(number));
        return QJsonValue(number);
    }
    case Type::MultiEnum: {
        if (value.canConvert<QVariantList>() && value.typeId() != QMetaType::QString) {
            QJsonArray chosen;
            for (const QVariant &v : value.toList())
                chosen.append(QJsonValue::fromVariant(v));
            return QJsonValue(chosen);
        }
        return QJsonValue::fromVariant(value);
    }
    case Type::String:
    case Type::Enum:
    case Type::Boolean:
        break;
    }
    return QJsonValue::fromVariant(value);
}

QString ElicitationFormModel::problem(const Row &row)
{
    QString why;
    const std::optional<QJsonValue> v = toJson(row.field, row.value, &why);
    if (!v)
        return why;
    return ElicitationSchema::check(row.field, *v);
}

QString ElicitationFormModel::hint(const ElicitationSchema::Field &f)
{
    auto number = [](double v) { return QString::number(v, 'g', 15); };
    switch (f.type) {
    case Type::String:
        if (f.format == QLatin1String("email"))
            return QStringLiteral("name@example.com");
        if (f.format == QLatin1String("uri"))
            return QStringLiteral("https://example.com/…");
        if (f.format == QLatin1String("date"))
            return QStringLiteral("YYYY-MM-DD");
        if (f.format == QLatin1String("date-time"))
            return QStringLiteral("YYYY-MM-DDThh:mm:ssZ");
        if (f.minLength > 1 && f.maxLength >= 0)
            return QStringLiteral("%1 to %2 characters").arg(f.minLength).arg(f.maxLength);
        if (f.maxLength >= 0)
            return QStringLiteral("at most %1 characters").arg(f.maxLength);
        if (f.minLength > 1)
            return QStringLiteral("at least %1 characters").arg(f.minLength);
        return {};
    case Type::Number:
    case Type::Integer: {
        const QString kind = f.type == Type::Integer ? QStringLiteral("a whole number")
                                                     : QStringLiteral("a number");
        if (f.minimum && f.maximum)
            return QStringLiteral("%1 from %2 to %3")
                    .arg(kind, number(*f.minimum), number(*f.maximum));
        if (f.minimum)
            return QStringLiteral("%1, at least %2").arg(kind, number(*f.minimum));
        if (f.maximum)
            return QStringLiteral("%1, at most %2").arg(kind, number(*f.maximum));
        return kind;
    }
    case Type::MultiEnum:
        if (f.minItems > 0 && f.maxItems >= 0)
            return QStringLiteral("choose %1 to %2").arg(f.minItems).arg(f.maxItems);
        if (f.maxItems >= 0)
            return QStringLiteral("choose at most %1").arg(f.maxItems);
        if (f.minItems > 0)
            return QStringLiteral("choose at least %1").arg(f.minItems);
        return {};
    case Type::Boolean:
    case Type::Enum:
        return {};
    }
    return {};
}
