#pragma once

#include "apierror.h"

#include <QJsonObject>
#include <QString>

#include <optional>

/// Reads the fields of a request body with messages that name the field and the expected
/// type; the first problem is kept and reported by error().
class JsonFields
{
public:
    explicit JsonFields(const QJsonObject &object)
        : m_object(object)
    { }

    /// A string field; null or absent is "" (and an error when required).
    QString string(const char *name, bool required);
    /// A required boolean field.
    bool boolean(const char *name);
    /// An optional object field (absent or null is an empty object).
    QJsonObject object(const char *name);
    /// Records a problem found by the caller (kept only if none came before).
    void fail(const QString &message);

    /// The first problem as an invalid_field error, if there was one.
    [[nodiscard]] std::optional<ApiError> error() const;

private:
    const QJsonObject &m_object;
    QString m_error;
};
