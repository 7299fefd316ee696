#include "jsonfields.h"

QString JsonFields::string(const char *name, bool required)
{
    const QJsonValue v = m_object.value(QLatin1String(name));
    if (v.isUndefined() || v.isNull()) {
        if (required)
            fail(QStringLiteral("missing field \"%1\"").arg(QLatin1String(name)));
        return {};
    }
    if (!v.isString()) {
        fail(QStringLiteral("field \"%1\" must be a string").arg(QLatin1String(name)));
        return {};
    }
    return v.toString();
}

bool JsonFields::boolean(const char *name)
{
    const QJsonValue v = m_object.value(QLatin1String(name));
    if (!v.isBool())
        fail(v.isUndefined() ? QStringLiteral("missing field \"%1\"").arg(QLatin1String(name))
                             : QStringLiteral("field \"%1\" must be true or false")
                                       .arg(QLatin1String(name)));
    return v.toBool();
}

QJsonObject JsonFields::object(const char *name)
{
    const QJsonValue v = m_object.value(QLatin1String(name));
    if (!v.isUndefined() && !v.isNull() && !v.isObject())
        fail(QStringLiteral("field \"%1\" must be an object").arg(QLatin1String(name)));
    return v.toObject();
}

void JsonFields::fail(const QString &message)
{
    if (m_error.isEmpty())
        m_error = message;
}

std::optional<ApiError> JsonFields::error() const
{
    if (m_error.isEmpty())
        return std::nullopt;
    return ApiError {ApiError::Code::InvalidField, m_error};
}
