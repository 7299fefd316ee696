#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

/// An error at the API edge: an HTTP status, a stable code and a message for people.
/// Errors are typed in the core and mapped to this in one place (the route handlers); it is
/// written as `{"error":{"code":"…","message":"…"}}`.
struct ApiError
{
    int status = 500;
    QString code;
    QString message;
    QJsonObject details; ///< optional extra fields inside "error"
    int retryAfterSeconds = 0; ///< > 0: a Retry-After header is sent

    [[nodiscard]] QJsonObject toJson() const;

    [[nodiscard]] static ApiError badRequest(const QString &code, const QString &message)
    {
        return {400, code, message, {}, 0};
    }
    [[nodiscard]] static ApiError notFound(const QString &code, const QString &message)
    {
        return {404, code, message, {}, 0};
    }
    [[nodiscard]] static ApiError conflict(const QString &code, const QString &message)
    {
        return {409, code, message, {}, 0};
    }
};
