#include "apierror.h"

QJsonObject ApiError::toJson() const
{
    QJsonObject error = details;
    error.insert(QStringLiteral("code"), code);
    error.insert(QStringLiteral("message"), message);
    return {{QStringLiteral("error"), error}};
}
