#pragma once

#include "apierror.h"

#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QStringList>

#include <optional>

class QHttpServerRequest;

/// The security checks of every API request: Host against DNS rebinding (on loopback only
/// loopback names are ours), Origin against the server's own origin and the allowed list (with
/// the CORS headers an allowed origin gets), and the bearer token (compared in constant time;
/// GET also accepts `?access_token=`, since EventSource cannot set headers).
class ApiSecurity
{
public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    struct Options
    {
        QHostAddress address = QHostAddress::LocalHost; ///< where the server listens
        QString token; ///< empty: no authentication
        QStringList allowedOrigins; ///< besides the server's own origin; "*" allows any
    };

    explicit ApiSecurity(Options options);

    /// Host and Origin; on success appends the CORS headers for an allowed foreign origin.
    [[nodiscard]] std::optional<ApiError> checkHostAndOrigin(const QHttpServerRequest &request,
                                                             Headers *cors) const;
    /// Whether the request carries the token (always true without a token).
    [[nodiscard]] bool isAuthorized(const QHttpServerRequest &request) const;

    [[nodiscard]] static bool isLoopback(const QHostAddress &address);

private:
    Options m_options;
};
