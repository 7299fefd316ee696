#pragma once

#include "apierror.h"

#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QStringList>

#include <optional>

class QHttpServerRequest;
class QUrlQuery;

/// The security checks of every API request: Host against DNS rebinding (on loopback only
/// loopback names are ours), Origin against the server's own origin and the allowed list (with
/// the CORS headers an allowed origin gets), and the bearer token (compared in constant time;
/// GET also accepts `?access_token=`, since EventSource cannot set headers), and the cross-site
/// check of requests that change state: a browser request from another site (Fetch Metadata's
/// `Sec-Fetch-Site`, or without it the `Referer`) is refused unless it carries an allowed Origin,
/// so an `<img>`, a form or a `no-cors` fetch on another site cannot create sessions or run
/// tools. Clients that are not browsers send none of these headers and are not affected.
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
    /// For a route that changes state, after checkHostAndOrigin: an error if a browser sent the
    /// request from a context of another site without an allowed Origin.
    [[nodiscard]] std::optional<ApiError> checkCrossSite(const QHttpServerRequest &request) const;
    /// Whether the request carries the token (always true without a token).
    [[nodiscard]] bool isAuthorized(const QHttpServerRequest &request) const;
    /// The same from the raw pieces (the connection guard checks a head before the body).
    [[nodiscard]] bool isAuthorized(const QByteArray &header, bool isGet,
                                    const QUrlQuery &query) const;

    [[nodiscard]] static bool isLoopback(const QHostAddress &address);

private:
    /// Whether `origin` ("scheme://host[:port]") is this server's (as named by `host`) or listed.
    [[nodiscard]] bool isOwnOrAllowed(const QByteArray &origin, const QByteArray &host) const;

    Options m_options;
};
